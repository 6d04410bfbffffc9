"""Suites: YAML validated, every dataset scored once, per-slice rows, comparison with significance, HTML."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from flagstone.errors import ConfigError
from flagstone.evaluation.compare import compare, comparison_table, paired_diff
from flagstone.evaluation.html import pr_curve, render_html
from flagstone.evaluation.suites import load_suite, run_suite
from flagstone.models.fakes import ConstantModel, KeywordModel

SUITE = Path(__file__).resolve().parents[1] / "fixtures" / "suites" / "small.yaml"
GOOD = KeywordModel({"violence": ["hurt", "kill"], "harassment": ["idiot"]}, name="good")
BAD = KeywordModel({"violence": ["kill"]}, name="bad")


def test_run_suite_reports_datasets_slices_and_benign_fpr():
    res = run_suite(GOOD, load_suite(SUITE))
    gate = res.datasets["gate"]
    v = gate.report.row("violence")
    assert (v.n, v.positives, v.recall, v.precision) == (20, 7, 1.0, 1.0)  # "shut up you idiot" is not violence
    assert set(gate.slices) == {"length", "source"}
    assert set(gate.slices["source"]) == {"chat", "forum"}
    assert sum(r.row("any").n for r in gate.slices["source"].values()) == gate.report.row("any").n
    benign = res.datasets["benign"].report.row("any")
    # benign: true makes every unknown label 0; "kill a python process" and "hurts" are flagged: FPR 1/4
    # ("hurts" does not match the whole word "hurt").
    assert benign.positives == 0 and benign.fpr == pytest.approx(0.25)
    d = res.to_dict()
    assert d["datasets"]["gate"]["slices"]["source"]["chat"]["rows"]


def test_compare_marks_the_planted_regression_and_passes_an_equal_model():
    ls = load_suite(SUITE)
    good, bad = run_suite(GOOD, ls), run_suite(BAD, ls)
    c = compare(good, bad, ls.suite.gates, n_boot=100)
    failed = {(r.dataset, r.category, r.metric) for r in c.regressions}
    assert ("gate", "violence", "recall") in failed  # 1.0 -> 3/7
    recall = next(r for r in c.rows if r.category == "violence" and r.metric == "recall")
    assert recall.delta == pytest.approx(3 / 7 - 1) and recall.significant and recall.ci[1] < 0
    assert "FAIL" in comparison_table(c)
    same = compare(good, run_suite(GOOD, ls), ls.suite.gates, n_boot=20)
    assert not same.regressions and not any(r.significant for r in same.rows)
    assert same.to_dict()["passed"] is True


def test_lower_is_better_metrics_regress_upwards():
    y = np.array([0, 0, 0, 0, 1, 1])
    low, high = np.array([0, 0, 0, 0, 1, 1.0]), np.array([1, 1, 0, 0, 1, 1.0])
    a, b, delta, _ = paired_diff("fpr", y, low, low, 0.5, y, high, high, 0.5, n_boot=10)
    assert (a, b, delta) == (0.0, 0.5, 0.5)


def test_html_report_has_curves_and_comparison(tmp_path):
    ls = load_suite(SUITE)
    good, bad = run_suite(GOOD, ls), run_suite(BAD, ls)
    html = render_html(good, other=bad, comparison=compare(good, bad, ls.suite.gates, n_boot=20))
    assert html.startswith("<!doctype html>") and html.count("<svg") == 4  # PR + reliability x 2 datasets
    assert 'class="fail"' in html and "good" in html and "bad" in html
    assert pr_curve(np.array([1, 0]), np.array([0.9, 0.1])) == [(1.0, 1.0), (1.0, 0.5)]
    assert pr_curve(np.array([0, 0]), np.array([0.9, 0.1])) == []


def test_constant_model_has_undefined_ranking_and_no_crash():
    res = run_suite(ConstantModel(0.2), load_suite(SUITE), n_boot=0)
    assert res.datasets["gate"].report.row("violence").recall == 0.0
    assert math.isnan(res.datasets["benign"].report.row("any").auprc)  # no positives: undefined


@pytest.mark.parametrize("body,error", [
    ("name: x\ndatasets: []\n", "datasets"),
    ("name: x\ndatasets: [{name: a, path: a.jsonl}]\ngates: [{dataset: b, metric: auprc}]\n", "does not list"),
    ("name: x\ndatasets: [{name: a, path: a.jsonl}]\ngates: [{dataset: a, metric: speed}]\n", "s.yaml:3: gates.0.metric"),
    ("name: x\ndatasets: [{name: a, path: a.jsonl}]\ngates: [{dataset: a, metric: f1, category: spam}]\n",
     "unknown category"),
    ("- a list\n", "s.yaml:1: expected a mapping with name and datasets, got list"),
    ("name: [unclosed\n", "invalid YAML"),
])
def test_bad_suites_are_config_errors(tmp_path, body, error):
    p = tmp_path / "s.yaml"
    p.write_text(body)
    with pytest.raises(ConfigError, match=error):
        load_suite(p)


def test_missing_suite_file():
    with pytest.raises(ConfigError, match="suite file not found"):
        load_suite("no/such/suite.yaml")
