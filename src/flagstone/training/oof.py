"""Evaluation: k-fold out-of-fold scores on the in-domain dev set, and false positives on benign prompts.

For fold k the model is trained on every non-dev row plus the other dev folds (calibrated on its
calibration split, never on dev rows of fold k), then scores the held-out dev fold.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from flagstone.errors import DataError
from flagstone.models.calibration import expected_calibration_error
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX, OPENAI_SHORT_KEYS, flag_matrix
from flagstone.training.fit import fit_model, predict, take
from flagstone.training.splits import bucket

log = logging.getLogger(__name__)

DEV_CATEGORIES = list(OPENAI_SHORT_KEYS.values())


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the precision-recall curve as the mean precision at each positive (ties grouped)."""
    y = np.asarray(labels, dtype=float)
    if y.sum() == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    s, y = np.asarray(scores, dtype=float)[order], y[order]
    last = np.r_[s[1:] != s[:-1], True]
    tp, k = np.cumsum(y)[last], np.arange(1, len(s) + 1)[last]
    precision, recall = tp / k, tp / y.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def bootstrap_ci(scores: np.ndarray, labels: np.ndarray, n: int, seed: int) -> tuple[float, float]:
    if n == 0 or labels.sum() == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(n):
        idx = rng.integers(0, len(scores), len(scores))
        if labels[idx].sum() > 0:
            vals.append(average_precision(scores[idx], labels[idx]))
    return float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))


def dev_metrics(probs: np.ndarray, labels: np.ndarray, *, bootstrap: int, seed: int) -> dict[str, Any]:
    """Per-category and any-category AUPRC (with 95% bootstrap CIs) and ECE on labelled dev rows."""
    out: dict[str, Any] = {"per_category": {}}
    for cat in DEV_CATEGORIES:
        j = CATEGORY_INDEX[cat]
        rows = labels[:, j] >= 0
        s, y = probs[rows, j], labels[rows, j].astype(float)
        lo, hi = bootstrap_ci(s, y, bootstrap, seed)
        out["per_category"][cat] = {"auprc": average_precision(s, y), "ci95": [lo, hi], "n": int(rows.sum()),
                                    "positives": int(y.sum()), "ece": expected_calibration_error(s, y)}
    dev_idx = [CATEGORY_INDEX[c] for c in DEV_CATEGORIES]
    any_pos = (labels[:, dev_idx] == 1).any(axis=1).astype(float)
    any_score = probs.max(axis=1)
    lo, hi = bootstrap_ci(any_score, any_pos, bootstrap, seed)
    out["any"] = {"auprc": average_precision(any_score, any_pos), "ci95": [lo, hi], "n": len(any_pos),
                  "positives": int(any_pos.sum())}
    return out


def out_of_fold(recipe: Any, policy: Any, tf: Any, dense: dict[str, np.ndarray], labels: np.ndarray,
                weights: np.ndarray, calib: np.ndarray, dev: np.ndarray, texts: list[str],
                english: np.ndarray | None = None, *, parts: Any = None) -> np.ndarray:
    """OOF calibrated probabilities for the dev rows (rows of ``dev``), shape (dev.sum(), 13). ``parts``: which
    rows each composite is made of, for cross-fitted calibration (training/fit.py)."""
    folds = np.array([bucket(t, recipe.evaluation.folds, salt="fold") for t in texts])
    oof = np.zeros((len(texts), len(CATEGORIES)))
    for k in range(recipe.evaluation.folds):
        held = dev & (folds == k)
        use = np.flatnonzero(~held)
        eng = None if english is None else english[use]
        fitted = fit_model(recipe, policy, tf[use], take(dense, use), labels[use], weights[use], calib[use], eng,
                           parts=None if parts is None else parts[use][:, use])
        oof[held] = predict(fitted, tf[held], take(dense, held), None if english is None else english[held])
        log.info("fold %d/%d done (%d held-out dev rows)", k + 1, recipe.evaluation.folds, int(held.sum()))
    return oof[dev]


def read_prompts(path: Path) -> list[str]:
    """The ``prompt`` column of a CSV file (OKTest)."""
    from flagstone.data.readers import read_rows

    if not path.is_file():
        raise DataError("evaluation file not found", file=str(path))
    rows = read_rows(path, "csv")  # the one set of row readers (data/readers.py)
    if rows and "prompt" not in rows[0]:
        raise DataError("expected a 'prompt' column", file=str(path))
    return [str(r["prompt"]).strip() for r in rows if str(r.get("prompt") or "").strip()]


def false_positive_rate(probs: np.ndarray, thresholds: dict[str, float]) -> dict[str, Any]:
    t = np.array([thresholds[c] for c in CATEGORIES])
    flagged = flag_matrix(probs, t)  # as served: a flagged sub-category flags its parent
    per_cat = {c: int(flagged[:, j].sum()) for j, c in enumerate(CATEGORIES) if flagged[:, j].any()}
    return {"fpr": float(flagged.any(axis=1).mean()), "n": len(probs), "flagged_by_category": per_cat}
