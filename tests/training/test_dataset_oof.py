"""Training-set assembly (hierarchy, de-duplication, stable splits) and evaluation maths."""

from __future__ import annotations

import numpy as np
import pytest

from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
from flagstone.training.dataset import apply_hierarchy, prepare
from flagstone.training.oof import average_precision, dev_metrics, false_positive_rate
from flagstone.training.sources import Examples
from flagstone.training.splits import bucket

H, HT, SEX, SM = (CATEGORY_INDEX[c] for c in ("hate", "hate/threatening", "sexual", "sexual/minors"))


def _row(**labels: int) -> np.ndarray:
    r = np.full(len(CATEGORIES), -1, dtype=np.int8)
    for k, v in labels.items():
        r[CATEGORY_INDEX[k.replace("_", "/")]] = v
    return r


def test_hierarchy_child_implies_parent_and_negative_parent_denies_child() -> None:
    out = apply_hierarchy(np.stack([_row(hate_threatening=1), _row(sexual=0)]))
    assert out[0, H] == 1 and out[1, SM] == 0
    assert out[0, SEX] == -1  # unrelated categories stay unknown


def test_prepare_normalises_and_merges_duplicates() -> None:
    ex = Examples(["Hello there", "he\u200bllo THERE", "", "bad"],
                  np.stack([_row(hate=0), _row(hate=1, sexual=0), _row(hate=1), _row(sexual=1)]),
                  ["a", "dev", "a", "b"])
    out = prepare(ex, prefer_sources=["dev"])
    assert out.texts == ["Hello there", "bad"]  # the empty text is dropped
    assert out.labels[0, H] == 1 and out.labels[0, SEX] == 0  # a positive wins over a negative
    assert out.sources[0] == "dev"  # the in-domain source is kept for k-fold membership


def test_buckets_are_stable_and_spread() -> None:
    assert bucket("some text", 5) == bucket("some text", 5)
    counts = np.bincount([bucket(f"t{i}", 5) for i in range(2000)], minlength=5)
    assert counts.min() > 300


def test_average_precision_matches_sklearn() -> None:
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.random(300) + y * 0.3, 2)  # with ties
    assert average_precision(s, y) == pytest.approx(average_precision_score(y, s))
    assert np.isnan(average_precision(s, np.zeros(300)))


def test_dev_metrics_any_category_uses_max_score() -> None:
    probs = np.zeros((4, len(CATEGORIES)))
    probs[0, H] = 0.9
    probs[1, CATEGORY_INDEX["illicit"]] = 0.8  # an unlabelled category still counts in the max
    labels = np.stack([_row(hate=1), _row(hate=0), _row(sexual=0), _row(sexual=1)])
    m = dev_metrics(probs, labels, bootstrap=10, seed=0)
    assert m["any"]["positives"] == 2 and m["per_category"]["hate"]["auprc"] == 1.0
    assert m["any"]["auprc"] == pytest.approx(average_precision(probs.max(1), np.array([1, 0, 0, 1])))


def test_false_positive_rate() -> None:
    probs = np.zeros((4, len(CATEGORIES)))
    probs[0, H] = 0.6
    probs[1, H] = 0.4
    fp = false_positive_rate(probs, {c: 0.5 for c in CATEGORIES})
    assert fp["fpr"] == 0.25 and fp["flagged_by_category"] == {"hate": 1}
