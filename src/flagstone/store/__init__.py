"""Metadata storage: SQLAlchemy 2 over SQLite (embedded default, WAL) or PostgreSQL, migrated by Alembic."""

from flagstone.store.engine import Store, downgrade, make_engine, open_store, upgrade

__all__ = ["Store", "downgrade", "make_engine", "open_store", "upgrade"]
