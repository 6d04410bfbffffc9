"""The recipe's ``augment:`` block: validated, applied to the training split only, tagged, reproducible."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flagstone.augment.base import read_items
from flagstone.errors import ConfigError
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
from flagstone.text.normalize import normalize, text_key
from flagstone.training.augment import augment_training
from flagstone.training.recipe import load_recipe
from flagstone.training.sources import UNKNOWN, Examples
from flagstone.training.train import AUGMENTED_FILE, prepare_training, train

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "tests" / "fixtures" / "training" / "tiny_recipe.yaml"
AUG = {"attacks": ["inner_spacing", "leetspeak"], "fraction": 0.5, "positive_fraction": 1.0, "seed": 3}
V = CATEGORY_INDEX["violence"]


def _examples() -> tuple[Examples, np.ndarray, np.ndarray]:
    texts = [f"row {i} says I will stab the neighbour tomorrow" if i % 2 else f"row {i} about a quiet picnic lunch"
             for i in range(40)]
    labels = np.full((40, len(CATEGORIES)), UNKNOWN, dtype=np.int8)
    labels[:, V] = [i % 2 for i in range(40)]
    sources = ["dev" if i >= 30 else "public" for i in range(40)]
    calib = np.array([i % 5 == 0 for i in range(40)])
    return Examples(texts, labels, sources), np.linspace(1, 2, 40), calib


def _spec(**kw):
    from flagstone.augment.perturb import AugmentSpec

    return AugmentSpec(**{**AUG, **kw})


def test_only_training_split_rows_of_non_dev_sources_are_perturbed() -> None:
    data, weights, calib = _examples()
    aug = augment_training(data, weights, calib, _spec(fraction=1.0), dev_source="dev")
    n = len(data)
    assert aug.data.texts[:n] == data.texts and np.array_equal(aug.calib[:n], calib)
    added = len(aug.items)
    # Every eligible row (not calibration, not dev) gets one copy; some leetspeak copies normalise back.
    assert added > 0 and added + aug.dropped == sum(1 for i in range(n) if not calib[i] and data.sources[i] != "dev")
    assert sum(1 for i in range(n) if not calib[i] and data.sources[i] != "dev") == 24
    assert not aug.calib[n:].any(), "added rows are training rows"
    assert all(s.startswith("perturb:") for s in aug.data.sources[n:]), "no added row may count as dev"
    by_key = {text_key(t): i for i, t in enumerate(data.texts)}
    for j, it in enumerate(aug.items):
        parent = by_key[it.meta["parent_key"]]
        assert not calib[parent] and data.sources[parent] != "dev"
        assert aug.data.texts[n + j] == normalize(it.text) != data.texts[parent]
        np.testing.assert_array_equal(aug.data.labels[n + j], data.labels[parent])  # unknowns stay unknown
        assert aug.weights[n + j] == weights[parent]
        assert it.origin == aug.data.sources[n + j] == f"perturb:{it.meta['attack']}"
    assert sum(aug.counts().values()) == added


def test_fractions_apply_to_positive_and_other_rows_separately() -> None:
    data, weights, calib = _examples()
    aug = augment_training(data, weights, calib, _spec(attacks=["inner_spacing"], fraction=0.0, positive_fraction=1.0),
                           dev_source="dev")
    assert aug.items and all(lab[V] == 1 for lab in aug.data.labels[len(data):])
    assert len(aug.items) == sum(1 for i in range(30) if not calib[i] and i % 2)


def test_copies_that_normalise_to_an_existing_text_are_dropped() -> None:
    data, weights, calib = _examples()
    # Homoglyphs and zero-width characters are undone by normalisation: every copy duplicates its parent.
    aug = augment_training(data, weights, calib, _spec(attacks=["homoglyphs", "zero_width"], fraction=1.0),
                           dev_source="dev")
    assert aug.items == [] and aug.dropped == 24 and len(aug.data) == len(data)


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    data, weights, calib = _examples()
    a = augment_training(data, weights, calib, _spec(), dev_source="dev")
    b = augment_training(data, weights, calib, _spec(), dev_source="dev")
    c = augment_training(data, weights, calib, _spec(seed=4), dev_source="dev")
    assert a.data.texts == b.data.texts and a.items == b.items
    assert a.data.texts != c.data.texts


@pytest.mark.parametrize(("block", "match"), [
    ({"attacks": ["base64"]}, "augment.attacks.*not label-preserving"),
    ({"families": ["encoding"]}, "augment.*no label-preserving attacks in families"),
    ({"fraction": 1.5}, "augment.fraction"),
    ({"positive_fraction": -0.1}, "augment.positive_fraction"),
    ({"fraction": 0, "positive_fraction": 0}, "nothing would be perturbed"),
    ({"copies": 0}, "augment.copies"),
    ({"attacks": ["typos", "typos"]}, "listed twice"),
    ({"attacks": ["leetspeak"], "params": {"typos": {"rate": 0.5}}}, "params given for attacks not in the list"),
    ({"attacks": ["leetspeak"], "params": {"leetspeak": {"speed": 2}}}, "bad parameters"),
    ({"attacks": ["leetspeak"], "params": {"leetspeak": {"rate": 3}}}, "leetspeak"),
    ({"sed": 1}, "augment.sed"),
])
def test_bad_augment_blocks_are_clear_config_errors(block: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_recipe(TINY, augment=block)


def test_families_expand_to_their_label_preserving_attacks() -> None:
    spec = load_recipe(TINY, augment={"families": ["character"], "attacks": ["typos"]}).recipe.augment
    assert spec is not None
    assert spec.attacks[0] == "typos" and {"leetspeak", "inner_spacing", "homoglyphs"} <= set(spec.attacks)
    assert "base64" not in spec.attacks


def test_prepare_training_appends_tagged_rows(tmp_path: Path) -> None:
    lr = load_recipe(TINY, cache_dir=str(tmp_path / "cache"), augment=AUG)
    plain = prepare_training(load_recipe(TINY, cache_dir=str(tmp_path / "cache")))
    p = prepare_training(lr)
    n = len(plain.data)
    assert p.data.texts[:n] == plain.data.texts and len(p.data) == n + len(p.augmented) > n
    assert np.array_equal(p.calib[:n], plain.calib) and not p.calib[n:].any()
    dev = lr.recipe.evaluation.dev_source
    assert dev in plain.data.sources and dev not in p.data.sources[n:]
    assert p.emb.shape[0] == p.tf.shape[0] == len(p.data)


def test_augmented_artifact_is_reproducible_and_records_provenance(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    v1, _ = train(load_recipe(TINY, cache_dir=cache, augment=AUG), tmp_path / "a")
    v2, _ = train(load_recipe(TINY, cache_dir=cache, augment=AUG), tmp_path / "b")
    v3, _ = train(load_recipe(TINY, cache_dir=cache, augment={**AUG, "seed": 4}), tmp_path / "c")
    assert v1 == v2 != v3
    m = json.loads((tmp_path / "a" / "manifest.json").read_text())
    aug = m["training"]["augment"]
    items = read_items(tmp_path / "a" / AUGMENTED_FILE)
    assert aug["rows_added"] == len(items) > 0 and aug["provenance"] == AUGMENTED_FILE in m["files"]
    assert sum(aug["by_origin"].values()) == len(items)
    assert {it.origin for it in items} <= {"perturb:inner_spacing", "perturb:leetspeak"}
    assert m["training"]["recipe"]["augment"]["seed"] == 3
    assert "Adversarial augmentation" in (tmp_path / "a" / "MODEL_CARD.md").read_text()
    plain, _ = train(load_recipe(TINY, cache_dir=cache), tmp_path / "d")
    assert "augment" not in json.loads((tmp_path / "d" / "manifest.json").read_text())["training"]
    assert not (tmp_path / "d" / AUGMENTED_FILE).exists()
