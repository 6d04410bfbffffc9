import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from flagstone.evaluation import metrics as M


def test_average_precision_hand_computed():
    # Ranking: 0.9(1) 0.8(0) 0.7(1) 0.1(0): precision at the recall steps 1/1 and 2/3 -> (1 + 2/3) / 2
    y = np.array([1, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.1])
    assert M.average_precision(y, s) == pytest.approx((1 + 2 / 3) / 2)


@pytest.mark.parametrize("seed", range(5))
def test_average_precision_and_auc_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.random(300), 2)  # rounding creates ties
    assert M.average_precision(y, s) == pytest.approx(average_precision_score(y, s))
    assert M.roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))


def test_undefined_metrics_are_nan():
    assert np.isnan(M.average_precision(np.zeros(3), np.array([0.1, 0.2, 0.3])))
    assert np.isnan(M.roc_auc(np.ones(3), np.array([0.1, 0.2, 0.3])))


def test_precision_recall_f1_at_threshold():
    y = np.array([1, 1, 0, 0, 1])
    s = np.array([0.9, 0.4, 0.6, 0.1, 0.7])
    p, r, f = M.precision_recall_f1(y, s, 0.5)
    assert (p, r) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert f == pytest.approx(2 / 3)
    assert M.false_positive_rate(y, s, 0.5) == pytest.approx(0.5)


def test_ece_perfect_and_worst():
    assert M.expected_calibration_error(np.array([0, 1]), np.array([0.0, 1.0])) == pytest.approx(0.0)
    assert M.expected_calibration_error(np.array([1, 0]), np.array([0.0, 1.0])) == pytest.approx(1.0)


def test_bootstrap_ci_brackets_estimate_and_is_reproducible():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    s = np.clip(y * 0.3 + rng.random(200) * 0.7, 0, 1)
    est = M.average_precision(y, s)
    lo, hi = M.bootstrap_ci(M.average_precision, y, s, n_boot=200)
    assert lo <= est <= hi
    assert (lo, hi) == M.bootstrap_ci(M.average_precision, y, s, n_boot=200)


def test_bad_shapes_and_labels_raise():
    with pytest.raises(ValueError, match="equal length"):
        M.average_precision(np.array([0, 1]), np.array([0.5]))
    with pytest.raises(ValueError, match="0 or 1"):
        M.average_precision(np.array([0, 2]), np.array([0.5, 0.5]))
