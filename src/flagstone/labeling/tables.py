"""The labeling capability's own tables, on the store's metadata (migration ``0002_labeling``).

    ui_users          accounts for the web UI: scrypt password hash, role (admin|annotator|viewer)
    ui_gold           gold items with their expected labels (JSON), mixed into queues at a set rate
    ui_feedback       per user and item: skip, "policy unclear" flag, comment
    llm_label_runs    one row per LLM labeling attempt-set: ok or failure, error, attempts, tokens,
                      rationales (JSON); the labels themselves go to the store's ``labels`` table
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from flagstone.store.tables import metadata

ROLES = ("admin", "annotator", "viewer")
FEEDBACK_KINDS = ("skip", "unclear", "comment")

ui_users = Table(
    "ui_users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(20), nullable=False),
    Column("annotator_id", Integer, ForeignKey("annotators.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

ui_gold = Table(
    "ui_gold", metadata,
    Column("item_key", String(64), ForeignKey("items.key"), primary_key=True),
    Column("labels", Text, nullable=False),  # JSON {category: 0|1}
    Column("created_at", DateTime(timezone=True), nullable=False),
)

ui_feedback = Table(
    "ui_feedback", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("ui_users.id"), nullable=False),
    Column("item_key", String(64), ForeignKey("items.key"), nullable=False),
    Column("queue", String(100), nullable=True),
    Column("kind", String(20), nullable=False),
    Column("body", Text, nullable=True),
    Column("policy_version_id", Integer, ForeignKey("policy_versions.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_ui_feedback_user_item", "user_id", "item_key"),
)

llm_label_runs = Table(
    "llm_label_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("item_key", String(64), ForeignKey("items.key"), nullable=False),
    Column("annotator_id", Integer, ForeignKey("annotators.id"), nullable=False),
    Column("policy_version_id", Integer, ForeignKey("policy_versions.id"), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", Text, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("cached", Boolean, nullable=False),
    Column("rationales", Text, nullable=True),  # JSON {category: rationale}
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_llm_label_runs_item_key", "item_key"),
)
