"""Every store test runs on SQLite, and on PostgreSQL when FLAGSTONE_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import pytest

from flagstone.store.testing import backends, temp_store

BACKENDS = [pytest.param(b, marks=pytest.mark.postgres) if b == "postgresql" else b for b in backends()]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    with temp_store(request.param, tmp_path) as s:
        yield s
