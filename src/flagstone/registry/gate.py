"""Gated promotion: a candidate goes to production only if it does not regress against production.

Both models are scored on the same suite; each gate metric's difference gets a paired bootstrap CI
(``flagstone.evaluation.compare``). Any gate worse than its tolerance refuses the promotion with a
:class:`~flagstone.errors.ConflictError` whose message is the comparison table; nothing is moved,
and the refusal is recorded in the registry's history with the failing gates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flagstone.errors import ConflictError, InvalidRequestError
from flagstone.evaluation.compare import Comparison, compare, comparison_table
from flagstone.evaluation.suites import LoadedSuite, SuiteResult, run_suite
from flagstone.models.registry import load_model
from flagstone.registry.store import ModelRegistry, ModelVersion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Promotion:
    version: ModelVersion
    comparison: Comparison | None  # None when there was no production model to compare with
    candidate_result: SuiteResult | None = None
    production_result: SuiteResult | None = None


def gate_check(registry: ModelRegistry, candidate: ModelVersion, suite: LoadedSuite, *, max_chunks: int = 16,
               n_boot: int | None = None) -> tuple[Comparison | None, SuiteResult | None, SuiteResult | None]:
    """Score candidate and production on the suite and compare them (A = production).

    With no production model (or the candidate already in production) nothing is scored.
    """
    prod_v = registry.production()
    if prod_v is None or prod_v.version == candidate.version:
        return None, None, None
    cand = run_suite(load_model(candidate.path), suite, max_chunks=max_chunks, n_boot=0)
    prod = run_suite(load_model(prod_v.path), suite, max_chunks=max_chunks, n_boot=0)
    boot = suite.suite.bootstrap if n_boot is None else n_boot
    return compare(prod, cand, suite.suite.gates, n_boot=boot), cand, prod


def promote(registry: ModelRegistry, ref: str, to: str, *, actor: str, suite: LoadedSuite | None = None,
            force: bool = False, reason: str | None = None, max_chunks: int = 16,
            n_boot: int | None = None) -> Promotion:
    """Move ``ref`` to ``to``; a move to production passes the suite's gates unless ``force``d."""
    mv = registry.get(ref)
    if to != "production":
        return Promotion(registry.move(mv.version, to, actor=actor, reason=reason), None)
    if force:
        if not reason:
            raise InvalidRequestError("a forced promotion needs a reason (it is kept in the audit)")
        log.warning("promotion of %s forced by %s: %s", mv.short, actor, reason)
        return Promotion(registry.move(mv.version, to, actor=actor, reason=f"forced: {reason}"), None)
    if suite is None:
        raise InvalidRequestError("promotion to production needs an evaluation suite (--suite) or --force")
    comparison, cand, prod = gate_check(registry, mv, suite, max_chunks=max_chunks, n_boot=n_boot)
    if comparison is not None and comparison.regressions:
        failed = ", ".join(f"{r.dataset}/{r.category}/{r.metric}" for r in comparison.regressions)
        registry.record_refusal(mv.version, to, actor=actor,
                                reason=f"gates failed on suite {suite.suite.name}: {failed}")
        raise ConflictError(f"promotion of {mv.short} refused: it regresses on {failed}\n"
                            f"{comparison_table(comparison)}")
    note = f"gates passed on suite {suite.suite.name}" if comparison else f"first production model (suite {suite.suite.name})"
    moved = registry.move(mv.version, to, actor=actor, reason=f"{note}{'; ' + reason if reason else ''}")
    return Promotion(moved, comparison, cand, prod)
