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


def test_counts_add_up_and_every_attack_is_listed(tmp_path, keyword_model, seeds) -> None:
    suite = load_suite("default")
    result = run_suite(keyword_model, suite, seeds)
    report = write_run(result, tmp_path / "run")
    attacks = report["attacks"]
    assert [a["attack"] for a in attacks] == [a.name for a in suite.build()]  # also one with no trial
    for row in [*attacks, *report["families"].values(), *report["categories"].values(), *report["totals"].values()]:
        assert row["trials"] == row["successes"] + row["held"]
    for kind, total in report["totals"].items():
        mine = [a for a in attacks if a["kind"] == kind]
        assert total["attacks"] == len(mine)
        for key in ("trials", "successes", "not_applicable"):
            assert total[key] == sum(a[key] for a in mine)
    all_trials = sum(t["trials"] for t in report["totals"].values())
    assert all_trials == len(result.trials) == sum(f["trials"] for f in report["families"].values())
    assert report["totals"]["miss"]["trials"] == sum(c["trials"] for c in report["categories"].values())
    successes = sum(t["successes"] for t in report["totals"].values())
    assert report["failures_written"] <= successes  # distinct texts: one text can hide several categories


def test_an_attack_that_never_applies_is_still_reported() -> None:
    model = KeywordModel({"violence": ["zzyzx"]})  # a word no euphemism list replaces
    seeds = LabelledSet(texts=["zzyzx now"], labels=np.array([[np.nan] * 11 + [1.0, np.nan]]), source="mem")
    suite = Suite.model_validate({"name": "x", "attacks": [{"attack": "euphemisms"}, {"attack": "base64"}]})
    report = to_json(run_suite(model, suite, seeds))
    by = {a["attack"]: a for a in report["attacks"]}
    assert by["euphemisms"]["trials"] == 0 and by["euphemisms"]["not_applicable"] == 1
    assert report["totals"]["miss"] == {"trials": 1, "successes": 1, "held": 0, "asr": 1.0, "attacks": 2,
                                        "not_applicable": 1}


def test_html_report_shows_the_numbers_not_python_reprs(tmp_path, keyword_model, seeds) -> None:
    report = write_run(run_suite(keyword_model, load_suite("smoke"), seeds), tmp_path / "run", queued=5,
                       queue="redteam")
    html = (tmp_path / "run" / "report.html").read_text()
    assert "built-in method" not in html and "<bound method" not in html
    assert f"{report['seed_items']} seed items" in html and report["seed_items"] == 27
    miss = report["totals"]["miss"]
    assert (f'<td class="num">{miss["trials"]}</td><td class="num">{miss["successes"]}</td>\n'
            f'<td class="num">{miss["held"]}</td>') in html
    assert "5 newly queued for labeling in queue <code>redteam</code>" in html
