"""The extension point for active learning: a :class:`Strategy` ranks an unlabeled :class:`PoolView`.

A strategy returns ``budget`` distinct row indices into the pool, most useful first. It sees the
current model's scores, the per-category thresholds, the prevalence estimated from the labels so
far and, optionally, embeddings; the view checks its own shapes and ranges where it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from flagstone.errors import InvalidRequestError


@dataclass(frozen=True, eq=False)
class PoolView:
    scores: np.ndarray  # (n, k) probabilities in [0, 1]
    thresholds: np.ndarray  # (k,) flag at or above
    prevalence: np.ndarray  # (k,) positive rate among labels so far (or a prior)
    categories: tuple[str, ...]
    embeddings: np.ndarray | None = None  # (n, d), for diversity
    labeled_embeddings: np.ndarray | None = None  # (m, d), items already labelled
    n_labeled: int | None = None  # items labelled so far (prevalence x n_labeled = positives found)

    def __post_init__(self) -> None:
        n, k = np.shape(self.scores) if np.ndim(self.scores) == 2 else (-1, -1)
        if k != len(self.categories) or self.thresholds.shape != (k,) or self.prevalence.shape != (k,):
            raise InvalidRequestError(
                f"pool view shapes disagree: scores {np.shape(self.scores)}, thresholds "
                f"{self.thresholds.shape}, prevalence {self.prevalence.shape}, {len(self.categories)} categories")
        if not (np.all(np.isfinite(self.scores)) and self.scores.min(initial=0) >= 0 and self.scores.max(initial=0) <= 1):
            raise InvalidRequestError("pool scores must be finite probabilities in [0, 1]")
        if self.n_labeled is not None and self.n_labeled < 0:
            raise InvalidRequestError(f"n_labeled must be at least 0, got {self.n_labeled}")
        if self.embeddings is not None and (self.embeddings.ndim != 2 or self.embeddings.shape[0] != n):
            raise InvalidRequestError(f"embeddings must have shape ({n}, d), got {self.embeddings.shape}")

    @property
    def size(self) -> int:
        return int(self.scores.shape[0])


@runtime_checkable
class Strategy(Protocol):
    name: ClassVar[str]

    def rank(self, pool: PoolView, budget: int, rng: np.random.Generator) -> np.ndarray:
        """Return ``min(budget, pool.size)`` distinct indices into the pool, most useful first."""
        ...
