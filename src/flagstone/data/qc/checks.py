"""The QC detectors as pure functions over in-memory data (indices refer to the item lists).

* ``text_issues``: empty, over-long, and non-text items (under 25% letters among visible characters,
  replacement characters, or a single unbroken token of 200+ characters such as base64 or hex).
* ``exact_duplicates``: items equal once case, punctuation and spacing are ignored (items equal after
  normalisation already share one key, so they are one item).
* ``near_duplicates``: MinHash LSH pairs (``flagstone.data.minhash``) not already exact duplicates.
* ``conflicts``: (item, category) whose trusted labels hold both 0 and 1: the latest label of each
  person or model, and every import label (disagreeing rows of a source file are a conflict too).
* ``agreement``: Krippendorff's alpha per category over annotators; per annotator, Cohen's kappa
  against gold (expert) labels, flagged when below ``min_kappa`` on at least ``min_overlap`` items.
* ``leakage``: near-duplicate pairs whose items sit in different splits.
* ``balance``: positives, negatives and unlabeled per category.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from flagstone.data.minhash import canonical
from flagstone.data.qc.agreement import cohen_kappa, krippendorff_alpha_nominal

_NOT_WORD = re.compile(r"[\W_]+")
_LONG_TOKEN = re.compile(r"\S{200,}")


@dataclass(frozen=True)
class Obs:
    """One trusted label: item index, category, value and who made it."""

    item: int
    category: str
    value: int
    annotator: str  # "kind:name"
    kind: str
    is_expert: bool
    order: tuple  # (created_at, id): later labels sort after earlier ones


def text_issues(texts: Sequence[str], max_chars: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {"empty": [], "over_long": [], "non_text": []}
    for i, t in enumerate(texts):
        visible = "".join(t.split())
        if not visible:
            out["empty"].append(i)
            continue
        if len(t) > max_chars:
            out["over_long"].append(i)
        letters = sum(ch.isalpha() for ch in visible)
        if letters / len(visible) < 0.25 or "\ufffd" in t or _LONG_TOKEN.search(t):
            out["non_text"].append(i)
    return out


def loose_form(text: str, *, canonicalised: bool = False) -> str:
    return " ".join(_NOT_WORD.sub(" ", text if canonicalised else canonical(text)).split())


def exact_duplicates(texts: Sequence[str], *, canonicalised: bool = False) -> list[list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(texts):
        form = loose_form(t, canonicalised=canonicalised)
        if form:
            groups[form].append(i)
    return [g for g in groups.values() if len(g) > 1]


def near_duplicates(pairs: Sequence[tuple[int, int, float]], exact: list[list[int]]) -> list[tuple[int, int, float]]:
    same = {}
    for gi, g in enumerate(exact):
        for i in g:
            same[i] = gi
    return [p for p in pairs if not (p[0] in same and same.get(p[0]) == same.get(p[1]))]


def _latest_votes(obs: Sequence[Obs]) -> dict[tuple[int, str], dict[str, set[int]]]:
    """Per (item, category): annotator -> values that count (latest for people/models, all for imports)."""
    latest: dict[tuple[int, str, str], Obs] = {}
    votes: dict[tuple[int, str], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for o in sorted(obs, key=lambda o: o.order):
        if o.kind == "import":
            votes[(o.item, o.category)][o.annotator].add(o.value)
        else:
            latest[(o.item, o.category, o.annotator)] = o
    for (item, cat, ann), o in latest.items():
        votes[(item, cat)][ann] = {o.value}
    return votes


def conflicts(obs: Sequence[Obs]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for (item, cat), by_ann in _latest_votes(obs).items():
        values = set().union(*by_ann.values())
        if len(values) > 1:
            out[cat].append(item)
    return {c: sorted(v) for c, v in sorted(out.items())}


def agreement(obs: Sequence[Obs], *, min_kappa: float = 0.4, min_overlap: int = 10) -> dict:
    """Alpha per category and annotators that agree poorly with expert (gold) labels."""
    votes = _latest_votes(obs)
    per_cat_units: dict[str, list[list[int]]] = defaultdict(list)
    for (_item, cat), by_ann in votes.items():
        vals = [next(iter(v)) for v in by_ann.values() if len(v) == 1]
        if len(vals) >= 2:
            per_cat_units[cat].append(vals)
    alpha = {c: krippendorff_alpha_nominal(u) for c, u in sorted(per_cat_units.items())}
    experts = {o.annotator for o in obs if o.is_expert}
    gold: dict[tuple[int, str], int] = {}
    for o in sorted((o for o in obs if o.is_expert), key=lambda o: o.order):
        gold[(o.item, o.category)] = o.value
    pairs: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for (item, cat), by_ann in votes.items():
        if (item, cat) not in gold:
            continue
        for ann, vals in by_ann.items():
            if ann not in experts and len(vals) == 1:
                pairs[ann][0].append(next(iter(vals)))
                pairs[ann][1].append(gold[(item, cat)])
    per_annotator = {}
    for ann, (mine, ref) in sorted(pairs.items()):
        k = cohen_kappa(mine, ref)
        acc = sum(a == b for a, b in zip(mine, ref, strict=True)) / len(mine)
        per_annotator[ann] = {"n": len(mine), "kappa": k, "accuracy": acc,
                              "poor": len(mine) >= min_overlap and (math.isnan(k) or k < min_kappa)}
    return {"alpha": alpha, "units": {c: len(u) for c, u in per_cat_units.items()},
            "has_gold": bool(gold), "annotators": per_annotator}


def leakage(pairs: Sequence[tuple[int, int, float]], splits: Sequence[str | None]) -> list[tuple[int, int, float]]:
    return [p for p in pairs if splits[p[0]] and splits[p[1]] and splits[p[0]] != splits[p[1]]]


def balance(current: dict[str, Sequence[int | None]]) -> dict[str, dict[str, int]]:
    out = {}
    for cat, vals in current.items():
        pos = sum(v == 1 for v in vals)
        neg = sum(v == 0 for v in vals)
        out[cat] = {"positive": pos, "negative": neg, "unlabeled": len(vals) - pos - neg}
    return out


def machine_human_disagreements(obs: Sequence[Obs]) -> dict[str, list[tuple[int, str, int, int]]]:
    """Per category, ``(item, machine annotator, machine value, people's value)`` wherever a model's
    latest label (LLM or pseudo-label) differs from the people's majority on that item.

    People's labels win in resolution (``data/labels.py``); this says where the machines would have
    been wrong, i.e. how far their suggestions can be trusted where no person has looked.
    """
    people: dict[tuple[int, str], dict[str, tuple[tuple, int]]] = {}
    machines: dict[tuple[int, str], dict[str, tuple[tuple, int]]] = {}
    for o in obs:
        side = people if o.kind == "person" else machines if o.kind == "model" else None
        if side is None:
            continue
        latest = side.setdefault((o.item, o.category), {})
        if o.annotator not in latest or latest[o.annotator][0] < o.order:
            latest[o.annotator] = (o.order, o.value)
    out: dict[str, list[tuple[int, str, int, int]]] = {}
    for (item, cat), by_machine in sorted(machines.items()):
        votes = people.get((item, cat))
        if not votes:
            continue
        ones = sum(v for _, v in votes.values())
        if ones * 2 == len(votes):
            continue  # people split evenly: no verdict to disagree with
        human = int(ones * 2 > len(votes))
        for name, (_, value) in sorted(by_machine.items()):
            if value != human:
                out.setdefault(cat, []).append((item, name, value, human))
    return out
