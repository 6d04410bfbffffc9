"""Text and image scores of one input combined per category by maximum, with honest applied types."""

from __future__ import annotations

import numpy as np

from flagstone.images.base import ImageModelInfo
from flagstone.images.combine import combine
from flagstone.models.base import ModelInfo
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX

S, V = CATEGORY_INDEX["sexual"], CATEGORY_INDEX["violence"]
TEXT = ModelInfo("text", "0" * 64, thresholds={c: 0.5 for c in CATEGORIES})
IMAGE = ImageModelInfo("img", "1" * 64, categories=("sexual",), thresholds={"sexual": 0.8})


def _text(**scores: float) -> np.ndarray:
    row = np.full(len(CATEGORIES), 0.1)
    for c, v in scores.items():
        row[CATEGORY_INDEX[c]] = v
    return row


def _images(*sexual: float) -> np.ndarray:
    rows = np.full((len(sexual), len(CATEGORIES)), np.nan)
    rows[:, S] = sexual
    return rows


def test_maximum_per_category_over_text_and_every_image():
    r = combine(TEXT, _text(sexual=0.2, violence=0.7), IMAGE, _images(0.3, 0.6))
    assert r.category_scores["sexual"] == 0.6 and r.category_scores["violence"] == 0.7
    assert r.categories["violence"] and not r.categories["sexual"]  # 0.6 < the image model's 0.8
    assert r.category_applied_input_types["sexual"] == ["text", "image"]
    assert all(r.category_applied_input_types[c] == ["text"] for c in CATEGORIES if c != "sexual")
    assert r.flagged


def test_each_part_is_flagged_by_its_own_models_threshold():
    assert combine(TEXT, _text(), IMAGE, _images(0.85)).categories["sexual"]  # image >= 0.8
    assert combine(TEXT, _text(sexual=0.55), IMAGE, _images(0.1)).categories["sexual"]  # text >= 0.5
    assert not combine(TEXT, _text(), IMAGE, _images(0.79)).flagged


def test_a_flagged_sub_category_flags_its_parent_as_for_text_alone():
    r = combine(TEXT, _text(**{"violence/graphic": 0.6}), IMAGE, _images(0.1))
    assert r.categories["violence/graphic"] and r.categories["violence"] and r.category_scores["violence"] == 0.1
    assert not r.categories["sexual"]


def test_image_only_input_applies_only_the_covered_categories():
    r = combine(TEXT, None, IMAGE, _images(0.9))
    assert r.category_applied_input_types["sexual"] == ["image"] and r.categories["sexual"]
    assert r.category_applied_input_types["hate"] == [] and r.category_scores["hate"] == 0.0
    assert not r.categories["hate"]


def test_null_image_model_leaves_text_alone():
    null = ImageModelInfo("null", "0", categories=(), thresholds={})
    r = combine(TEXT, _text(violence=0.9), null, np.full((1, len(CATEGORIES)), np.nan))
    assert all(v == ["text"] for v in r.category_applied_input_types.values())
    assert r.category_scores["violence"] == 0.9 and r.categories["violence"]


def test_an_accounts_tightened_thresholds_add_flags_on_the_combined_score_only():
    tight = {"sexual": 0.6, "violence": 0.9, "hate": 0.05}
    r = combine(TEXT, _text(sexual=0.2, violence=0.7), IMAGE, _images(0.65), tight)
    assert r.categories["sexual"]  # 0.65 (image) < the image model's 0.8 but >= the account's 0.6
    assert r.categories["violence"]  # a higher account threshold never loosens the model's 0.5
    assert r.categories["hate"]  # 0.1 >= 0.05
    image_only = combine(TEXT, None, IMAGE, _images(0.1), {"hate": 0.0})
    assert not image_only.categories["hate"]  # no part applies to hate: still never flagged
