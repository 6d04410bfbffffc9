"""Defences measured by red-teaming: a :class:`Moderator` wrapper that also scores decoded views.

``DecodingModel(model)`` scores each text and every view from ``flagstone.text.decode.decoded_views``
(spaced letters joined, run-together words split, base64/ROT13/reversed decoded) and keeps the max per
category, so an encoding does not hide what it encodes. Views are taken from the whole text, before
long texts are cut into encoder windows (a window boundary would cut a base64 run in two), so the
wrapper does its own windowing through :func:`flagstone.models.scoring.score_texts` and tells callers
not to window (``info.max_tokens`` is effectively unlimited). Ordinary text has no views and costs what
it cost before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from flagstone.models.base import ModelInfo, Moderator, check_scores
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.text.decode import decoded_views

NO_WINDOWING = 1 << 30


class DecodingModel:
    """Max over a text and its decoded views; thresholds are the wrapped model's."""

    def __init__(self, model: Moderator, *, max_chunks: int = 16) -> None:
        self.model, self.max_chunks = model, max_chunks
        base = model.info
        self._info = replace(base, name=f"{base.name}+decode", max_tokens=NO_WINDOWING,
                             metadata={**base.metadata, "defence": "decoded_views"})

    @property
    def info(self) -> ModelInfo:
        return self._info

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        from flagstone.models.scoring import score_texts

        owners: list[int] = []
        batch: list[str] = []
        for i, t in enumerate(texts):
            for v in [t, *decoded_views(t)]:
                owners.append(i)
                batch.append(v)
        out = np.zeros((len(texts), len(CATEGORIES)))
        if batch:
            scores = check_scores(score_texts(self.model, batch, self.max_chunks), len(batch))
            np.maximum.at(out, np.asarray(owners, dtype=int), scores)
        return check_scores(out, len(texts))
