"""Run a suite: attack labelled seed items, score before and after, count what got through.

For an attack on positives, a *trial* is one (item, category) pair where the seed is labelled positive
and the model flags it; the attack succeeds when the attacked text is no longer flagged for that
category. For an over-flagging probe, a trial is one benign item (every known label 0, nothing
flagged); it succeeds when the probed text is flagged for any category. Attacked texts that come out
unchanged (an euphemism list with no matching word) are counted as not applicable, not as misses.

What is attacked is a :class:`Target`: a local model (:class:`ModelTarget`, flagged = score at or above
the artifact's threshold) or a live OpenAI-compatible endpoint (``redteam/endpoint.py``, flagged = the
endpoint's own ``categories`` booleans), so the same suite checks a model file and a running service.
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from flagstone.evaluation.labelled import LabelledSet
from flagstone.evaluation.report import score_all
from flagstone.models.base import Moderator
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
from flagstone.redteam.base import Attack
from flagstone.redteam.suite import Suite

log = logging.getLogger(__name__)


@runtime_checkable
class Target(Protocol):
    """What a suite attacks: ``score`` returns (scores, flagged), both (n, 13) in CATEGORIES order."""

    @property
    def name(self) -> str: ...

    def score(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]: ...


class ModelTarget:
    """A local model: flagged where the score reaches the artifact's per-category threshold."""

    def __init__(self, model: Moderator, *, max_chunks: int = 16) -> None:
        self.model, self.max_chunks = model, max_chunks
        self.thresholds = np.array([model.info.thresholds.get(c, 0.5) for c in CATEGORIES])

    @property
    def name(self) -> str:
        return self.model.info.id

    def score(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        if not texts:
            empty = np.zeros((0, len(CATEGORIES)))
            return empty, empty.astype(bool)
        scores = score_all(self.model, texts, max_chunks=self.max_chunks)
        return scores, scores >= self.thresholds


@dataclass(frozen=True)
class Trial:
    attack: str
    family: str
    kind: str  # "miss" (attack on a positive) or "overflag" (probe on a benign item)
    category: str  # the category hidden (miss) or newly flagged (overflag; "" when none)
    seed_index: int
    original: str
    attacked: str
    score_before: float
    score_after: float
    success: bool
    labels: dict[str, int]  # the seed's known labels (what a person should confirm for the attacked text)


@dataclass(frozen=True)
class Rate:
    trials: int
    successes: int

    @property
    def asr(self) -> float:
        return self.successes / self.trials if self.trials else float("nan")


@dataclass(frozen=True)
class RunResult:
    suite: str
    model: str
    seeds: str
    n_items: int
    n_positive_pairs: int
    n_benign: int
    trials: list[Trial]
    not_applicable: dict[str, int] = field(default_factory=dict)  # attack -> attacked text unchanged
    attacks: dict[str, tuple[str, str]] = field(default_factory=dict)  # every attack run -> (family, kind)

    def _rate(self, pred) -> Rate:
        sel = [t for t in self.trials if pred(t)]
        return Rate(len(sel), sum(t.success for t in sel))

    def by_attack(self) -> dict[str, Rate]:
        names = list(dict.fromkeys(t.attack for t in self.trials))
        return {n: self._rate(lambda t, n=n: t.attack == n) for n in names}

    def by_family(self) -> dict[str, Rate]:
        fams = list(dict.fromkeys(t.family for t in self.trials))
        return {f: self._rate(lambda t, f=f: t.family == f) for f in fams}

    def by_category(self) -> dict[str, Rate]:
        """Misses per category (attacks on positives only; probes are reported per attack)."""
        return {c: r for c in CATEGORIES
                if (r := self._rate(lambda t, c=c: t.kind == "miss" and t.category == c)).trials}

    def failures(self) -> list[Trial]:
        return [t for t in self.trials if t.success]


def _stable_rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _sample(n: int, k: int, seed: int, texts: list[str]) -> list[int]:
    if n <= k:
        return list(range(n))
    order = sorted(range(n), key=lambda i: hashlib.sha256(f"{seed}\x1f{texts[i]}".encode()).hexdigest())
    return sorted(order[:k])


def _known_labels(row: np.ndarray) -> dict[str, int]:
    return {c: int(v) for c, v in zip(CATEGORIES, row, strict=True) if not np.isnan(v)}


def run_suite(model: Moderator | Target, suite: Suite, seeds: LabelledSet, *, attacks: list[Attack] | None = None,
              max_chunks: int = 16) -> RunResult:
    """Apply every attack of ``suite`` to the eligible seed items and score them with ``model``
    (a :class:`Moderator` or any :class:`Target`, e.g. a live endpoint)."""
    target = model if isinstance(model, Target) else ModelTarget(model, max_chunks=max_chunks)
    attacks = attacks if attacks is not None else suite.build()
    pool = [i for i, t in enumerate(seeds.texts) if suite.max_chars is None or len(t) <= suite.max_chars]
    idx = [pool[i] for i in _sample(len(pool), suite.max_items, suite.seed, [seeds.texts[i] for i in pool])]
    texts = [seeds.texts[i] for i in idx]
    labels = seeds.labels[idx]
    before, flagged = target.score(texts)
    positive = (labels == 1) & flagged
    known = ~np.isnan(labels)
    benign = known.any(axis=1) & np.all(np.where(known, labels == 0, True), axis=1) & ~flagged.any(axis=1)
    log.info("suite %s: %d items, %d flagged positive pairs, %d benign", suite.name, len(texts),
             int(positive.sum()), int(benign.sum()))

    kinds = {a.name: (a.family, "overflag" if a.targets == "benign" else "miss") for a in attacks}
    jobs: list[tuple[Attack, int, str]] = []  # (attack, row, attacked text)
    not_applicable: dict[str, int] = {}
    for attack in attacks:
        cols = [CATEGORY_INDEX[c] for c in attack.categories]
        rows = np.flatnonzero(benign) if attack.targets == "benign" else np.flatnonzero(positive[:, cols].any(axis=1))
        for r in rows:
            for s in range(suite.samples):
                attacked = attack.apply(texts[r], _stable_rng(suite.seed, attack.name, texts[r], s))
                if attacked == texts[r]:
                    not_applicable[attack.name] = not_applicable.get(attack.name, 0) + 1
                    continue
                jobs.append((attack, int(r), attacked))
    after, flagged_after = target.score([j[2] for j in jobs])

    trials: list[Trial] = []
    for (attack, r, attacked), scores, now_flagged in zip(jobs, after, flagged_after, strict=True):
        common = dict(attack=attack.name, family=attack.family, seed_index=idx[r], original=texts[r],
                      attacked=attacked, labels=_known_labels(labels[r]))
        if attack.targets == "benign":
            hit = np.flatnonzero(now_flagged)
            top = int(hit[np.argmax(scores[hit])]) if len(hit) else int(np.argmax(scores))
            trials.append(Trial(kind="overflag", category=CATEGORIES[top] if len(hit) else "",
                                score_before=float(before[r, top]), score_after=float(scores[top]),
                                success=bool(len(hit)), **common))
            continue
        for c in attack.categories:
            j = CATEGORY_INDEX[c]
            if positive[r, j]:
                trials.append(Trial(kind="miss", category=c, score_before=float(before[r, j]),
                                    score_after=float(scores[j]), success=not bool(now_flagged[j]), **common))
    return RunResult(suite=suite.name, model=target.name, seeds=seeds.source, n_items=len(texts),
                     n_positive_pairs=int(positive.sum()), n_benign=int(benign.sum()), trials=trials,
                     not_applicable=not_applicable, attacks=kinds)
