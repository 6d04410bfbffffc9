"""``pipeline run`` on the tiny fixture recipe: every step, resume after a failure, no work on a rerun."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flagstone.cli.main import main
from flagstone.errors import DataError, ModelError
from flagstone.evaluation.suites import load_suite
from flagstone.pipelines import run as pipeline
from flagstone.registry.store import ModelRegistry
from flagstone.store.testing import temp_store
from flagstone.training.recipe import load_recipe

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "tests" / "fixtures" / "training" / "tiny_recipe.yaml"
SUITE = REPO / "tests" / "fixtures" / "suites" / "small.yaml"


def test_pipeline_fails_resumes_and_then_does_no_work(tmp_path, monkeypatch):
    events: list[tuple[str, str]] = []
    real_suite, calls = pipeline.run_suite, {"n": 0}

    def flaky_suite(*a, **k):  # the first evaluation fails, as a crash mid-run would
        calls["n"] += 1
        if calls["n"] == 1:
            raise DataError("disk hiccup", file="x")
        return real_suite(*a, **k)

    monkeypatch.setattr(pipeline, "run_suite", flaky_suite)
    lr = load_recipe(TINY, cache_dir=str(tmp_path / "cache"))
    with temp_store("sqlite", tmp_path) as store:
        reg = ModelRegistry(store)

        def make():
            return pipeline.PipelineRun(lr, load_suite(SUITE), reg, tmp_path / "runs", actor="ci",
                                        progress=lambda s, st, d: events.append((s, st)))

        with pytest.raises(DataError):
            make().run()
        state = json.loads((make().folder / "state.json").read_text())
        assert state["train"]["status"] == "done" and state["evaluate"]["status"] == "failed"

        def no_training(self):
            raise AssertionError("train must not rerun when its inputs did not change")

        monkeypatch.setattr(pipeline.PipelineRun, "_train", no_training)
        events.clear()
        result = make().run()
        assert ("train", "skipped") in events and ("evaluate", "done") in events
        assert result["promoted"] is True  # first model: nothing in production to regress against
        assert reg.production().version == result["version"]
        assert reg.history()[-1].reason == "pipeline: nothing to compare: no other model is in production (suite small)"
        report = Path(result["path"]).read_text()
        assert result["version"] in report and "data snapshot" in report
        assert (make().folder / "models" / result["version"][:12] / "MODEL_CARD.md").is_file()
        assert not (make().folder / "model.partial").exists()
        assert (make().folder / "evaluation.html").read_text().startswith("<!doctype html>")

        events.clear()
        make().run()
        assert [st for s, st in events if s != "snapshot"] == ["skipped"] * 6


def test_cli_pipeline_run_refuses_a_regression_and_leaves_production(tmp_path, monkeypatch, capsys):
    """A strong keyword model is in production; the tiny model regresses on the small suite's gates."""
    from tests.registry.conftest import keyword_artifact

    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("FLAGSTONE_DATABASE_URL", raising=False)
    strong = keyword_artifact(tmp_path / "strong", {"violence": ["hurt", "kill"], "harassment": ["idiot"]},
                              name="strong")
    assert main(["registry", "register", str(strong)]) == 0
    v = capsys.readouterr().out.split()[0]
    assert main(["registry", "promote", v, "--to", "production", "--force", "--reason", "seed"]) == 0
    rc = main(["pipeline", "run", str(TINY), "--suite", str(SUITE), "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr()
    assert rc == 1  # a failed gate is a failed run
    assert "[1/7] snapshot" in out.err and "[7/7] report" in out.err
    assert "not promoted: gates failed" in out.out and "FAIL" in out.out
    assert "the promotion gate failed" in out.err
    assert main(["registry", "list", "--stage", "production"]) == 0
    assert v in capsys.readouterr().out
    assert main(["registry", "history"]) == 0
    history = capsys.readouterr().out.splitlines()
    refused = [line for line in history if "refused candidate -> production" in line]
    assert len(refused) == 1 and "gate(s) regressed: " in refused[0] and "(suite small)" in refused[0]
    # A rerun with nothing changed does no work, records no second refusal, and still fails.
    assert main(["pipeline", "run", str(TINY), "--suite", str(SUITE), "--cache-dir", str(tmp_path / "cache")]) == 1
    capsys.readouterr()
    assert main(["registry", "history"]) == 0
    assert sum("refused" in line for line in capsys.readouterr().out.splitlines()) == 1


def test_a_step_error_exits_2_and_a_killed_training_leaves_no_artifact(tmp_path, monkeypatch, capsys):
    def dies_half_way(lr, out, **kw):
        out.mkdir(parents=True)
        (out / "manifest.json").write_text("{}")  # half an artifact, then the run dies
        raise ModelError("out of memory")

    monkeypatch.setattr("flagstone.training.train.train", dies_half_way)
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("FLAGSTONE_DATABASE_URL", raising=False)
    rc = main(["pipeline", "run", str(TINY), "--suite", str(SUITE), "--cache-dir", str(tmp_path / "cache"),
               "--out", str(tmp_path / "runs")])
    assert rc == 2 and "out of memory" in capsys.readouterr().err
    (folder,) = (tmp_path / "runs").iterdir()
    # The half-written artifact is only in model.partial (the next run clears it), never where a
    # registered artifact lives.
    assert [p.parent.name for p in folder.rglob("manifest.json")] == ["model.partial"]
    assert main(["registry", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
