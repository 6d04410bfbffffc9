"""Web sessions held by the server and failed sign-ins for throttling (labeling UI and admin pages).

Revision ID: 0005_web_sessions
Revises: 0004_abuse
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_web_sessions"
down_revision = "0004_abuse"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("realm", sa.String(10), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_sessions"),
    )
    op.create_index("ix_web_sessions_realm_subject", "web_sessions", ["realm", "subject"])
    op.create_table(
        "web_login_failures",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("realm", sa.String(10), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_login_failures"),
    )
    op.create_index("ix_web_login_failures_realm_subject_at", "web_login_failures", ["realm", "subject", "at"])


def downgrade() -> None:
    op.drop_index("ix_web_login_failures_realm_subject_at", table_name="web_login_failures")
    op.drop_table("web_login_failures")
    op.drop_index("ix_web_sessions_realm_subject", table_name="web_sessions")
    op.drop_table("web_sessions")
