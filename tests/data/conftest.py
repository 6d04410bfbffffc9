"""Every store test runs on SQLite, and on PostgreSQL when FLAGSTONE_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import pytest

from flagstone.store.testing import backends, temp_store

BACKENDS = [pytest.param(b, marks=pytest.mark.postgres) if b == "postgresql" else b for b in backends()]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    with temp_store(request.param, tmp_path) as s:
        yield s


@pytest.fixture
def policy_store(store):
    """A store with the default policy imported and current (imports need a current version)."""
    from flagstone.data.relabel import apply_policy
    from flagstone.policy.versions import import_policy
    from flagstone.settings import DEFAULT_POLICY_PATH

    v, _ = import_policy(store, DEFAULT_POLICY_PATH)
    apply_policy(store, v.hash)
    return store


@pytest.fixture
def data_fixtures(fixtures_dir):
    return fixtures_dir / "data"


def table_counts(store) -> dict[str, int]:
    """Row counts of the tables an import writes."""
    from sqlalchemy import func, select

    from flagstone.store.tables import dataset_items, imports, items, labels

    with store.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (items, dataset_items, labels, imports)}


@pytest.fixture
def counts():
    return table_counts
