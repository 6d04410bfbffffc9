"""Immutable, content-addressed policy versions in the store, and the diff between two of them.

A policy file imported twice (or two files that say the same thing) is one version: the key is
``Policy.content_hash()``. Each version also records, per category, a *labeling hash* over everything
that changes what a label means (definition, includes, excludes, examples, input types) but not the
threshold target. Labels made under a version whose labeling hash for a category differs from the
current one are not trusted for that category (see ``flagstone.data.labels``).

Versions are referred to by hash prefix (at least 6 characters), by the ``version`` string written
in the file, or as ``current``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, select

from flagstone.errors import ConflictError, InvalidRequestError, NotFoundError
from flagstone.policy.loader import load_policy
from flagstone.policy.schema import CategoryPolicy, Policy
from flagstone.store.engine import Store, utcnow
from flagstone.store.tables import policy_versions, store_state

CURRENT_KEY = "current_policy_hash"
_TARGET_FIELDS = ("target_precision", "target_recall")


@dataclass(frozen=True)
class PolicyVersion:
    id: int
    hash: str
    name: str
    version: str
    created_at: datetime
    source: str | None
    category_hashes: dict[str, str]
    is_current: bool = False

    @property
    def short(self) -> str:
        return self.hash[:12]


def labeling_hash(section: CategoryPolicy) -> str:
    """Hash of what a label under this category means (threshold targets excluded)."""
    data = section.model_dump(mode="json", exclude=set(_TARGET_FIELDS))
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def category_hashes(policy: Policy) -> dict[str, str]:
    return {c: labeling_hash(s) for c, s in policy.categories.items()}


def import_policy(store: Store, path: str | Path) -> tuple[PolicyVersion, bool]:
    """Validate and store a policy file; returns (version, created). Importing again creates nothing."""
    policy = load_policy(path)
    digest = policy.content_hash()
    with store.begin() as conn:
        existing = _by_hash(conn, digest)
        if existing is not None:
            return existing, False
        conn.execute(policy_versions.insert().values(
            hash=digest, name=policy.name, version=policy.version,
            body=json.dumps(policy.model_dump(mode="json"), sort_keys=True, ensure_ascii=False),
            category_hashes=json.dumps(category_hashes(policy), sort_keys=True),
            source=str(path)[:500], created_at=utcnow()))
        created = _by_hash(conn, digest)
    assert created is not None
    return created, True


def _row_to_version(row, current: str | None) -> PolicyVersion:
    return PolicyVersion(id=row.id, hash=row.hash, name=row.name, version=row.version,
                         created_at=row.created_at, source=row.source,
                         category_hashes=json.loads(row.category_hashes), is_current=row.hash == current)


def current_hash(conn: Connection) -> str | None:
    return conn.execute(select(store_state.c.value).where(store_state.c.key == CURRENT_KEY)).scalar()


def _by_hash(conn: Connection, digest: str) -> PolicyVersion | None:
    row = conn.execute(select(policy_versions).where(policy_versions.c.hash == digest)).first()
    return _row_to_version(row, current_hash(conn)) if row is not None else None


def list_versions(store: Store) -> list[PolicyVersion]:
    with store.connect() as conn:
        cur = current_hash(conn)
        rows = conn.execute(select(policy_versions).order_by(policy_versions.c.id)).all()
    return [_row_to_version(r, cur) for r in rows]


def resolve_version(conn: Connection, ref: str) -> PolicyVersion:
    """Find a version by ``current``, hash prefix or version string; ambiguity is an error."""
    cur = current_hash(conn)
    if ref == "current":
        if cur is None:
            raise NotFoundError("no current policy version: run `flagstone policy apply VERSION` first")
        ref = cur
    rows = conn.execute(select(policy_versions)).all()
    matches = [r for r in rows if r.version == ref]
    if not matches and len(ref) >= 6:
        matches = [r for r in rows if r.hash.startswith(ref.lower())]
    if not matches:
        known = ", ".join(f"{r.version} ({r.hash[:12]})" for r in rows) or "none imported yet"
        raise NotFoundError(f"unknown policy version {ref!r}; available: {known}")
    if len(matches) > 1:
        raise InvalidRequestError(f"policy version {ref!r} is ambiguous; give a hash prefix: "
                                  + ", ".join(r.hash[:12] for r in matches))
    return _row_to_version(matches[0], cur)


def get_version(store: Store, ref: str) -> PolicyVersion:
    with store.connect() as conn:
        return resolve_version(conn, ref)


def load_version_policy(conn: Connection, version_id: int) -> Policy:
    body = conn.execute(select(policy_versions.c.body).where(policy_versions.c.id == version_id)).scalar()
    if body is None:
        raise NotFoundError(f"policy version id {version_id} not found")
    return Policy.model_validate(json.loads(body))


def get_policy(store: Store, ref: str) -> tuple[PolicyVersion, Policy]:
    with store.connect() as conn:
        v = resolve_version(conn, ref)
        return v, load_version_policy(conn, v.id)


def current_version(conn: Connection) -> PolicyVersion:
    """The current version, or a ConflictError explaining how to set one."""
    if current_hash(conn) is None:
        raise ConflictError("no current policy version: run `flagstone policy import FILE` "
                            "and `flagstone policy apply VERSION` first")
    return resolve_version(conn, "current")


def set_current(conn: Connection, version: PolicyVersion) -> None:
    if conn.execute(select(store_state.c.key).where(store_state.c.key == CURRENT_KEY)).first():
        conn.execute(store_state.update().where(store_state.c.key == CURRENT_KEY).values(value=version.hash))
    else:
        conn.execute(store_state.insert().values(key=CURRENT_KEY, value=version.hash))


# --- diff -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryDiff:
    category: str
    status: str  # added | removed | changed | unchanged
    changes: tuple[str, ...] = ()  # definition, includes, excludes, examples, input_types, target
    details: dict[str, dict] = field(default_factory=dict)  # field -> {"added": [...], "removed": [...]}

    @property
    def meaning_changed(self) -> bool:
        """True when labels made under the old text may no longer hold (relabel needed)."""
        return self.status in ("added", "removed") or any(c != "target" for c in self.changes)


@dataclass(frozen=True)
class PolicyDiff:
    old: str
    new: str
    categories: tuple[CategoryDiff, ...]

    @property
    def changed(self) -> list[CategoryDiff]:
        return [c for c in self.categories if c.status != "unchanged"]


def _list_delta(a: list[str], b: list[str]) -> dict:
    return {"added": [x for x in b if x not in a], "removed": [x for x in a if x not in b]}


def diff_category(name: str, a: CategoryPolicy, b: CategoryPolicy) -> CategoryDiff:
    changes: list[str] = []
    details: dict[str, dict] = {}
    if a.definition != b.definition:
        changes.append("definition")
        details["definition"] = {"old": a.definition, "new": b.definition}
    for fld in ("includes", "excludes"):
        if getattr(a, fld) != getattr(b, fld):
            changes.append(fld)
            details[fld] = _list_delta(getattr(a, fld), getattr(b, fld))
    if a.positive_examples != b.positive_examples or a.negative_examples != b.negative_examples:
        changes.append("examples")
        details["positive_examples"] = _list_delta(a.positive_examples, b.positive_examples)
        details["negative_examples"] = _list_delta(a.negative_examples, b.negative_examples)
    if a.input_types != b.input_types:
        changes.append("input_types")
        details["input_types"] = _list_delta(list(a.input_types), list(b.input_types))
    ta = {f: getattr(a, f) for f in _TARGET_FIELDS}
    tb = {f: getattr(b, f) for f in _TARGET_FIELDS}
    if ta != tb:
        changes.append("target")
        details["target"] = {"old": ta, "new": tb}
    return CategoryDiff(name, "changed" if changes else "unchanged", tuple(changes), details)


def diff_policies(a: Policy, b: Policy, *, old: str = "a", new: str = "b") -> PolicyDiff:
    out: list[CategoryDiff] = []
    for name in list(a.categories) + [c for c in b.categories if c not in a.categories]:
        if name not in b.categories:
            out.append(CategoryDiff(name, "removed"))
        elif name not in a.categories:
            out.append(CategoryDiff(name, "added"))
        else:
            out.append(diff_category(name, a.categories[name], b.categories[name]))
    return PolicyDiff(old=old, new=new, categories=tuple(out))


def diff_versions(store: Store, ref_a: str, ref_b: str) -> PolicyDiff:
    va, pa = get_policy(store, ref_a)
    vb, pb = get_policy(store, ref_b)
    return diff_policies(pa, pb, old=va.short, new=vb.short)
