"""Labeling: web UI accounts, gold items, annotator feedback, LLM labeling runs.

Revision ID: 0002_labeling
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_labeling"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ui_users",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("annotator_id", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["annotator_id"], ["annotators.id"], name="fk_ui_users_annotator_id_annotators"),
        sa.PrimaryKeyConstraint("id", name="pk_ui_users"),
        sa.UniqueConstraint("username", name="uq_ui_users_username"),
    )
    op.create_table(
        "ui_gold",
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("labels", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["item_key"], ["items.key"], name="fk_ui_gold_item_key_items"),
        sa.PrimaryKeyConstraint("item_key", name="pk_ui_gold"),
    )
    op.create_table(
        "ui_feedback",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(100), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("body", sa.Text, nullable=True),
        sa.Column("policy_version_id", sa.Integer, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ui_users.id"], name="fk_ui_feedback_user_id_ui_users"),
        sa.ForeignKeyConstraint(["item_key"], ["items.key"], name="fk_ui_feedback_item_key_items"),
        sa.ForeignKeyConstraint(["policy_version_id"], ["policy_versions.id"],
                                name="fk_ui_feedback_policy_version_id_policy_versions"),
        sa.PrimaryKeyConstraint("id", name="pk_ui_feedback"),
    )
    op.create_index("ix_ui_feedback_user_item", "ui_feedback", ["user_id", "item_key"])
    op.create_table(
        "llm_label_runs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("annotator_id", sa.Integer, nullable=False),
        sa.Column("policy_version_id", sa.Integer, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("prompt_tokens", sa.Integer, nullable=False),
        sa.Column("completion_tokens", sa.Integer, nullable=False),
        sa.Column("cached", sa.Boolean, nullable=False),
        sa.Column("rationales", sa.Text, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["item_key"], ["items.key"], name="fk_llm_label_runs_item_key_items"),
        sa.ForeignKeyConstraint(["annotator_id"], ["annotators.id"], name="fk_llm_label_runs_annotator_id_annotators"),
        sa.ForeignKeyConstraint(["policy_version_id"], ["policy_versions.id"],
                                name="fk_llm_label_runs_policy_version_id_policy_versions"),
        sa.PrimaryKeyConstraint("id", name="pk_llm_label_runs"),
    )
    op.create_index("ix_llm_label_runs_item_key", "llm_label_runs", ["item_key"])


def downgrade() -> None:
    op.drop_index("ix_llm_label_runs_item_key", table_name="llm_label_runs")
    op.drop_table("llm_label_runs")
    op.drop_index("ix_ui_feedback_user_item", table_name="ui_feedback")
    op.drop_table("ui_feedback")
    op.drop_table("ui_gold")
    op.drop_table("ui_users")
