"""Abuse detection: accounts, API keys, the request log, incidents, alerts, notes, evidence, audit.

Revision ID: 0004_abuse
Revises: 0003_registry
Create Date: 2026-11-25

The schema is exactly what ``flagstone.abuse.db``'s ``metadata.create_all`` made before this
migration existed (unnamed primary and foreign keys, ``ix_<table>_<column>`` indexes), so that a
database made either way has the same tables. Such an older database has all eight tables but no
``0004_abuse`` in ``alembic_version``: the upgrade checks that their columns and indexes are the
expected ones and adopts them (alembic then records the revision, i.e. the database is stamped)
instead of failing on ``CREATE TABLE``. A database with only some of the tables is refused.
"""

import logging

import sqlalchemy as sa
from alembic import op

from flagstone.errors import ConfigError

revision = "0004_abuse"
down_revision = "0003_registry"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def _tables() -> dict[str, list[sa.schema.SchemaItem]]:
    """Table name -> columns and constraints, in creation order (fresh objects on every call)."""
    def fk_incident() -> sa.ForeignKeyConstraint:
        return sa.ForeignKeyConstraint(["incident_id"], ["abuse_incidents.id"])

    return {
        "abuse_accounts": [
            sa.Column("id", sa.String(128), primary_key=True),
            sa.Column("created_at", sa.Float, nullable=False),
            sa.Column("blocked", sa.Boolean, nullable=False),
            sa.Column("blocked_reason", sa.Text, nullable=True),
            sa.Column("thresholds", sa.JSON, nullable=False),
        ],
        "abuse_api_keys": [
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("account", sa.String(128), nullable=False),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("secret_hash", sa.String(64), nullable=False),
            sa.Column("scopes", sa.String(500), nullable=False),
            sa.Column("created_at", sa.Float, nullable=False),
            sa.Column("revoked_at", sa.Float, nullable=True),
            sa.ForeignKeyConstraint(["account"], ["abuse_accounts.id"]),
        ],
        "abuse_requests": [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("request_id", sa.String(64), nullable=False),
            sa.Column("ts", sa.Float, nullable=False),
            sa.Column("account", sa.String(128), nullable=False),
            sa.Column("key_id", sa.String(32), nullable=False),
            sa.Column("input_hash", sa.String(64), nullable=False),
            sa.Column("input_len", sa.Integer, nullable=False),
            sa.Column("scores", sa.JSON, nullable=False),
            sa.Column("flags", sa.JSON, nullable=False),
            sa.Column("thresholds", sa.JSON, nullable=False),
            sa.Column("model_version", sa.String(128), nullable=False),
            sa.Column("signature", sa.JSON, nullable=False),
            sa.Column("content", sa.Text, nullable=True),
            sa.Column("content_kind", sa.String(10), nullable=True),
        ],
        "abuse_incidents": [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("subject", sa.String(200), nullable=False),
            sa.Column("status", sa.String(20), nullable=False),
            sa.Column("severity", sa.String(20), nullable=False),
            sa.Column("created_at", sa.Float, nullable=False),
            sa.Column("updated_at", sa.Float, nullable=False),
        ],
        "abuse_alerts": [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("incident_id", sa.Integer, nullable=False),
            sa.Column("rule", sa.String(200), nullable=False),
            sa.Column("kind", sa.String(50), nullable=False),
            sa.Column("ts", sa.Float, nullable=False),
            sa.Column("subject", sa.String(200), nullable=False),
            sa.Column("severity", sa.String(20), nullable=False),
            sa.Column("message", sa.Text, nullable=False),
            sa.Column("category", sa.String(50), nullable=True),
            sa.Column("accounts", sa.JSON, nullable=False),
            sa.Column("request_ids", sa.JSON, nullable=False),
            sa.Column("details", sa.JSON, nullable=False),
            fk_incident(),
        ],
        "abuse_notes": [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("incident_id", sa.Integer, nullable=False),
            sa.Column("ts", sa.Float, nullable=False),
            sa.Column("author", sa.String(200), nullable=False),
            sa.Column("text", sa.Text, nullable=False),
            fk_incident(),
        ],
        "abuse_evidence": [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("incident_id", sa.Integer, nullable=False),
            sa.Column("ts", sa.Float, nullable=False),
            sa.Column("kind", sa.String(50), nullable=False),
            sa.Column("body", sa.JSON, nullable=False),
            fk_incident(),
        ],
        "abuse_audit": [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("ts", sa.Float, nullable=False),
            sa.Column("actor", sa.String(200), nullable=False),
            sa.Column("action", sa.String(50), nullable=False),
            sa.Column("target", sa.String(200), nullable=False),
            sa.Column("incident_id", sa.Integer, nullable=True),
            sa.Column("details", sa.JSON, nullable=False),
        ],
    }


# index name -> (table, columns)
INDEXES = {
    "ix_abuse_api_keys_account": ("abuse_api_keys", ["account"]),
    "ix_abuse_requests_ts": ("abuse_requests", ["ts"]),
    "ix_abuse_requests_account_ts": ("abuse_requests", ["account", "ts"]),
    "ix_abuse_incidents_subject": ("abuse_incidents", ["subject"]),
    "ix_abuse_alerts_incident_id": ("abuse_alerts", ["incident_id"]),
    "ix_abuse_notes_incident_id": ("abuse_notes", ["incident_id"]),
    "ix_abuse_evidence_incident_id": ("abuse_evidence", ["incident_id"]),
    "ix_abuse_audit_ts": ("abuse_audit", ["ts"]),
}


def upgrade() -> None:
    tables = _tables()
    inspector = sa.inspect(op.get_bind())
    present = set(inspector.get_table_names()) & set(tables)
    if present == set(tables):
        _check_adopted(inspector, tables)
        log.info("abuse tables made by create_all found: adopting them as revision %s", revision)
        return
    if present:
        raise ConfigError(f"the database has only some of the abuse tables ({', '.join(sorted(present))}; "
                          f"missing: {', '.join(sorted(set(tables) - present))}): restore the missing ones "
                          "from a backup or drop the abuse tables (losing keys and the request log), then "
                          "open it again")
    for name, items in tables.items():
        op.create_table(name, *items)
    for index, (table, columns) in INDEXES.items():
        op.create_index(index, table, columns)


def _check_adopted(inspector: sa.Inspector, tables: dict[str, list[sa.schema.SchemaItem]]) -> None:
    """Refuse to adopt tables whose columns or indexes differ from this revision's."""
    problems = []
    for name, items in tables.items():
        want = [c.name for c in items if isinstance(c, sa.Column)]
        have = [c["name"] for c in inspector.get_columns(name)]
        if sorted(have) != sorted(want):
            problems.append(f"{name} has columns {have}, expected {want}")
        want_ix = {ix: cols for ix, (t, cols) in INDEXES.items() if t == name}
        have_ix = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes(name)}
        for ix, cols in want_ix.items():
            if have_ix.get(ix) != cols:
                problems.append(f"{name} lacks index {ix} on {cols}")
    if problems:
        raise ConfigError("the existing abuse tables do not match migration 0004_abuse: " + "; ".join(problems))


def downgrade() -> None:
    for index, (table, _) in reversed(INDEXES.items()):
        op.drop_index(index, table_name=table)
    for name in reversed(list(_tables())):
        op.drop_table(name)
