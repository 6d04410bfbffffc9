"""``flagstone al`` end to end on a real store with a keyword model artifact."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.labeling.ui_setup import TEXTS, build_store

from flagstone.cli.main import main
from flagstone.models.kinds import write_manifest
from flagstone.store.tables import annotators, label_queue, labels
from flagstone.text.normalize import text_key


@pytest.fixture
def store(tmp_path, monkeypatch):
    s = build_store(tmp_path)
    monkeypatch.setenv("FLAGSTONE_DATABASE_URL", str(s.engine.url))
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path / "data"))
    yield s
    s.dispose()


def _model(tmp_path, kind: str, **extra) -> str:
    d = tmp_path / f"model-{kind}"
    d.mkdir()
    write_manifest(d, {"kind": kind, "name": kind, "files": {}, **extra})
    return str(d)


def _queued(store, queue):
    with store.connect() as conn:
        return conn.execute(select(label_queue.c.item_key, label_queue.c.priority, label_queue.c.reason)
                            .where(label_queue.c.queue == queue).order_by(label_queue.c.priority.desc())).all()


def test_select_rare_queues_the_items_the_model_scores_high_on_rare_categories(store, tmp_path, capsys):
    model = _model(tmp_path, "keyword", keywords={"hate": ["vermin"], "violence": ["punch"]})
    assert main(["al", "select", "--pool", "pool", "--budget", "2", "--strategy", "rare", "--model", model,
                 "--queue", "hunt"]) == 0
    assert "queued 2 of 5 unlabelled items of pool in queue hunt (rare)" in capsys.readouterr().out
    rows = _queued(store, "hunt")
    assert {r.item_key for r in rows} == {text_key(TEXTS[3]), text_key(TEXTS[2])}
    assert {r.reason for r in rows} == {"active_learning"}
    # Running again does not queue the same items twice.
    assert main(["al", "select", "--pool", "pool", "--budget", "5", "--strategy", "random", "--model", model,
                 "--queue", "hunt"]) == 0
    assert len({r.item_key for r in _queued(store, "hunt")}) == len(_queued(store, "hunt")) == 5


def test_select_hybrid_hunts_while_few_positives_are_labelled(store, tmp_path, capsys):
    model = _model(tmp_path, "keyword", keywords={"hate": ["vermin"], "violence": ["punch"]})
    assert main(["al", "select", "--pool", "pool", "--budget", "2", "--strategy", "hybrid", "--model", model]) == 0
    assert "in queue al-pool-hybrid (hybrid)" in capsys.readouterr().out
    assert {r.item_key for r in _queued(store, "al-pool-hybrid")} == {text_key(TEXTS[3]), text_key(TEXTS[2])}


def test_select_diversity_works_without_an_encoder(store, tmp_path, capsys):
    model = _model(tmp_path, "constant", score=0.1)
    assert main(["al", "select", "--pool", "pool", "--budget", "3", "--strategy", "diversity", "--model", model]) == 0
    assert len(_queued(store, "al-pool-diversity")) == 3


def test_unknown_strategy_and_pool_are_one_line_errors(store, tmp_path, capsys):
    model = _model(tmp_path, "constant", score=0.1)
    assert main(["al", "select", "--pool", "pool", "--budget", "3", "--strategy", "psychic", "--model", model]) == 2
    assert "available: diversity, hybrid, random, rare, uncertainty" in capsys.readouterr().err
    assert main(["al", "select", "--pool", "nope", "--budget", "3", "--model", model]) == 2
    assert "unknown dataset 'nope'" in capsys.readouterr().err
    assert main(["al", "select", "--pool", "pool", "--budget", "0", "--model", model]) == 2


def test_pseudo_label_marks_confident_predictions_as_pseudo_only_once(store, tmp_path, capsys):
    model = _model(tmp_path, "constant", score=0.0)
    assert main(["al", "pseudo-label", "--pool", "pool", "--model", model]) == 0
    assert "to 5 items of pool" in capsys.readouterr().out
    assert main(["al", "pseudo-label", "--pool", "pool", "--model", model]) == 0
    assert "to 0 items" in capsys.readouterr().out
    with store.connect() as conn:
        rows = conn.execute(select(labels.c.is_pseudo, labels.c.value, annotators.c.kind, annotators.c.name)
                            .join(annotators, annotators.c.id == labels.c.annotator_id)).all()
    assert len(rows) == 5 * 13
    assert {(r.is_pseudo, r.value, r.kind) for r in rows} == {(True, 0, "model")}
    assert all(r.name.startswith("model:constant@") for r in rows)
