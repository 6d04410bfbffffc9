"""The registry's own tables, on the store's metadata (migration ``0003_registry``).

    model_versions   one row per registered artifact: version (manifest hash), name, path, stage
    model_events     append-only audit: who moved which version from which stage to which, when, why
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from flagstone.store.tables import metadata

STAGES = ("candidate", "staging", "production", "archived")

model_versions = Table(
    "model_versions", metadata,
    Column("version", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("path", Text, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("card", Text, nullable=True),  # JSON: policy hash, training summary, metrics
    Column("created_at", DateTime(timezone=True), nullable=False),
)

model_events = Table(
    "model_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("version", String(64), ForeignKey("model_versions.version"), nullable=False),
    Column("from_stage", String(20), nullable=True),
    Column("to_stage", String(20), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_model_events_version", "version"),
)
