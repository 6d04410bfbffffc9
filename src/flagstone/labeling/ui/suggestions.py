"""Machine labels of an item, shown on the label page as suggestions (pre-annotations), never as answers.

An item may carry LLM labels (``flagstone.labeling.records``, annotator ``llm:<model>``) and
pseudo-labels (``flagstone.active.selection``, ``is_pseudo``, annotator ``model:<id>``). The label page
lists each machine annotator's latest trusted judgement beside the item, marked with its source and,
where the store holds one (``labels.score``), its confidence; an LLM's rationale comes along when its
run recorded one. Nothing is ticked for the person: an "accept" button ticks the boxes, and what the
person then submits is stored as their own label (annotator kind ``person``), beside the machine's,
which stays as it was. Resolution (``flagstone.data.labels``) puts people's labels first.

Only labels trusted under the current policy version count (the category's labeling hash is
unchanged, as in resolution): a machine's judgement under a definition that has since changed is not
offered, since relabel requests exist precisely because it may no longer hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from flagstone.data.labels import trusted_version_ids
from flagstone.labeling.tables import llm_label_runs
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.policy.versions import current_version
from flagstone.store.engine import Store
from flagstone.store.tables import annotators, labels

MAX_RATIONALE = 300  # characters of an LLM's reason shown per category


@dataclass(frozen=True)
class Suggestion:
    """One machine annotator's latest trusted labels of an item."""

    source: str  # the annotator's stored name: "llm:<model>" or "model:<id>"
    kind: str  # "llm" | "pseudo" (the resolution tiers of data/labels.py)
    values: dict[str, int]  # category -> 0 | 1, the categories this machine judged
    created_at: datetime  # its latest label among these
    confidence: dict[str, float] = field(default_factory=dict)  # category -> stored score, where stored
    rationale: dict[str, str] = field(default_factory=dict)  # category -> the LLM's reason, where recorded

    @property
    def positives(self) -> tuple[str, ...]:
        return tuple(c for c in CATEGORIES if self.values.get(c) == 1)

    @property
    def covers_all(self) -> bool:
        return all(c in self.values for c in CATEGORIES)

    @property
    def says_none(self) -> bool:
        """Every category judged and none applies: accepting ticks "none of these"."""
        return self.covers_all and not self.positives

    @property
    def name(self) -> str:
        """The model's name without the kind: ``<model>`` for an LLM, ``model <id>`` for pseudo-labels."""
        if self.kind == "llm":
            return self.source.removeprefix("llm:")
        return f"model {self.source.removeprefix('model:')}"

    @property
    def display(self) -> str:
        """``LLM <model>`` or ``pseudo-label, model <id>``: what the page shows as the source."""
        return f"LLM {self.name}" if self.kind == "llm" else f"pseudo-label, {self.name}"


def item_suggestions(store: Store, item_key: str) -> list[Suggestion]:
    """The machine suggestions for ``item_key``: LLMs first, then pseudo-labels, newest first in each."""
    q = (select(labels.c.category, labels.c.value, labels.c.score, labels.c.is_pseudo, labels.c.policy_version_id,
                labels.c.created_at, labels.c.annotator_id, annotators.c.name)
         .join(annotators, annotators.c.id == labels.c.annotator_id)
         .where(labels.c.item_key == item_key, annotators.c.kind == "model")
         .order_by(labels.c.created_at, labels.c.id))
    latest: dict[tuple[int, bool], dict] = {}
    with store.connect() as conn:
        trusted = trusted_version_ids(conn, current_version(conn).category_hashes)
        for r in conn.execute(q):
            if r.category not in CATEGORIES or r.policy_version_id not in trusted.get(r.category, ()):
                continue
            s = latest.setdefault((r.annotator_id, bool(r.is_pseudo)),
                                  {"source": r.name, "values": {}, "confidence": {}, "at": r.created_at})
            s["values"][r.category] = int(r.value)  # rows in time order: the latest wins
            if r.score is not None:
                s["confidence"][r.category] = float(r.score)
            else:
                s["confidence"].pop(r.category, None)
            s["at"] = max(s["at"], r.created_at)
        reasons = _rationales(conn, item_key, [aid for aid, pseudo in latest if not pseudo])
    out = [Suggestion(s["source"], "pseudo" if pseudo else "llm", s["values"], s["at"], s["confidence"],
                      {c: why for c, why in reasons.get(aid, {}).items() if why and c in s["values"]})
           for (aid, pseudo), s in latest.items()]
    out.sort(key=lambda s: s.created_at, reverse=True)
    return sorted(out, key=lambda s: s.kind != "llm")  # stable: LLMs first, newest first within a kind


def _rationales(conn, item_key: str, annotator_ids: list[int]) -> dict[int, dict[str, str]]:
    """Per LLM annotator, the reasons of its latest successful run on the item (cut to MAX_RATIONALE)."""
    if not annotator_ids:
        return {}
    q = (select(llm_label_runs.c.annotator_id, llm_label_runs.c.rationales)
         .where(llm_label_runs.c.item_key == item_key, llm_label_runs.c.ok.is_(True),
                llm_label_runs.c.annotator_id.in_(annotator_ids))
         .order_by(llm_label_runs.c.id))
    out: dict[int, dict[str, str]] = {}
    for aid, blob in conn.execute(q):
        out[aid] = {c: str(why)[:MAX_RATIONALE] for c, why in json.loads(blob or "{}").items() if why}
    return out
