"""The shipped default model on the functional suite's fast subset: reports every class, gates none yet.

Until the new default model of issue 17 lands, this test asserts only the classes today's model passes
(so a regression there fails CI) and prints the whole per-class table (``pytest -s`` shows it; it is
also attached to the JUnit report). Full-suite figures: benchmarks/results/functional_suite.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flagstone.cli.eval import functional_table
from flagstone.evaluation.suites import load_suite, run_suite
from flagstone.models.kinds import load_model
from flagstone.settings import DEFAULT_MODEL_DIR

FAST = Path(__file__).resolve().parents[2] / "suites" / "functional-fast.yaml"
# Classes the shipped model gets fully right on the fast subset, measured on flagstone-default@59d41f172659 (sixth
# session of 2026-12-04). Since then a threat must not also flag self-harm: control-characters and language-en, passed
# before, now fail on "I am going to kill you tonight." (self-harm 0.173 against 0.165), a defect still open.
PASSING_TODAY = {"quotation", "reclaimed", "identity-positive", "benign-dangerous-verbs", "figurative-violence",
                 "unsafe-requests", "padded-threats", "long-benign", "implicit-hate", "language-fr", "language-es",
                 "language-de", "language-pt", "language-it", "language-ru", "language-zh"}


@pytest.fixture(scope="module")
def result():
    return run_suite(load_model(DEFAULT_MODEL_DIR), load_suite(FAST)).functional["classes"]


def test_shipped_model_on_the_fast_subset_reports_every_class(result, record_property):
    table = functional_table(result)
    print(f"\n{result.name} on the shipped model\n{table}")
    record_property("functional_fast", {r.cls: round(r.accuracy, 3) for r in result.rows})
    assert len(result.rows) == 22 and sum(r.n for r in result.rows) == len(result.items)
    assert not result.failures  # the fast suite is report-only (gate: false) until the new model lands


def test_shipped_model_keeps_the_classes_it_passes_today(result):
    below = {r.cls: r.accuracy for r in result.rows if r.cls in PASSING_TODAY and not r.passed}
    assert not below, f"classes the shipped model passed when this test was written now fail: {below}"
