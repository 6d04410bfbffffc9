"""Which label is *the* label: the documented resolution of several judgements into one.

An item may carry many labels per category (people, model versions, import sources, over several
policy versions). Labels are never edited; the current label of (item, category) is computed:

0. **Trust.** Only labels made under a policy version whose *labeling hash* for the category equals
   the resolving version's (the current one, or a version named by ``data snapshot --policy``; see
   ``flagstone.policy.versions``). A category whose definition,
   includes, excludes or examples changed therefore starts empty until relabeled; categories that did
   not change keep their labels across versions. Old labels stay in the table as history.
1. **Adjudicated** (``adjudicated``). The latest trusted label from a person marked ``is_expert``
   (an adjudicator). UI gold items are annotator checks, not versioned by policy, and do not count.
2. **People** (``human``). Else the majority of people's labels (each person's latest counts once); a
   tie goes to the most recent label among the tied people.
3. **LLM** (``llm``). Else the majority of model annotators' own labels (LLM labelers: each
   annotator's latest once), ties to the most recent.
4. **Pseudo-labels** (``pseudo``). Else the majority of confident model pseudo-labels (``is_pseudo``).
5. **Mapped public label** (``import``). Else the latest import-source label.
6. Otherwise the category is unlabeled (``None``), never 0.

So a machine label never replaces a person's: it is stored beside it and used only where no person
labelled that (item, category) under a trusted version. :func:`resolve_with_source` also says which
tier decided (``TIERS``), which snapshots keep per label and model cards count.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from flagstone.store.tables import annotators, dataset_items, labels, policy_versions


@dataclass(frozen=True)
class LabelRow:
    value: int
    annotator_id: int
    kind: str  # person | model | import
    is_expert: bool
    created_at: datetime
    seq: int  # label id: breaks ties between equal timestamps
    is_pseudo: bool = False


# Precedence, highest first: the tier that decided a resolved label.
TIERS = ("adjudicated", "human", "llm", "pseudo", "import")


def annotator_label(kind: str, name: str) -> str:
    """``kind:name`` for display, without doubling a prefix the name already has (``import:...``)."""
    return name if name.startswith(f"{kind}:") else f"{kind}:{name}"


def _majority(rows: list[LabelRow]) -> int:
    latest: dict[int, LabelRow] = {}
    for r in rows:  # rows are in time order, so the last one per annotator wins
        latest[r.annotator_id] = r
    votes = list(latest.values())
    ones = sum(r.value for r in votes)
    zeros = len(votes) - ones
    if ones != zeros:
        return int(ones > zeros)
    return max(votes, key=lambda r: (r.created_at, r.seq)).value


def resolve(rows: Iterable[LabelRow]) -> int | None:
    """Resolve trusted labels of one (item, category), given in any order, to 1, 0 or None."""
    return resolve_with_source(rows)[0]


def _tier(r: LabelRow) -> str:
    if r.kind == "person":
        return "adjudicated" if r.is_expert else "human"
    if r.kind == "model":
        return "pseudo" if r.is_pseudo else "llm"
    return "import"


def resolve_with_source(rows: Iterable[LabelRow]) -> tuple[int | None, str | None]:
    """(value, tier that decided it) for one (item, category); ``(None, None)`` when unlabeled."""
    ordered = sorted(rows, key=lambda r: (r.created_at, r.seq))
    by_tier: dict[str, list[LabelRow]] = defaultdict(list)
    for r in ordered:
        by_tier[_tier(r)].append(r)
    for tier in TIERS:
        group = by_tier.get(tier)
        if group:
            return (group[-1].value if tier in ("adjudicated", "import") else _majority(group)), tier
    return None, None


def trusted_version_ids(conn: Connection, current_hashes: dict[str, str]) -> dict[str, set[int]]:
    """Per category, the policy version ids whose labeling hash equals the current one."""
    out: dict[str, set[int]] = defaultdict(set)
    for vid, raw in conn.execute(select(policy_versions.c.id, policy_versions.c.category_hashes)):
        for cat, h in json.loads(raw).items():
            if current_hashes.get(cat) == h:
                out[cat].add(vid)
    return out


def current_labels(conn: Connection, dataset_id: int, current_hashes: dict[str, str]
                   ) -> dict[str, dict[str, int]]:
    """``{item_key: {category: 0|1}}`` for every labeled item of a dataset (unlabeled cats absent)."""
    resolved = current_labels_with_source(conn, dataset_id, current_hashes)
    return {k: {c: v for c, (v, _) in cats.items()} for k, cats in resolved.items()}


def current_labels_with_source(conn: Connection, dataset_id: int, current_hashes: dict[str, str]
                               ) -> dict[str, dict[str, tuple[int, str]]]:
    """``{item_key: {category: (0|1, tier)}}``: the resolved labels and the tier that decided each."""
    trusted = trusted_version_ids(conn, current_hashes)
    q = (select(labels.c.item_key, labels.c.category, labels.c.value, labels.c.annotator_id,
                labels.c.policy_version_id, labels.c.created_at, labels.c.id, labels.c.is_pseudo,
                annotators.c.kind, annotators.c.is_expert)
         .join(annotators, annotators.c.id == labels.c.annotator_id)
         .join(dataset_items, dataset_items.c.item_key == labels.c.item_key)
         .where(dataset_items.c.dataset_id == dataset_id))
    groups: dict[tuple[str, str], list[LabelRow]] = defaultdict(list)
    for r in conn.execute(q):
        if r.policy_version_id in trusted.get(r.category, ()):
            groups[(r.item_key, r.category)].append(
                LabelRow(r.value, r.annotator_id, r.kind, bool(r.is_expert), r.created_at, r.id, bool(r.is_pseudo)))
    out: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    for (key, cat), rows in groups.items():
        value, tier = resolve_with_source(rows)
        if value is not None and tier is not None:
            out[key][cat] = (value, tier)
    return dict(out)
