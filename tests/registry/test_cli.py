"""The registry and eval CLIs end to end on a throwaway store (SQLite under tmp_path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flagstone.cli.main import main

SUITE = str(Path(__file__).resolve().parents[1] / "fixtures" / "suites" / "small.yaml")


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("FLAGSTONE_ACTOR", "tester")
    monkeypatch.delenv("FLAGSTONE_DATABASE_URL", raising=False)
    return tmp_path


def _version(capsys) -> str:
    return capsys.readouterr().out.split()[0]


def test_register_promote_refuse_rollback(env, good_bad, capsys):
    from tests.registry.conftest import keyword_artifact

    good, bad = good_bad
    assert main(["registry", "register", str(good)]) == 0
    g = _version(capsys)
    assert main(["registry", "register", str(bad)]) == 0
    b = _version(capsys)
    assert main(["registry", "promote", g, "--to", "production", "--suite", SUITE]) == 0
    capsys.readouterr()
    assert main(["registry", "promote", b, "--to", "production", "--suite", SUITE, "--bootstrap", "20"]) == 2
    err = capsys.readouterr().err
    assert "refused" in err and "FAIL" in err and "violence" in err
    other = keyword_artifact(env / "other", {"violence": ["hurt", "kill"], "harassment": ["idiot"]}, name="o")
    main(["registry", "register", str(other)])
    o = _version(capsys)
    assert main(["registry", "promote", o, "--to", "production", "--suite", SUITE, "--bootstrap", "20"]) == 0
    assert f"{o} is now in production" in capsys.readouterr().out
    assert main(["registry", "rollback"]) == 0
    assert g in capsys.readouterr().out
    assert main(["registry", "list", "--json"]) == 0
    rows = {r["version"][:12]: r["stage"] for r in json.loads(capsys.readouterr().out)}
    assert rows == {g: "production", b: "candidate", o: "archived"}
    assert main(["registry", "history"]) == 0
    hist = capsys.readouterr().out
    # 3 registrations, 2 promotions (+1 archive), 1 refusal, rollback (+1 archive)
    assert hist.count("tester") == 9 and "rollback from" in hist
    (refused,) = [line for line in hist.splitlines() if "refused" in line]
    assert refused.split()[2] == b and "refused candidate -> production: gates failed on suite small: " in refused
    assert "gate/violence/recall" in refused
    assert main(["registry", "promote", "zzzzzzzz", "--to", "staging"]) == 2
    assert "no registered model version" in capsys.readouterr().err


def test_eval_suite_with_comparison_writes_json_and_html(env, good_bad, capsys):
    good, bad = good_bad
    out_json, out_html = env / "r.json", env / "r.html"
    rc = main(["eval", str(good), "--suite", SUITE, "--compare", str(bad), "--json", str(out_json),
               "--html", str(out_html), "--bootstrap", "10"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "by source: chat" in text and "FAIL" in text
    doc = json.loads(out_json.read_text())
    assert doc["comparison"]["passed"] is False and len(doc["results"]) == 2
    assert "<svg" in out_html.read_text()


def test_eval_file_mode_still_works(env, capsys, fixtures_dir, good_bad):
    rc = main(["eval", str(fixtures_dir / "labelled_small.jsonl"), "--model-dir", str(good_bad[0]),
               "--bootstrap", "0"])
    assert rc == 0 and "any" in capsys.readouterr().out


def test_eval_unknown_model_and_stage(env, capsys):
    assert main(["eval", "production", "--suite", SUITE]) == 2
    assert "no model is in production" in capsys.readouterr().err
