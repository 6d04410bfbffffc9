"""The abuse tables come from migration 0004_abuse: same schema as the metadata, old databases adopted."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, select, text

from flagstone.abuse import db
from flagstone.abuse.db import open_engine
from flagstone.abuse.keys import KeyStore
from flagstone.errors import ConfigError
from flagstone.store import downgrade, open_store, upgrade
from flagstone.store.engine import MIGRATIONS_DIR
from flagstone.store.tables import metadata as store_metadata
from flagstone.store.testing import backends, temp_database_url

BACKENDS = [pytest.param(b, marks=pytest.mark.postgres) if b == "postgresql" else b for b in backends()]
ABUSE = set(db.metadata.tables)
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def url(backend, tmp_path):
    with temp_database_url(backend, tmp_path) as u:
        yield u


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _diff(engine: Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), [store_metadata, db.metadata])


def _schema(engine: Engine) -> dict:
    """What the database says about the abuse tables: columns, keys and indexes."""
    insp = inspect(engine)
    out = {}
    for t in sorted(ABUSE):
        out[t] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t)],
            "pk": insp.get_pk_constraint(t)["constrained_columns"],
            "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                          for f in insp.get_foreign_keys(t)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(t)),
        }
    return out


def test_open_engine_migrates_to_head_and_schema_equals_metadata(url):
    engine = open_engine(url)
    try:
        assert _revision(engine) == HEAD
        assert ABUSE <= set(inspect(engine).get_table_names())
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_migration_makes_what_create_all_made(backend, url, tmp_path):
    """Adopting an old create_all database is safe only because both ways give the same tables."""
    (tmp_path / "other").mkdir()
    with temp_database_url(backend, tmp_path / "other") as other:
        old = create_engine(other)
        db.metadata.create_all(old)
        new = open_engine(url)
        try:
            assert _schema(new) == _schema(old)
        finally:
            old.dispose()
            new.dispose()


def test_upgrade_downgrade_round_trip(url):
    engine = open_engine(url)
    try:
        downgrade(engine, "0003_registry")
        names = set(inspect(engine).get_table_names())
        later = {"web_sessions", "web_login_failures"}  # 0005_web_sessions, on the store's metadata
        assert names.isdisjoint(ABUSE | later) and set(store_metadata.tables) - later <= names
        assert _revision(engine) == "0003_registry"
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) - {"alembic_version"} == set()
        upgrade(engine)
        assert _revision(engine) == HEAD and _diff(engine) == []
        plain, info = KeyStore(engine).create("acme")  # the tables work after the round trip
        assert KeyStore(engine).verify(plain).id == info.id
    finally:
        engine.dispose()


def _legacy(url: str, *, store_revision: str | None) -> str:
    """Build a database as earlier versions left it: abuse tables by create_all, with a key in them."""
    engine = create_engine(url)
    try:
        if store_revision is not None:
            upgrade(engine, store_revision)  # the store had migrated itself, the abuse tables were extra
        db.metadata.create_all(engine)
        plain, _ = KeyStore(engine).create("acme")
        return plain
    finally:
        engine.dispose()


@pytest.mark.parametrize("store_revision", ["0003_registry", None])
def test_create_all_database_is_stamped_and_keeps_its_rows(url, store_revision):
    plain = _legacy(url, store_revision=store_revision)
    engine = open_engine(url)
    try:
        assert _revision(engine) == HEAD
        assert _diff(engine) == []
        assert KeyStore(engine).verify(plain).account == "acme"
        with engine.connect() as conn:
            assert conn.execute(select(db.accounts.c.id)).scalars().all() == ["acme"]
    finally:
        engine.dispose()


def test_store_opening_a_create_all_database_first_adopts_it_too(url, tmp_path):
    plain = _legacy(url, store_revision="0003_registry")
    store = open_store(url=url, data_dir=tmp_path)
    try:
        assert _revision(store.engine) == HEAD
        assert KeyStore(store.engine).verify(plain).account == "acme"
    finally:
        store.dispose()


def test_some_abuse_tables_missing_is_refused(url):
    engine = create_engine(url)
    try:
        db.accounts.create(engine)
    finally:
        engine.dispose()
    with pytest.raises(ConfigError, match="only some of the abuse tables.*missing: abuse_alerts"):
        open_engine(url)


def test_adopted_tables_that_differ_are_refused(url):
    _legacy(url, store_revision="0003_registry")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_abuse_audit_ts"))
    finally:
        engine.dispose()
    with pytest.raises(ConfigError, match="abuse_audit lacks index ix_abuse_audit_ts"):
        open_engine(url)
    engine = create_engine(url)
    try:
        assert _revision(engine) == "0003_registry"  # nothing was stamped
    finally:
        engine.dispose()
