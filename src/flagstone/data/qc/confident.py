"""Confident learning (Northcutt, Jiang & Chuang, JAIR 2021), implemented here (cleanlab is AGPL).

Given out-of-fold predicted probabilities ``P`` (n x K) and noisy labels ``y``:

1. per-class thresholds ``t_j`` = mean of ``P[i, j]`` over items labelled ``j`` (expected
   self-confidence);
2. each item goes to the *confident joint* cell ``C[y_i][j*]`` where ``j*`` is the class with the
   highest probability among those with ``P[i, j] >= t_j`` (items with no such class are left out);
3. items in off-diagonal cells (``j* != y_i``) are likely label errors, ranked by self-confidence
   ``P[i, y_i]`` ascending (the paper's basic "off-diagonals of the confident joint" method).

Out-of-fold probabilities come from :func:`oof_probabilities`: a cheap hashed character n-gram
logistic regression (scikit-learn) fitted k times, each item scored by the model that did not see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelIssues:
    indices: np.ndarray  # likely errors, most suspicious first
    suggested: np.ndarray  # the class confident learning assigns them
    thresholds: np.ndarray  # t_j per class
    confident_joint: np.ndarray  # K x K counts, rows = given label, cols = confident class


def find_label_issues(probs: np.ndarray, labels: np.ndarray) -> LabelIssues:
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    n, k = probs.shape
    if labels.shape != (n,):
        raise ValueError(f"labels shape {labels.shape} does not match probabilities {probs.shape}")
    thresholds = np.array([probs[labels == j, j].mean() if np.any(labels == j) else np.inf
                           for j in range(k)])
    above = probs >= thresholds[None, :] - 1e-12
    masked = np.where(above, probs, -np.inf)
    confident = masked.argmax(axis=1)
    has = above.any(axis=1)
    joint = np.zeros((k, k), dtype=np.int64)
    np.add.at(joint, (labels[has], confident[has]), 1)
    off = np.flatnonzero(has & (confident != labels))
    order = np.argsort(probs[off, labels[off]], kind="stable")
    idx = off[order]
    return LabelIssues(idx, confident[idx], thresholds, joint)


def oof_probabilities(texts: Sequence[str], labels: np.ndarray, *, folds: int = 5, seed: int = 0
                      ) -> np.ndarray:
    """(n, 2) out-of-fold probabilities for binary ``labels`` from hashed char n-gram logistic regression."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(labels, dtype=np.int64)
    vec = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**18, alternate_sign=False,
                            norm="l2", lowercase=True)
    x = vec.transform(texts)
    out = np.zeros((len(y), 2))
    n_splits = int(min(folds, np.bincount(y, minlength=2).min()))
    if n_splits < 2:
        raise ValueError("confident learning needs at least 2 examples of each class")
    for train, test in StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(x, y):
        clf = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=20, tol=None, random_state=seed)
        clf.fit(x[train], y[train])
        out[test] = clf.predict_proba(x[test])
    return out
