"""Defences measured by red-teaming: a :class:`Moderator` wrapper that also scores decoded views.

``DecodingModel(model)`` scores each text and every view from ``flagstone.text.decode.decoded_views``
(spaced letters joined, base64/ROT13/reversed decoded) and keeps the max per category, so an encoding
does not hide what it encodes. Ordinary text has no views and costs one model call, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from flagstone.models.base import ModelInfo, Moderator, check_scores
from flagstone.text.decode import decoded_views


class DecodingModel:
    """Max over a text and its decoded views; thresholds are the wrapped model's."""

    def __init__(self, model: Moderator) -> None:
        self.model = model
        base = model.info
        self._info = replace(base, name=f"{base.name}+decode",
                             metadata={**base.metadata, "defence": "decoded_views"})

    @property
    def info(self) -> ModelInfo:
        return self._info

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        owners: list[int] = []
        batch: list[str] = []
        for i, t in enumerate(texts):
            for v in [t, *decoded_views(t)]:
                owners.append(i)
                batch.append(v)
        scores = check_scores(self.model.predict_proba(batch), len(batch)) if batch else np.zeros((0, 13))
        out = np.zeros((len(texts), scores.shape[1] if len(batch) else 13))
        np.maximum.at(out, np.asarray(owners, dtype=int), scores)
        return check_scores(out, len(texts))
