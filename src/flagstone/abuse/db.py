"""SQLAlchemy 2 tables for the abuse capability, on their own metadata.

The tables live in the same database as the rest of Flagstone (``Settings.resolved_database_url``),
SQLite by default and PostgreSQL when configured. Their schema comes from the store's Alembic
migration ``0004_abuse``: :func:`open_engine` migrates the database to head, like ``open_store``, so a
database always has the alembic version that matches its tables (a database whose abuse tables were made
by the ``create_all`` of earlier versions is adopted by that migration). ``metadata`` here must stay equal
to the migrated schema; ``tests/abuse/test_migration.py`` compares them on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from flagstone.errors import ConfigError
from flagstone.store.engine import upgrade

metadata = MetaData()

accounts = Table(
    "abuse_accounts", metadata,
    Column("id", String(128), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("blocked", Boolean, nullable=False, default=False),
    Column("blocked_reason", Text, nullable=True),
    # Per-account threshold overrides (category -> probability), set by the "tighten" action.
    Column("thresholds", JSON, nullable=False, default=dict),
)

api_keys = Table(
    "abuse_api_keys", metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(128), ForeignKey("abuse_accounts.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False, default=""),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", String(500), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)

requests = Table(
    "abuse_requests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("ts", Float, nullable=False, index=True),
    Column("account", String(128), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("input_hash", String(64), nullable=False),
    Column("input_len", Integer, nullable=False),
    Column("scores", JSON, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("thresholds", JSON, nullable=False),
    Column("model_version", String(128), nullable=False),
    Column("signature", JSON, nullable=False),
    Column("content", Text, nullable=True),  # text ("full") or normalised-text key ("hashed")
    Column("content_kind", String(10), nullable=True),  # None, "hashed" or "full"
    Index("ix_abuse_requests_account_ts", "account", "ts"),
)

incidents = Table(
    "abuse_incidents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("subject", String(200), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

alerts = Table(
    "abuse_alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("abuse_incidents.id"), nullable=False, index=True),
    Column("rule", String(200), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("ts", Float, nullable=False),
    Column("subject", String(200), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("message", Text, nullable=False),
    Column("category", String(50), nullable=True),
    Column("accounts", JSON, nullable=False),
    Column("request_ids", JSON, nullable=False),
    Column("details", JSON, nullable=False),
)

notes = Table(
    "abuse_notes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("abuse_incidents.id"), nullable=False, index=True),
    Column("ts", Float, nullable=False),
    Column("author", String(200), nullable=False),
    Column("text", Text, nullable=False),
)

evidence = Table(  # clusters and other attachments, stored as JSON documents
    "abuse_evidence", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("abuse_incidents.id"), nullable=False, index=True),
    Column("ts", Float, nullable=False),
    Column("kind", String(50), nullable=False),
    Column("body", JSON, nullable=False),
)

audit = Table(  # who did what: every action, state change and key operation
    "abuse_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Float, nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(50), nullable=False),
    Column("target", String(200), nullable=False),
    Column("incident_id", Integer, nullable=True),
    Column("details", JSON, nullable=False),
)

_LOCK = threading.Lock()


def open_engine(url: str) -> Engine:
    """Return an engine for ``url``, its database migrated to head (abuse tables included)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with _LOCK:  # threads of one process opening the same database migrate one at a time
            upgrade(engine)
    except (SQLAlchemyError, ConfigError) as exc:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        raise ConfigError(f"cannot open the abuse tables at {where}: {exc}") from exc
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the background log writer and readers work at the same time.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()
