"""Token-bucket rate limiters behind :class:`flagstone.abuse.base.RateLimiter`.

* :class:`MemoryRateLimiter`: per process, a dict of buckets under a lock.
* :class:`RedisRateLimiter`: one bucket shared by every server process and machine; the
  refill-and-take step is a Lua script, so it is atomic in Redis.

Both compute the same thing: ``tokens = min(capacity, tokens + elapsed * rate)``; a request
costing ``cost`` is allowed when ``tokens >= cost``; otherwise ``retry_after = (cost - tokens) / rate``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flagstone.abuse.base import RateDecision
from flagstone.errors import ConfigError, ServiceUnavailableError


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
    def __init__(self, capacity: float, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        _check(capacity, rate)
        self.capacity, self.rate, self.clock = capacity, rate, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, cost: float = 1.0) -> RateDecision:
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens, decision = take(tokens, last, now, self.capacity, self.rate, cost)
            self._buckets[key] = (tokens, now)
            return decision


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
    def __init__(self, url: str, capacity: float, rate: float, *, prefix: str = "flagstone:rl:") -> None:
        _check(capacity, rate)
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - redis is in the 'redis' extra
            raise ConfigError("redis_url is set but the 'redis' package is missing: pip install flagstone[redis]") from exc
        self.capacity, self.rate, self.prefix = capacity, rate, prefix
        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_LUA)
        # Keep idle buckets long enough to refill completely, then let Redis drop them.
        self._ttl_ms = int(max(1000.0, 2000.0 * capacity / rate))

    def acquire(self, key: str, cost: float = 1.0) -> RateDecision:
        import redis

        try:
            allowed, tokens, retry = self._script(keys=[self.prefix + key],
                                                  args=[self.capacity, self.rate, cost, self._ttl_ms])
        except redis.RedisError as exc:
            raise ServiceUnavailableError(f"rate limiter unavailable: {exc}") from exc
        return RateDecision(bool(int(allowed)), float(tokens), float(retry))


def make_rate_limiter(capacity: float, rate: float, redis_url: str | None = None,
                      prefix: str = "flagstone:rl:") -> MemoryRateLimiter | RedisRateLimiter:
    """The in-process limiter by default; the shared Redis one when ``redis_url`` is configured."""
    if redis_url:
        return RedisRateLimiter(redis_url, capacity, rate, prefix=prefix)
    return MemoryRateLimiter(capacity, rate)
