"""The registry over the store: model versions, their stage, and who moved what when.

A version is the artifact's manifest hash (``flagstone.models.kinds.manifest_version``), so
registering the same artifact twice is a no-op and an edited artifact is a new version. At most
one version is in ``production``; promoting another archives the old one, and ``rollback``
re-promotes the version that was in production before the current one (read from the audit).
Every move is one transaction: a promotion killed half-way leaves the stages and the production
pointer as they were. A refused promotion is in the audit too (``record_refusal``: an event whose
stage does not change, with the failing gates as its reason).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update

from flagstone.errors import ConflictError, InvalidRequestError, ModelError, NotFoundError
from flagstone.models.kinds import manifest_version
from flagstone.registry.tables import STAGES, model_events, model_versions
from flagstone.store.engine import Store, utcnow


@dataclass(frozen=True)
class ModelVersion:
    version: str
    name: str
    path: Path
    stage: str
    created_at: datetime

    @property
    def short(self) -> str:
        return self.version[:12]


@dataclass(frozen=True)
class StageEvent:
    version: str
    from_stage: str | None
    to_stage: str
    actor: str
    reason: str | None
    at: datetime

    @property
    def refused(self) -> bool:
        """A move that was asked for and refused (the stage did not change)."""
        return self.from_stage == self.to_stage


def read_manifest(path: Path) -> dict:
    mf = Path(path) / "manifest.json"
    if not mf.is_file():
        raise ModelError(f"no model artifact at {path} (manifest.json missing)")
    try:
        return json.loads(mf.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{mf}: corrupt manifest: {exc}") from exc


def _row(r) -> ModelVersion:
    return ModelVersion(r.version, r.name, Path(r.path), r.stage, r.created_at)


class ModelRegistry:
    def __init__(self, store: Store) -> None:
        self.store = store

    def register(self, path: str | Path, *, actor: str, stage: str = "candidate") -> ModelVersion:
        """Record the artifact at ``path`` (its version is its manifest hash) as a candidate."""
        path = Path(path).resolve()
        manifest = read_manifest(path)
        version = manifest_version(manifest)
        card = {k: manifest.get(k) for k in ("policy_hash", "metrics") if k in manifest}
        training = manifest.get("training") or {}
        # What it learned from: snapshot ids, policy versions and label counts per category and source.
        card.update({k: training[k] for k in ("snapshots", "holdout", "label_counts") if k in training})
        with self.store.begin() as conn:
            existing = conn.execute(select(model_versions).where(model_versions.c.version == version)).first()
            if existing is not None:
                return _row(existing)
            conn.execute(model_versions.insert().values(
                version=version, name=str(manifest.get("name", "model")), path=str(path), stage="candidate",
                card=json.dumps(card, sort_keys=True), created_at=utcnow()))
            conn.execute(model_events.insert().values(version=version, from_stage=None, to_stage="candidate",
                                                      actor=actor, reason="registered", created_at=utcnow()))
        if stage != "candidate":
            return self.move(version, stage, actor=actor, reason="registered")
        return self.get(version)

    def get(self, ref: str) -> ModelVersion:
        """A version by full hash or unique prefix (at least 6 characters)."""
        if len(ref) < 6:
            raise InvalidRequestError(f"version prefix {ref!r} is too short (6 characters at least)")
        with self.store.connect() as conn:
            rows = conn.execute(select(model_versions).where(model_versions.c.version.like(f"{ref}%"))).all()
        if not rows:
            raise NotFoundError(f"no registered model version {ref!r}; see `flagstone registry list`")
        if len(rows) > 1:
            raise InvalidRequestError(f"version prefix {ref!r} is ambiguous: {[r.version[:12] for r in rows]}")
        return _row(rows[0])

    def versions(self, stage: str | None = None) -> list[ModelVersion]:
        q = select(model_versions).order_by(model_versions.c.created_at, model_versions.c.version)
        if stage is not None:
            q = q.where(model_versions.c.stage == _check_stage(stage))
        with self.store.connect() as conn:
            return [_row(r) for r in conn.execute(q)]

    def production(self) -> ModelVersion | None:
        rows = self.versions("production")
        return rows[0] if rows else None

    def move(self, ref: str, to: str, *, actor: str, reason: str | None = None) -> ModelVersion:
        """Move a version to a stage; promoting to production archives the current production model."""
        to = _check_stage(to)
        mv = self.get(ref)
        if mv.stage == to:
            raise ConflictError(f"{mv.short} is already in {to}")
        now = utcnow()
        with self.store.begin() as conn:
            if to == "production":
                for old in conn.execute(select(model_versions.c.version)
                                        .where(model_versions.c.stage == "production")).scalars().all():
                    conn.execute(update(model_versions).where(model_versions.c.version == old)
                                 .values(stage="archived"))
                    conn.execute(model_events.insert().values(
                        version=old, from_stage="production", to_stage="archived", actor=actor,
                        reason=f"replaced by {mv.short}", created_at=now))
            conn.execute(update(model_versions).where(model_versions.c.version == mv.version).values(stage=to))
            conn.execute(model_events.insert().values(version=mv.version, from_stage=mv.stage, to_stage=to,
                                                      actor=actor, reason=reason, created_at=now))
        return self.get(mv.version)

    def record_refusal(self, ref: str, to: str, *, actor: str, reason: str) -> StageEvent:
        """Audit a refused move of ``ref`` to ``to`` (e.g. failed promotion gates); nothing moves."""
        to = _check_stage(to)
        mv = self.get(ref)
        event = StageEvent(mv.version, mv.stage, mv.stage, actor, f"refused {mv.stage} -> {to}: {reason}", utcnow())
        with self.store.begin() as conn:
            conn.execute(model_events.insert().values(version=event.version, from_stage=event.from_stage,
                                                      to_stage=event.to_stage, actor=actor, reason=event.reason,
                                                      created_at=event.at))
        return event

    def history(self, ref: str | None = None) -> list[StageEvent]:
        q = select(model_events).order_by(model_events.c.id)
        if ref is not None:
            q = q.where(model_events.c.version == self.get(ref).version)
        with self.store.connect() as conn:
            return [StageEvent(r.version, r.from_stage, r.to_stage, r.actor, r.reason, r.created_at)
                    for r in conn.execute(q)]

    def rollback(self, *, actor: str, reason: str | None = None) -> ModelVersion:
        """Re-promote the version that was in production before the current one."""
        current = self.production()
        if current is None:
            raise ConflictError("nothing is in production, so there is nothing to roll back")
        promotions = [e.version for e in self.history() if e.to_stage == "production"]
        earlier = [v for v in promotions if v != current.version]
        if not earlier:
            raise ConflictError(f"{current.short} is the only model ever in production; nothing to roll back to")
        return self.move(earlier[-1], "production", actor=actor, reason=reason or f"rollback from {current.short}")


def _check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise InvalidRequestError(f"unknown stage {stage!r}; stages are {list(STAGES)}")
    return stage
