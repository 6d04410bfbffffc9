"""The image-model interface: contract checks over every registered image model, and the registry."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from flagstone.errors import ConfigError, ModelError
from flagstone.images.base import (
    ImageModelInfo,
    ImageModerator,
    available_image_models,
    build_image_model,
    check_image_scores,
)
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX


def _build(name: str) -> ImageModerator:
    try:
        return build_image_model(name)
    except ImportError as exc:  # an optional extra (nudenet: `images`) is not installed
        pytest.skip(f"image model {name!r} needs an optional extra: {exc}")


@pytest.mark.parametrize("name", available_image_models())
def test_every_registered_image_model_keeps_the_contract(name):
    model = _build(name)
    assert isinstance(model, ImageModerator)
    info = model.info
    assert set(info.categories) <= set(CATEGORIES) and set(info.categories) <= set(info.thresholds)
    images = [Image.new("RGB", (32, 24), (200, 30, 30)), Image.new("RGB", (640, 480), (20, 20, 20))]
    scores = model.predict_proba(images)
    assert scores.shape == (2, len(CATEGORIES))
    covered = [CATEGORY_INDEX[c] for c in info.categories]
    others = [j for j in range(len(CATEGORIES)) if j not in covered]
    assert np.all((scores[:, covered] >= 0) & (scores[:, covered] <= 1))
    assert np.all(np.isnan(scores[:, others]))  # uncovered says "no opinion", never 0
    assert model.predict_proba([]).shape == (0, len(CATEGORIES))


def test_registry_lists_the_builtins_and_unknown_names_list_what_exists():
    assert {"null", "fake-red", "nudenet"} <= set(available_image_models())
    with pytest.raises(ConfigError, match=r"unknown image model 'clip'; available: .*fake-red"):
        build_image_model("clip")


def test_check_image_scores_enforces_shape_range_and_nan():
    info = ImageModelInfo("t", "0" * 64, categories=("sexual",), thresholds={"sexual": 0.5})
    row = np.full((1, len(CATEGORIES)), 0.3)
    out = check_image_scores(row * 5, 1, info)  # out of range: clipped where covered
    assert out[0, CATEGORY_INDEX["sexual"]] == 1.0 and np.isnan(out[0, CATEGORY_INDEX["hate"]])
    with pytest.raises(ModelError, match="shape"):
        check_image_scores(np.zeros((2, 3)), 2, info)
    with pytest.raises(ModelError, match="non-finite"):
        check_image_scores(np.full((1, len(CATEGORIES)), np.nan), 1, info)


def test_info_refuses_unknown_categories_and_missing_thresholds():
    with pytest.raises(ValueError, match="unknown categories"):
        ImageModelInfo("t", "0", categories=("nudity",), thresholds={"nudity": 0.5})
    with pytest.raises(ValueError, match="no threshold"):
        ImageModelInfo("t", "0", categories=("sexual",), thresholds={})
