"""MinHash signatures and LSH banding in numpy, for near-duplicate groups (Broder 1997).

Texts are casefolded, normalised and cut into character 5-gram shingles, hashed with a rolling
polynomial hash; 64 multiply-shift hash functions give each text a signature whose agreement rate
estimates Jaccard similarity. LSH (16 bands of 4 rows) proposes candidate pairs; a pair is kept when
its estimated similarity reaches ``threshold``. Groups are the connected components of kept pairs.
Everything is deterministic (fixed seeds, no Python ``hash``), so groups are stable across runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from flagstone.text.normalize import normalize

NUM_PERM = 64
BANDS = 16
SHINGLE = 5
_MAX_BUCKET = 64  # buckets larger than this are chained, not compared all-pairs
_rng = np.random.default_rng(20261125)
_A = (_rng.integers(1, 2**63 - 1, NUM_PERM, dtype=np.uint64) | np.uint64(1))
_B = _rng.integers(0, 2**63 - 1, NUM_PERM, dtype=np.uint64)
_POW = np.array([np.uint64(1_000_003) ** np.uint64(SHINGLE - 1 - i) for i in range(SHINGLE)], dtype=np.uint64)


def canonical(text: str) -> str:
    return " ".join(normalize(text).casefold().split())


def shingle_hashes(text: str) -> np.ndarray:
    """uint64 hashes of the distinct character 5-grams of the canonical text (one for short texts)."""
    data = np.frombuffer(canonical(text).encode("utf-8"), dtype=np.uint8).astype(np.uint64)
    if data.size < SHINGLE:
        data = np.pad(data, (0, SHINGLE - data.size))
    windows = np.lib.stride_tricks.sliding_window_view(data, SHINGLE)
    with np.errstate(over="ignore"):
        return np.unique(windows @ _POW)


def signatures(texts: Sequence[str], chunk: int = 64, *, canonicalised: bool = False) -> np.ndarray:
    """(n, NUM_PERM) uint64 MinHash signatures (``canonicalised``: texts already went through ``canonical``).

    Vectorised per chunk: all texts' bytes are joined, one rolling hash runs over the whole buffer,
    windows that cross a text boundary are dropped, and ``minimum.reduceat`` takes each text's minima.
    (Equal to hashing each text's distinct shingles: repeats do not change a minimum.)
    """
    out = np.empty((len(texts), NUM_PERM), dtype=np.uint64)
    prime = np.uint64(1_000_003)
    for start in range(0, len(texts), chunk):
        part = texts[start:start + chunk]
        encoded = [(t if canonicalised else canonical(t)).encode("utf-8").ljust(SHINGLE, b"\0") for t in part]
        lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.uint64)
        m = data.size - SHINGLE + 1
        h = np.zeros(m, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in range(SHINGLE):  # Horner: sum of data[i + k] * prime ** (SHINGLE - 1 - k)
                h = h * prime + data[k:k + m]
        owner = np.repeat(np.arange(len(encoded)), lengths)[:m]
        pos = np.arange(m) - np.concatenate([[0], np.cumsum(lengths)[:-1]])[owner]
        hv = h[pos <= lengths[owner] - SHINGLE]
        counts = lengths - SHINGLE + 1
        with np.errstate(over="ignore"):
            mixed = hv[:, None] * _A[None, :]  # in place from here: chunks stay cache-sized
            mixed += _B[None, :]
            mixed >>= np.uint64(16)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        out[start:start + len(encoded)] = np.minimum.reduceat(mixed, offsets, axis=0)
    return out


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def candidate_pairs(sigs: np.ndarray) -> set[tuple[int, int]]:
    rows = NUM_PERM // BANDS
    pairs: set[tuple[int, int]] = set()
    for b in range(BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        band = np.ascontiguousarray(sigs[:, b * rows:(b + 1) * rows])
        for i in range(sigs.shape[0]):
            buckets[band[i].tobytes()].append(i)
        for members in buckets.values():
            if len(members) < 2:
                continue
            if len(members) > _MAX_BUCKET:  # chain huge buckets; components stay connected
                pairs.update(zip(members, members[1:], strict=False))
            else:
                pairs.update((x, y) for i, x in enumerate(members) for y in members[i + 1:])
    return pairs


def near_duplicate_pairs(sigs: np.ndarray, threshold: float = 0.8) -> list[tuple[int, int, float]]:
    """Verified pairs (i < j, similarity) with estimated Jaccard >= threshold."""
    out = []
    for i, j in sorted(candidate_pairs(sigs)):
        s = similarity(sigs[i], sigs[j])
        if s >= threshold:
            out.append((i, j, s))
    return out


def components(n: int, pairs: Sequence[tuple[int, int] | tuple[int, int, float]]) -> np.ndarray:
    """Union-find: component label (smallest member index) per element."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p[0]), find(p[1])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def near_duplicate_groups(texts: Sequence[str], threshold: float = 0.8) -> tuple[np.ndarray, list]:
    """(component label per text, verified pairs)."""
    if not texts:
        return np.zeros(0, dtype=np.int64), []
    pairs = near_duplicate_pairs(signatures(texts), threshold)
    return components(len(texts), pairs), pairs
