"""The recipe's finetune: step: reproducible bytes, cached, served as the ensemble's added logit term."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")  # the 'train' extra

from flagstone.errors import ModelError
from flagstone.models.ensemble import FINETUNED, calibrate, combine
from flagstone.models.kinds import load_model
from flagstone.models.manifest import EnsembleManifest, validate_manifest
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.text.normalize import normalize
from flagstone.training import finetune as ft
from flagstone.training.recipe import FinetuneSpec, load_recipe
from flagstone.training.train import train

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "tests" / "fixtures" / "training" / "tiny_recipe.yaml"
SMALL = {"steps": 3, "batch": 4, "max_tokens": 16}


def _rows(n: int = 24) -> tuple[list[str], np.ndarray, np.ndarray]:
    texts = [f"row {i}: " + ("I am going to hurt you badly" if i % 3 == 0 else "the weather is nice today")
             for i in range(n)]
    labels = -np.ones((n, len(CATEGORIES)), dtype=np.int8)
    labels[:, CATEGORIES.index("violence")] = [1 if i % 3 == 0 else 0 for i in range(n)]
    return texts, labels, np.ones(n)


def test_the_same_rows_give_the_same_bytes_and_a_graph_the_encoder_serves(tmp_path: Path) -> None:
    from flagstone.models.onnx_encoder import OnnxEncoder

    texts, labels, w = _rows()
    spec = FinetuneSpec(**SMALL)
    a = ft.finetune(texts, labels, w, spec, base="all-MiniLM-L6-v2", seed=0, out_dir=tmp_path / "a")
    b = ft.finetune(texts, labels, w, spec, base="all-MiniLM-L6-v2", seed=0, out_dir=tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    other = ft.finetune(texts, labels, w, spec, base="all-MiniLM-L6-v2", seed=1, out_dir=tmp_path / "c")
    assert other.read_bytes() != a.read_bytes(), "the seed must matter"
    logits = OnnxEncoder(a, a.parent / "tokenizer.json", max_tokens=16).encode(["I will hurt you", "hello"])
    assert logits.shape == (2, len(CATEGORIES)) and np.isfinite(logits).all()


def test_draws_favour_rows_positive_in_a_rare_category() -> None:
    _, labels, w = _rows(300)
    labels[:, CATEGORIES.index("violence")] = 0
    labels[:3, CATEGORIES.index("violence")] = 1
    order = ft.draw_order(labels, w, steps=100, batch=10, rare_boost=200, seed=0)
    assert len(order) == 1000
    assert np.isin(order, [0, 1, 2]).mean() > 0.3  # 1% of the rows, about two thirds of the draws
    plain = ft.draw_order(labels, w, steps=100, batch=10, rare_boost=0, seed=0)
    assert np.isin(plain, [0, 1, 2]).mean() < 0.05


def test_a_finished_fine_tune_is_taken_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts, labels, w = _rows()
    spec = FinetuneSpec(**SMALL)
    first = ft.cached_finetune(tmp_path, texts, labels, w, spec, base="all-MiniLM-L6-v2", seed=0)
    record = json.loads((first.parent / "training.json").read_text())
    assert record["rows"] == len(texts) and record["spec"]["steps"] == 3

    def no_training(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("trained again")

    monkeypatch.setattr(ft, "finetune", no_training)
    again = ft.cached_finetune(tmp_path, texts, labels, w, FinetuneSpec(**SMALL, share=1.0), base="all-MiniLM-L6-v2",
                               seed=0)
    assert again == first  # the share is applied at scoring time: it does not change the graph
    changed = labels.copy()
    changed[1, CATEGORIES.index("violence")] = 1
    with pytest.raises(AssertionError, match="trained again"):
        ft.cached_finetune(tmp_path, texts, changed, w, spec, base="all-MiniLM-L6-v2", seed=0)


def test_a_fine_tune_killed_mid_way_leaves_nothing_half_written(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    texts, labels, w = _rows()

    def killed(*a, out_dir: Path, **k):  # type: ignore[no-untyped-def]
        (out_dir / ft.ONNX_NAME).write_bytes(b"half a graph")
        raise KeyboardInterrupt

    monkeypatch.setattr(ft, "finetune", killed)
    with pytest.raises(KeyboardInterrupt):
        ft.cached_finetune(tmp_path, texts, labels, w, FinetuneSpec(**SMALL), base="all-MiniLM-L6-v2", seed=0)
    assert not list((tmp_path / "finetuned").iterdir())


def test_a_recipe_with_a_finetune_step_trains_writes_and_serves_the_sum(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    spec = {**SMALL, "share": 0.5}
    v1, metrics = train(load_recipe(TINY, cache_dir=cache, finetune=spec), tmp_path / "a", evaluate_model=True)
    assert 0 <= metrics["dev_oof"]["any"]["auprc"] <= 1
    # Two fine-tunes: on the heads' rows (shipped), and without any dev row (the OOF figures).
    assert len(list((tmp_path / "cache" / "finetuned").iterdir())) == 2
    m = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert m["finetuned"] == {"onnx": "finetuned.onnx", "tokenizer": "tokenizer.json", "max_tokens": 16,
                              "share": 0.5, "base": "all-MiniLM-L6-v2", "quantized": True}
    assert {"finetuned.onnx", "tokenizer.json"} <= set(m["files"])
    assert m["training"]["finetune"]["rows"] > 0 and m["training"]["finetune"]["matches_pin"] is None
    assert "Fine-tuned encoder" in (tmp_path / "a" / "MODEL_CARD.md").read_text()

    v2, _ = train(load_recipe(TINY, cache_dir=cache, finetune=spec), tmp_path / "b", evaluate_model=True)
    assert v2 == v1

    model = load_model(tmp_path / "a")
    texts = ["I will hurt you tomorrow", "what a lovely garden"]
    feats = model.featurize([normalize(t) for t in texts])
    assert feats[FINETUNED].shape == (2, len(CATEGORIES))
    served = model.predict_proba(texts)
    by_hand = calibrate(combine(model.heads, feats) + 0.5 * feats[FINETUNED], model.calibrators)
    np.testing.assert_allclose(served, np.clip(by_hand, 1e-4, 1 - 1e-4), atol=1e-9)
    without = calibrate(combine(model.heads, feats), model.calibrators)
    assert not np.allclose(served, without), "the fine-tuned term must count"


def test_a_pin_mismatch_is_recorded_not_refused(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    spec = {**SMALL, "sha256": "0" * 64}
    train(load_recipe(TINY, cache_dir=cache, finetune=spec), tmp_path / "a")
    m = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert m["training"]["finetune"]["matches_pin"] is False


def test_the_manifest_checks_the_fine_tuned_entry(tmp_path: Path) -> None:
    shipped = json.loads((REPO / "src" / "flagstone" / "models" / "default" / "manifest.json").read_text())
    entry = {"onnx": "finetuned.onnx", "tokenizer": "tokenizer.json", "max_tokens": 96, "share": 0.2}
    unpinned = {**shipped, "finetuned": entry, "files": {k: v for k, v in shipped["files"].items()
                                                         if k != "finetuned.onnx"}}
    with pytest.raises(ModelError, match="not pinned.*finetuned.onnx"):
        validate_manifest(EnsembleManifest, unpinned, "m")
    with pytest.raises(ModelError, match="finetuned.share"):
        validate_manifest(EnsembleManifest, {**unpinned, "finetuned": {**entry, "share": 0}}, "m")
    with pytest.raises(ModelError, match="finetuned.weight"):
        validate_manifest(EnsembleManifest, {**unpinned, "finetuned": {**entry, "weight": 1}}, "m")


def test_an_artifact_whose_fine_tuned_graph_is_missing_fails_to_load(tmp_path: Path) -> None:
    train(load_recipe(TINY, cache_dir=str(tmp_path / "cache"), finetune=SMALL), tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    (tmp_path / "b" / "finetuned.onnx").unlink()
    with pytest.raises(ModelError, match="finetuned.onnx"):
        load_model(tmp_path / "b").predict_proba(["hello"])


def test_a_recipe_without_the_step_records_what_it_recorded_before(tmp_path: Path) -> None:
    """Recipes written before finetune: existed (recipes/default.yaml) still rebuild their artifacts."""
    train(load_recipe(TINY, cache_dir=str(tmp_path / "cache")), tmp_path / "a")
    m = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert "finetune" not in m["training"]["recipe"] and "finetuned" not in m and "finetune" not in m["training"]
    assert "finetuned.onnx" not in m["files"]


def test_the_fine_tune_can_weight_in_domain_rows_its_own_way(tmp_path: Path) -> None:
    """finetune.in_domain: the fine-tune's draw weights per source; the heads keep the recipe's in_domain."""
    cache = str(tmp_path / "cache")
    train(load_recipe(TINY, cache_dir=cache, finetune=SMALL), tmp_path / "a", evaluate_model=True)
    plain = json.loads((tmp_path / "a" / "manifest.json").read_text())["training"]["recipe"]
    assert "in_domain" not in plain["finetune"], "a spec without the field records what it recorded before"
    heavier = {**SMALL, "in_domain": {"openai-moderation-dev": 10.0}}
    train(load_recipe(TINY, cache_dir=cache, finetune=heavier), tmp_path / "b", evaluate_model=True)
    recorded = json.loads((tmp_path / "b" / "manifest.json").read_text())["training"]["recipe"]
    assert recorded["finetune"]["in_domain"] == {"openai-moderation-dev": 10.0}
    assert recorded["in_domain"] == plain["in_domain"] == {"openai-moderation-dev": 3.0}
    # The shipped fine-tune sees the dev rows at another weight: trained anew. The OOF one never sees a dev
    # row, so its rows and weights are the same and the cache serves it: three fine-tunes for two builds.
    assert len(list((tmp_path / "cache" / "finetuned").iterdir())) == 3
