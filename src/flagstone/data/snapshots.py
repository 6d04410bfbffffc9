"""Immutable dataset snapshots: one Parquet file plus a manifest, addressed by content hash.

A snapshot holds every item of a dataset with its current labels (resolved as documented in
``flagstone.data.labels``; ``None`` = unlabeled), its near-duplicate ``group`` and a ``split``
(train / calibration / dev / test, 70/10/10/10) drawn from the hash of the group, so near duplicates
never straddle splits and an unchanged group keeps its split from one snapshot to the next.
Column ``label_sources`` holds, per row, JSON ``{category: tier}``: which tier of the precedence
(adjudicated > human > llm > pseudo > import) decided each label; the manifest counts them.
``create_snapshot(..., policy=REF)`` resolves labels under a named policy version instead of the
current one (training recipes pin snapshots by id and may name the version they expect).

Rows are sorted by key and the file is written with fixed settings, so the same data under the same
policy version gives the same bytes; the snapshot id is the SHA-256 of those bytes. Files live in
``<data_dir>/snapshots/<id>/{items.parquet, manifest.json}`` and are never rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from flagstone.data.labels import current_labels_with_source
from flagstone.data.minhash import near_duplicate_groups
from flagstone.data.transforms import split
from flagstone.errors import InvalidRequestError, NotFoundError
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.policy.versions import current_version, resolve_version
from flagstone.store.engine import Store, utcnow
from flagstone.store.tables import dataset_items, datasets, items, snapshots


@dataclass(frozen=True)
class SnapshotInfo:
    id: str
    dataset: str
    path: Path
    n_items: int
    policy_hash: str
    created: bool = False

    @property
    def manifest_path(self) -> Path:
        return self.path.parent / "manifest.json"


def snapshot_schema() -> pa.Schema:
    fields = [pa.field("key", pa.string()), pa.field("text", pa.string()), pa.field("source_id", pa.string()),
              pa.field("meta", pa.string()), pa.field("group", pa.string()), pa.field("split", pa.string())]
    fields += [pa.field(c, pa.int8()) for c in CATEGORIES]
    return pa.schema([*fields, pa.field("label_sources", pa.string())])


def dataset_id(conn, name: str) -> int:
    found = conn.execute(select(datasets.c.id).where(datasets.c.name == name)).scalar()
    if found is None:
        names = sorted(conn.execute(select(datasets.c.name)).scalars())
        raise NotFoundError(f"unknown dataset {name!r}; available: {', '.join(names) or 'none'}")
    return found


def build_table(store: Store, dataset: str, policy: str | None = None) -> tuple[pa.Table, str]:
    """The snapshot table of a dataset as it is now, and the hash of the policy it was resolved under
    (``policy``: a version hash prefix or name; default the current version)."""
    with store.connect() as conn:
        ds = dataset_id(conn, dataset)
        version = current_version(conn) if policy is None else resolve_version(conn, policy)
        rows = conn.execute(select(items.c.key, items.c.text, dataset_items.c.source_id, dataset_items.c.meta)
                            .join(dataset_items, dataset_items.c.item_key == items.c.key)
                            .where(dataset_items.c.dataset_id == ds).order_by(items.c.key)).all()
        resolved = current_labels_with_source(conn, ds, version.category_hashes)
    keys = [r.key for r in rows]
    comp, _ = near_duplicate_groups([r.text for r in rows])
    cols = {
        "key": keys, "text": [r.text for r in rows], "source_id": [r.source_id for r in rows],
        "meta": [r.meta for r in rows], "group": [keys[c] for c in comp] if len(keys) else [],
    }
    table = pa.table(cols, schema=pa.schema([snapshot_schema().field(n) for n in cols]))
    table = split(table)
    for cat in CATEGORIES:
        table = table.append_column(pa.field(cat, pa.int8()),
                                    pa.array([resolved.get(k, {}).get(cat, (None,))[0] for k in keys], pa.int8()))
    tiers = [json.dumps({c: t for c, (_, t) in sorted(resolved[k].items())}) if k in resolved else None for k in keys]
    table = table.append_column(pa.field("label_sources", pa.string()), pa.array(tiers, pa.string()))
    meta = {b"flagstone.dataset": dataset.encode(), b"flagstone.policy": version.hash.encode()}
    return table.replace_schema_metadata(meta), version.hash


def _write(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd", use_dictionary=True, write_statistics=True,
                   row_group_size=100_000)


def create_snapshot(store: Store, dataset: str, policy: str | None = None) -> SnapshotInfo:
    """Write (or find) the snapshot of ``dataset`` now; an identical snapshot is not written twice."""
    table, policy_hash = build_table(store, dataset, policy)
    root = store.data_dir.resolve() / "snapshots"
    root.mkdir(parents=True, exist_ok=True)
    tmp: Path | None = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    try:
        _write(table, tmp / "items.parquet")
        digest = hashlib.sha256((tmp / "items.parquet").read_bytes()).hexdigest()
        final = root / digest
        created = not (final / "items.parquet").is_file()
        if created:
            manifest = {"id": digest, "dataset": dataset, "policy_hash": policy_hash, "n_items": table.num_rows,
                        "created_at": utcnow().isoformat(), "files": {"items.parquet": digest},
                        "splits": _counts(table, "split"),
                        "labels": {c: _counts(table, c) for c in CATEGORIES},
                        "label_sources": label_source_counts(table)}
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            os.replace(tmp, final)  # atomic: a snapshot directory is complete or absent
            tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    info = SnapshotInfo(digest, dataset, final / "items.parquet", table.num_rows, policy_hash, created)
    _record(store, info)
    return info


def _counts(table: pa.Table, column: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in table.column(column).to_pylist():
        k = "unlabeled" if v is None else str(v)
        out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items()))


def label_source_counts(table: pa.Table) -> dict[str, dict[str, dict[str, int]]]:
    """``{category: {tier: {"positive": n, "negative": n}}}`` over a snapshot table's labelled rows."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    if "label_sources" not in table.column_names:
        return out
    values = {c: table.column(c).to_pylist() for c in CATEGORIES}
    for i, raw in enumerate(table.column("label_sources").to_pylist()):
        for cat, tier in json.loads(raw or "{}").items():
            v = values[cat][i]
            if v is None:
                continue
            slot = out.setdefault(cat, {}).setdefault(tier, {"positive": 0, "negative": 0})
            slot["positive" if v == 1 else "negative"] += 1
    return {c: dict(sorted(t.items())) for c, t in sorted(out.items())}


