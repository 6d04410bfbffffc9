"""Which evaluation items a model was trained on: exact and near-duplicate checks against a fingerprint.

A trained artifact carries ``training_fingerprint.npz`` (written by training): per training text, the
first 8 bytes of its ``text_key`` (exact: same normalised text) and its 16 MinHash LSH band hashes
(``flagstone.data.minhash``: 64 permutations, 16 bands of 4 rows), folded to 32 bits each. Storing
bands rather than whole signatures keeps the file small (about 72 bytes a text); the near-duplicate
test is then "at least ``MIN_SHARED_BANDS`` of 16 bands equal": a band matches with probability J^4
for Jaccard similarity J, so 6 bands are expected at J = 0.8 and 1 at J = 0.5; 4 of 16 is reached by
pairs of J >= 0.7 or so and rarely by J <= 0.5 (a one-in-a-hundred chance).

The promotion gate (``registry/gate.py``) uses :func:`check_overlap` on every suite dataset: items
the candidate trained on do not count in the decision, and a dataset with too many is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flagstone.data.minhash import BANDS, NUM_PERM, signatures
from flagstone.text.normalize import normalize, text_key

FINGERPRINT_FILE = "training_fingerprint.npz"
MIN_SHARED_BANDS = 4


@dataclass(frozen=True)
class Fingerprint:
    exact: np.ndarray  # (n,) uint64
    bands: np.ndarray  # (n, BANDS) uint32

    def __len__(self) -> int:
        return int(self.exact.shape[0])


def _exact(texts: Sequence[str]) -> np.ndarray:
    return np.array([int(text_key(normalize(t))[:16], 16) for t in texts], dtype=np.uint64)


def _bands(texts: Sequence[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, BANDS), dtype=np.uint32)
    sigs = signatures(list(texts))
    rows = NUM_PERM // BANDS
    out = np.empty((len(texts), BANDS), dtype=np.uint32)
    for b in range(BANDS):
        band = np.ascontiguousarray(sigs[:, b * rows:(b + 1) * rows])
        out[:, b] = [int.from_bytes(hashlib.blake2b(band[i].tobytes() + bytes([b]), digest_size=4).digest(), "little")
                     for i in range(len(texts))]
    return out


def fingerprint(texts: Sequence[str]) -> Fingerprint:
    return Fingerprint(_exact(texts), _bands(texts))


def write_fingerprint(texts: Sequence[str], path: Path) -> None:
    fp = fingerprint(texts)
    order = np.argsort(fp.exact, kind="stable")  # independent of row order: same texts, same bytes
    with path.open("wb") as fh:
        np.savez(fh, exact=fp.exact[order], bands=fp.bands[order])


def load_fingerprint(model_dir: Path) -> Fingerprint | None:
    """The artifact's training fingerprint, or None for artifacts trained before fingerprints existed."""
    path = Path(model_dir) / FINGERPRINT_FILE
    if not path.is_file():
        return None
    with np.load(path) as z:
        return Fingerprint(z["exact"], z["bands"])


@dataclass(frozen=True)
class Overlap:
    n: int
    exact: np.ndarray  # (n,) bool: the same normalised text was trained on
    near: np.ndarray  # (n,) bool: a near duplicate (and not exact) was trained on

    @property
    def mask(self) -> np.ndarray:
        return self.exact | self.near

    @property
    def share(self) -> float:
        return float(self.mask.mean()) if self.n else 0.0

    def to_dict(self) -> dict:
        return {"items": self.n, "exact": int(self.exact.sum()), "near": int(self.near.sum()),
                "share": round(self.share, 4)}


def check_overlap(fp: Fingerprint, texts: Sequence[str]) -> Overlap:
    """Flag each text found (exactly or nearly) in the fingerprinted training data."""
    q = fingerprint(texts)
    exact = np.isin(q.exact, fp.exact)
    near = _near(fp, q) if len(fp) and len(texts) else np.zeros(len(texts), dtype=bool)
    return Overlap(len(texts), exact, near & ~exact)


def _near(fp: Fingerprint, q: Fingerprint) -> np.ndarray:
    """Per query text: does some training text share at least MIN_SHARED_BANDS band hashes with it?"""
    index: list[dict[int, list[int]]] = []
    for b in range(BANDS):
        d: dict[int, list[int]] = {}
        for j, h in enumerate(fp.bands[:, b].tolist()):
            d.setdefault(h, []).append(j)
        index.append(d)
    out = np.zeros(len(q), dtype=bool)
    for i in range(len(q)):
        counts: dict[int, int] = {}
        for b in range(BANDS):
            for j in index[b].get(int(q.bands[i, b]), ()):
                counts[j] = counts.get(j, 0) + 1
        out[i] = any(c >= MIN_SHARED_BANDS for c in counts.values())
    return out
