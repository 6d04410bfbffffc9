"""Token buckets: the pure step, the in-process limiter, and the shared Redis limiter."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from flagstone.abuse.base import RateLimiter
from flagstone.abuse.ratelimit import MemoryRateLimiter, RedisRateLimiter, make_rate_limiter, take
from flagstone.errors import ConfigError


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_take_refills_and_reports_retry_after():
    tokens, d = take(0.0, 0.0, 0.5, capacity=10, rate=2, cost=1)
    assert d.allowed and tokens == 0.0
    tokens, d = take(0.0, 0.5, 0.5, capacity=10, rate=2, cost=1)
    assert not d.allowed and d.retry_after == pytest.approx(0.5)
    tokens, d = take(5.0, 0.0, 1000.0, capacity=10, rate=2, cost=1)
    assert tokens == 9.0  # capped at capacity before taking


def test_memory_limiter_burst_then_refill_per_key():
    clock = Clock()
    rl = MemoryRateLimiter(capacity=3, rate=1, clock=clock)
    assert isinstance(rl, RateLimiter)
    assert [rl.acquire("a").allowed for _ in range(4)] == [True, True, True, False]
    assert rl.acquire("b").allowed  # another key has its own bucket
    denied = rl.acquire("a")
    assert denied.retry_after == pytest.approx(1.0)
    clock.t += 1.0
    assert rl.acquire("a").allowed


def test_bad_limits_are_config_errors():
    with pytest.raises(ConfigError):
        MemoryRateLimiter(capacity=0, rate=1)
    with pytest.raises(ConfigError):
        make_rate_limiter(capacity=5, rate=-1)


REDIS_URL = os.environ.get("FLAGSTONE_TEST_REDIS_URL")


@pytest.mark.redis  # skipped without the URL, failed under CI (tests/conftest.py)
def test_redis_limiter_is_shared_between_instances_and_atomic():
    prefix = f"flagstone-test:{uuid.uuid4().hex}:"
    # Two limiters stand for two server processes: they share one bucket per key.
    a = RedisRateLimiter(REDIS_URL, capacity=20, rate=0.001, prefix=prefix)
    b = make_rate_limiter(capacity=20, rate=0.001, redis_url=REDIS_URL, prefix=prefix)
    results: list[bool] = []
    lock = threading.Lock()

    def hammer(rl: RedisRateLimiter) -> None:
        for _ in range(15):
            ok = rl.acquire("key1").allowed
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=hammer, args=(rl,)) for rl in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 20 and len(results) == 60
    denied = a.acquire("key1")
    assert not denied.allowed and denied.retry_after > 100
    assert b.acquire("other-key").allowed
    a._redis.delete(prefix + "key1", prefix + "other-key")


def test_memory_limiter_drops_refilled_buckets_and_caps_keys():
    clock = Clock()
    rl = MemoryRateLimiter(capacity=2, rate=1, clock=clock, max_keys=100)
    for i in range(1000):  # many keys, each idle long enough to refill: none needs remembering
        rl.acquire(f"k{i}")
        clock.t += 0.1
    assert len(rl) <= 100
    rl = MemoryRateLimiter(capacity=2, rate=0.0001, clock=clock, max_keys=100)
    for i in range(1000):  # nothing refills: the cap holds, longest idle dropped first
        rl.acquire(f"k{i}")
    assert len(rl) <= 100
    assert not [rl.acquire("k999").allowed for _ in range(2)][-1]  # the latest key kept its state


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_server():
    """A redis-server of our own on a free loopback port, started and killed by the test."""
    import shutil
    import subprocess
    import time

    exe = shutil.which("redis-server")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is needed in CI")
        pytest.skip("redis-server not installed")
    port = _free_port()
    procs = []

    def start() -> None:
        procs.append(subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no"], stdout=subprocess.DEVNULL))
        import redis

        for _ in range(100):
            try:
                redis.Redis(port=port).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop() -> None:
        procs[-1].kill()
        procs[-1].wait()

    start()
    yield port, start, stop
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.redis
def test_redis_down_falls_back_to_process_limits_warns_once_and_recovers(redis_server, caplog):
    port, start, stop = redis_server
    clock = Clock()
    rl = RedisRateLimiter(f"redis://127.0.0.1:{port}/0", capacity=3, rate=0.001, clock=clock, retry_every=1.0)
    assert rl.acquire("k").allowed and rl.down_since is None
    stop()  # Redis dies mid-run
    with caplog.at_level("WARNING", logger="flagstone.abuse.ratelimit"):
        decisions = [rl.acquire("k").allowed for _ in range(5)]
        clock.t += 1.5  # a retry that fails again is still the same outage: no second warning
        decisions += [rl.acquire("k").allowed for _ in range(2)]
    assert decisions[:3] == [True, True, True] and not any(decisions[3:])  # still limited, per process
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "falling back to per-process limits" in warnings[0].getMessage()
    start()  # Redis is back on the same port
    clock.t += 1.5
    caplog.clear()
    with caplog.at_level("WARNING", logger="flagstone.abuse.ratelimit"):
        assert rl.acquire("k2").allowed
    assert rl.down_since is None and rl.outages == 1
    assert "answers again" in caplog.records[0].getMessage()
    import redis

    assert redis.Redis(port=port).exists("flagstone:rl:k2")  # the bucket lives in Redis again


@pytest.mark.redis
def test_server_with_redis_stopped_keeps_answering_keyed_requests(redis_server, tmp_path):
    from fastapi.testclient import TestClient

    from flagstone.models.fakes import KeywordModel
    from flagstone.serving.app import create_app
    from flagstone.settings import Settings

    port, _, stop = redis_server
    settings = Settings(data_dir=tmp_path, model_dir=tmp_path / "none", auth_enabled=True,
                        redis_url=f"redis://127.0.0.1:{port}/0", rate_limit_burst=2, rate_limit_per_second=0.001)
    app = create_app(settings, model=KeywordModel({"violence": ["hurt"]}, name="kw"))
    key, _ = app.state.abuse.keys.create("acme")
    with TestClient(app) as client:
        def call() -> int:
            return client.post("/v1/moderations", json={"input": "hi"},
                               headers={"Authorization": f"Bearer {key}"}).status_code

        assert call() == 200
        stop()
        # A fresh per-process bucket (burst 2) takes over: limited, not 503.
        assert [call(), call(), call()] == [200, 200, 429]
