"""The NudeNet detector: the mapping as a pure function (always), the real ONNX model when installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from flagstone.images.nudenet_model import SEXUAL_CLASSES, THRESHOLD, sexual_score
from flagstone.policy.taxonomy import CATEGORY_INDEX


def test_mapping_takes_the_most_confident_exposed_class():
    dets = [{"class": "FACE_FEMALE", "score": 0.95}, {"class": "BUTTOCKS_EXPOSED", "score": 0.41},
            {"class": "FEMALE_GENITALIA_EXPOSED", "score": 0.72}]
    assert sexual_score(dets) == 0.72


def test_mapping_ignores_covered_and_non_sexual_classes():
    dets = [{"class": c, "score": 0.99} for c in ("FEMALE_BREAST_COVERED", "BUTTOCKS_COVERED", "FEET_EXPOSED",
                                                   "BELLY_EXPOSED", "ARMPITS_EXPOSED", "FACE_MALE")]
    assert sexual_score(dets) == 0.0 and sexual_score([]) == 0.0
    assert all(c.endswith("_EXPOSED") for c in SEXUAL_CLASSES)


@pytest.fixture(scope="module")
def detector():
    pytest.importorskip("nudenet", reason="nudenet is the optional `images` extra (AGPL-3.0 licence text)")
    from flagstone.images.nudenet_model import NudeNetModel

    return NudeNetModel()


def _sample_images() -> list[Path]:
    """Photos that ship inside installed packages (scikit-learn's sample images), if present."""
    try:
        import sklearn
    except ImportError:
        return []
    return sorted((Path(sklearn.__file__).parent / "datasets" / "images").glob("*.jpg"))


def test_real_detector_scores_generated_images_as_not_sexual(detector):
    rng = np.random.default_rng(0)
    images = [Image.new("RGB", (640, 480), (210, 160, 140)),  # a flat skin tone: no body parts
              Image.fromarray(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8))]
    scores = detector.predict_proba(images)
    sexual = scores[:, CATEGORY_INDEX["sexual"]]
    assert np.all(sexual < THRESHOLD) and np.isnan(scores[:, CATEGORY_INDEX["hate"]]).all()
    assert detector.info.version == detector.info.version.lower() and len(detector.info.version) == 64


def test_real_detector_on_photos_shipped_in_packages(detector):
    paths = _sample_images()
    if not paths:
        pytest.skip("no sample photos installed (scikit-learn's datasets/images)")
    images = [Image.open(p).convert("RGB") for p in paths]  # a temple and a flower
    sexual = detector.predict_proba(images)[:, CATEGORY_INDEX["sexual"]]
    assert sexual.shape == (len(paths),) and np.all(sexual < THRESHOLD)
    # The pipeline really runs the detector: its raw output is a list of boxes we can inspect.
    assert isinstance(detector.detections(images[0]), list)


def test_wrapper_maps_detections_into_the_sexual_column(detector, monkeypatch):
    # Nudity cannot ship as a fixture: feed the wrapper the detector's output format for one image.
    monkeypatch.setattr(detector._detector, "detect",
                        lambda pixels: [{"class": "FEMALE_BREAST_EXPOSED", "score": 0.83, "box": [0, 0, 5, 5]}])
    row = detector.predict_proba([Image.new("RGB", (64, 48))])[0]
    assert row[CATEGORY_INDEX["sexual"]] == pytest.approx(0.83) and np.isnan(row[CATEGORY_INDEX["violence"]])


class _RaisedScores:
    """The real ONNX session, with one class score raised at the anchor the real model is surest of."""

    def __init__(self, session, class_index: int, score: float) -> None:
        self._session, self._class, self._score = session, class_index, score

    def get_inputs(self):
        return self._session.get_inputs()

    def run(self, names, feeds):
        out = self._session.run(names, feeds)  # (1, 4 + 18 classes, anchors) for the real pixels
        raw = out[0].copy()
        anchor = int(raw[0, 4:, :].max(axis=0).argmax())
        raw[0, 4:, anchor] = 0.0
        raw[0, 4 + self._class, anchor] = self._score
        return [raw, *out[1:]]


@pytest.mark.parametrize("label, expected", [("FEMALE_BREAST_EXPOSED", 0.83), ("FEMALE_BREAST_COVERED", 0.0)])
def test_positive_path_through_the_real_detector_output_and_postprocessing(detector, monkeypatch, label, expected):
    # No nude photo can ship as a fixture and none of the synthetic images tried (flat skin tones,
    # noise, a black-box search over 16x16 patterns) reached the detector's 0.2 floor. So the real model
    # runs on a real photo, and one class score of its real output is raised at its surest anchor: from
    # there nudenet's own post-processing (score floor, box scaling, NMS) and our mapping run unchanged.
    import nudenet.nudenet as nn

    paths = _sample_images()
    if not paths:
        pytest.skip("no sample photos installed (scikit-learn's datasets/images)")
    labels = nn.__dict__["__labels"]
    real = detector._detector.onnx_session
    monkeypatch.setattr(detector._detector, "onnx_session", _RaisedScores(real, labels.index(label), 0.83))
    image = Image.open(paths[0]).convert("RGB")
    dets = detector.detections(image)
    assert [d["class"] for d in dets] == [label] and dets[0]["score"] == pytest.approx(0.83)
    x, y, w, h = dets[0]["box"]
    assert 0 <= x <= image.width and 0 <= y <= image.height and w > 0 and h > 0  # a real box, scaled back
    row = detector.predict_proba([image])[0]
    assert row[CATEGORY_INDEX["sexual"]] == pytest.approx(expected, abs=1e-6)
    assert (row[CATEGORY_INDEX["sexual"]] >= THRESHOLD) == (expected > 0)
    assert np.isnan(row[CATEGORY_INDEX["sexual/minors"]])
