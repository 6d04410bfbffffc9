"""Engine factory and the :class:`Store` handle.

``open_store(settings)`` builds the engine for ``settings.resolved_database_url`` (SQLite under the
data directory unless ``FLAGSTONE_DATABASE_URL`` names PostgreSQL) and migrates it to ``head``.
SQLite connections use WAL journaling, so readers never block the single writer and a killed writer
leaves only an uncommitted tail that the next open discards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from flagstone.errors import ConfigError

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Keys are hashes, so bulk inserts land all over the B-trees: a larger page cache
            # (64 MiB, allocated only as used) keeps them from going to disk for every page.
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()

        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise ConfigError(f"cannot use database URL {_redact(url)}: {exc}") from exc


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _alembic_config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), revision)


@dataclass
class Store:
    """An engine plus where artifacts (snapshots, reports) live on disk."""

    engine: Engine
    data_dir: Path

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(settings=None, *, url: str | None = None, data_dir: Path | None = None,
               migrate: bool = True) -> Store:
    """Open (and by default migrate to head) the store named by settings or an explicit URL."""
    if settings is None and url is None:
        from flagstone.settings import load_settings

        settings = load_settings()
    db_url = url or settings.resolved_database_url
    ddir = Path(data_dir or (settings.data_dir if settings is not None else ".flagstone"))
    engine = make_engine(db_url)
    try:
        if migrate:
            upgrade(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise ConfigError(f"cannot open the store at {_redact(db_url)}: {exc}") from exc
    return Store(engine=engine, data_dir=ddir)
