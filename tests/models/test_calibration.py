"""Calibration and threshold maths as pure functions."""

from __future__ import annotations

import numpy as np
import pytest

from flagstone.models.calibration import (
    PROB_MAX,
    PROB_MIN,
    apply_isotonic,
    apply_platt,
    expected_calibration_error,
    fit_isotonic,
    fit_platt,
    threshold_for_precision,
    threshold_for_recall,
)
from flagstone.models.ensemble import calibrate


def test_isotonic_pools_violators_and_is_monotone() -> None:
    x, y = fit_isotonic(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 1, 0, 1]))
    # 0.2 and 0.3 violate order and are pooled to 0.5
    np.testing.assert_allclose(apply_isotonic(np.array([0.1, 0.2, 0.3, 0.4]), x, y), [0, 0.5, 0.5, 1])
    grid = apply_isotonic(np.linspace(-1, 2, 50), x, y)
    assert np.all(np.diff(grid) >= 0) and grid.min() >= 0 and grid.max() <= 1


def test_isotonic_matches_sklearn() -> None:
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(0)
    s = rng.random(500)
    y = (rng.random(500) < s).astype(float)
    x, v = fit_isotonic(s, y)
    q = rng.random(100)
    np.testing.assert_allclose(apply_isotonic(q, x, v),
                               IsotonicRegression(out_of_bounds="clip").fit(s, y).predict(q), atol=1e-12)


def test_isotonic_rejects_empty() -> None:
    with pytest.raises(ValueError):
        fit_isotonic(np.array([]), np.array([]))


def test_platt_recovers_a_logistic() -> None:
    rng = np.random.default_rng(1)
    s = rng.normal(size=20000)
    y = (rng.random(20000) < 1 / (1 + np.exp(-(2 * s - 1)))).astype(float)
    a, b = fit_platt(s, y)
    assert a == pytest.approx(2, abs=0.15) and b == pytest.approx(-1, abs=0.1)
    assert apply_platt(np.array([0.5]), a, b)[0] == pytest.approx(0.5, abs=0.05)


def test_threshold_for_precision_is_lowest_score_reaching_target() -> None:
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = np.array([1, 1, 0, 1, 0, 0])
    # precision at each cut: 1, 1, .67, .75, .6, .5
    assert threshold_for_precision(s, y, 0.75) == 0.6
    assert threshold_for_precision(s, y, 0.9) == 0.8
    assert threshold_for_precision(s, y, 0.5) == 0.4
    assert threshold_for_precision(s, np.zeros(6), 0.5) == 1.0  # unreachable: never flag


def test_recall_slack_climbs_a_flat_stretch_of_the_recall_curve() -> None:
    # 20 positives scored 0.9..0.71, one more at 0.2, then benign rows at 0.3..0.21 and 0.19..0.01.
    pos = np.r_[np.linspace(0.9, 0.71, 20), 0.2]
    neg = np.r_[np.linspace(0.3, 0.21, 4), np.linspace(0.19, 0.01, 3)]
    s, y = np.r_[pos, neg], np.r_[np.ones(21), np.zeros(7)]
    # The lowest score reaching precision 0.8 goes past the last positive (21 of 26 flagged at 0.19) ...
    assert threshold_for_precision(s, y, 0.8) == 0.19
    # ... any slack stops where the recall stops growing (0.2), and 5% of recall (one positive of 21) buys
    # back the four benign rows above the last positive.
    assert threshold_for_precision(s, y, 0.8, recall_slack=0.01) == 0.2
    assert threshold_for_precision(s, y, 0.8, recall_slack=0.05) == pytest.approx(0.71)
    # The slack never lowers a threshold.
    assert threshold_for_precision(s, y, 0.9, recall_slack=0.5) >= threshold_for_precision(s, y, 0.9)
    assert threshold_for_precision(s, np.zeros(len(s)), 0.5, recall_slack=0.1) == 1.0


def test_threshold_never_splits_ties() -> None:
    s = np.array([0.9, 0.5, 0.5, 0.1])
    y = np.array([1, 1, 0, 0])
    # cutting inside the 0.5 tie is impossible: at 0.5 precision is 2/3
    assert threshold_for_precision(s, y, 0.7) == 0.9


def test_threshold_for_recall() -> None:
    s = np.array([0.9, 0.8, 0.7, 0.6])
    y = np.array([1, 0, 1, 1])
    assert threshold_for_recall(s, y, 0.6) == 0.7
    assert threshold_for_recall(s, y, 1.0) == 0.6
    assert threshold_for_recall(s, np.zeros(4), 0.9) == 0.0


def test_expected_calibration_error() -> None:
    assert expected_calibration_error(np.array([0.0, 1.0]), np.array([0, 1])) == 0
    assert expected_calibration_error(np.full(4, 0.75), np.array([1, 1, 1, 0])) == pytest.approx(0)
    assert expected_calibration_error(np.full(4, 0.95), np.array([0, 0, 0, 0])) == pytest.approx(0.95)


def test_calibrated_scores_are_clipped_away_from_0_and_1() -> None:
    # Isotonic steps reach exact 0 and 1, and an extreme Platt slope saturates: calibrate() clips both.
    x, y = fit_isotonic(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 0, 1, 1]))
    raw = np.array([[-5.0, -50.0], [0.15, 0.0], [0.35, 50.0], [9.0, 5.0]])
    cals = [{"method": "isotonic", "x": x.tolist(), "y": y.tolist()}, {"method": "platt", "a": 10.0, "b": 0.0}]
    p = calibrate(raw, cals)
    assert (PROB_MIN, PROB_MAX) == (1e-4, 1 - 1e-4)
    np.testing.assert_allclose(p[:, 0], [PROB_MIN, PROB_MIN, PROB_MAX, PROB_MAX])
    np.testing.assert_allclose(p[:, 1], [PROB_MIN, 0.5, PROB_MAX, PROB_MAX])
    # In between, calibration is untouched and order is kept.
    assert calibrate(np.array([[0.25, 0.1]]), cals)[0, 1] == pytest.approx(1 / (1 + np.exp(-1.0)))


def test_unknown_calibration_method_is_a_model_error() -> None:
    from flagstone.errors import ModelError

    with pytest.raises(ModelError, match="available"):
        calibrate(np.zeros((1, 1)), [{"method": "beta"}])
