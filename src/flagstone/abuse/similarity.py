"""Near-duplicate text: character shingles, MinHash signatures and an LSH index.

The signature of a text is ``NUM_PERM`` minima of universal hashes over its 5-character shingles
(after :func:`flagstone.text.normalize.normalize` and case folding), so evasions such as leetspeak or
look-alike letters do not hide a copy. The fraction of equal positions in two signatures estimates the
Jaccard similarity of their shingle sets.
"""

from __future__ import annotations

import operator
import zlib
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable

import numpy as np

from flagstone.text.normalize import normalize

NUM_PERM = 32
BANDS = 8  # LSH: 8 bands of 4 rows; pairs above ~0.5 Jaccard collide in some band with high probability
SHINGLE = 5
_rng = np.random.default_rng(20240607)  # fixed: signatures must be comparable across processes and runs
_SEEDS = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a well-mixed 64-bit hash (uint64 arithmetic wraps, as intended)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    canon = " ".join(normalize(text).casefold().split())
    if len(canon) <= k:
        return {canon} if canon else set()
    return set(map(canon.__getitem__, map(slice, range(len(canon) - k + 1), range(k, len(canon) + 1))))


def minhash(text: str, salt: int = 0) -> tuple[int, ...]:
    """Return the MinHash signature of ``text`` (empty text -> empty signature).

    A secret ``salt`` (64 bits) changes every hash function: signatures stay comparable with others
    made with the same salt, but nobody without it can compute the signature of a guessed text.
    """
    sh = shingles(text)
    if not sh:
        return ()
    x = np.fromiter(map(zlib.crc32, map(str.encode, sh)), dtype=np.uint64, count=len(sh))  # UTF-8
    # One independent hash function per position: mix(shingle_hash XOR seed_i). (A linear a*x+b mod p
    # without wrap-around is nearly monotonic in x, which makes the minima correlated.)
    seeds = _SEEDS ^ np.uint64(salt) if salt else _SEEDS
    h = _mix(x[:, None] ^ seeds[None, :])
    return tuple(h.min(axis=0).tolist())


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(map(operator.eq, a, b)) / len(a)


def _bands(sig: tuple[int, ...]) -> Iterable[tuple[int, tuple[int, ...]]]:
    rows = len(sig) // BANDS
    for b in range(BANDS):
        yield b, sig[b * rows:(b + 1) * rows]


class WindowIndex:
    """LSH index of recent signatures; entries older than ``window`` seconds are dropped, and past
    ``max_items`` entries the oldest go first (a flood of unique texts costs bounded memory)."""

    def __init__(self, window: float, *, max_candidates: int = 256, max_items: int = 20_000) -> None:
        self.window = window
        self.max_candidates = max_candidates
        self.max_items = max(1, max_items)
        self._buckets: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
        self._items: dict[int, tuple[float, tuple[int, ...], Hashable]] = {}
        self._order: deque[int] = deque()
        self._next = 0

    def expire(self, now: float) -> None:
        while self._order and (self._items[self._order[0]][0] < now - self.window
                               or len(self._order) > self.max_items):
            i = self._order.popleft()
            _, sig, _ = self._items.pop(i)
            for band in _bands(sig):
                bucket = self._buckets[band]
                bucket.remove(i)
                if not bucket:
                    del self._buckets[band]

    def query(self, sig: tuple[int, ...], now: float, threshold: float,
              limit: int | None = None) -> list[tuple[float, Hashable]]:
        """Return ``(ts, payload)`` of indexed items at least ``threshold`` similar to ``sig``
        (at most ``limit`` of them: callers that only need "enough" stop early).

        Candidates are examined newest first, at most ``max_candidates`` of them: a flood of
        templated text puts most of the window in the same buckets, and an unbounded scan made
        detection cost grow with the window on every request (an attacker's lever on the server).
        """
        self.expire(now)
        seen: set[int] = set()
        out = []
        for band in _bands(sig):
            for i in reversed(self._buckets.get(band, ())):
                if i in seen:
                    continue
                if len(seen) >= self.max_candidates:
                    return out
                seen.add(i)
                ts, other, payload = self._items[i]
                if similarity(sig, other) >= threshold:
                    out.append((ts, payload))
                    if limit is not None and len(out) >= limit:
                        return out
        return out

    def add(self, sig: tuple[int, ...], ts: float, payload: Hashable) -> None:
        if not sig:
            return
        self.expire(ts)
        i = self._next
        self._next += 1
        self._items[i] = (ts, sig, payload)
        self._order.append(i)
        for band in _bands(sig):
            self._buckets[band].append(i)
        if len(self._order) > self.max_items:
            self.expire(ts)

    def __len__(self) -> int:
        return len(self._items)
