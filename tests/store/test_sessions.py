"""Server-side web sessions and the sign-in throttle, on a real (migrated) store, with a fake clock."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from flagstone.store import open_store
from flagstone.store.sessions import LoginThrottle, SessionStore, web_sessions


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(tmp_path):
    store = open_store(url=f"sqlite:///{tmp_path / 's.db'}", data_dir=tmp_path)
    yield store.engine
    store.dispose()


def test_sessions_are_signed_stored_hashed_and_end_on_the_server(engine):
    clock = Clock()
    ui = SessionStore(engine, "s" * 32, "ui", max_age_s=60, clock=clock)
    token = ui.create("7")
    sid = token.rsplit(".", 1)[0]
    assert ui.lookup(token) == "7"
    with engine.connect() as conn:
        assert sid not in str(conn.execute(select(web_sessions)).all())  # only the id's hash is kept
    assert ui.lookup(sid + ".forged") is None and ui.lookup(None) is None and ui.lookup("x" * 500) is None
    assert SessionStore(engine, "another-secret-0123", "ui").lookup(token) is None
    assert SessionStore(engine, "s" * 32, "admin").lookup(token) is None  # realms do not mix
    other = ui.create("7")
    ui.end(token)
    assert ui.lookup(token) is None and ui.lookup(other) == "7"
    third = ui.create("8")
    assert ui.end_all("7") == 1 and ui.lookup(other) is None and ui.lookup(third) == "8"
    clock.now += 61
    assert ui.lookup(third) is None  # expired
    ui.create("9")  # creating one sweeps the expired rows
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(web_sessions)).scalar_one() == 1


def test_throttle_counts_failures_per_subject_in_a_sliding_window(engine):
    clock = Clock()
    throttle = LoginThrottle(engine, "ui", limit=3, window_s=100, clock=clock)
    subjects = ["user:ann", "ip:10.0.0.1"]
    for _ in range(2):
        throttle.record_failure(subjects)
        clock.now += 10
    assert throttle.retry_after(subjects) is None
    throttle.record_failure(["user:bob", "ip:10.0.0.1"])  # third failure from that address
    assert throttle.retry_after(["user:ann", "ip:10.0.0.2"]) is None  # ann: 2, the other address: 0
    assert throttle.retry_after(["user:zed", "ip:10.0.0.1"]) == 80  # until the first failure ages out
    clock.now += 81
    assert throttle.retry_after(subjects) is None and throttle.failures("ip:10.0.0.1") == 2
    assert LoginThrottle(engine, "admin", limit=3, window_s=100, clock=clock).failures("ip:10.0.0.1") == 0
