"""Agreement statistics against hand-computed values; confident learning on planted flips."""

from __future__ import annotations

import math

import numpy as np
import pytest

from flagstone.data.qc.agreement import cohen_kappa, krippendorff_alpha_nominal
from flagstone.data.qc.confident import find_label_issues, oof_probabilities


def test_cohen_kappa_hand_computed():
    a = [1, 1, 0, 0, 1, 0, 1, 1, 0, 1]
    b = [1, 0, 0, 0, 1, 0, 1, 1, 1, 1]
    # p_o = 0.8; both raters 60% ones: p_e = 0.36 + 0.16 = 0.52; kappa = 0.28 / 0.48.
    assert cohen_kappa(a, b) == pytest.approx(0.28 / 0.48)
    assert cohen_kappa(a, a) == 1.0
    assert math.isnan(cohen_kappa([1, 1], [1, 1]))  # no variation: undefined
    with pytest.raises(ValueError):
        cohen_kappa([1], [1, 0])


def test_krippendorff_alpha_small_hand_computed():
    # Units (1,1), (0,0), (1,0): o_11 = o_00 = 2, o_10 = o_01 = 1, n = 6;
    # D_o = 2/6, D_e = 2*3*3 / (6*5) = 0.6, alpha = 1 - (1/3)/0.6 = 4/9.
    assert krippendorff_alpha_nominal([[1, 1], [0, 0], [1, 0]]) == pytest.approx(4 / 9)


def test_krippendorff_alpha_reference_example():
    # Krippendorff (2011), nominal reliability data: 4 observers, 12 units, alpha = 0.743.
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    units = [list(col) for col in zip(*data, strict=True)]
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


def test_confident_learning_on_hand_probabilities():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9], [0.95, 0.05], [0.3, 0.7]])
    labels = np.array([0, 0, 1, 1, 1, 0])  # items 4 and 5 look flipped
    issues = find_label_issues(probs, labels)
    assert issues.indices.tolist() == [4, 5]  # lowest self-confidence first (0.05, then 0.3)
    assert issues.suggested.tolist() == [0, 1]
    assert issues.confident_joint.sum() <= len(labels)


def test_oof_plus_confident_learning_finds_planted_flips():
    rng = np.random.default_rng(0)
    bad = ["idiot", "moron", "loser", "stupid", "pathetic"]
    good = ["lovely", "sunny", "garden", "recipe", "holiday"]
    texts, y = [], []
    for i in range(400):
        pos = i % 2 == 0
        words = rng.choice(bad if pos else good, 3).tolist() + ["word" + str(i % 17)]
        texts.append(" ".join(words))
        y.append(int(pos))
    y = np.array(y)
    flipped = rng.choice(len(y), 12, replace=False)
    noisy = y.copy()
    noisy[flipped] = 1 - noisy[flipped]
    issues = find_label_issues(oof_probabilities(texts, noisy), noisy)
    found = set(issues.indices.tolist())
    assert len(found & set(flipped.tolist())) >= 10  # recall >= 0.8
    assert len(found - set(flipped.tolist())) <= 3  # precision
