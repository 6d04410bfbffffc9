"""Heads, calibration and thresholds (training/fit.py), in particular cross-fitted calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from flagstone.policy.loader import load_policy
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
from flagstone.training import fit as fit_module
from flagstone.training.fit import cross_fit_scores, fit_model, term_frequencies
from flagstone.training.recipe import Recipe
from flagstone.training.train import composite_parts

H = CATEGORY_INDEX["hate"]
DEFAULT_POLICY = Path(fit_module.__file__).resolve().parents[1] / "policy" / "default_policy.yaml"


def _recipe(cross_fit: int = 0) -> Recipe:
    return Recipe.model_validate({
        "policy": "p.yaml", "data_dir": ".", "sources": ["x.yaml"], "min_positives": 2,
        "heads": [{"features": "embedding", "C": 1.0}, {"features": "char", "C": 1.0}],
        "calibration": {"method": "platt", "fraction": 0.25, "cross_fit": cross_fit}})


def _data(n: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 3 == 0).astype(np.int8)
    texts = [("they are vermin and must go " if v else "we planted tomatoes and basil ") + str(i)
             for i, v in enumerate(y)]
    emb = rng.standard_normal((n, 8)).astype(np.float32)
    emb[:, 0] += 2.0 * y  # one informative direction
    labels = np.zeros((n, len(CATEGORIES)), dtype=np.int8)
    labels[:, H] = y
    return texts, emb, labels


def _with_composites(texts, emb, labels, k: int = 10):
    """k composites of three rows each, appended like training/compose.py does."""
    parts = [[3 * j, 3 * j + 1, 3 * j + 2] for j in range(k)]
    texts = texts + [" ".join(texts[i] for i in p) for p in parts]
    emb = np.vstack([emb, np.stack([emb[p].mean(axis=0) for p in parts])])
    labels = np.vstack([labels, np.stack([labels[p].max(axis=0) for p in parts])])
    return texts, emb, labels, composite_parts(len(texts), len(texts) - k, parts)


def test_cross_fit_never_trains_a_fold_on_a_held_out_row_or_a_composite_made_of_one(monkeypatch) -> None:
    texts, emb, labels, parts = _with_composites(*_data())
    n = len(texts)
    seen: list[np.ndarray] = []
    real = fit_module.fit_heads

    def spy(recipe, feats, labels_, weights):
        seen.append(feats["rowid"].astype(int))
        return real(recipe, feats, labels_, weights)

    monkeypatch.setattr(fit_module, "fit_heads", spy)
    feats = {"embedding": emb, "char": np.zeros((n, 1)), "rowid": np.arange(n, dtype=float)}
    recipe = _recipe(cross_fit=4).model_copy(update={"heads": _recipe().heads[:1]})
    scored, raw, ml_raw = cross_fit_scores(recipe, feats, labels, np.ones(n), parts)
    assert len(seen) == 4 and ml_raw is None
    assert scored.sum() == n - 10 and not scored[n - 10:].any()  # composites are never scored
    held_sets = []
    for trained in seen:
        held = set(range(n - 10)) - set(trained)
        held_sets.append(held)
        for c in range(n - 10, n):  # a composite trains only if none of its parts is held out
            made_of = set(parts[c].indices)
            assert (c in trained) == (not made_of & held)
    assert sorted(i for h in held_sets for i in h) == list(range(n - 10))  # every row held out exactly once
    assert raw.shape == (n - 10, len(CATEGORIES))


def test_cross_fit_calibrates_on_every_row_and_trains_on_every_row() -> None:
    texts, emb, labels = _data()
    policy = load_policy(DEFAULT_POLICY)
    tf = term_frequencies(_recipe(), texts)
    plain = fit_model(_recipe(), policy, tf, {"embedding": emb}, labels, np.ones(len(texts)),
                      np.arange(len(texts)) % 4 == 0)
    crossed = fit_model(_recipe(cross_fit=5), policy, tf, {"embedding": emb}, labels, np.ones(len(texts)),
                        np.arange(len(texts)) % 4 == 0)
    positives = int(labels[:, H].sum())
    assert crossed.report_["hate"]["train_positives"] == positives  # the heads saw every row
    assert crossed.report_["hate"]["calibration_positives"] == positives  # and so did the calibrator, out of fold
    assert plain.report_["hate"]["train_positives"] + plain.report_["hate"]["calibration_positives"] == positives
    assert plain.report_["hate"]["calibration_positives"] < positives / 2
    assert 0 < crossed.thresholds_["hate"] < 1


def test_cross_fit_of_one_fold_or_beside_a_fine_tune_is_refused() -> None:
    with pytest.raises(ValidationError, match="cross_fit is 0"):
        _recipe(cross_fit=1)
    with pytest.raises(ValidationError, match="finetune"):
        Recipe.model_validate({**_recipe(cross_fit=3).model_dump(), "finetune": {}})
