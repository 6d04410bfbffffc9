"""Fit heads, calibrators and thresholds (the estimator side of the ``ensemble`` model kind).

Unknown labels (-1) are masked out per category: a row only trains the categories its source knows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flagstone.models.calibration import (
    fit_isotonic,
    fit_platt,
    threshold_for_precision,
    threshold_for_recall,
)
from flagstone.models.ensemble import FINETUNED, Head, calibrate, combine, mix, raw_scores
from flagstone.models.features import char_ngram_tf, fit_idf, tfidf
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX, PARENT
from flagstone.training.recipe import Recipe

log = logging.getLogger(__name__)


@dataclass
class Fitted:
    """Everything learned: the arrays an artifact stores."""

    idf_: np.ndarray
    heads_: list[Head]
    calibrators_: list[dict[str, Any]] = field(default_factory=list)
    thresholds_: dict[str, float] = field(default_factory=dict)
    report_: dict[str, Any] = field(default_factory=dict)
    # The multilingual route: calibrators of the multilingual heads alone, used for text that is not
    # English (weighted by 1 - P(English)); empty when the recipe has no multilingual head.
    ml_calibrators_: list[dict[str, Any]] = field(default_factory=list)
    # Share of the fine-tuned encoder's logits in the English raw score (0: the recipe has no finetune:).
    finetuned_share_: float = 0.0


def term_frequencies(recipe: Recipe, texts: list[str]) -> Any:
    return char_ngram_tf(texts, recipe.char.n_features, recipe.char.ngram_range)


# Dense feature blocks by name ("embedding", "multilingual", and "finetuned": the fine-tuned encoder's
# logits, which no head fits but the raw score adds), one row per text.
Dense = dict[str, np.ndarray]


def take(dense: Dense, rows: Any) -> Dense:
    return {k: v[rows] for k, v in dense.items()}


def features(idf: np.ndarray, tf: Any, dense: Dense) -> dict[str, Any]:
    return {**dense, "char": tfidf(tf, idf)}


def multilingual_heads(heads: list[Head]) -> list[Head]:
    return [h for h in heads if h.features == "multilingual"]


def _fit_lr(X: Any, y: np.ndarray, w: np.ndarray, C: float, seed: int) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    sparse = hasattr(X, "tocsr")
    # Sparse char n-grams have far more columns than rows: liblinear's dual solver is the fast one there.
    clf = (LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=2000, random_state=seed) if sparse
           else LogisticRegression(C=C, solver="lbfgs", max_iter=2000, random_state=seed))
    clf.fit(X, y, sample_weight=w)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


def noisy_embeddings(emb: np.ndarray, noise: float, seed: int) -> np.ndarray:
    """``emb`` plus Gaussian noise of norm about ``noise`` per row, renormalised to unit length."""
    rng = np.random.default_rng(seed)
    x = emb + rng.standard_normal(emb.shape).astype(np.float32) * np.float32(noise / np.sqrt(emb.shape[1]))
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1)


def fit_heads(recipe: Recipe, feats: dict[str, Any], labels: np.ndarray, weights: np.ndarray) -> tuple[list[Head], dict]:
    """One logistic regression per (head, category) on the rows where that category is known; or, for a head
    with ``hidden`` units, one network for every category (``training/mlp.py``)."""
    heads, info = [], {}
    for spec in recipe.heads:
        X = feats[spec.features]
        layer = None
        if spec.hidden:  # jitters its own batches (spec.noise)
            from flagstone.training.mlp import bag, fit_hidden_layer

            layers = [fit_hidden_layer(np.asarray(X), labels, weights, units=spec.hidden, epochs=spec.epochs,
                                       weight_decay=spec.weight_decay, noise=spec.noise, seed=recipe.seed + k)
                      for k in range(spec.bag)]
            layer = layers[0] if spec.bag == 1 else bag(layers)
        elif spec.noise:  # dense heads only (the recipe refuses noise on char heads)
            X = noisy_embeddings(X, spec.noise, recipe.seed)
        width = X.shape[1] if layer is None else layer.hidden.shape[0]
        coef = np.zeros((len(CATEGORIES), width), dtype=np.float32)
        intercept = np.zeros(len(CATEGORIES))
        borrowed: dict[int, int] = {}
        for j, cat in enumerate(CATEGORIES):
            rows = np.flatnonzero(labels[:, j] >= 0)
            y = labels[rows, j].astype(int)
            n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
            info[cat] = {"train_positives": n_pos, "train_negatives": n_neg}
            if n_pos < recipe.min_positives or n_neg < recipe.min_positives:
                borrowed[j] = CATEGORY_INDEX[PARENT[cat]] if cat in PARENT else -1
                continue
            if layer is not None:
                coef[j], intercept[j] = layer.coef[j], layer.intercept[j]
            else:
                coef[j], intercept[j] = _fit_lr(X[rows], y, weights[rows], spec.C, recipe.seed)
        for j, p in borrowed.items():
            # Too few labels: a sub-category scores like its parent (then gets its own calibration).
            info[CATEGORIES[j]]["borrowed_from"] = CATEGORIES[p] if p >= 0 else None
            if p >= 0:
                coef[j], intercept[j] = coef[p], intercept[p]
            else:
                intercept[j] = -5.0
        heads.append(Head(spec.features, spec.weight, coef.astype(np.float16 if spec.features == "char"
                                                                   else np.float32), intercept,
                          *((layer.hidden, layer.hidden_bias) if layer is not None else ())))
    return heads, info


def fit_calibrators(recipe: Recipe, raw: np.ndarray, labels: np.ndarray) -> tuple[list[dict], dict]:
    cals, info = [], {}
    for j, cat in enumerate(CATEGORIES):
        rows = labels[:, j] >= 0
        y, s = labels[rows, j].astype(float), raw[rows, j]
        n_pos = int(y.sum())
        info[cat] = {"calibration_positives": n_pos, "calibration_negatives": int(len(y) - n_pos)}
        if n_pos == 0 or n_pos == len(y):
            cals.append({"method": "platt", "a": 1.0, "b": -5.0 if n_pos == 0 else 0.0})
            info[cat]["calibration"] = "none (one class): fixed logistic"
        elif recipe.calibration.method == "isotonic" and n_pos >= recipe.calibration.min_positives_isotonic:
            x, yv = fit_isotonic(s, y)
            cal: dict[str, Any] = {"method": "isotonic", "x": [float(v) for v in x], "y": [float(v) for v in yv]}
            if recipe.calibration.blend:
                # Isotonic steps tie whole score ranges; a small share of a Platt fit, strictly
                # increasing, breaks the ties in the raw scores' order (ranking kept, calibration ~kept).
                a, b = fit_platt(s, y)
                cal.update(blend=recipe.calibration.blend, a=a, b=b)
            cals.append(cal)
            info[cat]["calibration"] = "isotonic" + (f" + {recipe.calibration.blend} platt" if "blend" in cal else "")
        else:
            a, b = fit_platt(s, y)
            cals.append({"method": "platt", "a": a, "b": b})
            info[cat]["calibration"] = "platt"
    return cals, info


def choose_thresholds(recipe: Recipe, policy: Any, probs: np.ndarray, labels: np.ndarray) -> tuple[dict, dict]:
    out, info = {}, {}
    for j, cat in enumerate(CATEGORIES):
        target = recipe.thresholds.get(cat) or policy.categories[cat]
        rows = labels[:, j] >= 0
        y, p = labels[rows, j].astype(float), probs[rows, j]
        if target.target_precision is not None:
            t = threshold_for_precision(p, y, target.target_precision, recipe.calibration.recall_slack)
            info[cat] = {"target_precision": target.target_precision}
        else:
            t = threshold_for_recall(p, y, target.target_recall)
            info[cat] = {"target_recall": target.target_recall}
        # Never flag on a score of zero: a threshold is at least a small positive probability.
        out[cat] = round(max(float(t), 0.01), 6)
        info[cat]["threshold"] = out[cat]
    return out, info


def cross_fit_scores(recipe: Recipe, feats: dict[str, Any], labels: np.ndarray, weights: np.ndarray,
                     parts: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Out-of-fold raw scores of every row that is not a composite (``recipe.calibration.cross_fit`` folds).

    Returns the mask of scored rows, their English raw scores and the multilingual heads' raw scores (or None).
    ``parts`` (a sparse rows x rows matrix, composite -> the rows it is made of; training/train.py) keeps a
    composite out of the fit of any fold that holds out one of its parts, so no held-out text is ever trained on.
    """
    n, k_folds = len(labels), recipe.calibration.cross_fit
    composite = np.zeros(n, dtype=bool) if parts is None else np.asarray(parts.getnnz(axis=1) > 0)
    fold = np.full(n, -1)
    base = np.flatnonzero(~composite)
    fold[base] = np.random.default_rng(recipe.seed + 7919).permutation(len(base)) % k_folds
    raw = np.zeros((n, len(CATEGORIES)))
    ml_raw: np.ndarray | None = None
    for k in range(k_folds):
        held = fold == k
        train = ~held
        if parts is not None:
            train &= np.asarray(parts[:, np.flatnonzero(held)].getnnz(axis=1) == 0)
        heads, _ = fit_heads(recipe, take(feats, train), labels[train], weights[train])
        held_feats = take(feats, held)
        raw[held] = raw_scores(heads, held_feats)
        ml = multilingual_heads(heads)
        if ml:
            ml_raw = np.zeros((n, len(CATEGORIES))) if ml_raw is None else ml_raw
            ml_raw[held] = combine(ml, held_feats)
        log.info("cross-fit fold %d/%d: %d rows held out, %d trained on", k + 1, k_folds, int(held.sum()),
                 int(train.sum()))
    scored = ~composite
    return scored, raw[scored], None if ml_raw is None else ml_raw[scored]


