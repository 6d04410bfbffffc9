"""Score texts of any length with a :class:`~flagstone.models.base.Moderator`, and shape the results.

An encoder only sees ``model.info.max_tokens`` tokens, so a long text is split into overlapping
word windows (tokens approximated as words x 1.3, long "words" cut into slices) and each category's
score is the max over the windows: harmful content at the end of a long benign text is still caught.
All windows of all texts go to the model in one ``predict_proba`` call.

Used by the HTTP server, the CLI, the Spark path and red-teaming, so they all score alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from flagstone.models.base import CategoryResult, ModelInfo, Moderator, check_scores
from flagstone.policy.taxonomy import CATEGORIES

TOKENS_PER_WORD = 1.3
_SLICE_CHARS = 24  # a "word" longer than this (URLs, base64, no-space scripts) is cut into slices
_SPECIAL_TOKENS = 2  # [CLS] and [SEP]
_WORD = re.compile(r"\S+")


def _token_cost(word: str) -> float:
    # Long runs without spaces break into more sub-word tokens than ordinary words.
    return max(TOKENS_PER_WORD, len(word) / 3.0)


def _pieces(text: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text):
        out.extend(word[i:i + _SLICE_CHARS] for i in range(0, len(word), _SLICE_CHARS))
    return out


def chunk_text(text: str, max_tokens: int, *, overlap: float = 0.25) -> list[str]:
    """Split ``text`` into windows of about ``max_tokens`` tokens overlapping by ``overlap``.

    A text that fits is returned unchanged as the only chunk.
    """
    if max_tokens < 4:
        raise ValueError("max_tokens must be at least 4")
    budget = max_tokens - _SPECIAL_TOKENS
    pieces = _pieces(text)
    costs = [_token_cost(p) for p in pieces]
    if sum(costs) <= budget:
        return [text]
    chunks: list[str] = []
    start = 0
    while start < len(pieces):
        end, used = start, 0.0
        while end < len(pieces) and (end == start or used + costs[end] <= budget):
            used += costs[end]
            end += 1
        chunks.append(" ".join(pieces[start:end]))
        if end >= len(pieces):
            break
        step = max(1, math.floor((end - start) * (1 - overlap)))
        start += step
    return chunks


def _select(chunks: list[str], max_chunks: int) -> list[str]:
    """Keep at most ``max_chunks`` windows, evenly spaced and always including the first and last."""
    if len(chunks) <= max_chunks:
        return chunks
    if max_chunks == 1:
        return chunks[:1]
    idx = sorted({round(i * (len(chunks) - 1) / (max_chunks - 1)) for i in range(max_chunks)})
    return [chunks[i] for i in idx]


def score_texts(model: Moderator, texts: Sequence[str], max_chunks: int) -> np.ndarray:
    """Return (len(texts), 13) scores; long texts are scored as the max over their windows."""
    if max_chunks < 1:
        raise ValueError("max_chunks must be at least 1")
    if not texts:
        return np.zeros((0, len(CATEGORIES)))
    flat: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        windows = _select(chunk_text(text, model.info.max_tokens), max_chunks)
        flat.extend(windows)
        owner.extend([i] * len(windows))
    scores = check_scores(model.predict_proba(flat), len(flat))
    out = np.zeros((len(texts), len(CATEGORIES)))
    np.maximum.at(out, np.asarray(owner), scores)
    return out


def to_results(info: ModelInfo, scores: np.ndarray, input_types: Sequence[str] = ("text",)
               ) -> list[CategoryResult]:
    """Turn score rows into OpenAI-shaped results using the model's per-category thresholds.

    ``category_applied_input_types`` lists the input's types that the category covers (``["text"]``
    for text input).
    """
    results = []
    for row in np.asarray(scores, dtype=np.float64):
        cats = {c: bool(row[j] >= info.thresholds[c]) for j, c in enumerate(CATEGORIES)}
        applied = {c: [t for t in input_types if t in info.input_types.get(c, ("text",))]
                   for c in CATEGORIES}
        results.append(CategoryResult(
            flagged=any(cats.values()),
            categories=cats,
            category_scores={c: float(row[j]) for j, c in enumerate(CATEGORIES)},
            category_applied_input_types=applied,
        ))
    return results
