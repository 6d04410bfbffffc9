"""The abuse tables on PostgreSQL: keys, the batched log and incidents in a throw-away schema."""

from __future__ import annotations

import os

import pytest

from flagstone.abuse.db import open_engine
from flagstone.abuse.incidents import IncidentStore
from flagstone.abuse.keys import KeyStore
from flagstone.abuse.requestlog import RequestLogWriter, read_log
from flagstone.abuse.rules import RuleEngine, parse_rules
from flagstone.store.testing import POSTGRES_ENV, temp_database_url

from .conftest import make_record

URL = os.environ.get(POSTGRES_ENV)
pytestmark = pytest.mark.postgres  # skipped without the URL, failed under CI (tests/conftest.py)


@pytest.fixture
def pg_engine(tmp_path):
    with temp_database_url("postgresql", tmp_path) as url:  # a fresh schema, dropped afterwards
        engine = open_engine(url)
        yield engine
        engine.dispose()


def test_keys_log_rules_and_incidents_on_postgres(pg_engine):
    keys = KeyStore(pg_engine)
    plain, info = keys.create("acme")
    assert keys.verify(plain).id == info.id
    engine_rules = RuleEngine(parse_rules({"rules": [{"name": "m", "kind": "flag_count",
                                                      "category": "sexual/minors"}]}))
    store = IncidentStore(pg_engine, keys)
    w = RequestLogWriter(pg_engine, storage="full", flush_interval=0.02,
                         sinks=[lambda rs: store.raise_alerts(engine_rules.observe_many(rs))])
    for i in range(5):
        w.submit(make_record(100.0 + i, "acme", text=f"t{i}", flags=("sexual/minors",) if i == 3 else ()))
    w.close()
    recs = list(read_log(pg_engine))
    assert [r.text for r in recs] == [f"t{i}" for i in range(5)] and recs[3].flags == ("sexual/minors",)
    (inc,) = store.list()
    store.act(inc.id, "revoke_key", info.id, actor="alice")
    assert "revoke_key" in store.export(inc.id)
