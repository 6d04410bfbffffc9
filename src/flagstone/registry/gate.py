"""Gated promotion: a candidate goes to production only if it does not regress against production.

Both models are scored on the same suite; each gate metric's difference gets a paired bootstrap CI
(``flagstone.evaluation.compare``). Any gate worse than its tolerance refuses the promotion with a
:class:`~flagstone.errors.ConflictError` whose message is the comparison table; nothing is moved,
and the refusal is recorded in the registry's history with the failing gates.

Two absolute checks come first. A gated functional class the candidate fails
(``SuiteResult.functional_failures``) refuses, with or without a production model. And the gate does
not grade a model on its own training data: each suite dataset is checked against the candidate's
training fingerprint (``flagstone.data.overlap``); overlapping items (exact or near duplicates) are
left out of both models' figures and reported in ``Promotion.overlap``, and a dataset where they
exceed the suite's ``max_overlap`` refuses the promotion (the gate will not decide on that data).
An artifact without a fingerprint (trained before they existed) is reported as unchecked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np

from flagstone.errors import ConflictError, InvalidRequestError
from flagstone.evaluation.compare import Comparison, compare, comparison_table
from flagstone.evaluation.suites import DatasetResult, LoadedSuite, SuiteResult, _subset, run_suite
from flagstone.models.kinds import load_model
from flagstone.registry.store import ModelRegistry, ModelVersion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Promotion:
    version: ModelVersion
    comparison: Comparison | None  # None when there was no production model to compare with
    candidate_result: SuiteResult | None = None
    production_result: SuiteResult | None = None
    overlap: dict[str, dict] = field(default_factory=dict)  # dataset -> items, exact, near, share (or a note)


class GateRefusal(ConflictError):
    """The gate refused (regression, functional class, or overlapping data); ``reason`` is recorded."""


def gate_check(registry: ModelRegistry, candidate: ModelVersion, suite: LoadedSuite, *, max_chunks: int = 16,
               n_boot: int | None = None) -> tuple[Comparison | None, SuiteResult | None, SuiteResult | None]:
    """Score candidate and production on the suite and compare them (A = production).

    With no production model (or the candidate already in production) nothing is compared; the
    candidate alone is scored when the suite has gated functional sets (an absolute gate).
    """
    comparison, cand, prod, _ = _gate(registry, candidate, suite, max_chunks=max_chunks, n_boot=n_boot)
    return comparison, cand, prod


def _gate(registry: ModelRegistry, candidate: ModelVersion, suite: LoadedSuite, *, max_chunks: int,
          n_boot: int | None) -> tuple[Comparison | None, SuiteResult | None, SuiteResult | None, dict]:
    prod_v = registry.production()
    compared = prod_v is not None and prod_v.version != candidate.version
    if not compared and not any(f.gate for f in suite.suite.functional):
        return None, None, None, {}
    cand = run_suite(load_model(candidate.path), suite, max_chunks=max_chunks, n_boot=0)
    failures = cand.functional_failures()
    if failures:
        raise GateRefusal("functional classes below their minimum accuracy: "
                          + ", ".join(f"{name}/{cls}" for name, cls in failures))
    if not compared:
        return None, cand, None, {}
    assert prod_v is not None
    prod = run_suite(load_model(prod_v.path), suite, max_chunks=max_chunks, n_boot=0)
    cand, prod, overlap = _without_training_data(candidate, suite, cand, prod)
    boot = suite.suite.bootstrap if n_boot is None else n_boot
    gates = [g for g in suite.suite.gates if g.dataset in cand.datasets]  # optional sets may be absent
    return compare(prod, cand, gates, n_boot=boot), cand, prod, overlap


def _keep(d: DatasetResult, keep: np.ndarray) -> DatasetResult:
    return replace(d, data=_subset(d.data, keep), scores=d.scores[keep])


def _without_training_data(candidate: ModelVersion, suite: LoadedSuite, cand: SuiteResult, prod: SuiteResult
                           ) -> tuple[SuiteResult, SuiteResult, dict]:
    """Drop the items the candidate trained on from both results; refuse where they are too many."""
    from flagstone.data.overlap import check_overlap, load_fingerprint

    fp = load_fingerprint(candidate.path)
    if fp is None:
        log.warning("%s has no training fingerprint: overlap with the suite is not checked", candidate.short)
        return cand, prod, {name: {"checked": False, "note": "artifact has no training fingerprint"}
                            for name in cand.datasets}
    overlap, too_much = {}, []
    for name, d in cand.datasets.items():
        ov = check_overlap(fp, d.data.texts)
        overlap[name] = {"checked": True, **ov.to_dict()}
        if ov.share > suite.suite.max_overlap or ov.mask.all():
            too_much.append(f"{name} ({ov.to_dict()['exact']} exact, {ov.to_dict()['near']} near of {ov.n})")
        elif ov.mask.any():
            cand.datasets[name] = _keep(d, ~ov.mask)
            prod.datasets[name] = _keep(prod.datasets[name], ~ov.mask)
    if too_much:
        raise GateRefusal(f"the candidate was trained on suite data beyond max_overlap "
                          f"{suite.suite.max_overlap:g}: {', '.join(too_much)}; the gate cannot judge on it")
    return cand, prod, overlap


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
    try:
        comparison, cand, prod, overlap = _gate(registry, mv, suite, max_chunks=max_chunks, n_boot=n_boot)
    except GateRefusal as exc:
        registry.record_refusal(mv.version, to, actor=actor, reason=f"suite {suite.suite.name}: {exc}")
        raise GateRefusal(f"promotion of {mv.short} refused: {exc}") from None
    if comparison is not None and comparison.regressions:
        failed = ", ".join(f"{r.dataset}/{r.category}/{r.metric}" for r in comparison.regressions)
        registry.record_refusal(mv.version, to, actor=actor,
                                reason=f"gates failed on suite {suite.suite.name}: {failed}")
        raise ConflictError(f"promotion of {mv.short} refused: it regresses on {failed}\n"
                            f"{comparison_table(comparison)}")
    note = f"gates passed on suite {suite.suite.name}" if comparison else f"first production model (suite {suite.suite.name})"
    moved = registry.move(mv.version, to, actor=actor, reason=f"{note}{'; ' + reason if reason else ''}")
    return Promotion(moved, comparison, cand, prod, overlap)
