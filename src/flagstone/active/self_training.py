"""Self-training: confident model predictions become pseudo-labels, always marked as such.

An item gets a pseudo-label only when the model is confident on *every* category (score at least
``high`` or at most ``low``); one unsure category and the item is left for people. Pseudo-labels
carry ``source="pseudo"`` and the model id as annotator, so nothing can mix them up with human labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from flagstone.errors import InvalidRequestError

PSEUDO = "pseudo"


@dataclass(frozen=True)
class PseudoLabel:
    item_key: str
    labels: dict[str, bool]
    annotator: str  # "model:<id>"
    confidence: float  # the least confident category's distance from 0.5, scaled to [0, 1]
    source: Literal["pseudo"] = PSEUDO


def pseudo_labels(keys: Sequence[str], scores: np.ndarray, categories: Sequence[str], *, model_id: str,
                  high: float = 0.95, low: float = 0.02) -> list[PseudoLabel]:
    if not 0 <= low < 0.5 < high <= 1:
        raise InvalidRequestError(f"need 0 <= low < 0.5 < high <= 1, got low={low}, high={high}")
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(keys), len(categories)):
        raise InvalidRequestError(f"scores shape {scores.shape} != ({len(keys)}, {len(categories)})")
    confident = ((scores >= high) | (scores <= low)).all(axis=1)
    out = []
    for i in np.flatnonzero(confident):
        row = scores[i]
        conf = float(np.min(np.abs(row - 0.5)) * 2)
        out.append(PseudoLabel(keys[i], {c: bool(row[j] >= high) for j, c in enumerate(categories)},
                               f"model:{model_id}", conf))
    return out
