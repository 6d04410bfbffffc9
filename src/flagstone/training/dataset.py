"""Assemble a recipe's training set: load every source, normalise, apply the taxonomy's hierarchy, dedupe."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np

from flagstone.policy.taxonomy import CATEGORY_INDEX, PARENT
from flagstone.text.normalize import normalize, text_key
from flagstone.training.sources import UNKNOWN, Examples

log = logging.getLogger(__name__)

# A sub-category implies its parent; a negative parent implies a negative sub-category (PARENT: taxonomy.py).


def apply_hierarchy(labels: np.ndarray) -> np.ndarray:
    out = labels.copy()
    for child, parent in PARENT.items():
        c, p = CATEGORY_INDEX[child], CATEGORY_INDEX[parent]
        out[out[:, c] == 1, p] = 1
        out[out[:, p] == 0, c] = 0
    return out


def prepare(ex: Examples, *, prefer_sources: Iterable[str] = ()) -> Examples:
    """Normalise texts, drop empty ones, merge duplicates (a positive wins, then a negative, then unknown).

    A duplicate keeps the source name of a ``prefer_sources`` row when it has one, so in-domain rows
    stay identifiable for k-fold evaluation.
    """
    prefer = set(prefer_sources)
    index: dict[str, int] = {}
    texts: list[str] = []
    labels: list[np.ndarray] = []
    sources: list[str] = []
    for text, lab, src in zip(ex.texts, apply_hierarchy(ex.labels), ex.sources, strict=True):
        norm = normalize(text)
        if not norm:
            continue
        key = text_key(norm)
        if key in index:
            i = index[key]
            labels[i] = np.maximum(labels[i], lab)
            if src in prefer:
                sources[i] = src
            continue
        index[key] = len(texts)
        texts.append(norm)
        labels.append(lab.copy())
        sources.append(src)
    arr = np.array(labels, dtype=np.int8).reshape(-1, ex.labels.shape[1])
    log.info("training set: %d unique texts from %d rows", len(texts), len(ex))
    return Examples(texts, apply_hierarchy(arr), sources)


def known(labels: np.ndarray) -> np.ndarray:
    return labels != UNKNOWN
