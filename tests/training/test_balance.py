import numpy as np
import pytest
from pydantic import ValidationError

from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
from flagstone.training.balance import IdentityBalanceSpec, balance_weights, names_group

HATE = CATEGORY_INDEX["hate"]


def test_group_names_match_whole_words_and_phrases_only():
    texts = ["I don't hate Jewish people.", "Black  people deserve respect", "LGBTQ+ rights now",
             "a black car on the road", "my jewelry box", "the Muslim call to prayer", "MUSLIMS", "womanhood",
             "Women are welcome"]
    assert names_group(texts).tolist() == [True, True, True, False, False, True, True, False, True]


def _rows():
    # 8 training rows: 4 name a group (3 hate), 4 do not (1 hate); then 2 calibration rows, 1 unknown label.
    texts = ["Muslims a", "Muslims b", "Muslims c", "Muslims d", "plain a", "plain b", "plain c", "plain d",
             "Muslims cal", "plain cal", "Muslims unknown"]
    labels = np.zeros((len(texts), len(CATEGORIES)), dtype=np.int8)
    labels[[0, 1, 2, 4, 8], HATE] = 1
    labels[10, HATE] = -1
    calib = np.array([False] * 8 + [True, True, False])
    return texts, labels, np.ones(len(texts)), calib


def _rate(w, group, y):
    return w[group & (y == 1)].sum() / w[group].sum()


def test_full_strength_makes_naming_a_group_independent_of_the_label():
    texts, labels, weights, calib = _rows()
    w, report = balance_weights(texts, labels, weights, calib, IdentityBalanceSpec(categories=["hate"]))
    train = np.arange(8)
    group, y = names_group(texts)[train], labels[train, HATE]
    assert _rate(weights[train], group, y) == pytest.approx(0.75)  # before: 3 of 4 with a group, 1 of 4 without
    assert _rate(weights[train], ~group, y) == pytest.approx(0.25)
    assert _rate(w[train], group, y) == pytest.approx(_rate(w[train], ~group, y))
    assert w[train].sum() == pytest.approx(8.0)  # reweighing keeps the total weight
    assert w[8] == w[9] == 1.0  # calibration rows untouched
    assert w[10] == 1.0  # unknown label: untouched
    assert report["hate"]["rate_group"] == pytest.approx(0.75)
    assert report["hate"]["cells"]["group/1"]["factor"] < 1 < report["hate"]["cells"]["group/0"]["factor"]


def test_strength_scales_the_correction_and_zero_changes_nothing():
    texts, labels, weights, calib = _rows()
    w0, report0 = balance_weights(texts, labels, weights, calib, IdentityBalanceSpec(strength=0.0))
    assert np.array_equal(w0, weights) and report0 == {}
    w_half, _ = balance_weights(texts, labels, weights, calib, IdentityBalanceSpec(strength=0.5))
    w_full, _ = balance_weights(texts, labels, weights, calib, IdentityBalanceSpec(strength=1.0))
    assert w_half[0] == pytest.approx(np.sqrt(w_full[0]))


def test_existing_weights_count_and_several_categories_multiply():
    texts, labels, weights, calib = _rows()
    weights = weights.copy()
    weights[3] = 9.0  # the group's one negative already counts nine times: 3 of 12 = 1 of 4, the rates are equal
    w, _ = balance_weights(texts, labels, weights, calib, IdentityBalanceSpec())
    assert w == pytest.approx(weights)
    labels[:, CATEGORY_INDEX["harassment"]] = labels[:, HATE]
    w2, report = balance_weights(texts, labels, np.ones(len(texts)), calib,
                                 IdentityBalanceSpec(categories=["hate", "harassment"]))
    w1, _ = balance_weights(texts, labels, np.ones(len(texts)), calib, IdentityBalanceSpec(categories=["hate"]))
    assert w2[:8] == pytest.approx(w1[:8] ** 2)
    assert set(report) == {"rows_naming_a_group", "hate", "harassment"}


def test_unknown_category_and_strength_out_of_range_are_refused():
    with pytest.raises(ValidationError, match="unknown categories"):
        IdentityBalanceSpec(categories=["hateful"])
    with pytest.raises(ValidationError):
        IdentityBalanceSpec(strength=1.5)