def _record(store: Store, info: SnapshotInfo) -> None:
    with store.begin() as conn:
        if conn.execute(select(snapshots.c.id).where(snapshots.c.id == info.id)).first():
            return
        conn.execute(snapshots.insert().values(
            id=info.id, dataset_id=dataset_id(conn, info.dataset),
            policy_version_id=resolve_version(conn, info.policy_hash).id, path=str(info.path),
            n_items=info.n_items, created_at=utcnow()))


def list_snapshots(store: Store, dataset: str | None = None) -> list[dict]:
    q = (select(snapshots.c.id, datasets.c.name.label("dataset"), snapshots.c.n_items, snapshots.c.created_at,
                snapshots.c.path).join(datasets, datasets.c.id == snapshots.c.dataset_id)
         .order_by(snapshots.c.created_at, snapshots.c.id))
    if dataset:
        q = q.where(datasets.c.name == dataset)
    with store.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def resolve_snapshot(store: Store, ref: str) -> Path:
    """A snapshot by id prefix (>= 6 chars) or by dataset name (its latest snapshot); or a Parquet path."""
    if ref.endswith(".parquet") and Path(ref).is_file():
        return Path(ref)
    rows = list_snapshots(store)
    by_ds = [r for r in rows if r["dataset"] == ref]
    matches = by_ds[-1:] if by_ds else [r for r in rows if len(ref) >= 6 and r["id"].startswith(ref)]
    if not matches:
        known = ", ".join(f"{r['id'][:12]} ({r['dataset']})" for r in rows) or "none yet"
        raise NotFoundError(f"unknown snapshot {ref!r}; available: {known}")
    if len(matches) > 1:
        raise InvalidRequestError(f"snapshot {ref!r} is ambiguous: {[r['id'][:12] for r in matches]}")
    path = Path(matches[0]["path"])
    if not path.is_file():
        raise NotFoundError(f"snapshot {matches[0]['id'][:12]} is recorded but its file {path} is missing")
    return path


def find_snapshot(data_dir: Path, ref: str) -> Path:
    """A snapshot's folder under ``<data_dir>/snapshots`` by id or unique prefix (files only, no database)."""
    root = Path(data_dir) / "snapshots"
    found = sorted(d for d in root.glob(f"{ref.lower()}*") if (d / "manifest.json").is_file()) if root.is_dir() else []
    if not found:
        known = sorted(d.name[:12] for d in root.iterdir() if (d / "manifest.json").is_file()) if root.is_dir() else []
        raise NotFoundError(f"no snapshot {ref!r} under {root}; available: {', '.join(known) or 'none'}")
    if len(found) > 1:
        raise InvalidRequestError(f"snapshot {ref!r} is ambiguous: {[d.name[:12] for d in found]}")
    return found[0]


def read_snapshot(path: Path) -> pa.Table:
    return pq.read_table(path)


@dataclass(frozen=True)
class SnapshotDiff:
    added: list[str]
    removed: list[str]
    label_changes: dict[str, list[tuple[str, int | None, int | None]]]  # category -> (key, old, new)

    @property
    def n_label_changes(self) -> int:
        return sum(len(v) for v in self.label_changes.values())


def diff_snapshots(a: pa.Table, b: pa.Table) -> SnapshotDiff:
    ka, kb = a.column("key").to_pylist(), b.column("key").to_pylist()
    sa, sb = set(ka), set(kb)
    ia = {k: i for i, k in enumerate(ka)}
    ib = {k: i for i, k in enumerate(kb)}
    common = sorted(sa & sb)
    changes: dict[str, list] = {}
    for cat in CATEGORIES:
        va, vb = a.column(cat).to_pylist(), b.column(cat).to_pylist()
        diffs = [(k, va[ia[k]], vb[ib[k]]) for k in common if va[ia[k]] != vb[ib[k]]]
        if diffs:
            changes[cat] = diffs
    return SnapshotDiff(sorted(sb - sa), sorted(sa - sb), changes)
