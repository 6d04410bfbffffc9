"""Validation refresh: stratified by score band, queued once, from the request log or a dataset."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from flagstone.errors import DataError, NotFoundError
from flagstone.evaluation.refresh import band, refresh_validation, stratified_sample, texts_from_dataset
from flagstone.models.fakes import KeywordModel
from flagstone.policy.taxonomy import CATEGORY_INDEX
from flagstone.store.tables import label_queue
from flagstone.store.testing import backends, temp_store

MODEL = KeywordModel({"violence": ["hurt"], "self-harm": ["end it all"]})


def test_bands():
    assert [band(x) for x in (0.0, 0.05, 0.1, 0.49, 0.5, 0.95, 1.0)] == [
        "0.0-0.1", "0.0-0.1", "0.1-0.3", "0.3-0.5", "0.5-0.8", "0.8-1.0", "0.8-1.0"]


def test_rare_stratum_is_represented():
    scores = np.full((1000, 13), 0.01)
    scores[:3, CATEGORY_INDEX["self-harm"]] = 0.9  # 3 rare rows among 997 benign
    scores[3:103, CATEGORY_INDEX["violence"]] = 0.6
    picked, strata = stratified_sample(scores, 30, seed=1)
    assert len(picked) == 30 and {0, 1, 2} <= set(picked)  # a uniform sample would most likely miss them
    assert strata == {"none/0.0-0.1": 14, "self-harm/0.8-1.0": 3, "violence/0.5-0.8": 13}
    assert stratified_sample(scores[:5], 30)[0] == [0, 1, 2, 3, 4]  # budget above the pool: take all


@pytest.mark.parametrize("backend", backends())
def test_refresh_queues_once_and_reports_strata(backend, tmp_path):
    texts = ["I will hurt you", "I want to end it all", "hello"] * 2 + [f"benign {i}" for i in range(20)]
    with temp_store(backend, tmp_path) as store:
        r = refresh_validation(store, texts, MODEL, n=10, queue="validation-test")
        assert (r.candidates, r.queued, r.already_queued) == (23, 10, 0)
        assert r.strata["violence/0.8-1.0"] == 1 and r.strata["self-harm/0.8-1.0"] == 1
        again = refresh_validation(store, texts, MODEL, n=10, queue="validation-test")
        assert (again.queued, again.already_queued) == (0, 10)
        with store.connect() as conn:
            rows = conn.execute(select(label_queue).where(label_queue.c.queue == "validation-test")).all()
        assert len(rows) == 10 and {r.reason for r in rows} == {"validation_refresh"}
        with pytest.raises(DataError, match="at least 1"):
            refresh_validation(store, texts, MODEL, n=0, queue="q")
        with pytest.raises(NotFoundError, match="no dataset"):
            texts_from_dataset(store, "nope")


def test_cli_refresh_from_a_dataset_and_empty_log(tmp_path, monkeypatch, capsys, fixtures_dir):
    from tests.registry.conftest import keyword_artifact

    from flagstone.cli.main import main

    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("FLAGSTONE_DATABASE_URL", raising=False)
    model = keyword_artifact(tmp_path / "m", {"violence": ["hurt"]})
    from flagstone.settings import DEFAULT_POLICY_PATH

    assert main(["policy", "import", str(DEFAULT_POLICY_PATH)]) == 0  # the import labels under a policy
    assert main(["policy", "apply", capsys.readouterr().out.split()[-1]]) == 0
    data = fixtures_dir / "data"
    assert main(["data", "import", str(data / "mod_small.jsonl"), "--dataset", "traffic",
                 "--mapping", str(data / "openai_keys.yaml")]) == 0
    capsys.readouterr()
    rc = main(["data", "refresh-validation", "--dataset", "traffic", "-n", "2", "--queue", "v1",
               "--model-dir", str(model)])
    out = capsys.readouterr().out
    assert rc == 0 and "queued 2 of " in out and "texts in v1" in out
    assert main(["data", "refresh-validation", "--from-log", "--model-dir", str(model)]) == 2
    assert "request_log_content must be 'full'" in capsys.readouterr().err
