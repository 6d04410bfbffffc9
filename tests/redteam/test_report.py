"""JSON, HTML and failures written for a run."""

from __future__ import annotations

import json

import numpy as np

from flagstone.evaluation.labelled import LabelledSet
from flagstone.models.fakes import KeywordModel
from flagstone.redteam.report import render_html, to_json, write_run
from flagstone.redteam.runner import run_suite
from flagstone.redteam.suite import Suite, load_suite


def test_write_run_files(tmp_path, keyword_model, seeds) -> None:
    result = run_suite(keyword_model, load_suite("smoke"), seeds)
    report = write_run(result, tmp_path / "run")
    assert {p.name for p in (tmp_path / "run").iterdir()} == {"report.json", "report.html", "failures.jsonl",
                                                             "trials.jsonl"}
    data = json.loads((tmp_path / "run" / "report.json").read_text())
    assert data == json.loads(json.dumps(report))
    by_name = {a["attack"]: a for a in data["attacks"]}
    assert by_name["base64"]["asr"] == 1.0 and by_name["base64"]["examples"]
    assert set(data["families"]) == {"character", "word", "encoding", "context", "overflag"}
    failures = [json.loads(line) for line in (tmp_path / "run" / "failures.jsonl").read_text().splitlines()]
    assert len(failures) == data["failures_written"] > 0
    for row in failures:
        assert row["origin"] == "redteam" and row["status"] == "unconfirmed" and row["labels"]
        assert row["text"] and row["attack"] in by_name and len(row["key"]) == 64
    trials = (tmp_path / "run" / "trials.jsonl").read_text().splitlines()
    assert len(trials) == sum(a["trials"] for a in data["attacks"])


def test_html_escapes_attacked_text() -> None:
    model = KeywordModel({"violence": ["kill"]})
    seeds = LabelledSet(texts=["<script>alert(1)</script> we kill them"], labels=np.array([[np.nan] * 11 + [1.0, np.nan]]),
                        source="mem")
    suite = Suite.model_validate({"name": "x", "attacks": [{"attack": "framing_quotation"},
                                                           {"attack": "word_join", "params": {"rate": 1.0}}]})
    report = to_json(run_suite(model, suite, seeds))
    report.update(failures_file="f.jsonl", failures_written=1)
    html = render_html(report)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "word_join" in html and "framing_quotation" in html
