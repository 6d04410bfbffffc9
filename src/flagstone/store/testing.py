"""Test seam: throwaway stores on SQLite (always) and PostgreSQL (when a test URL is given).

``FLAGSTONE_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) turns on
the PostgreSQL variant; each store lives in its own schema, dropped afterwards, so tests never see
each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

from flagstone.store.engine import Store, open_store

POSTGRES_ENV = "FLAGSTONE_TEST_POSTGRES_URL"


def backends() -> list[str]:
    """Backends to run store tests on: SQLite always; PostgreSQL when its URL is set, and always under
    ``CI`` (where tests/conftest.py fails the PostgreSQL variants if the URL is missing or dead)."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) or ci else ["sqlite"]


@contextmanager
def temp_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """Yield a URL to an empty database of ``backend``; clean it up afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{(tmp_path / 'flagstone.db').as_posix()}"
        return
    base = os.environ[POSTGRES_ENV]
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def temp_store(backend: str, tmp_path: Path, *, migrate: bool = True) -> Iterator[Store]:
    with temp_database_url(backend, tmp_path) as url:
        store = open_store(url=url, data_dir=tmp_path / "data", migrate=migrate)
        try:
            yield store
        finally:
            store.dispose()
