"""The one extension point for anything that scores text: a :class:`Moderator`.

A moderator returns calibrated probabilities for the 13 categories, one row per text, in
``flagstone.policy.taxonomy.CATEGORIES`` order, and carries its per-category thresholds. The
serving layer, the CLI, evaluation, red-teaming and the Spark path all talk to this interface only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from flagstone.errors import ModelError
from flagstone.policy.taxonomy import CATEGORIES


@runtime_checkable
class Moderator(Protocol):
    """Anything that turns texts into calibrated category probabilities."""

    @property
    def info(self) -> ModelInfo: ...

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), 13) with values in [0, 1]."""
        ...


@dataclass(frozen=True)
class ModelInfo:
    name: str  # e.g. "flagstone-default"
    version: str  # content hash of the artifact (short form shown to users)
    thresholds: dict[str, float]  # per category, probability at or above which it is flagged
    input_types: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per category: ("text",) …
    max_tokens: int = 256  # encoder window; longer texts are chunked by the scorer
    metadata: dict = field(default_factory=dict)
    # How the scorer reads texts made of several sentences (models/scoring.py): texts of at least
    # ``sentence_min_words`` words are also scored sentence by sentence (None: only texts longer than the
    # encoder window), and a window's score counts ``window_weight`` times against the whole text's.
    sentence_min_words: int | None = None
    window_weight: float = 1.0

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version[:12]}"


@dataclass(frozen=True)
class CategoryResult:
    """One input's result, in the shape of one element of OpenAI's ``results`` list."""

    flagged: bool
    categories: dict[str, bool]
    category_scores: dict[str, float]
    category_applied_input_types: dict[str, list[str]]

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready dict (a shallow copy; ``dataclasses.asdict`` deep-copies and is ~10x slower)."""
        return {"flagged": self.flagged, "categories": self.categories, "category_scores": self.category_scores,
                "category_applied_input_types": self.category_applied_input_types}


def check_scores(scores: np.ndarray, n: int) -> np.ndarray:
    """Enforce the contract where scores are made: shape (n, 13), finite, within [0, 1]."""
    arr = np.asarray(scores, dtype=np.float64)
    if arr.shape != (n, len(CATEGORIES)):
        raise ModelError(f"model returned shape {arr.shape}, expected ({n}, {len(CATEGORIES)})")
    if not np.all(np.isfinite(arr)):
        raise ModelError("model returned non-finite scores")
    return np.clip(arr, 0.0, 1.0)
