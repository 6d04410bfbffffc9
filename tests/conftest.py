"""Shared fixtures. Tests are hermetic: no network, no ../shared, no GPU.

Tests marked ``postgres`` or ``redis`` need a service named by a URL (``FLAGSTONE_TEST_POSTGRES_URL``,
``FLAGSTONE_TEST_REDIS_URL``). When the URL is missing or the service does not answer they are
skipped with the reason, except under ``CI`` where they fail: a CI run never loses them silently.
Store tests parametrised over ``backends()`` get their PostgreSQL variant marked here, so the same
rule covers them.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

# Shared fixtures defined beside their helpers: `browser` (one headless Chromium per module).
pytest_plugins = ["tests.page_checks"]

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"

POSTGRES_ENV = "FLAGSTONE_TEST_POSTGRES_URL"
REDIS_ENV = "FLAGSTONE_TEST_REDIS_URL"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@cache
def _postgres_problem(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "does not answer"; the reason is shown
        return f"PostgreSQL at {POSTGRES_ENV} does not answer: {type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        engine.dispose()
    return None


@cache
def _redis_problem(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 - as above
        return f"Redis at {REDIS_ENV} does not answer: {type(exc).__name__}: {exc}".splitlines()[0]
    return None


def service_problem(service: str) -> str | None:
    """Why the tests of ``service`` ("postgres" or "redis") cannot run here, or None when they can."""
    env, probe = (POSTGRES_ENV, _postgres_problem) if service == "postgres" else (REDIS_ENV, _redis_problem)
    url = os.environ.get(env)
    if not url:
        return f"set {env} to run the {service} tests"
    return probe(url)


def require_service(service: str) -> None:
    """Fail under CI, skip elsewhere, with the reason, when ``service`` is not usable."""
    problem = service_problem(service)
    if problem is None:
        return
    if in_ci():
        pytest.fail(f"CI needs {service}: {problem}", pytrace=False)
    pytest.skip(problem)


def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgresql" in params.values() and item.get_closest_marker("postgres") is None:
            item.add_marker(pytest.mark.postgres)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") is not None:
        require_service("postgres")
    # Tests using the ``redis_server`` fixture start their own redis-server (it fails in CI when absent).
    if item.get_closest_marker("redis") is not None and "redis_server" not in item.fixturenames:
        require_service("redis")
