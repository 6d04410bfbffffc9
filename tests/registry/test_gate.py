"""Promotion to production is gated by the suite: a planted regression is refused with the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from flagstone.errors import ConflictError, InvalidRequestError
from flagstone.evaluation.suites import load_suite
from flagstone.registry.gate import promote

SUITE = load_suite(Path(__file__).resolve().parents[1] / "fixtures" / "suites" / "small.yaml")


def test_first_promotion_then_regression_refused_then_better_accepted(registry, good_bad, tmp_path):
    from tests.registry.conftest import keyword_artifact

    good, bad = (registry.register(p, actor="ci") for p in good_bad)
    first = promote(registry, good.short, "production", actor="alice", suite=SUITE)
    assert first.comparison is None and registry.production().version == good.version
    with pytest.raises(ConflictError) as exc:
        promote(registry, bad.short, "production", actor="bob", suite=SUITE, n_boot=30)
    msg = exc.value.message
    assert "refused" in msg and "gate/violence/recall" in msg and "FAIL" in msg and "95% CI" in msg
    assert registry.production().version == good.version and registry.get(bad.short).stage == "candidate"
    refusal = registry.history(bad.short)[-1]  # the refusal is audited with the failing gates
    assert refusal.refused and refusal.actor == "bob" and refusal.from_stage == "candidate"
    assert refusal.reason.startswith("refused candidate -> production: gates failed on suite small: ")
    assert "gate/violence/recall" in refusal.reason
    with pytest.raises(ConflictError, match="only model ever in production"):
        registry.rollback(actor="x")  # a refusal is not a promotion: rollback does not count it

    better = registry.register(keyword_artifact(tmp_path / "better", {
        "violence": ["hurt", "kill"], "harassment": ["idiot", "hurt"], "hate": ["vermin"]}, name="better"),
        actor="ci")
    done = promote(registry, better.short, "production", actor="carol", suite=SUITE, n_boot=30)
    assert done.comparison is not None and not done.comparison.regressions
    assert registry.production().version == better.version
    last = registry.history()[-1]
    assert last.actor == "carol" and "gates passed on suite small" in last.reason


def test_force_needs_a_reason_and_is_audited(registry, good_bad):
    good, bad = (registry.register(p, actor="ci") for p in good_bad)
    promote(registry, good.short, "production", actor="a", suite=SUITE)
    with pytest.raises(InvalidRequestError, match="needs a reason"):
        promote(registry, bad.short, "production", actor="a", force=True)
    with pytest.raises(InvalidRequestError, match="needs an evaluation suite"):
        promote(registry, bad.short, "production", actor="a")
    promote(registry, bad.short, "production", actor="a", force=True, reason="incident 42 hotfix")
    assert registry.history()[-1].reason == "forced: incident 42 hotfix"


def test_other_stages_are_not_gated(registry, good_bad):
    bad = registry.register(good_bad[1], actor="ci")
    assert promote(registry, bad.short, "staging", actor="a").version.stage == "staging"
