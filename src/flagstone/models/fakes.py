"""Test doubles shipped with the library: a constant model and a keyword model.

They make end-to-end runs (server, CLI, red-team, Spark) cheap and deterministic in tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from flagstone.models.base import ModelInfo, check_scores
from flagstone.models.kinds import register_model_kind
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.text.normalize import normalize

_DEFAULT_THRESHOLDS = {c: 0.5 for c in CATEGORIES}
_TEXT_ONLY = {c: ("text",) for c in CATEGORIES}


class ConstantModel:
    """Scores every text the same: the null plugin."""

    def __init__(self, score: float = 0.0, *, name: str = "constant", version: str = "0" * 64) -> None:
        if not 0.0 <= score <= 1.0:
            raise ValueError("score must be within [0, 1]")
        self.score = score
        self._info = ModelInfo(name=name, version=version, thresholds=dict(_DEFAULT_THRESHOLDS),
                               input_types=dict(_TEXT_ONLY))

    @property
    def info(self) -> ModelInfo:
        return self._info

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return check_scores(np.full((len(texts), len(CATEGORIES)), self.score), len(texts))


class KeywordModel:
    """Flags a category when one of its keywords appears in the normalised text (score 0.9, else 0.05)."""

    def __init__(self, keywords: dict[str, list[str]], *, name: str = "keyword",
                 version: str = "k" * 64) -> None:
        unknown = set(keywords) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown categories {sorted(unknown)}")
        self._patterns = {
            c: re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
            for c, words in keywords.items() if words
        }
        self._info = ModelInfo(name=name, version=version, thresholds=dict(_DEFAULT_THRESHOLDS),
                               input_types=dict(_TEXT_ONLY))

    @property
    def info(self) -> ModelInfo:
        return self._info

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        out = np.full((len(texts), len(CATEGORIES)), 0.05)
        for i, t in enumerate(texts):
            norm = normalize(t)
            for j, c in enumerate(CATEGORIES):
                pat = self._patterns.get(c)
                if pat is not None and pat.search(norm):
                    out[i, j] = 0.9
        return check_scores(out, len(texts))


@register_model_kind("constant")
def _load_constant(directory: Path, manifest: dict[str, Any], version: str) -> ConstantModel:
    return ConstantModel(float(manifest.get("score", 0.0)), name=manifest.get("name", "constant"),
                         version=version)


@register_model_kind("keyword")
def _load_keyword(directory: Path, manifest: dict[str, Any], version: str) -> KeywordModel:
    return KeywordModel(manifest.get("keywords", {}), name=manifest.get("name", "keyword"), version=version)
