"""Bulk insert that skips rows whose key already exists, on SQLite and PostgreSQL alike.

Rows go straight to the driver as tuples: for large imports SQLAlchemy's per-row parameter processing
costs more than the database itself. SQLite gets ``INSERT OR IGNORE`` through ``executemany``;
PostgreSQL gets ``COPY`` into a transaction-local staging table, then one
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per batch, several times faster than row inserts.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table

from flagstone.errors import ConfigError


def insert_ignore(conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING for a batch of tuples (no-op for an empty batch)."""
    if not rows:
        return
    name = conn.dialect.name
    prep = conn.dialect.identifier_preparer
    target = prep.format_table(table)
    cols = ", ".join(prep.quote(c) for c in columns)
    if name == "sqlite":
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT OR IGNORE INTO {target} ({cols}) VALUES ({marks})", rows)
    elif name == "postgresql":
        _pg_copy_insert(conn, table.name, target, cols, rows)
    else:
        raise ConfigError(f"unsupported database {name!r}; use sqlite or postgresql")


def _pg_copy_insert(conn: Connection, name: str, target: str, cols: str, rows: list[tuple]) -> None:
    stage = f"_stage_{name}"
    cur = conn.connection.driver_connection.cursor()
    try:
        # Column types come from the target table; the staging table lives until the transaction ends.
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {cols} FROM {target} WITH NO DATA")
        with cur.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage} ON CONFLICT DO NOTHING")
        cur.execute(f"TRUNCATE {stage}")
    finally:
        cur.close()
