"""Novel-abuse discovery: cluster embeddings of flagged and near-threshold texts in a window.

Any embedding function ``texts -> array (n, d)`` can be passed in (it need not come from the
moderation model); :func:`hashed_ngram_embedding` is a dependency-free default. Clusters are listed
with size, growth (second half of the window against the first), category mix, accounts and
examples; a cluster whose centroid matches none of the previous run's clusters is marked ``new``.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from flagstone.abuse.base import RequestRecord
from flagstone.text.normalize import normalize

Embed = Callable[[Sequence[str]], np.ndarray]


def hashed_ngram_embedding(texts: Sequence[str], dim: int = 512, n: int = 3) -> np.ndarray:
    """Character n-gram counts hashed into ``dim`` buckets, L2-normalised (rows of zeros stay zero)."""
    out = np.zeros((len(texts), dim))
    for i, t in enumerate(texts):
        words = normalize(t).casefold().split()
        if not words:
            continue
        canon = f" {' '.join(words)} "
        for j in range(max(1, len(canon) - n + 1)):
            out[i, zlib.crc32(canon[j:j + n].encode("utf-8")) % dim] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)


@dataclass(frozen=True)
class Cluster:
    id: str
    size: int
    growth: float  # members in the second half of the window / members in the first half
    categories: dict[str, float]  # share of members flagged per category
    accounts: int
    examples: tuple[str, ...]
    first_ts: float
    last_ts: float
    new: bool
    centroid: np.ndarray = field(repr=False, compare=False)
    members: frozenset[str] = field(default=frozenset(), repr=False, compare=False)  # input hashes

    def to_dict(self) -> dict:
        return {"id": self.id, "size": self.size, "growth": self.growth, "categories": self.categories,
                "accounts": self.accounts, "examples": list(self.examples), "first_ts": self.first_ts,
                "last_ts": self.last_ts, "new": self.new}


def candidates(records: Sequence[RequestRecord], margin: float = 0.15) -> list[RequestRecord]:
    """Flagged records and those within ``margin`` below a threshold (default threshold 0.5)."""
    out = []
    for r in records:
        if r.text is None:
            continue
        if r.flagged or any(s >= r.thresholds.get(c, 0.5) - margin for c, s in r.scores.items()):
            out.append(r)
    return out


def discover_clusters(records: Sequence[RequestRecord], *, start: float, end: float,
                      embed: Embed = hashed_ngram_embedding, previous: Sequence[Cluster] = (),
                      similarity: float = 0.6, min_size: int = 3, margin: float = 0.15,
                      max_items: int = 2000, examples: int = 3) -> list[Cluster]:
    """Cluster the candidate texts with ``start <= ts < end``; largest clusters first."""
    items = [r for r in candidates(records, margin) if start <= r.ts < end][-max_items:]
    if len(items) < max(2, min_size):
        return []
    x = np.asarray(embed([r.text or "" for r in items]), dtype=float)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    # Average-linkage agglomerative clustering on cosine distance, cut at 1 - similarity (scipy: the
    # serving install has no scikit-learn). Rows are unit-norm, so cosine distance = 1 - x·y.
    dist = np.clip(1.0 - x @ x.T, 0.0, 2.0)[np.triu_indices(len(x), k=1)]
    labels = fcluster(linkage(dist, method="average"), t=1.0 - similarity, criterion="distance")
    mid = (start + end) / 2
    prev = np.array([c.centroid for c in previous]) if previous else np.zeros((0, x.shape[1]))
    out = []
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        if len(idx) < min_size:
            continue
        members = [items[i] for i in idx]
        centroid = x[idx].mean(axis=0)
        centroid /= max(np.linalg.norm(centroid), 1e-12)
        cats: dict[str, int] = {}
        for m in members:
            for c in m.flags:
                cats[c] = cats.get(c, 0) + 1
        late = sum(1 for m in members if m.ts >= mid)
        nearest = idx[np.argsort(-(x[idx] @ centroid))][:examples]
        is_new = prev.shape[0] == 0 or float(np.max(prev @ centroid)) < similarity
        cid = hashlib.sha256("".join(sorted(m.input_hash for m in members)).encode()).hexdigest()[:12]
        out.append(Cluster(id=cid, size=len(members), growth=late / max(1, len(members) - late),
                           categories={c: k / len(members) for c, k in sorted(cats.items())},
                           accounts=len({m.account for m in members}),
                           examples=tuple(items[i].text or "" for i in nearest),
                           first_ts=min(m.ts for m in members), last_ts=max(m.ts for m in members),
                           new=is_new, centroid=centroid, members=frozenset(m.input_hash for m in members)))
    return sorted(out, key=lambda c: (-c.size, c.id))
