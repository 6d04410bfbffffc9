"""Stable splits by text hash: which rows calibrate, which dev fold a row is in, which rows a recipe holds out.

A module of its own because both the sources (``training/sources.py``: a recipe's held-out split) and the dataset
(``training/dataset.py``) need it, and neither should import the other for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np


def bucket(text: str, buckets: int, salt: str = "") -> int:
    """A stable bucket in [0, buckets) from the text's hash (splits never depend on row order)."""
    return int(hashlib.sha256((salt + text).encode("utf-8")).hexdigest()[:12], 16) % buckets


def holdout_mask(texts: Iterable[str], fraction: float, salt: str) -> np.ndarray:
    """True for texts in a recipe's held-out split: ``bucket(stripped text, 10000, salt) < fraction * 10000``.

    The raw (stripped) text is hashed, not the normalised one, so the split of a file never moves
    when normalisation changes; suites select the same rows from the same file (``holdout`` option).
    """
    cut = fraction * 10_000
    return np.array([bucket(t.strip(), 10_000, salt) < cut for t in texts], dtype=bool)
