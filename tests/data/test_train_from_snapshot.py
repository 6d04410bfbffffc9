"""Training from the store (issue 18.1): a recipe names a snapshot; labels follow the documented
precedence; the artifact, its model card and its registry entry say what it learned from; a snapshot
without labels or a category with too few is refused before any fitting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flagstone.data.importer import import_file
from flagstone.data.mapping import load_mapping
from flagstone.data.snapshots import create_snapshot, read_snapshot
from flagstone.errors import ConfigError, DataError
from flagstone.store.engine import utcnow
from flagstone.store.tables import annotators, labels
from flagstone.text.normalize import text_key
from flagstone.training.recipe import load_recipe
from flagstone.training.train import train

E2E = Path(__file__).resolve().parents[1] / "fixtures" / "e2e"


def write_recipe(tmp_path: Path, snapshot: str, store_dir: Path, **changes) -> Path:
    text = (E2E / "recipe.yaml").read_text().replace("SNAPSHOT_ID", snapshot).replace("STORE_DIR", str(store_dir))
    recipe = tmp_path / "recipe.yaml"
    data = __import__("yaml").safe_load(text)
    for k, v in list(data.items()):  # make relative paths absolute: the recipe lives in tmp
        if k in ("policy", "cache_dir"):
            data[k] = str((E2E / v).resolve())
    data["encoder"]["path"] = str((E2E / data["encoder"]["path"]).resolve())
    data.update(changes)
    recipe.write_text(json.dumps(data))
    return recipe


def add_label(store, text, category, value, *, kind, name, pseudo=False):
    from flagstone.data.importer import get_or_create
    from flagstone.policy.versions import current_version

    with store.begin() as conn:
        ann = get_or_create(conn, annotators, {"kind": kind, "name": name}, {"is_expert": False})
        conn.execute(labels.insert().values(item_key=text_key(text), category=category, value=value,
                                            annotator_id=ann, policy_version_id=current_version(conn).id,
                                            is_pseudo=pseudo, created_at=utcnow()))


@pytest.fixture
def e2e_store(policy_store):
    import_file(policy_store, E2E / "items.jsonl", "e2e", load_mapping(E2E / "mapping.yaml"))
    return policy_store


def first_texts(n):
    return [json.loads(line)["text"] for line in (E2E / "items.jsonl").read_text().splitlines()[:n]]


def test_snapshot_keeps_which_tier_decided_each_label(e2e_store):
    a, b, c = first_texts(3)
    add_label(e2e_store, a, "violence", 1, kind="model", name="llm:stub")  # LLM over the mapped label
    add_label(e2e_store, b, "violence", 1, kind="model", name="llm:stub")
    add_label(e2e_store, b, "violence", 0, kind="person", name="ann")  # a person over the LLM
    add_label(e2e_store, c, "violence", 1, kind="model", name="model:x", pseudo=True)
    add_label(e2e_store, c, "violence", 0, kind="model", name="llm:stub")  # the LLM over a pseudo-label
    t = read_snapshot(create_snapshot(e2e_store, "e2e").path)
    rows = {k: i for i, k in enumerate(t.column("key").to_pylist())}
    got = {x: (t.column("violence")[rows[text_key(x)]].as_py(),
               json.loads(t.column("label_sources")[rows[text_key(x)]].as_py())["violence"]) for x in (a, b, c)}
    assert got == {a: (1, "llm"), b: (0, "human"), c: (0, "llm")}


def test_recipe_trains_from_a_snapshot_and_records_it(e2e_store, tmp_path):
    from flagstone.registry.store import ModelRegistry

    snap = create_snapshot(e2e_store, "e2e")
    recipe = write_recipe(tmp_path, snap.id[:16], e2e_store.data_dir)
    version, _ = train(load_recipe(recipe), tmp_path / "model")
    m = json.loads((tmp_path / "model" / "manifest.json").read_text())
    (s,) = m["training"]["snapshots"]
    assert s["id"] == snap.id and s["dataset"] == "e2e" and s["policy_hash"] == snap.policy_hash
    assert s["labels"]["violence"]["import"]["positive"] > 0
    held = m["training"]["holdout"]["snapshot:e2e"]["rows_held_out"]
    assert 30 < held < 100  # about a fifth of 317
    assert m["training"]["sources"]["snapshot:e2e"] == s["rows"] - held
    counts = m["training"]["label_counts"]["violence"]["snapshot:e2e"]
    assert 0 < counts["positive"] < counts["positive"] + counts["negative"] <= s["rows"] - held
    card = (tmp_path / "model" / "MODEL_CARD.md").read_text()
    assert snap.id in card and "adjudicated > human > LLM > pseudo-label > mapped public label" in card
    entry = ModelRegistry(e2e_store).register(tmp_path / "model", actor="t")
    with e2e_store.connect() as conn:
        from sqlalchemy import select

        from flagstone.registry.tables import model_versions
        stored = json.loads(conn.execute(select(model_versions.c.card)
                                         .where(model_versions.c.version == entry.version)).scalar_one())
    assert stored["snapshots"][0]["id"] == snap.id and stored["label_counts"]["violence"]
    assert version == entry.version


def test_snapshot_of_another_dataset_or_policy_is_refused(e2e_store, tmp_path):
    snap = create_snapshot(e2e_store, "e2e")
    recipe = write_recipe(tmp_path, snap.id[:16], e2e_store.data_dir,
                          sources=[{"snapshot": snap.id[:16], "dataset": "other"}], holdout={})
    with pytest.raises(ConfigError, match="is of dataset 'e2e'"):
        train(load_recipe(recipe), tmp_path / "m")
    recipe = write_recipe(tmp_path, snap.id[:16], e2e_store.data_dir,
                          sources=[{"snapshot": snap.id[:16], "dataset": "e2e", "policy": "0000000"}])
    with pytest.raises(ConfigError, match="--policy 0000000"):
        train(load_recipe(recipe), tmp_path / "m")


def test_a_snapshot_without_labels_is_an_error_before_training(e2e_store, tmp_path):
    from sqlalchemy import delete

    with e2e_store.begin() as conn:
        conn.execute(delete(labels))
    snap = create_snapshot(e2e_store, "e2e")
    with pytest.raises(DataError, match="has no labels"):
        train(load_recipe(write_recipe(tmp_path, snap.id[:16], e2e_store.data_dir)), tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_too_few_positives_is_an_error_before_training(e2e_store, tmp_path):
    snap = create_snapshot(e2e_store, "e2e")
    recipe = write_recipe(tmp_path, snap.id[:16], e2e_store.data_dir, allow_untrained=[])
    with pytest.raises(DataError, match=r"too few labels to train sexual \(0 positive"):
        train(load_recipe(recipe), tmp_path / "m")
    assert not (tmp_path / "m").exists()
