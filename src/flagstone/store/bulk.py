"""Bulk insert that skips rows whose key already exists, on SQLite and PostgreSQL alike.

Rows go straight to the DB-API ``executemany`` as tuples: for large imports SQLAlchemy's per-row
parameter processing costs more than the database itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table

from flagstone.errors import ConfigError

_TEMPLATES = {
    "sqlite": ("INSERT OR IGNORE INTO {table} ({cols}) VALUES ({marks})", "?"),
    "postgresql": ("INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING", "%s"),
}


def insert_ignore(conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING for a batch of tuples (no-op for an empty batch)."""
    if not rows:
        return
    found = _TEMPLATES.get(conn.dialect.name)
    if found is None:
        raise ConfigError(f"unsupported database {conn.dialect.name!r}; use one of {sorted(_TEMPLATES)}")
    template, mark = found
    prep = conn.dialect.identifier_preparer
    sql = template.format(table=prep.format_table(table), cols=", ".join(prep.quote(c) for c in columns),
                          marks=", ".join([mark] * len(columns)))
    conn.exec_driver_sql(sql, rows)
