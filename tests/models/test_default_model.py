"""The shipped default artifact: loads with hash checks, scores in range, normalises, refuses tampering."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from flagstone.errors import ModelError
from flagstone.models.base import Moderator
from flagstone.models.kinds import available_kinds, load_model
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.settings import DEFAULT_MODEL_DIR


@pytest.fixture(scope="module")
def model() -> Moderator:
    return load_model(DEFAULT_MODEL_DIR)


def test_loads_as_a_moderator_with_thresholds(model: Moderator) -> None:
    assert isinstance(model, Moderator)
    info = model.info
    assert set(info.thresholds) == set(CATEGORIES)
    assert all(0 < t <= 1 for t in info.thresholds.values())
    assert info.max_tokens == 256 and len(info.version) == 64
    assert set(info.input_types) == set(CATEGORIES)


def test_scores_shape_and_range(model: Moderator) -> None:
    texts = ["Have a lovely day!", "I am going to kill you and your family tonight.", "", "x" * 3000]
    p = model.predict_proba(texts)
    assert p.shape == (4, len(CATEGORIES))
    # Calibrated scores are clipped: never exactly 0 or 1, even for a greeting or a blatant threat.
    assert np.all((p >= 1e-4) & (p <= 1 - 1e-4))
    assert model.predict_proba([]).shape == (0, len(CATEGORIES))


def test_ranks_an_obvious_threat_above_a_greeting(model: Moderator) -> None:
    p = model.predict_proba(["Have a lovely day, see you at lunch!", "I will find you and stab you to death."])
    v = CATEGORIES.index("violence")
    assert p[1, v] > p[0, v]
    assert p[1].max() > p[0].max()


def test_normalisation_is_applied(model: Moderator) -> None:
    plain = "I will stab you"
    hidden = "I w\u200bill st\u200bab y\u200bou"  # zero-width spaces inside the words
    np.testing.assert_allclose(model.predict_proba([hidden]), model.predict_proba([plain]), atol=1e-6)


def test_order_and_batching_barely_change_scores(model: Moderator) -> None:
    # int8 dynamic quantisation scales activations per batch, so a text's neighbours (and their padding)
    # move its scores by a hair; never by enough to matter.
    texts = ["short", "a somewhat longer sentence about the weather today", "medium length text"]
    together = model.predict_proba(texts)
    alone = np.vstack([model.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=0.02)
    np.testing.assert_allclose(model.predict_proba(texts[::-1])[::-1], together, atol=1e-6)


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "m"
    shutil.copytree(DEFAULT_MODEL_DIR, copy, ignore=shutil.ignore_patterns("encoder.onnx"))
    (copy / "encoder.onnx").symlink_to(DEFAULT_MODEL_DIR / "encoder.onnx")
    cal = copy / "calibration.json"
    cal.write_text(cal.read_text().replace("isotonic", "platt", 1))
    with pytest.raises(ModelError, match="does not match its hash"):
        load_model(copy)


def test_missing_file_and_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="manifest.json missing"):
        load_model(tmp_path)
    (tmp_path / "manifest.json").write_text('{"kind": "nope", "files": {}}')
    with pytest.raises(ModelError, match="unknown model kind 'nope'") as exc:
        load_model(tmp_path)
    assert "ensemble" in str(exc.value) and "ensemble" in available_kinds()


def test_configure_threads_reaches_the_encoder_and_keeps_the_scores(model: Moderator) -> None:
    texts = ["hello", "a second text to spread over threads", "and a third one"]
    before = model.predict_proba(texts)
    try:
        model.configure(threads=1)
        one = model.encoder
        assert one.threads == 1 and one._solo is None  # one thread: no multi-threaded solo session
        np.testing.assert_array_equal(model.predict_proba(texts), before)  # same bits, any thread count
        model.configure(threads=2)
        two = model.encoder
        assert two is not one and two.threads == 2 and two._solo is not None  # rebuilt with 2 threads
        np.testing.assert_array_equal(model.predict_proba(texts), before)
        assert two._pool is not None and two._pool._max_workers == 2  # three texts went over two threads
        np.testing.assert_array_equal(model.predict_proba(texts[:1]), before[:1])  # the solo session
        assert model.configure(threads=2).encoder is two  # an unchanged count keeps the encoder
    finally:
        model.configure(threads=0)
    assert model.encoder.threads == (os.cpu_count() or 1)  # 0 = one per core


def test_library_serving_path_has_no_torch_or_sklearn() -> None:
    import subprocess
    import sys

    code = ("import sys; from flagstone.models.kinds import load_model; from flagstone.settings import "
            "DEFAULT_MODEL_DIR; load_model(DEFAULT_MODEL_DIR).predict_proba(['hi']); "
            "bad = [m for m in ('torch', 'sklearn', 'transformers') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
