"""Turn a policy change into relabeling work.

``apply_policy(store, ref)`` makes a version current. For every category whose *meaning* changed
against the previously current version (definition, includes, excludes, examples or input types;
a threshold-target change alone needs no relabel), each item that has labels for that category but
none made under a version with the new meaning becomes a ``relabel`` request in the label queue (``data/queue.py``).

Priority is how likely the change affects the item: ``1 - |score - threshold| / max(threshold,
1 - threshold)``, so scores near the threshold come first. The score is the given moderator's
probability when one is passed, else the latest model label's stored score, else the request gets
priority 0 (still queued, after the scored ones). Applying the same version again queues nothing new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Connection, select

from flagstone.data.labels import trusted_version_ids
from flagstone.data.queue import Request, enqueue, queued_keys
from flagstone.policy.taxonomy import CATEGORY_INDEX
from flagstone.policy.versions import (
    PolicyDiff,
    current_hash,
    diff_policies,
    load_version_policy,
    resolve_version,
    set_current,
)
from flagstone.store.engine import Store
from flagstone.store.tables import annotators, items, labels

log = logging.getLogger(__name__)
RELABEL_QUEUE = "relabel"


@dataclass(frozen=True)
class ApplyResult:
    version: str
    previous: str | None
    changed_categories: tuple[str, ...]
    queued: dict[str, int]  # category -> relabel requests added


def priority(score: float | None, threshold: float) -> float:
    """1 at the threshold, falling linearly to 0 at the far end of [0, 1]; None scores get 0."""
    if score is None:
        return 0.0
    span = max(threshold, 1.0 - threshold)
    return max(0.0, 1.0 - abs(score - threshold) / span)


def _stale_items(conn: Connection, category: str, trusted: set[int]) -> list[str]:
    rows = conn.execute(select(labels.c.item_key, labels.c.policy_version_id)
                        .where(labels.c.category == category)).all()
    has_trusted = {k for k, v in rows if v in trusted}
    return sorted({k for k, v in rows if v not in trusted} - has_trusted)


def _model_scores(conn: Connection, category: str) -> dict[str, float]:
    q = (select(labels.c.item_key, labels.c.score)
         .join(annotators, annotators.c.id == labels.c.annotator_id)
         .where(labels.c.category == category, annotators.c.kind == "model", labels.c.score.is_not(None))
         .order_by(labels.c.created_at, labels.c.id))
    return {k: s for k, s in conn.execute(q)}  # the latest score per item wins


def apply_policy(store: Store, ref: str, *, moderator=None, threshold: float = 0.5) -> ApplyResult:
    """Make ``ref`` current and queue relabel requests, in one transaction."""
    with store.begin() as conn:
        new = resolve_version(conn, ref)
        prev_hash = current_hash(conn)
        new_policy = load_version_policy(conn, new.id)
        if prev_hash is None:
            diff: PolicyDiff | None = None
        else:
            prev = resolve_version(conn, prev_hash)
            diff = diff_policies(load_version_policy(conn, prev.id), new_policy, old=prev.short, new=new.short)
        set_current(conn, new)
        changed = tuple(c.category for c in diff.categories if c.meaning_changed) if diff else ()
        trusted = trusted_version_ids(conn, new.category_hashes)
        queued: dict[str, int] = {}
        for cat in changed:
            # Items already asked for under this version are not scored again (enqueue would skip them).
            asked = queued_keys(conn, RELABEL_QUEUE, status=None, category=cat, policy_version_id=new.id)
            keys = [k for k in _stale_items(conn, cat, trusted.get(cat, set())) if k not in asked]
            scores, thr = _scores_for(conn, cat, keys, moderator, threshold)
            queued[cat] = enqueue(conn, RELABEL_QUEUE, "relabel",
                                  [Request(k, priority(scores.get(k), thr), cat, new.id) for k in keys])
            log.info("policy %s: %d relabel requests for %s", new.short, queued[cat], cat)
    return ApplyResult(new.short, prev_hash[:12] if prev_hash else None, changed, queued)


def _scores_for(conn: Connection, category: str, keys: list[str], moderator, threshold: float
                ) -> tuple[dict[str, float], float]:
    if moderator is None or not keys:
        return _model_scores(conn, category), threshold
    texts: dict[str, str] = {}
    for i in range(0, len(keys), 5000):  # stay under SQLite's bound-parameter limit
        chunk = keys[i:i + 5000]
        texts.update(conn.execute(select(items.c.key, items.c.text).where(items.c.key.in_(chunk))).all())
    ordered = [k for k in keys if k in texts]
    probs = moderator.predict_proba([texts[k] for k in ordered])
    col = CATEGORY_INDEX[category]
    thr = moderator.info.thresholds.get(category, threshold)
    return {k: float(probs[i, col]) for i, k in enumerate(ordered)}, thr

