"""Token-bucket rate limiters behind :class:`flagstone.abuse.base.RateLimiter`.

* :class:`MemoryRateLimiter`: per process, a dict of buckets under a lock.
* :class:`RedisRateLimiter`: one bucket shared by every server process and machine; the
  refill-and-take step is a Lua script, so it is atomic in Redis. When Redis fails (down, unreachable,
  timing out) it falls back to per-process buckets instead of refusing every keyed request: one
  warning per outage, a retry of Redis every ``retry_every`` seconds, one more line when it is back.

Both compute the same thing: ``tokens = min(capacity, tokens + elapsed * rate)``; a request
costing ``cost`` is allowed when ``tokens >= cost``; otherwise ``retry_after = (cost - tokens) / rate``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flagstone.abuse.base import RateDecision
from flagstone.errors import ConfigError

log = logging.getLogger(__name__)


def _check(capacity: float, rate: float) -> None:
    if capacity <= 0 or rate <= 0:
        raise ConfigError(f"rate limit needs capacity > 0 and rate > 0 (got {capacity}, {rate})")


def take(tokens: float, last: float, now: float, capacity: float, rate: float,
         cost: float) -> tuple[float, RateDecision]:
    """Pure bucket step: returns the new token count and the decision."""
    tokens = min(capacity, tokens + max(0.0, now - last) * rate)
    if tokens >= cost:
        return tokens - cost, RateDecision(True, tokens - cost, 0.0)
    return tokens, RateDecision(False, tokens, (cost - tokens) / rate)


class MemoryRateLimiter:
    """Buckets in a dict. A bucket idle long enough to refill completely equals a fresh one, so such
    buckets are dropped when the dict passes ``max_keys / 2`` (at most one sweep per ``max_keys / 2``
    new keys); past ``max_keys`` the longest-idle buckets go first (their holders would need that
    many live keys to gain anything)."""

    def __init__(self, capacity: float, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        _check(capacity, rate)
        self.capacity, self.rate, self.clock = capacity, rate, clock
        self.max_keys = max(2, max_keys)
        self._full_after = capacity / rate  # seconds an empty bucket takes to refill completely
        self._buckets: dict[str, tuple[float, float]] = {}
        self._next_sweep = self.max_keys // 2
        self._lock = threading.Lock()

    def acquire(self, key: str, cost: float = 1.0) -> RateDecision:
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.pop(key, (self.capacity, now))  # re-inserted last: idle order
            tokens, decision = take(tokens, last, now, self.capacity, self.rate, cost)
            self._buckets[key] = (tokens, now)
            if len(self._buckets) >= self._next_sweep:
                self._sweep(now)
            return decision

    def _sweep(self, now: float) -> None:
        for k in [k for k, (_, last) in self._buckets.items() if now - last >= self._full_after]:
            del self._buckets[k]
        excess = len(self._buckets) - self.max_keys
        for k in list(self._buckets)[:max(0, excess)]:  # dicts keep insertion order: longest idle first
            del self._buckets[k]
        self._next_sweep = len(self._buckets) + self.max_keys // 2

    def __len__(self) -> int:
        return len(self._buckets)


# KEYS[1] bucket key; ARGV: capacity, rate, cost, ttl_ms. Time comes from the Redis server, so
# machines with skewed clocks still share one bucket correctly.
_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local last = tonumber(state[2]) or now
local elapsed = now - last
if elapsed < 0 then elapsed = 0 end
tokens = math.min(capacity, tokens + elapsed * rate)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {allowed, tostring(tokens), tostring(retry)}
"""


class RedisRateLimiter:
    """The shared limiter, with per-process buckets while Redis is unreachable.

    During an outage each process limits on its own (a client spread over N processes gets up to N
    times its limit: better than refusing every keyed request). Redis is tried again at most every
    ``retry_every`` seconds, so a dead Redis costs one failed call a second, not one per request;
    short socket timeouts keep an unreachable (rather than refusing) Redis from stalling requests.
    """

    def __init__(self, url: str, capacity: float, rate: float, *, prefix: str = "flagstone:rl:",
                 retry_every: float = 1.0, timeout: float = 0.25,
                 clock: Callable[[], float] = time.monotonic) -> None:
        _check(capacity, rate)
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - redis is in the 'redis' extra
            raise ConfigError("redis_url is set but the 'redis' package is missing: pip install flagstone[redis]") from exc
        self.capacity, self.rate, self.prefix = capacity, rate, prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._where = self._redis.connection_pool.connection_kwargs.get("host", "?")
        self._script = self._redis.register_script(_LUA)
        # Keep idle buckets long enough to refill completely, then let Redis drop them.
        self._ttl_ms = int(max(1000.0, 2000.0 * capacity / rate))
        self.fallback = MemoryRateLimiter(capacity, rate, clock=clock)
        self.retry_every, self.clock = retry_every, clock
        self.down_since: float | None = None  # clock time the current outage began (None: Redis is up)
        self.outages = 0
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def acquire(self, key: str, cost: float = 1.0) -> RateDecision:
        import redis

        if self.down_since is not None and self.clock() < self._retry_at:
            return self.fallback.acquire(key, cost)
        try:
            allowed, tokens, retry = self._script(keys=[self.prefix + key],
                                                  args=[self.capacity, self.rate, cost, self._ttl_ms])
        except redis.RedisError as exc:
            self._failed(exc)
            return self.fallback.acquire(key, cost)
        if self.down_since is not None:
            self._recovered()
        return RateDecision(bool(int(allowed)), float(tokens), float(retry))

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            now = self.clock()
            self._retry_at = now + self.retry_every
            if self.down_since is None:
                self.down_since = now
                self.outages += 1
                log.warning("rate limiter: Redis at %s failed (%s): falling back to per-process limits "
                            "until it answers again (retried every %gs)", self._where, exc, self.retry_every)

    def _recovered(self) -> None:
        with self._lock:
            if self.down_since is None:
                return
            log.warning("rate limiter: Redis at %s answers again after %.1fs: shared limits restored",
                        self._where, self.clock() - self.down_since)
            self.down_since = None


def make_rate_limiter(capacity: float, rate: float, redis_url: str | None = None,
                      prefix: str = "flagstone:rl:") -> MemoryRateLimiter | RedisRateLimiter:
    """The in-process limiter by default; the shared Redis one when ``redis_url`` is configured."""
    if redis_url:
        return RedisRateLimiter(redis_url, capacity, rate, prefix=prefix)
    return MemoryRateLimiter(capacity, rate)
