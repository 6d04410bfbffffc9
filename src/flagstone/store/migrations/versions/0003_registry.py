"""Model registry: versions with stages and the audit of stage moves.

Revision ID: 0003_registry
Revises: 0002_labeling
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_registry"
down_revision = "0002_labeling"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("card", sa.Text, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_model_versions"),
    )
    op.create_table(
        "model_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("from_stage", sa.String(20), nullable=True),
        sa.Column("to_stage", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["version"], ["model_versions.version"],
                                name="fk_model_events_version_model_versions"),
        sa.PrimaryKeyConstraint("id", name="pk_model_events"),
    )
    op.create_index("ix_model_events_version", "model_events", ["version"])


def downgrade() -> None:
    op.drop_index("ix_model_events_version", table_name="model_events")
    op.drop_table("model_events")
    op.drop_table("model_versions")
