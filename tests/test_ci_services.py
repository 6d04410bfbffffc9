"""Under CI, tests that need PostgreSQL or Redis fail when the service is missing; elsewhere they skip."""

from __future__ import annotations

import socket

import pytest
from tests.conftest import REPO_ROOT

pytest_plugins = ["pytester"]

INNER = """
import pytest
from flagstone.store.testing import backends

@pytest.mark.parametrize("backend", backends())
def test_store(backend):
    assert backend in ("sqlite", "postgresql")

@pytest.mark.redis
def test_needs_redis():
    pass
"""


def _dead_port() -> int:
    with socket.socket() as s:  # bound then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inner(pytester, monkeypatch):
    pytester.makeconftest((REPO_ROOT / "tests" / "conftest.py").read_text())
    pytester.makeini("[pytest]\nmarkers =\n    postgres: pg\n    redis: redis\naddopts = --strict-markers\n")
    pytester.makepyfile(test_inner=INNER)
    for env in ("CI", "FLAGSTONE_TEST_POSTGRES_URL", "FLAGSTONE_TEST_REDIS_URL"):
        monkeypatch.delenv(env, raising=False)
    return pytester


def test_missing_services_fail_under_ci(inner, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = inner.runpytest("-rA")
    # The PostgreSQL variant exists under CI even without a URL, and fails with the reason.
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*CI needs postgres: set FLAGSTONE_TEST_POSTGRES_URL*",
                                 "*CI needs redis: set FLAGSTONE_TEST_REDIS_URL*"])


def test_dead_services_fail_under_ci(inner, monkeypatch):
    monkeypatch.setenv("CI", "true")
    port = _dead_port()
    monkeypatch.setenv("FLAGSTONE_TEST_POSTGRES_URL", f"postgresql+psycopg://postgres@127.0.0.1:{port}/x")
    monkeypatch.setenv("FLAGSTONE_TEST_REDIS_URL", f"redis://127.0.0.1:{port}/0")
    result = inner.runpytest("-rA")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*CI needs postgres: PostgreSQL at FLAGSTONE_TEST_POSTGRES_URL does not answer*",
                                 "*CI needs redis: Redis at FLAGSTONE_TEST_REDIS_URL does not answer*"])


def test_missing_services_skip_with_the_reason_outside_ci(inner):
    result = inner.runpytest("-rA")
    result.assert_outcomes(passed=1, skipped=1)  # no PostgreSQL variant without a URL outside CI
    result.stdout.fnmatch_lines(["*set FLAGSTONE_TEST_REDIS_URL to run the redis tests*"])
