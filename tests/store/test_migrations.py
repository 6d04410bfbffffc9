"""Migrations go up, down and up again, and head matches the table definitions exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from flagstone.store import downgrade, open_store, upgrade
from flagstone.store.schema import SCHEMA_MODULES, all_metadata
from flagstone.store.testing import backends, temp_database_url


@pytest.mark.parametrize("backend", backends())
def test_upgrade_downgrade_upgrade(backend, tmp_path):
    with temp_database_url(backend, tmp_path) as url:
        store = open_store(url=url, data_dir=tmp_path)
        try:
            names = set(inspect(store.engine).get_table_names())
            tables = {t for md in all_metadata() for t in md.tables}
            assert tables <= names
            downgrade(store.engine, "base")
            left = set(inspect(store.engine).get_table_names()) - {"alembic_version"}
            assert left == set()
            upgrade(store.engine)
            assert tables <= set(inspect(store.engine).get_table_names())
        finally:
            store.dispose()


@pytest.mark.parametrize("backend", backends())
def test_head_matches_table_definitions(backend, tmp_path):
    with temp_database_url(backend, tmp_path) as url:
        store = open_store(url=url, data_dir=tmp_path)
        try:
            with store.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), all_metadata())
            assert diff == []
        finally:
            store.dispose()


def test_sqlite_uses_wal(tmp_path):
    store = open_store(url=f"sqlite:///{tmp_path}/x.db", data_dir=tmp_path)
    try:
        with store.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.dispose()


def test_bad_url_is_a_config_error(tmp_path):
    from flagstone.errors import ConfigError

    with pytest.raises(ConfigError):
        open_store(url="nosuchdialect://x/y", data_dir=tmp_path)


def test_every_migration_has_its_schema_module_and_every_module_its_tables():
    from pathlib import Path

    import flagstone.store as store

    revisions = {p.stem for p in (Path(store.__file__).parent / "migrations" / "versions").glob("0*.py")}
    assert set(SCHEMA_MODULES.values()) == revisions  # a new migration names its tables' module here
    mds = all_metadata()
    assert len(mds) == 2 and all(md.tables for md in mds)  # the store's (shared) and the abuse tables'
    names = {t for md in mds for t in md.tables}
    assert {"items", "ui_users", "model_versions", "abuse_requests"} <= names
