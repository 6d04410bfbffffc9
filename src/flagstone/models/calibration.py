"""Calibration and threshold maths as pure numpy functions (training fits, serving applies).

* Isotonic calibration is stored as the breakpoints ``(x, y)`` of a monotone step function and
  applied with linear interpolation between them; Platt scaling as ``(a, b)`` of ``sigmoid(a*s + b)``.
* Calibrated probabilities are clipped into ``[PROB_MIN, PROB_MAX]``: isotonic steps reach exact 0 and 1,
  which no finite calibration set can justify and which make many scores tie at the ends.
* A threshold is the lowest calibrated score whose flagged set reaches the target precision on the
  calibration split (or the highest one that keeps the target recall).
"""

from __future__ import annotations

import numpy as np

PROB_MIN = 1e-4
PROB_MAX = 1 - 1e-4


def clip_probs(p: np.ndarray) -> np.ndarray:
    """Clip calibrated probabilities into ``[PROB_MIN, PROB_MAX]`` (never exactly 0 or 1)."""
    return np.clip(np.asarray(p, dtype=np.float64), PROB_MIN, PROB_MAX)


def fit_isotonic(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pool-adjacent-violators fit of P(y=1 | score), non-decreasing; returns breakpoints (x, y)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if len(s) == 0:
        raise ValueError("cannot calibrate on an empty set")
    order = np.lexsort((y, s))
    s, y = s[order], y[order]
    # Merge equal scores first, so ties share one value.
    uniq, start = np.unique(s, return_index=True)
    sums = np.add.reduceat(y, start)
    counts = np.diff(np.append(start, len(s))).astype(np.float64)
    vals, wts, xs_lo, xs_hi = [], [], [], []
    for u, sm, c in zip(uniq, sums, counts, strict=True):
        vals.append(sm / c)
        wts.append(c)
        xs_lo.append(u)
        xs_hi.append(u)
        while len(vals) > 1 and vals[-2] >= vals[-1]:
            w = wts[-2] + wts[-1]
            v = (vals[-2] * wts[-2] + vals[-1] * wts[-1]) / w
            lo = xs_lo[-2]
            del vals[-1], wts[-1], xs_lo[-1], xs_hi[-2]
            vals[-1], wts[-1], xs_lo[-1] = v, w, lo
    # Each block contributes its two ends so interpolation is flat inside a block.
    x = np.ravel(np.column_stack([xs_lo, xs_hi]))
    yv = np.repeat(vals, 2)
    keep = np.r_[True, np.diff(x) > 0] | np.r_[True, np.diff(yv) != 0]
    return x[keep], yv[keep]


def apply_isotonic(scores: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.interp(np.asarray(scores, dtype=np.float64), x, y)


def fit_platt(scores: np.ndarray, labels: np.ndarray, *, iters: int = 100) -> tuple[float, float]:
    """Logistic fit of labels on scores by Newton's method, with Platt's smoothed targets."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    n_pos, n_neg = y.sum(), len(y) - y.sum()
    t = np.where(y > 0, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    a, b = 1.0, 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(a * s + b)))
        g = np.array([np.sum((p - t) * s), np.sum(p - t)])
        w = p * (1 - p) + 1e-12
        h = np.array([[np.sum(w * s * s), np.sum(w * s)], [np.sum(w * s), np.sum(w)]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    return float(a), float(b)


def apply_platt(scores: np.ndarray, a: float, b: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(a * np.asarray(scores, dtype=np.float64) + b)))


def threshold_for_precision(scores: np.ndarray, labels: np.ndarray, target: float, recall_slack: float = 0.0) -> float:
    """Lowest score t such that flagging ``scores >= t`` has precision >= target; 1.0 if none does.

    With ``recall_slack`` > 0, the highest such t whose recall is within ``recall_slack`` of that lowest one's:
    where the recall curve is flat, the lowest t sits at an arbitrary point of a plateau, and text unlike the
    calibration rows (benign prompts full of harmful words) spreads into it. On held-out halves of the default
    recipe's calibration split the lowest t lands under the target precision in several categories and 0.02 of
    slack lands over it in all (benchmarks/results/model_v2.md, "Candidate v4").
    """
    s, y = _sorted_desc(scores, labels)
    if len(s) == 0:
        return 1.0
    tp = np.cumsum(y)
    precision = tp / np.arange(1, len(s) + 1)
    boundary = np.r_[s[1:] != s[:-1], True]  # cut only between distinct scores
    ok = np.flatnonzero(boundary & (precision >= target) & (tp > 0))
    if not len(ok):
        return 1.0
    if recall_slack <= 0:
        return float(s[ok[-1]])
    enough = tp[ok] >= tp[ok[-1]] - recall_slack * y.sum()
    return float(s[ok[enough][0]])


def threshold_for_recall(scores: np.ndarray, labels: np.ndarray, target: float) -> float:
    """Highest score t such that flagging ``scores >= t`` keeps recall >= target; 0.0 if no positives."""
    s, y = _sorted_desc(scores, labels)
    if y.sum() == 0:
        return 0.0
    recall = np.cumsum(y) / y.sum()
    boundary = np.r_[s[1:] != s[:-1], True]
    ok = np.flatnonzero(boundary & (recall >= target))
    return float(s[ok[0]])


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Weighted mean |accuracy - confidence| over equal-width probability bins."""
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if len(p) == 0:
        return float("nan")
    idx = np.minimum((p * bins).astype(int), bins - 1)
    err = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            err += m.sum() / len(p) * abs(y[m].mean() - p[m].mean())
    return float(err)


def _sorted_desc(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    order = np.argsort(-s, kind="stable")
    return s[order], y[order]
