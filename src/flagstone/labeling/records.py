"""Persist labeler outcomes in the store and read label sets back for agreement reports.

A successful outcome becomes one ``labels`` row per category (annotator kind ``model``, name
``llm:<model>``, the policy version it was made under); every outcome, failures included, becomes one
``llm_label_runs`` row with attempts, token counts, rationales or the error. A failure writes no label.
Saving is idempotent: a label equal to the annotator's latest for that (item, category, policy
version) is not written again, so rerunning a labeling job adds nothing twice. Model labels sit beside
people's and never replace them (``flagstone.data.labels`` resolves people first).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, select

from flagstone.labeling.base import LabelOutcome
from flagstone.labeling.tables import llm_label_runs
from flagstone.store.engine import Store, utcnow
from flagstone.store.tables import annotators, labels


def annotator_id(conn: Connection, kind: str, name: str, *, is_expert: bool = False) -> int:
    """The annotator's id, created on first use (kept here so the UI does not import the importer)."""
    found = conn.execute(select(annotators.c.id).where(annotators.c.kind == kind, annotators.c.name == name)).scalar()
    if found is not None:
        return found
    return conn.execute(annotators.insert().values(kind=kind, name=name, is_expert=is_expert)
                        .returning(annotators.c.id)).scalar_one()


def save_outcomes(store: Store, outcomes: Sequence[LabelOutcome], policy_version_id: int) -> dict[str, int]:
    """Write outcomes in one transaction; returns counts ``{"labelled", "failed", "label_rows"}``."""
    counts = {"labelled": 0, "failed": 0, "label_rows": 0}
    now = utcnow()
    with store.begin() as conn:
        ids: dict[str, int] = {}
        label_rows, run_rows = [], []
        for o in outcomes:
            aid = ids.get(o.annotator) or ids.setdefault(o.annotator, annotator_id(conn, "model", o.annotator))
            run_rows.append(dict(
                item_key=o.text_key, annotator_id=aid, policy_version_id=policy_version_id, ok=o.ok,
                error=o.error, attempts=o.attempts, prompt_tokens=o.prompt_tokens,
                completion_tokens=o.completion_tokens, cached=o.cached, created_at=now,
                rationales=json.dumps({c: d.rationale for c, d in o.decisions.items()}) if o.ok else None))
            if not o.ok:
                counts["failed"] += 1
                continue
            counts["labelled"] += 1
            label_rows += [dict(item_key=o.text_key, category=c, value=int(d.value), annotator_id=aid,
                                policy_version_id=policy_version_id, score=None, is_pseudo=False,
                                source_ref=None, created_at=now) for c, d in o.decisions.items()]
        if run_rows:
            conn.execute(llm_label_runs.insert(), run_rows)
        label_rows = _new_only(conn, label_rows)
        if label_rows:
            conn.execute(labels.insert(), label_rows)
        counts["label_rows"] = len(label_rows)
    return counts


def _new_only(conn: Connection, rows: list[dict]) -> list[dict]:
    """Drop rows whose annotator's latest label on (item, category, policy version) already says the same."""
    if not rows:
        return rows
    keys = sorted({r["item_key"] for r in rows})
    ann = sorted({r["annotator_id"] for r in rows})
    latest: dict[tuple, int] = {}
    for i in range(0, len(keys), 5000):  # stay under SQLite's bound-parameter limit
        q = (select(labels.c.item_key, labels.c.category, labels.c.annotator_id, labels.c.policy_version_id,
                    labels.c.value)
             .where(labels.c.item_key.in_(keys[i:i + 5000]), labels.c.annotator_id.in_(ann))
             .order_by(labels.c.created_at, labels.c.id))
        for k, c, a, v, value in conn.execute(q):
            latest[(k, c, a, v)] = value
    out, seen = [], set()
    for r in rows:
        key = (r["item_key"], r["category"], r["annotator_id"], r["policy_version_id"])
        if latest.get(key) == r["value"] or (key, r["value"]) in seen:
            continue
        seen.add((key, r["value"]))
        out.append(r)
    return out


def latest_labels(store: Store, *, kind: str, name: str | None = None, policy_version_id: int | None = None,
                  item_keys: set[str] | None = None) -> dict[str, dict[str, bool]]:
    """``{item_key: {category: bool}}`` from annotators of ``kind`` (latest label wins; pseudo excluded).

    With several people on one item the majority wins, ties to the latest label.
    """
    q = (select(labels.c.item_key, labels.c.category, labels.c.value, labels.c.annotator_id)
         .join(annotators, annotators.c.id == labels.c.annotator_id)
         .where(annotators.c.kind == kind, labels.c.is_pseudo.is_(False))
         .order_by(labels.c.created_at, labels.c.id))
    if name is not None:
        q = q.where(annotators.c.name == name)
    if policy_version_id is not None:
        q = q.where(labels.c.policy_version_id == policy_version_id)
    votes: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    with store.connect() as conn:
        for key, cat, value, aid in conn.execute(q):
            if item_keys is None or key in item_keys:
                votes[(key, cat)][aid] = value  # later rows overwrite: latest per annotator
    out: dict[str, dict[str, bool]] = defaultdict(dict)
    for (key, cat), by in votes.items():
        ones = sum(by.values())
        out[key][cat] = ones * 2 > len(by) or (ones * 2 == len(by) and list(by.values())[-1] == 1)
    return dict(out)


def llm_rationales(store: Store, annotator: str) -> dict[tuple[str, str], str]:
    q = (select(llm_label_runs.c.item_key, llm_label_runs.c.rationales)
         .join(annotators, annotators.c.id == llm_label_runs.c.annotator_id)
         .where(annotators.c.name == annotator, llm_label_runs.c.ok.is_(True))
         .order_by(llm_label_runs.c.id))
    out: dict[tuple[str, str], str] = {}
    with store.connect() as conn:
        for key, blob in conn.execute(q):
            for cat, why in json.loads(blob or "{}").items():
                out[(key, cat)] = why
    return out
