"""Classification metrics as pure numpy functions (tested on their own against hand-computed values).

All take ``y`` (0/1) and ``s`` (scores in [0, 1]) of equal length; undefined values are ``nan``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _check(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.int8)
    s = np.asarray(s, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(f"labels and scores must be 1-d of equal length, got {y.shape} and {s.shape}")
    if y.size and not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    return y, s


def average_precision(y: np.ndarray, s: np.ndarray) -> float:
    """Area under the precision-recall curve as average precision (step-wise, like scikit-learn).

    Ties in score are treated as one threshold.
    """
    y, s = _check(y, s)
    n_pos = int(y.sum())
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    tp = np.cumsum(y_sorted)
    fp = np.cumsum(1 - y_sorted)
    # Keep the last index of each run of tied scores: one threshold per distinct score.
    last = np.r_[np.diff(s_sorted) != 0, True]
    tp, fp = tp[last], fp[last]
    precision = tp / (tp + fp)
    recall = tp / n_pos
    recall_prev = np.r_[0.0, recall[:-1]]
    return float(np.sum((recall - recall_prev) * precision))


def roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC via the rank statistic (ties count one half)."""
    y, s = _check(y, s)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    from scipy.stats import rankdata

    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def precision_recall_f1(y: np.ndarray, s: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """Precision, recall and F1 of the rule ``score >= threshold``."""
    y, s = _check(y, s)
    pred = s >= threshold
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if tp and (p + r) else (0.0 if tp + fp + fn else float("nan"))
    return p, r, f


def false_positive_rate(y: np.ndarray, s: np.ndarray, threshold: float) -> float:
    y, s = _check(y, s)
    neg = y == 0
    if not neg.any():
        return float("nan")
    return float(np.mean(s[neg] >= threshold))


def expected_calibration_error(y: np.ndarray, s: np.ndarray, n_bins: int = 10) -> float:
    """ECE with equal-width bins: sum over bins of |mean score - positive rate| weighted by bin size."""
    y, s = _check(y, s)
    if y.size == 0:
        return float("nan")
    bins = np.clip((s * n_bins).astype(int), 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        m = bins == b
        if m.any():
            ece += m.mean() * abs(float(s[m].mean()) - float(y[m].mean()))
    return float(ece)


def reliability_curve(y: np.ndarray, s: np.ndarray, n_bins: int = 10) -> list[tuple[float, float, int]]:
    """Per non-empty bin: (mean score, positive rate, count), for reliability diagrams."""
    y, s = _check(y, s)
    bins = np.clip((s * n_bins).astype(int), 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        m = bins == b
        if m.any():
            out.append((float(s[m].mean()), float(y[m].mean()), int(m.sum())))
    return out


def bootstrap_ci(metric: Callable[[np.ndarray, np.ndarray], float], y: np.ndarray, s: np.ndarray, *,
                 n_boot: int = 1000, alpha: float = 0.05, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``metric`` (resampling rows, fixed seed)."""
    y, s = _check(y, s)
    if y.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(n_boot):
        idx = rng.integers(0, y.size, y.size)
        v = metric(y[idx], s[idx])
        if not np.isnan(v):
            vals.append(v)
    if not vals:
        return float("nan"), float("nan")
    lo, hi = np.quantile(vals, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)
