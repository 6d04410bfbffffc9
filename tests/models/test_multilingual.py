"""The multilingual route: language weight, the encoder (when the shipped artifact carries it), and
the typed manifest that describes it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from flagstone.errors import ModelError
from flagstone.models.manifest import EnsembleManifest, validate_manifest
from flagstone.models.multilingual import english_weight
from flagstone.settings import DEFAULT_MODEL_DIR


def test_english_weight_separates_languages() -> None:
    w = english_weight(["I will find you and hurt you tonight", "Je vais te trouver et te faire du mal ce soir",
                        "Ich werde dich finden und dir wehtun", "Я тебя найду и сделаю тебе больно",
                        "我会找到你并伤害你", "12345 !!!", ""])
    assert w[0] > 0.9 and (w[1:5] < 0.1).all()
    assert w[5] == 1.0 and w[6] == 1.0  # nothing to identify: treated as English
    assert ((w >= 0) & (w <= 1)).all()


ML = DEFAULT_MODEL_DIR / "multilingual.onnx"


@pytest.mark.skipif(not ML.is_file(), reason="the shipped artifact has no multilingual encoder")
def test_encoder_maps_translations_close_and_is_batch_invariant() -> None:
    from flagstone.models.multilingual import MultilingualEncoder

    enc = MultilingualEncoder(ML, threads=2)
    texts = ["I will kill you", "Je vais te tuer", "Te voy a matar", "What a lovely day in the park"]
    e = enc.encode(texts)
    assert e.shape == (4, enc.dim) and np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5)
    assert e[0] @ e[1] > 0.5 and e[0] @ e[2] > 0.5 and e[0] @ e[3] < 0.3
    alone = np.stack([enc.encode([t])[0] for t in texts])
    assert np.array_equal(alone, e)  # each text alone: a text's embedding never depends on its batch


def _manifest() -> dict:
    return json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text())


def test_shipped_manifest_validates() -> None:
    m = validate_manifest(EnsembleManifest, _manifest(), "shipped")
    assert m.kind == "ensemble" and m.heads


@pytest.mark.parametrize(("edit", "message"), [
    (lambda m: m.pop("encoder"), "encoder"),
    (lambda m: m["heads"][0].update(features="glove"), "heads.0.features"),
    (lambda m: m["thresholds"].pop("hate"), "thresholds lack categories"),
    (lambda m: m.update(calibraton="x.json"), "calibraton"),
    (lambda m: m["files"].pop(m["calibration"]), "not pinned"),
    (lambda m: m["heads"].append(dict(m["heads"][0], features="multilingual")) if "multilingual" not in m
     else m.pop("multilingual"), "multilingual"),
])
def test_malformed_manifests_name_the_field(edit, message) -> None:
    m = _manifest()
    edit(m)
    with pytest.raises(ModelError, match=message):
        validate_manifest(EnsembleManifest, m, "edited")


def test_loader_refuses_an_artifact_whose_manifest_is_malformed(tmp_path) -> None:
    from flagstone.models.kinds import load_model

    art = tmp_path / "art"
    shutil.copytree(DEFAULT_MODEL_DIR, art, ignore=shutil.ignore_patterns("*.onnx"))
    m = _manifest()
    m["heads"][0]["weight"] = -1
    (art / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ModelError, match="heads.0.weight"):
        load_model(art, verify=False)
