"""A tiny recipe trains end to end on the fixtures, reproducibly, through the CLI and the library."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flagstone.cli.main import main
from flagstone.errors import ConfigError, ModelError
from flagstone.models.kinds import load_model
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.training.recipe import load_recipe
from flagstone.training.train import train

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "tests" / "fixtures" / "training" / "tiny_recipe.yaml"


def test_tiny_recipe_trains_and_is_reproducible(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cache = str(tmp_path / "cache")
    rc = main(["train", str(TINY), "--out", str(tmp_path / "a"), "--evaluate", "--json",
               "--cache-dir", cache])
    assert rc == 0
    out = capsys.readouterr().out
    metrics = json.loads(out[out.index("{"):])
    assert set(metrics) == {"dev_oof"}  # the fixture recipe names no OKTest file
    assert 0 <= metrics["dev_oof"]["any"]["auprc"] <= 1
    v2, _ = train(load_recipe(TINY, cache_dir=cache), tmp_path / "b", evaluate_model=True)
    v1 = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert out.split()[3] == v2[:12], "same recipe and data must give the same artifact version"
    for rel in v1["files"]:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel

    assert v1["build"]["packages"]["numpy"] == np.__version__, "the manifest records the libraries it was built with"
    capsys.readouterr()
    assert main(["train", str(TINY), "--out", str(tmp_path / "c"), "--cache-dir", cache, "--like",
                 str(tmp_path / "a")]) == 0
    said = capsys.readouterr().out
    # Without --evaluate the metrics (and so the card) differ: the report names the files, not the libraries.
    assert "differs from" in said and "MODEL_CARD.md" in said and "build:" not in said
    assert main(["train", str(TINY), "--out", str(tmp_path / "d"), "--cache-dir", cache, "--evaluate", "--like",
                 str(tmp_path / "a")]) == 0
    assert "byte for byte" in capsys.readouterr().out

    model = load_model(tmp_path / "b")
    p = model.predict_proba(["I will hurt you", "nice weather"])
    assert p.shape == (2, len(CATEGORIES)) and np.all((p >= 0) & (p <= 1))
    card = (tmp_path / "b" / "MODEL_CARD.md").read_text()
    assert "Known gaps" in card and "openai-moderation-dev" in card and "any-category AUPRC" in card


def test_seed_option_overrides_the_recipe_seed(tmp_path: Path) -> None:
    """``--seed`` builds the recipe's twin: the same rows and spec, another seed, recorded in the artifact."""
    cache = str(tmp_path / "cache")
    assert main(["train", str(TINY), "--out", str(tmp_path / "s0"), "--cache-dir", cache]) == 0
    assert main(["train", str(TINY), "--out", str(tmp_path / "s7"), "--cache-dir", cache, "--seed", "7"]) == 0
    m0, m7 = (json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("s0", "s7"))
    assert load_recipe(TINY).recipe.seed != 7
    assert json.dumps(m7).count('"seed": 7') >= 1 and json.dumps(m0).count('"seed": 7') == 0
    assert m0["files"] != m7["files"], "another seed is another artifact"


