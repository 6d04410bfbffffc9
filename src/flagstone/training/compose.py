"""Composite training rows, so that a text's length is not a signal (recipe ``compose:``).

Nearly every training row is one short text, so the heads met long text only in a few sources, and
long benign text scored high (false-positive rate about 0.5 on texts over 150 words) while one harmful
sentence inside ordinary text scored low (issue 17). This adds two kinds of row, built from rows of
the **training split** only (never calibration rows, never the dev source: a dev row inside a composite
would leak a held-out fold into training):

- *long negatives*: ``min_parts``..``max_parts`` rows that are negative in every category they know,
  joined into one text; a category is 0 when every part knows it as 0, else unknown;
- *padded positives*: one row positive in some category, at a random place among negative rows;
  its positive categories stay 1, and other categories are 0 only where every part knows them as 0.

Composites stop at ``max_words`` words, below the encoder's window (longer text is scored in
windows at serving time, ``models/scoring.py``). Same rows and seed give the same composites.
"""

from __future__ import annotations

import logging

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from flagstone.training.sources import UNKNOWN, Examples

log = logging.getLogger(__name__)
SOURCE_LONG, SOURCE_PADDED = "compose:long-negative", "compose:padded-positive"


class ComposeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    long_negatives: int = Field(default=1500, ge=0)
    padded_positives: int = Field(default=1500, ge=0)
    min_parts: int = Field(default=3, ge=2)
    max_parts: int = Field(default=10, ge=2)
    max_words: int = Field(default=180, ge=20)
    seed: int = 0


def _combine(labels: np.ndarray) -> np.ndarray:
    """Per category: 1 if any part is 1; 0 if every part is 0; else unknown."""
    out = np.full(labels.shape[1], UNKNOWN, dtype=np.int8)
    out[(labels == 0).all(axis=0)] = 0
    out[(labels == 1).any(axis=0)] = 1
    return out


def compose_rows(data: Examples, calib: np.ndarray, spec: ComposeSpec, *, dev_source: str,
                 parts_out: list[list[int]] | None = None) -> tuple[list[str], np.ndarray]:
    """The composite texts and their labels (rows of ``data``'s training split only); ``parts_out``, when
    given, receives each composite's rows of ``data`` (what cross-fitting must not hold out while the
    composite trains: training/fit.py)."""
    eligible = np.array([not calib[i] and data.sources[i] != dev_source for i in range(len(data))])
    known_neg = (data.labels != 1).all(axis=1) & ((data.labels == 0).sum(axis=1) >= 3)
    words = np.array([len(t.split()) for t in data.texts])
    negatives = np.flatnonzero(eligible & known_neg & (words <= spec.max_words // 2))
    positives = np.flatnonzero(eligible & (data.labels == 1).any(axis=1) & (words <= spec.max_words // 2))
    if len(negatives) < spec.max_parts:
        log.warning("compose: only %d negative rows to build from; no composites", len(negatives))
        return [], np.zeros((0, data.labels.shape[1]), dtype=np.int8)
    rng = np.random.default_rng(spec.seed)
    texts: list[str] = []
    labels: list[np.ndarray] = []
    part_rows: list[list[int]] = []

    def build(first: list[int], parts: int) -> None:
        picked = list(first)
        budget = spec.max_words - sum(int(words[i]) for i in picked)
        for i in rng.permutation(negatives)[:parts * 3]:
            if len(picked) >= parts:
                break
            if words[i] <= budget:
                picked.append(int(i))
                budget -= int(words[i])
        if len(picked) < 2:
            return
        order = rng.permutation(len(picked))
        rows = [picked[k] for k in order]
        texts.append(" ".join(data.texts[i] for i in rows))
        labels.append(_combine(data.labels[rows]))
        part_rows.append(rows)

    for _ in range(spec.long_negatives):
        build([], int(rng.integers(spec.min_parts, spec.max_parts + 1)))
    if len(positives):
        for _ in range(spec.padded_positives):
            build([int(rng.choice(positives))], int(rng.integers(spec.min_parts, spec.max_parts + 1)))
    seen: set[str] = set(data.texts)
    keep = [k for k, t in enumerate(texts) if not (t in seen or seen.add(t))]  # type: ignore[func-returns-value]
    out_labels = np.array([labels[k] for k in keep], dtype=np.int8).reshape(-1, data.labels.shape[1])
    if parts_out is not None:
        parts_out.extend(part_rows[k] for k in keep)
    log.info("compose: %d composite rows (%d long negatives asked, %d padded positives asked)",
             len(keep), spec.long_negatives, spec.padded_positives)
    return [texts[k] for k in keep], out_labels


def append_composites(data: Examples, weights: np.ndarray, calib: np.ndarray, spec: ComposeSpec, *,
                      dev_source: str, parts_out: list[list[int]] | None = None
                      ) -> tuple[Examples, np.ndarray, np.ndarray]:
    """``data`` with the composites appended as training rows (weight 1, never calibration); ``parts_out`` as
    in :func:`compose_rows`."""
    texts, labels = compose_rows(data, calib, spec, dev_source=dev_source, parts_out=parts_out)
    if not texts:
        return data, weights, calib
    sources = [SOURCE_LONG if (lab != 1).all() else SOURCE_PADDED for lab in labels]
    merged = Examples.concat([data, Examples(texts, labels, sources)])
    return (merged, np.concatenate([weights, np.ones(len(texts))]),
            np.concatenate([calib, np.zeros(len(texts), dtype=bool)]))

