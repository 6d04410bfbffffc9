"""Score texts of any length with a :class:`~flagstone.models.base.Moderator`, and shape the results.

A text that fits the encoder (``model.info.max_tokens``, tokens approximated as words x 1.3) is
scored whole, as in training. A longer text is scored as the max, per category, over two kinds of
window, so harmful content at the end of a long benign text is still caught:

* context windows: overlapping word windows, as small as the budget allows (from
  ``MIN_WINDOW_TOKENS`` up to ``max_tokens``, doubling until at most ``max_chunks`` cover the text);
* sentence windows: each sentence alone (long ones sliced), because a pooled embedding dilutes one
  harmful sentence among benign ones; at most ``max_chunks * max_tokens`` tokens of them, evenly
  spaced when the text has more.

All windows of all texts go to the model in one ``predict_proba`` call. Used by the HTTP server, the
CLI, the Spark path and red-teaming, so they all score alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

from flagstone.models.base import CategoryResult, ModelInfo, Moderator, check_scores
from flagstone.policy.taxonomy import CATEGORIES, flag_matrix

TOKENS_PER_WORD = 1.3
_SLICE_CHARS = 24  # a "word" longer than this (URLs, base64, no-space scripts) is cut into slices
_SPECIAL_TOKENS = 2  # [CLS] and [SEP]
MIN_WINDOW_TOKENS = 64
_WORD = re.compile(r"\S+")


def _token_cost(word: str) -> float:
    # Long runs without spaces break into more sub-word tokens than ordinary words.
    return max(TOKENS_PER_WORD, len(word) / 3.0)


def _pieces(text: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text):
        out.extend(word[i:i + _SLICE_CHARS] for i in range(0, len(word), _SLICE_CHARS))
    return out


def chunk_text(text: str, max_tokens: int, *, overlap: float = 0.5) -> list[str]:
    """Split ``text`` into windows of about ``max_tokens`` tokens, each starting ``1 - overlap`` of a
    window after the previous one; the last window ends at the end of the text and is full-sized.

    With the default half-window overlap, any span up to half a window long lies whole inside some
    window. A text that fits is returned unchanged as the only chunk.
    """
    if max_tokens < 4:
        raise ValueError("max_tokens must be at least 4")
    if not 0 <= overlap < 1:
        raise ValueError("overlap must be within [0, 1)")
    budget = max_tokens - _SPECIAL_TOKENS
    # A piece of n >= 1 characters costs max(1.3, n / 3) <= 1.3 n tokens, so a text of at most
    # budget / 1.3 characters fits whatever its words are: skip cutting it into pieces.
    if len(text) * TOKENS_PER_WORD <= budget:
        return [text]
    pieces = _pieces(text)
    costs = [_token_cost(p) for p in pieces]
    if sum(costs) <= budget:
        return [text]
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end, used = start, 0.0
        while end < len(pieces) and (end == start or used + costs[end] <= budget):
            used += costs[end]
            end += 1
        if end >= len(pieces):
            break
        spans.append((start, end))
        start += max(1, math.floor((end - start) * (1 - overlap)))
    # The tail gets a full window ending at the last word, not a short leftover.
    start, used = len(pieces), 0.0
    while start > 0 and (start == len(pieces) or used + costs[start - 1] <= budget):
        used += costs[start - 1]
        start -= 1
    spans.append((start, len(pieces)))
    return [" ".join(pieces[a:b]) for a, b in spans]


def _select(chunks: list[str], max_chunks: int) -> list[str]:
    """Keep at most ``max_chunks`` windows, evenly spaced and always including the first and last."""
    if len(chunks) <= max_chunks:
        return chunks
    if max_chunks == 1:
        return chunks[:1]
    idx = sorted({round(i * (len(chunks) - 1) / (max_chunks - 1)) for i in range(max_chunks)})
    return [chunks[i] for i in idx]


_SENTENCE_END = re.compile(r"(?<=[.!?\u2026\u3002\uff01\uff1f])\s+|\s*\n\s*")


def sentences(text: str, max_tokens: int) -> list[str]:
    """Split on sentence ends and line breaks; a sentence over the encoder window is sliced."""
    out: list[str] = []
    for sent in _SENTENCE_END.split(text):
        if sent.strip():
            out.extend(chunk_text(sent.strip(), max_tokens))
    return out


def _approx_tokens(text: str) -> float:
    return sum(_token_cost(p) for p in _pieces(text)) + _SPECIAL_TOKENS


def windows(text: str, max_tokens: int, max_chunks: int, sentence_min_words: int | None = None) -> list[str]:
    """The windows a text is scored on: itself when it fits (with its sentences too when it has at
    least ``sentence_min_words`` words and more than one sentence), else context and sentence windows.
    The first window is the whole text whenever it fits."""
    whole = chunk_text(text, max_tokens)
    if len(whole) == 1:
        if sentence_min_words is not None and len(_WORD.findall(text)) >= sentence_min_words:
            sents = sentences(text, max_tokens)
            if len(sents) > 1:
                return whole + _select(sents, max_chunks)
        return whole
    size = min(MIN_WINDOW_TOKENS, max_tokens)
    while True:
        context = whole if size >= max_tokens else chunk_text(text, size)
        if len(context) <= max_chunks or size >= max_tokens:
            break
        size = min(max_tokens, size * 2)
    sents = sentences(text, max_tokens)
    budget, used, n = max_chunks * max_tokens, 0.0, 0
    for sent in sents:  # how many sentences fit the token budget
        used += _approx_tokens(sent)
        if used > budget:
            break
        n += 1
    return _select(context, max_chunks) + _select(sents, max(n, 1))


# At most this many windows, or characters of windows, go to the model in one call, and windows are made
# only as calls need them: what scoring holds (window strings, n-gram hashes, embeddings, per-head
# temporaries) is bounded by these, not by the size of the request, the batch or one text. A scoring
# model's rows are independent (the default model is tested batch-invariant), so slicing changes no score.
MAX_WINDOWS_PER_CALL = 512
MAX_CHARS_PER_CALL = 1 << 18
# A text longer than this (possible in batch scoring, where no request limit applies) is scored as
# overlapping segments of this many characters, each like a text of its own, the max winning: any span of
# up to SEGMENT_OVERLAP characters lies whole inside one segment. Without it, a 50 MB row cost gigabytes.
SEGMENT_CHARS = 100_000
SEGMENT_OVERLAP = 2_000


def segments(text: str) -> list[str]:
    """``text`` itself, or overlapping slices of ``SEGMENT_CHARS`` covering it (the last one ends at its end)."""
    if len(text) <= SEGMENT_CHARS:
        return [text]
    step = SEGMENT_CHARS - SEGMENT_OVERLAP
    starts = list(range(0, len(text) - SEGMENT_CHARS, step)) + [len(text) - SEGMENT_CHARS]
    return [text[a:a + SEGMENT_CHARS] for a in starts]


def score_texts(model: Moderator, texts: Sequence[str], max_chunks: int) -> np.ndarray:
    """Return (len(texts), 13) scores: the maximum per category over the text's windows.

    With the model's ``window_weight`` at 1 (the default) every window counts fully and a long text is
    read only through its windows. Below 1, the whole text is always read (a long one truncated by the
    encoder, as in training) at full weight, and every other window (sentences of a multi-sentence text,
    context windows of a long one) at ``window_weight`` times its score.

    The weight is below 1 for the default model: one sentence read alone is weaker evidence than the
    whole text, and on the dev set a full-weight maximum over sentences flagged long benign text
    (any-category AUPRC 0.835 -> 0.808 at weight 1, 0.836 at 0.5; benchmarks/results/model_v2.md).

    A text over ``SEGMENT_CHARS`` (only batch scoring allows one: the server refuses inputs over
    ``max_input_chars``) is read as overlapping segments, each scored as above. Windows reach the model
    in calls of at most ``MAX_WINDOWS_PER_CALL`` windows and ``MAX_CHARS_PER_CALL`` characters, made as
    they are needed, so memory does not grow with the input.
    """
    if max_chunks < 1:
        raise ValueError("max_chunks must be at least 1")
    if not texts:
        return np.zeros((0, len(CATEGORIES)))
    info = model.info
    min_words = getattr(info, "sentence_min_words", None)
    weight = float(getattr(info, "window_weight", 1.0))
    out = np.zeros((len(texts), len(CATEGORIES)))
    flat: list[str] = []
    owner: list[int] = []
    is_window: list[bool] = []
    chars = 0

    def flush() -> None:
        nonlocal chars
        scores = check_scores(model.predict_proba(flat), len(flat))
        if weight != 1.0:
            scores = np.where(np.asarray(is_window)[:, None], scores * weight, scores)
        np.maximum.at(out, np.asarray(owner), scores)
        flat.clear()
        owner.clear()
        is_window.clear()
        chars = 0

    for i, text in enumerate(texts):
        for segment in segments(text):
            parts = windows(segment, info.max_tokens, max_chunks, min_words)
            if weight != 1.0 and len(parts) > 1 and parts[0] != segment:
                # A long text is also read whole (the encoder sees its start, the char n-grams all of it),
                # as in training, so the discounted windows add evidence instead of replacing it.
                parts = [segment, *parts]
            for k, part in enumerate(parts):
                if flat and (len(flat) >= MAX_WINDOWS_PER_CALL or chars + len(part) > MAX_CHARS_PER_CALL):
                    flush()
                flat.append(part)
                owner.append(i)
                is_window.append(k > 0)
                chars += len(part)
    if flat:
        flush()
    return out


def to_results(info: ModelInfo, scores: np.ndarray, input_types: Sequence[str] = ("text",),
               thresholds: Mapping[str, float] | None = None) -> list[CategoryResult]:
    """Turn score rows into OpenAI-shaped results using the model's per-category thresholds; a flagged
    sub-category flags its parent too (``policy/taxonomy.py: flag_matrix``).

    ``thresholds`` (an account's tightened thresholds, from the abuse middleware) can only lower a
    category's threshold: a category is flagged at the lower of the model's and this one.
    ``category_applied_input_types`` lists the input's types that the category covers (``["text"]``
    for text input).
    """
    limits = effective_thresholds(info.thresholds, thresholds)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1, len(CATEGORIES))
    flags = flag_matrix(scores, np.array([limits[c] for c in CATEGORIES]))
    results = []
    for row, flagged in zip(scores, flags, strict=True):
        cats = {c: bool(flagged[j]) for j, c in enumerate(CATEGORIES)}
        applied = {c: [t for t in input_types if t in info.input_types.get(c, ("text",))]
                   for c in CATEGORIES}
        results.append(CategoryResult(
            flagged=any(cats.values()),
            categories=cats,
            category_scores={c: float(row[j]) for j, c in enumerate(CATEGORIES)},
            category_applied_input_types=applied,
        ))
    return results


def effective_thresholds(model: Mapping[str, float], tightened: Mapping[str, float] | None) -> dict[str, float]:
    """Per category, the lower of the model's threshold and a tightened one (tightening never loosens)."""
    if not tightened:
        return dict(model)
    return {c: min(t, tightened.get(c, t)) for c, t in model.items()}