def fit_model(recipe: Recipe, policy: Any, tf: Any, dense: Dense, labels: np.ndarray,
              weights: np.ndarray, calib: np.ndarray, english: np.ndarray | None = None, *,
              parts: Any = None) -> Fitted:
    """Heads on the non-calibration rows; calibrators and thresholds on the calibration rows. With
    ``calibration.cross_fit`` K: heads on every row, calibrators and thresholds on every non-composite row's
    out-of-fold score (:func:`cross_fit_scores`; ``parts`` says which rows each composite is made of).

    ``tf`` holds the rows' char n-gram term frequencies (see :func:`term_frequencies`), ``dense`` the
    sentence embeddings by feature name and ``english`` each row's P(English) (needed when the recipe
    has a multilingual head: thresholds are chosen on the mixed probabilities, as served). With a
    ``finetune:`` step, ``dense["finetuned"]`` holds the fine-tuned encoder's logits, which must come
    from a fine-tune that never saw the calibration rows (training/train.py trains it on ``~calib``).
    """
    share = recipe.finetune.share if recipe.finetune is not None else 0.0
    if share and FINETUNED not in dense:
        raise ValueError("a recipe with a finetune: step needs the fine-tuned logits (dense['finetuned'])")
    if recipe.calibration.cross_fit:
        if share:
            raise ValueError("cross_fit cannot calibrate a fine-tuned term: its fine-tune saw every training row")
        idf = fit_idf(tf)
        feats = features(idf, tf, dense)
        heads, head_info = fit_heads(recipe, feats, labels, weights)
        calib, raw_cal, ml_raw_cal = cross_fit_scores(recipe, feats, labels, weights, parts)
    else:
        train = ~calib
        idf = fit_idf(tf[train])
        feats = features(idf, tf, dense)
        tr_feats = {k: v[train] for k, v in feats.items()}
        heads, head_info = fit_heads(recipe, tr_feats, labels[train], weights[train])
        cal_feats = {k: v[calib] for k, v in feats.items()}
        raw_cal = raw_scores(heads, cal_feats, share)
        ml = multilingual_heads(heads)
        ml_raw_cal = combine(ml, cal_feats) if ml else None
    cals, cal_info = fit_calibrators(recipe, raw_cal, labels[calib])
    probs = calibrate(raw_cal, cals)
    ml_cals: list[dict[str, Any]] = []
    if ml_raw_cal is not None:
        if english is None:
            raise ValueError("a recipe with a multilingual head needs each row's P(English)")
        ml_cals, _ = fit_calibrators(recipe, ml_raw_cal, labels[calib])
        probs = mix(probs, calibrate(ml_raw_cal, ml_cals), english[calib])
    thresholds, thr_info = choose_thresholds(recipe, policy, probs, labels[calib])
    report = {c: {**head_info[c], **cal_info[c], **thr_info[c]} for c in CATEGORIES}
    return Fitted(idf, heads, cals, thresholds, report, ml_cals, share)


def predict(fitted: Fitted, tf: Any, dense: Dense, english: np.ndarray | None = None) -> np.ndarray:
    feats = features(fitted.idf_, tf, dense)
    probs = calibrate(raw_scores(fitted.heads_, feats, fitted.finetuned_share_), fitted.calibrators_)
    ml = multilingual_heads(fitted.heads_)
    if not ml:
        return probs
    return mix(probs, calibrate(combine(ml, feats), fitted.ml_calibrators_), english)
