"""Replay a labelled pool as the oracle to compare selection strategies.

Each round: fit one logistic regression per category on the labels bought so far, score the pool
and the dev set, record dev AUPRC and positives found, then ask the strategy for the next batch and
"buy" its labels from the oracle. The same seed set starts every strategy, so curves differ only by
what the strategy picked. Pure numpy/scikit-learn; features are given (any featurizer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

from flagstone.active.base import PoolView
from flagstone.active.strategies import get_strategy

log = logging.getLogger(__name__)


@dataclass
class Curve:
    strategy: str
    categories: tuple[str, ...]
    n_labels: list[int] = field(default_factory=list)
    auprc: list[np.ndarray] = field(default_factory=list)  # per round, (k,)
    positives: list[np.ndarray] = field(default_factory=list)  # cumulative positives labelled, (k,)

    def labels_to_reach(self, j: int, target: float) -> int | None:
        for n, a in zip(self.n_labels, self.auprc, strict=True):
            if a[j] >= target:
                return n
        return None

    def positives_per_100(self, j: int, at: int) -> float:
        """Positives of category ``j`` found per 100 labels, over the first ``at`` labels bought."""
        best = None
        for n, p in zip(self.n_labels, self.positives, strict=True):
            if n <= at:
                best = (n, p[j])
        return 100.0 * best[1] / best[0] if best and best[0] else 0.0


def fit_predict(X_train, Y_train: np.ndarray, X_eval: list, C: float = 4.0) -> list[np.ndarray]:
    """Per-category logistic regression; a category with one class seen predicts its base rate."""
    outs = [np.zeros((X.shape[0], Y_train.shape[1])) for X in X_eval]
    for j in range(Y_train.shape[1]):
        y = Y_train[:, j]
        if y.min() == y.max():
            for o in outs:
                o[:, j] = float(y.mean()) if len(y) else 0.0
            continue
        clf = LogisticRegression(C=C, class_weight="balanced", max_iter=200, solver="liblinear")
        clf.fit(X_train, y)
        for o, X in zip(outs, X_eval, strict=True):
            o[:, j] = clf.predict_proba(X)[:, 1]
    return outs


def dev_auprc(Y_dev: np.ndarray, S_dev: np.ndarray) -> np.ndarray:
    return np.array([average_precision_score(Y_dev[:, j], S_dev[:, j]) if Y_dev[:, j].any() else np.nan
                     for j in range(Y_dev.shape[1])])


def simulate(strategy: str, X_pool, Y_pool: np.ndarray, X_dev, Y_dev: np.ndarray, *,
             categories: tuple[str, ...], seed_idx: np.ndarray, batch_size: int, max_labels: int,
             embeddings: np.ndarray | None = None, seed: int = 0, **params) -> Curve:
    rng = np.random.default_rng(seed)
    strat = get_strategy(strategy, **params)
    n = Y_pool.shape[0]
    labeled = np.zeros(n, dtype=bool)
    labeled[seed_idx] = True
    curve = Curve(strategy, categories)
    thresholds = np.full(len(categories), 0.5)
    while True:
        idx = np.flatnonzero(labeled)
        S_pool, S_dev = fit_predict(X_pool[idx], Y_pool[idx], [X_pool, X_dev])
        curve.n_labels.append(len(idx))
        curve.auprc.append(dev_auprc(Y_dev, S_dev))
        curve.positives.append(Y_pool[idx].sum(axis=0))
        if len(idx) >= max_labels or labeled.all():
            return curve
        free = np.flatnonzero(~labeled)
        prevalence = Y_pool[idx].mean(axis=0)
        view = PoolView(scores=np.clip(S_pool[free], 0, 1), thresholds=thresholds, prevalence=prevalence,
                        categories=categories,
                        embeddings=None if embeddings is None else embeddings[free],
                        labeled_embeddings=None if embeddings is None else embeddings[idx], n_labeled=len(idx))
        take = min(batch_size, max_labels - len(idx))
        labeled[free[strat.rank(view, take, rng)]] = True
