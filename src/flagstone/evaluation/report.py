"""Evaluate a model (or precomputed scores) on a labelled set: per-category and "any category" rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from flagstone.evaluation import metrics as M
from flagstone.evaluation.labelled import LabelledSet
from flagstone.models.base import Moderator
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX

ANY = "any"


@dataclass(frozen=True)
class CategoryReport:
    category: str
    n: int
    positives: int
    auprc: float
    auprc_ci: tuple[float, float]
    roc_auc: float
    threshold: float
    precision: float
    recall: float
    f1: float
    fpr: float
    ece: float


@dataclass(frozen=True)
class EvalReport:
    model: str
    source: str
    rows: list[CategoryReport]

    def to_dict(self) -> dict:
        return {"model": self.model, "source": self.source, "rows": [asdict(r) for r in self.rows]}

    def row(self, category: str) -> CategoryReport:
        for r in self.rows:
            if r.category == category:
                return r
        raise KeyError(category)


def _category_row(name: str, y: np.ndarray, s: np.ndarray, thr: float, n_boot: int) -> CategoryReport:
    p, r, f = M.precision_recall_f1(y, s, thr)
    return CategoryReport(
        category=name, n=int(y.size), positives=int(y.sum()), auprc=M.average_precision(y, s),
        auprc_ci=M.bootstrap_ci(M.average_precision, y, s, n_boot=n_boot) if n_boot else (np.nan, np.nan),
        roc_auc=M.roc_auc(y, s), threshold=float(thr), precision=p, recall=r, f1=f,
        fpr=M.false_positive_rate(y, s, thr), ece=M.expected_calibration_error(y, s),
    )


def evaluate_scores(scores: np.ndarray, data: LabelledSet, thresholds: dict[str, float], *,
                    model: str = "?", n_boot: int = 1000) -> EvalReport:
    """Rows for each category with known labels, then the "any" row.

    "any": the max score over all 13 categories against "any known label is positive"; a row counts
    as negative only if every category it has a label for is 0 (rows with no known label are skipped).
    Flagged for "any" means any category at or above its own threshold, so its threshold column is
    reported as nan and precision/recall use that rule.
    """
    rows = []
    for c in data.labelled_categories:
        j = CATEGORY_INDEX[c]
        known = data.known(c)
        rows.append(_category_row(c, data.labels[known, j].astype(int), scores[known, j], thresholds[c], n_boot))
    known_any = ~np.all(np.isnan(data.labels), axis=1)
    y_any = (np.nan_to_num(data.labels[known_any], nan=0.0).max(axis=1) > 0).astype(int)
    s_any = scores[known_any].max(axis=1)
    thr = np.array([thresholds[c] for c in CATEGORIES])
    flagged_any = (scores[known_any] >= thr).any(axis=1).astype(float)
    base = _category_row(ANY, y_any, s_any, 0.5, n_boot)
    p, r, f = M.precision_recall_f1(y_any, flagged_any, 0.5)
    rows.append(CategoryReport(**{**asdict(base), "threshold": float("nan"), "precision": p, "recall": r,
                                  "f1": f, "fpr": M.false_positive_rate(y_any, flagged_any, 0.5)}))
    return EvalReport(model=model, source=data.source, rows=rows)


def evaluate_model(model: Moderator, data: LabelledSet, *, max_chunks: int = 16, n_boot: int = 1000,
                   batch_size: int = 256) -> EvalReport:
    scores = score_all(model, data.texts, max_chunks=max_chunks, batch_size=batch_size)
    return evaluate_scores(scores, data, model.info.thresholds, model=model.info.id, n_boot=n_boot)


def score_all(model: Moderator, texts: list[str], *, max_chunks: int = 16, batch_size: int = 256,
              progress=None) -> np.ndarray:
    """Score texts in batches, through the long-text chunking scorer when it is available."""
    try:
        from flagstone.models.scoring import score_texts
    except ImportError:  # pragma: no cover - scoring lands with the serving layer
        score_texts = None
    out = []
    for i in range(0, len(texts), batch_size):
        batch = texts[i:i + batch_size]
        out.append(score_texts(model, batch, max_chunks) if score_texts else model.predict_proba(batch))
        if progress is not None:
            progress(len(batch))
    return np.vstack(out) if out else np.zeros((0, len(CATEGORIES)))
