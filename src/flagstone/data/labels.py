"""Which label is *the* label: the documented resolution of several judgements into one.

An item may carry many labels per category (people, model versions, import sources, over several
policy versions). Labels are never edited; the current label of (item, category) is computed:

0. **Trust.** Only labels made under a policy version whose *labeling hash* for the category equals
   the current version's count (see ``flagstone.policy.versions``). A category whose definition,
   includes, excludes or examples changed therefore starts empty until relabeled; categories that did
   not change keep their labels across versions. Old labels stay in the table as history.
1. **Expert.** The latest trusted label from a person marked ``is_expert``.
2. **People.** Else the majority of people's labels (each person's latest counts once); a tie goes to
   the most recent label among the tied people.
3. **Models.** Else the majority of model annotators' labels (each model version's latest once, pseudo
   labels included), ties to the most recent.
4. **Import.** Else the latest import-source label.
5. Otherwise the category is unlabeled (``None``), never 0.
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
    ordered = sorted(rows, key=lambda r: (r.created_at, r.seq))
    if not ordered:
        return None
    experts = [r for r in ordered if r.kind == "person" and r.is_expert]
    if experts:
        return experts[-1].value
    for kind in ("person", "model"):
        group = [r for r in ordered if r.kind == kind]
        if group:
            return _majority(group)
    imports = [r for r in ordered if r.kind == "import"]
    return imports[-1].value if imports else None


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
    trusted = trusted_version_ids(conn, current_hashes)
    q = (select(labels.c.item_key, labels.c.category, labels.c.value, labels.c.annotator_id,
                labels.c.policy_version_id, labels.c.created_at, labels.c.id,
                annotators.c.kind, annotators.c.is_expert)
         .join(annotators, annotators.c.id == labels.c.annotator_id)
         .join(dataset_items, dataset_items.c.item_key == labels.c.item_key)
         .where(dataset_items.c.dataset_id == dataset_id))
    groups: dict[tuple[str, str], list[LabelRow]] = defaultdict(list)
    for r in conn.execute(q):
        if r.policy_version_id in trusted.get(r.category, ()):
            groups[(r.item_key, r.category)].append(
                LabelRow(r.value, r.annotator_id, r.kind, bool(r.is_expert), r.created_at, r.id))
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for (key, cat), rows in groups.items():
        value = resolve(rows)
        if value is not None:
            out[key][cat] = value
    return dict(out)
