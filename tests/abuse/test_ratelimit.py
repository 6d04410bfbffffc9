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


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="set FLAGSTONE_TEST_REDIS_URL to run against Redis")
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
