"""Test doubles for image models: a null model (covers nothing) and a colour model that reads pixels.

``RedImageModel`` scores ``sexual`` as the share of strongly red pixels, so tests can make a
"flagged" image (solid red) and a "clean" one (solid blue) and exercise every real step (decoding,
scoring, combining with text) without nudenet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from flagstone.images.base import ImageModelInfo, check_image_scores, register_image_model
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX

if TYPE_CHECKING:
    from PIL.Image import Image


class NullImageModel:
    """Covers no category: every row is nan (the null plugin)."""

    def __init__(self) -> None:
        self._info = ImageModelInfo(name="null-image", version="0" * 64, categories=(), thresholds={})

    @property
    def info(self) -> ImageModelInfo:
        return self._info

    def predict_proba(self, images: Sequence[Image]) -> np.ndarray:
        return check_image_scores(np.full((len(images), len(CATEGORIES)), np.nan), len(images), self._info)


class RedImageModel:
    """``sexual`` = share of pixels with red > 200 and green, blue < 60; threshold 0.5."""

    def __init__(self) -> None:
        self._info = ImageModelInfo(name="red-image", version="r" * 64, categories=("sexual",),
                                    thresholds={"sexual": 0.5})

    @property
    def info(self) -> ImageModelInfo:
        return self._info

    def predict_proba(self, images: Sequence[Image]) -> np.ndarray:
        out = np.full((len(images), len(CATEGORIES)), np.nan)
        for i, image in enumerate(images):
            px = np.asarray(image.convert("RGB"), dtype=np.int16)
            red = (px[..., 0] > 200) & (px[..., 1] < 60) & (px[..., 2] < 60)
            out[i, CATEGORY_INDEX["sexual"]] = float(red.mean()) if red.size else 0.0
        return check_image_scores(out, len(images), self._info)


register_image_model("null")(NullImageModel)
register_image_model("fake-red")(RedImageModel)
