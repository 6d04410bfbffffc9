"""The offline image model: NudeNet's ONNX detector (``pip install 'flagstone[images]'``).

Licence: the nudenet wheel carries an AGPL-3.0 licence text (its metadata says MIT), so it is an
optional extra, never a core dependency; nothing here is imported unless this model is built.

Mapping (an assumption, documented here and in the README): NudeNet detects body-part boxes with a
confidence each. ``sexual`` is the highest confidence among the *exposed* classes below (covered
parts, faces, feet, belly and armpits do not count), 0 when none is detected. ``sexual/minors`` is
not covered (the detector cannot tell age), nor is any other category: those stay nan, so their
``category_applied_input_types`` lists only ``text``. NudeNet keeps detections scoring 0.2 and up;
we flag at 0.5 to keep false positives down (not calibrated: no labelled image set is shipped).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from flagstone.images.base import ImageModelInfo, check_image_scores, register_image_model
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX

if TYPE_CHECKING:
    from PIL.Image import Image

SEXUAL_CLASSES: frozenset[str] = frozenset({
    "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_EXPOSED",
    "FEMALE_BREAST_EXPOSED", "BUTTOCKS_EXPOSED",
})
THRESHOLD = 0.5


def sexual_score(detections: Sequence[dict]) -> float:
    """The mapping, as a pure function: max confidence over exposed sexual classes, else 0."""
    return max((float(d["score"]) for d in detections if d.get("class") in SEXUAL_CLASSES), default=0.0)


class NudeNetModel:
    def __init__(self) -> None:
        import nudenet  # ImportError when the `images` extra is missing: the caller explains

        weights = Path(nudenet.__file__).resolve().parent / "320n.onnx"
        self._detector = nudenet.NudeDetector()
        self._lock = threading.Lock()  # one session, called from worker threads
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        self._info = ImageModelInfo(name="nudenet-320n", version=digest, categories=("sexual",),
                                    thresholds={"sexual": THRESHOLD},
                                    metadata={"classes": sorted(SEXUAL_CLASSES), "licence": "AGPL-3.0 text"})

    @property
    def info(self) -> ImageModelInfo:
        return self._info

    def detections(self, image: Image) -> list[dict]:
        rgb = image if image.mode == "RGB" else image.convert("RGB")  # no third full-size copy when RGB
        pixels = np.ascontiguousarray(np.asarray(rgb)[..., ::-1])  # OpenCV wants BGR
        with self._lock:
            return self._detector.detect(pixels)

    def predict_proba(self, images: Sequence[Image]) -> np.ndarray:
        out = np.full((len(images), len(CATEGORIES)), np.nan)
        for i, image in enumerate(images):
            out[i, CATEGORY_INDEX["sexual"]] = sexual_score(self.detections(image))
        return check_image_scores(out, len(images), self._info)


register_image_model("nudenet")(NudeNetModel)
