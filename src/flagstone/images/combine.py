"""Combine one input's text scores and image scores into one OpenAI-shaped result.

Per category, the score is the maximum over the parts that the category applies to: the text (when
the input has text) and each image that the image model covers the category for. A category is
flagged when any applied part reaches its own model's threshold (the text model's for text, the
image model's for images: the two are not calibrated against each other). ``category_applied_input_types``
lists exactly those parts' types: ``["text"]``, ``["image"]``, ``["text", "image"]`` or ``[]``
(an image-only input and a category no image model covers: score 0, never flagged).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from flagstone.images.base import ImageModelInfo
from flagstone.models.base import CategoryResult, ModelInfo
from flagstone.policy.taxonomy import CATEGORIES, with_parents


def combine(text_info: ModelInfo, text_row: np.ndarray | None, image_info: ImageModelInfo,
            image_rows: np.ndarray, thresholds: Mapping[str, float] | None = None) -> CategoryResult:
    """``text_row``: shape (13,) or None when the input has no text; ``image_rows``: (k, 13), nan = uncovered.

    ``thresholds``: an account's tightened thresholds; a category whose combined score reaches one is
    flagged too (they only ever add flags, as in :func:`flagstone.models.scoring.to_results`).
    """
    tightened = thresholds or {}
    images = np.asarray(image_rows, dtype=np.float64).reshape(-1, len(CATEGORIES))
    categories, scores, applied = {}, {}, {}
    for j, c in enumerate(CATEGORIES):
        types, score, flagged = [], 0.0, False
        if text_row is not None:
            types.append("text")
            score = float(text_row[j])
            flagged = score >= text_info.thresholds[c]
        if len(images) and c in image_info.categories:
            types.append("image")
            best = float(np.max(images[:, j]))
            score = max(score, best)
            flagged = flagged or best >= image_info.thresholds[c]
        flagged = flagged or bool(types and c in tightened and score >= tightened[c])
        categories[c], scores[c], applied[c] = flagged, score, types
    # A flagged sub-category flags its parent, by the rule text alone follows.
    flags = with_parents(np.array([[categories[c] for c in CATEGORIES]]))[0]
    categories = {c: bool(flags[j]) for j, c in enumerate(CATEGORIES)}
    return CategoryResult(flagged=any(categories.values()), categories=categories,
                          category_scores=scores, category_applied_input_types=applied)