def test_a_seed_out_of_range_is_refused_before_training(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rc = main(["train", str(TINY), "--out", str(tmp_path / "neg"), "--seed", "-1"])
    assert rc == 2 and "seed: Input should be greater than or equal to 0" in capsys.readouterr().err
    assert not (tmp_path / "neg").exists(), "nothing is trained or written"


def test_embeddings_are_cached(tmp_path: Path) -> None:
    from flagstone.training.embed_cache import EmbeddingCache

    calls: list[int] = []

    def encode(texts):
        calls.append(len(texts))
        return np.ones((len(texts), 3), dtype=np.float32) * np.arange(len(texts))[:, None]

    c = EmbeddingCache(tmp_path, "h" * 64)
    a = c.get(["x", "y"], encode)
    b = EmbeddingCache(tmp_path, "h" * 64).get(["y", "x", "z"], encode)
    assert calls == [2, 1]
    np.testing.assert_array_equal(b[0], a[1])


def test_like_a_folder_that_is_no_artifact_fails_before_training(tmp_path: Path, capsys) -> None:
    rc = main(["train", str(TINY), "--out", str(tmp_path / "out"), "--like", str(tmp_path / "nothing-here")])
    assert rc == 2 and "manifest.json missing" in capsys.readouterr().err
    assert not (tmp_path / "out").exists(), "nothing is trained or written"


def test_bad_recipes(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_recipe(tmp_path / "nope.yaml")
    bad = tmp_path / "r.yaml"
    bad.write_text("policy: p\ndata_dir: d\nsources: [x]\nheads: [{features: pixels}]\n")
    with pytest.raises(ConfigError, match="heads.0.features"):
        load_recipe(bad)
    bad.write_text("policy: p\ndata_dir: d\nsources: [x]\nheads: [{features: char}]\n"
                   "thresholds: {violent: {target_precision: 0.5}}\n")
    with pytest.raises(ConfigError, match="unknown categories"):
        load_recipe(bad)
    bad.write_text("policy: p\ndata_dir: d\nsources: [x]\nheads: [{features: char, noise: 0.3}]\n")
    with pytest.raises(ConfigError, match="noise applies to sentence-embedding heads only"):
        load_recipe(bad)
    bad.write_text("policy: p\ndata_dir: d\nsources: [x]\nheads: [{features: embedding, noise: -1}]\n")
    with pytest.raises(ConfigError, match="heads.0.noise"):
        load_recipe(bad)
    bad.write_text("policy: p\ndata_dir: d\nsources: [nomatch/*.yaml]\nheads: [{features: char}]\n")
    with pytest.raises(ConfigError, match="no mapping files match"):
        load_recipe(bad).source_files()


def test_a_recipe_extends_another_and_changes_only_what_it_sets(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("policy: p\ndata_dir: d\nsources: [a.yaml, b.yaml]\nheads: [{features: char}]\n"
                    "calibration: {fraction: 0.3, blend: 0.1}\nseed: 4\n")
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nsources: [c.yaml]\ncalibration: {blend: 0.2}\n")
    r = load_recipe(child).recipe
    assert r.sources == ["c.yaml"]  # a list is replaced, not appended to
    assert (r.calibration.fraction, r.calibration.blend) == (0.3, 0.2)  # a mapping merges key by key
    assert r.seed == 4 and r.policy == "p"
    assert load_recipe(child, seed=9).recipe.seed == 9  # overrides still come last
    # the shipped candidates are their base plus what their files say
    cand = load_recipe(REPO / "recipes" / "candidate-gptfuzz.yaml").recipe
    shipped = load_recipe(REPO / "recipes" / "default.yaml").recipe
    assert cand.model_copy(update={"sources": shipped.sources}) == shipped
    contrast = load_recipe(REPO / "recipes" / "candidate-person-contrast.yaml").recipe
    assert contrast.sources == [*shipped.sources, "../datasets/mappings-candidates/flagstone-person-contrast.yaml"]
    assert contrast.in_domain == {**shipped.in_domain, "flagstone-person-contrast": 3.0}
    assert contrast.model_copy(update={"sources": shipped.sources, "in_domain": shipped.in_domain}) == shipped
    stable = load_recipe(REPO / "recipes" / "candidate-stable-composites.yaml").recipe
    assert stable.compose is not None and stable.compose.draw == "hash" and shipped.compose is not None
    assert stable.model_copy(update={"compose": shipped.compose}) == shipped and shipped.compose.draw == "position"
    assistant = load_recipe(REPO / "recipes" / "candidate-assistant-requests.yaml").recipe
    assert assistant.sources == [*shipped.sources,
                                 "../datasets/mappings-candidates/flagstone-assistant-requests.yaml"]
    assert assistant.model_copy(update={"sources": shipped.sources}) == stable
    stance = load_recipe(REPO / "recipes" / "candidate-stance-contrast.yaml").recipe
    assert stance.sources == [*shipped.sources, "../datasets/mappings-candidates/flagstone-stance-contrast.yaml"]
    assert stance.in_domain == {**shipped.in_domain, "flagstone-stance-contrast": 3.0}
    assert stance.model_copy(update={"sources": shipped.sources, "in_domain": shipped.in_domain}) == stable


def test_bad_extends_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.yaml").write_text("policy: p\ndata_dir: d\nsources: [x]\nheads: [{features: char}]\n")
    child = tmp_path / "child.yaml"
    child.write_text("extends: sub/base.yaml\n")
    with pytest.raises(ConfigError, match="not in this recipe's folder"):
        load_recipe(child)
    child.write_text("extends: missing.yaml\n")
    with pytest.raises(ConfigError, match="recipe file not found"):
        load_recipe(child)
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ConfigError, match="makes a cycle"):
        load_recipe(tmp_path / "a.yaml")


def test_encoder_pin_mismatch_is_refused(tmp_path: Path) -> None:
    from flagstone.training.train import resolve_encoder

    lr = load_recipe(TINY, encoder={"path": str(REPO / "src/flagstone/models/default"), "sha256": "0" * 64})
    with pytest.raises(ModelError, match="pins"):
        resolve_encoder(lr)


def test_a_lexical_recipe_never_runs_the_encoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from flagstone.models import onnx_encoder

    recipe = yaml.safe_load(TINY.read_text())
    recipe["heads"] = [{"features": "char", "C": 1.0, "weight": 1.0}]
    for key in ("policy", "data_dir", "cache_dir"):
        recipe[key] = str((TINY.parent / recipe[key]).resolve())
    recipe["sources"] = [str((TINY.parent / s).resolve()) for s in recipe["sources"]]
    recipe["encoder"]["path"] = str((TINY.parent / recipe["encoder"]["path"]).resolve())
    path = tmp_path / "lexical.yaml"
    path.write_text(yaml.safe_dump(recipe))

    def refuse(self, texts):  # noqa: ANN001
        raise AssertionError("the encoder ran for a recipe without an embedding head")

    monkeypatch.setattr(onnx_encoder.OnnxEncoder, "encode", refuse)
    version, metrics = train(load_recipe(path, cache_dir=str(tmp_path / "cache")), tmp_path / "m",
                             evaluate_model=True)
    assert 0 <= metrics["dev_oof"]["any"]["auprc"] <= 1
    model = load_model(tmp_path / "m")
    assert [h.features for h in model.heads] == ["char"]
    p = model.predict_proba(["I will hurt you", "nice weather"])  # serving does not build the encoder either
    assert p.shape == (2, len(CATEGORIES)) and "embedding" not in model._encoders


def test_embedding_noise_is_seeded_and_keeps_unit_length() -> None:
    from flagstone.training.fit import noisy_embeddings

    rng = np.random.default_rng(3)
    emb = rng.standard_normal((500, 384)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    a, b = noisy_embeddings(emb, 0.3, seed=0), noisy_embeddings(emb, 0.3, seed=0)
    np.testing.assert_array_equal(a, b)  # same seed, same jitter: training stays reproducible
    assert not np.array_equal(a, noisy_embeddings(emb, 0.3, seed=1))
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cos = np.sum(a * emb, axis=1)  # noise of norm 0.3 on a unit vector: cosine about 1 / sqrt(1 + 0.09)
    assert abs(float(cos.mean()) - 1 / np.sqrt(1.09)) < 0.01
    assert a.dtype == np.float32


def test_a_noisy_embedding_head_trains_reproducibly(tmp_path: Path) -> None:
    import yaml

    cache = str(tmp_path / "cache")
    heads = [dict(h, noise=0.3) if h["features"] == "embedding" else h
             for h in yaml.safe_load(TINY.read_text())["heads"]]
    assert any(h.get("noise") for h in heads), "the fixture recipe has an embedding head"
    v1, _ = train(load_recipe(TINY, cache_dir=cache, heads=heads), tmp_path / "a")
    v2, _ = train(load_recipe(TINY, cache_dir=cache, heads=heads), tmp_path / "b")
    clean, _ = train(load_recipe(TINY, cache_dir=cache), tmp_path / "c")
    assert v1 == v2 and v1 != clean
    a = np.load(tmp_path / "a" / "heads" / "embedding_coef.npy")
    np.testing.assert_array_equal(a, np.load(tmp_path / "b" / "heads" / "embedding_coef.npy"))
    assert not np.array_equal(a, np.load(tmp_path / "c" / "heads" / "embedding_coef.npy"))
    # the char head never sees the noise
    np.testing.assert_array_equal(np.load(tmp_path / "a" / "heads" / "char_coef.npy"),
                                  np.load(tmp_path / "c" / "heads" / "char_coef.npy"))


def test_a_multilingual_recipe_writes_every_part_and_serves_other_languages(tmp_path) -> None:
    """Multilingual head (own calibration, encoder copied with its licence), windows, composites, and
    the functional suite's figures in the card: the parts of the default recipe, on fixture rows."""
    from flagstone.training.train import train

    lr = load_recipe(Path(__file__).resolve().parents[1] / "fixtures" / "training" / "tiny_multilingual.yaml")
    version, metrics = train(lr, tmp_path / "m", evaluate_model=True)
    m = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert {"multilingual.onnx", "calibration_multilingual.json", "multilingual.LICENSE.md"} <= set(m["files"])
    assert m["windows"] == {"sentence_min_words": 30, "weight": 0.6}
    assert any(s.startswith("compose:") for s in m["training"]["sources"])
    assert "languages" in metrics["functional"] and "fr" in metrics["functional"]["languages"]
    # the native multilingual set is counted per language on its own (recall over its harmful texts, FPR over its
    # benign ones), beside the functional suite's few items a language
    native = metrics["functional"]["native_languages"]
    fast = [json.loads(line) for line in
            (REPO / "suites" / "functional" / "multilingual-fast.jsonl").read_text(encoding="utf-8").splitlines()]
    assert native["items"] == len(fast)
    for lang, d in native["languages"].items():
        mine = [it for it in fast if it["lang"] == lang]
        assert d["n"] == len(mine) and d["positives"] == sum(1 for it in mine if it["must_flag_any"])
        assert 0 <= d["caught"] <= d["positives"] and 0 <= d["clean"] <= d["negatives"] == d["n"] - d["positives"]
    assert set(native["languages"]) == {it["lang"] for it in fast}
    card = (tmp_path / "m" / "MODEL_CARD.md").read_text()
    assert "Multilingual encoder" in card and "Per language" in card and "sentence by sentence" in card
    assert "native multilingual test set (`multilingual-fast.jsonl`" in card
    fr = native["languages"]["fr"]
    assert f"| fr | {fr['right']}/{fr['n']} |" in card.split("native multilingual test set")[1]
    model = load_model(tmp_path / "m")
    assert model.info.window_weight == 0.6 and model.info.version == version
    assert model.predict_proba(["Je vais te trouver.", "I will find you."]).shape == (2, 13)


def test_recall_slack_raises_thresholds_and_is_recorded_only_when_used(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    calibration = {"method": "isotonic", "fraction": 0.3, "min_positives_isotonic": 30}
    train(load_recipe(TINY, cache_dir=cache), tmp_path / "a")
    train(load_recipe(TINY, cache_dir=cache, calibration={**calibration, "recall_slack": 0.2}), tmp_path / "b")
    a, b = (json.loads((tmp_path / d / "manifest.json").read_text()) for d in "ab")
    # A recipe without the field records what recipes recorded before it existed (old artifacts rebuild).
    assert "recall_slack" not in a["training"]["recipe"]["calibration"]
    assert b["training"]["recipe"]["calibration"]["recall_slack"] == 0.2
    ta, tb = ({c: m["categories"][c]["threshold"] for c in CATEGORIES} for m in (a, b))
    assert all(tb[c] >= ta[c] for c in CATEGORIES), "slack only climbs the precision curve"
    assert any(tb[c] > ta[c] for c in CATEGORIES), "0.2 of recall slack must move some threshold on the fixtures"
    card_a, card_b = ((tmp_path / d / "MODEL_CARD.md").read_text() for d in "ab")
    assert "within 0.2 of that of the lowest score" in card_b and "recall_slack" not in card_a


def test_a_head_with_a_hidden_layer_trains_reproducibly_and_serves_without_torch(tmp_path: Path) -> None:
    import yaml

    from flagstone.models.ensemble import head_logits

    cache = str(tmp_path / "cache")
    heads = [dict(h, hidden=16, epochs=3, noise=0.3) if h["features"] == "embedding" else h
             for h in yaml.safe_load(TINY.read_text())["heads"]]
    v1, _ = train(load_recipe(TINY, cache_dir=cache, heads=heads), tmp_path / "a")
    v2, _ = train(load_recipe(TINY, cache_dir=cache, heads=heads), tmp_path / "b")
    assert v1 == v2, "seeded, deterministic: the same recipe gives the same artifact"
    m = json.loads((tmp_path / "a" / "manifest.json").read_text())
    emb = next(h for h in m["heads"] if h["features"] == "embedding")
    assert emb["hidden_units"] == 16 and {emb["hidden"], emb["hidden_bias"]} <= set(m["files"])
    assert m["training"]["recipe"]["heads"][0]["hidden"] == 16
    assert "hidden" not in m["training"]["recipe"]["heads"][1], "a linear head records what it did before"
    card = (tmp_path / "a" / "MODEL_CARD.md").read_text()
    assert "embedding (one hidden layer of 16 ReLU units" in card and "char (logistic regression" in card
    W1 = np.load(tmp_path / "a" / emb["hidden"])
    assert W1.shape == (16, 384) and np.load(tmp_path / "a" / emb["coef"]).shape == (len(CATEGORIES), 16)

    model = load_model(tmp_path / "a")
    head = next(h for h in model.heads if h.features == "embedding")
    x = np.random.default_rng(0).standard_normal((3, 384)).astype(np.float32)
    expected = np.maximum(x @ head.hidden.T + head.hidden_bias, 0) @ head.coef.T.astype(np.float32) + head.intercept
    np.testing.assert_allclose(head_logits(head, x), expected, rtol=1e-4, atol=1e-4)
    # A text's score does not depend on who shares its batch.
    texts = ["I will hurt you", "nice weather", "you people are vermin"]
    together = model.predict_proba(texts)
    alone = np.vstack([model.predict_proba([t]) for t in texts])
    np.testing.assert_array_equal(together, alone)


def test_a_hidden_layer_that_does_not_fit_its_outputs_is_refused(tmp_path: Path) -> None:
    import shutil

    import yaml

    heads = [dict(h, hidden=8, epochs=1) if h["features"] == "embedding" else h
             for h in yaml.safe_load(TINY.read_text())["heads"]]
    train(load_recipe(TINY, cache_dir=str(tmp_path / "cache"), heads=heads), tmp_path / "a")
    broken = tmp_path / "broken"
    shutil.copytree(tmp_path / "a", broken)
    np.save(broken / "heads" / "embedding_hidden_bias.npy", np.zeros(5, dtype=np.float32))
    with pytest.raises(ModelError, match="hidden layer does not fit"):
        load_model(broken, verify=False)
    m = json.loads((tmp_path / "a" / "manifest.json").read_text())
    for h in m["heads"]:
        h.pop("hidden_units", None)
    (broken / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ModelError, match="hidden, hidden_bias and hidden_units together"):
        load_model(broken, verify=False)


def test_a_char_head_with_a_hidden_layer_is_refused() -> None:
    import yaml

    heads = [dict(h, hidden=8) for h in yaml.safe_load(TINY.read_text())["heads"]]
    with pytest.raises(ConfigError, match="hidden layer applies to sentence-embedding heads only"):
        load_recipe(TINY, heads=heads)


def test_a_bagged_hidden_layer_serves_the_mean_of_its_seeds_logits() -> None:
    from flagstone.training.mlp import bag, fit_hidden_layer

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 12)).astype(np.float32)
    labels = -np.ones((64, 3), dtype=np.int8)
    labels[:, 0] = X[:, 0] > 0
    labels[:32, 1] = X[:32, 1] > 0.5
    kw = dict(units=4, epochs=2, weight_decay=1e-4, noise=0.0)
    layers = [fit_hidden_layer(X, labels, np.ones(64), seed=s, **kw) for s in (0, 1, 2)]

    def logits(h):  # as models/ensemble.py: head_logits serves a layer
        return np.maximum(X @ h.hidden.T + h.hidden_bias, 0) @ h.coef.T + h.intercept

    bagged = bag(layers)
    assert bagged.hidden.shape == (12, 12) and bagged.coef.shape == (3, 12)
    np.testing.assert_allclose(logits(bagged), np.mean([logits(h) for h in layers], axis=0), rtol=1e-5, atol=1e-5)
    assert not np.allclose(logits(layers[0]), logits(layers[1])), "consecutive seeds train different layers"
    with pytest.raises(ModelError, match="at least one"):
        bag([])


def test_a_recipe_with_bag_trains_and_records_it_and_bag_1_records_nothing(tmp_path: Path) -> None:
    import yaml

    cache = str(tmp_path / "cache")
    base = yaml.safe_load(TINY.read_text())["heads"]
    for n in (1, 3):
        heads = [dict(h, hidden=8, epochs=1, bag=n) if h["features"] == "embedding" else h for h in base]
        train(load_recipe(TINY, cache_dir=cache, heads=heads), tmp_path / str(n))
        m = json.loads((tmp_path / str(n) / "manifest.json").read_text())
        emb = next(h for h in m["heads"] if h["features"] == "embedding")
        assert emb["hidden_units"] == 8 * n
        recorded = m["training"]["recipe"]["heads"][0]
        card = (tmp_path / str(n) / "MODEL_CARD.md").read_text()
        if n == 1:
            assert "bag" not in recorded, "one layer records what it did before bagging existed"
            assert "one hidden layer of 8 ReLU units" in card
        else:
            assert recorded["bag"] == 3 and "3 hidden layers of 8 ReLU units" in card
        assert load_model(tmp_path / str(n)).predict_proba(["I will hurt you"]).shape == (1, len(CATEGORIES))
    with pytest.raises(ConfigError, match="bag averages hidden layers"):
        load_recipe(TINY, heads=[dict(h, bag=2) for h in base])


def test_the_shipped_recipe_records_what_the_shipped_manifest_says() -> None:
    """A field added to the recipe schema later must not change what the shipped recipe records (the record is part
    of the manifest and so of the version): unused later fields are left out (train.py: _LATER_FIELDS)."""
    import json

    from flagstone.training.train import _recipe_record

    manifest = json.loads((REPO / "src" / "flagstone" / "models" / "default" / "manifest.json").read_text())
    recorded = manifest["training"]["recipe"]
    assert _recipe_record(load_recipe(REPO / "recipes" / "default.yaml").recipe) == recorded
    # the candidates of the ninth session record their option, and only where they set it
    cross = _recipe_record(load_recipe(REPO / "recipes" / "candidate-cross-fit.yaml").recipe)
    assert cross["calibration"] == {**recorded["calibration"], "cross_fit": 5}
    balance = _recipe_record(load_recipe(REPO / "recipes" / "candidate-identity-balance.yaml").recipe)
    assert balance["identity_balance"] == {"categories": ["hate"], "strength": 1.0, "extra_terms": []}
    assert {k: v for k, v in balance.items() if k != "identity_balance"} == recorded
    # the eleventh session's options, likewise: the hash draw and train-only sources are recorded only where set
    stable = _recipe_record(load_recipe(REPO / "recipes" / "candidate-stable-composites.yaml").recipe)
    assert stable["compose"] == {**recorded["compose"], "draw": "hash"}
    assert {k: v for k, v in stable.items() if k != "compose"} == {k: v for k, v in recorded.items() if k != "compose"}


def test_cross_fit_and_identity_balance_train_evaluate_and_serve(tmp_path: Path) -> None:
    """The ninth session's two options end to end on the fixtures: composites remember their rows, the calibrators
    see every non-composite row out of fold, the balance report is recorded, and the artifact serves."""
    cache = str(tmp_path / "cache")
    calibration = {"method": "isotonic", "fraction": 0.3, "min_positives_isotonic": 30}
    plain_lr = load_recipe(TINY, cache_dir=cache, compose={"long_negatives": 10, "padded_positives": 10,
                                                             "min_parts": 2, "max_parts": 3})
    train(plain_lr, tmp_path / "plain")
    lr = load_recipe(TINY, cache_dir=cache, calibration={**calibration, "cross_fit": 3},
                     compose={"long_negatives": 10, "padded_positives": 10, "min_parts": 2, "max_parts": 3},
                     identity_balance={"categories": ["hate"]})
    version, metrics = train(lr, tmp_path / "x", evaluate_model=True)
    plain, crossed = (json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("plain", "x"))
    assert crossed["training"]["recipe"]["calibration"]["cross_fit"] == 3
    assert "cross_fit" not in plain["training"]["recipe"]["calibration"]
    assert "identity_balance" in crossed["training"] and "identity_balance" not in plain["training"]
    assert crossed["training"]["identity_balance"]["hate"]["cells"]["group/1"]["rows"] > 0
    for cat in ("hate", "harassment"):
        p, c = plain["categories"][cat], crossed["categories"][cat]
        # every non-composite positive calibrates (composites never do), and every row trains the heads
        assert c["calibration_positives"] > p["calibration_positives"]
        assert c["train_positives"] > p["train_positives"]
    assert "dev_oof" in metrics
    model = load_model(tmp_path / "x")
    assert model.info.version == version
    assert model.predict_proba(["I will hurt you", "what a lovely garden"]).shape == (2, len(CATEGORIES))


def test_the_hatexplain_candidate_reads_every_shipped_mapping_but_one() -> None:
    """recipes/candidate-hatexplain-harassment.yaml lists its sources by hand (a glob cannot leave one file out):
    it must stay the shipped recipe's mappings with hatexplain's swapped for the candidate variant."""
    shipped = load_recipe(REPO / "recipes" / "default.yaml")
    cand = load_recipe(REPO / "recipes" / "candidate-hatexplain-harassment.yaml")
    swapped = {p.name for p in shipped.source_files()} - {"hatexplain.yaml"}
    assert {p.name for p in cand.source_files()} == swapped | {"hatexplain-normal-harassment-unknown.yaml"}
    assert cand.recipe.model_copy(update={"sources": shipped.recipe.sources}) == shipped.recipe
