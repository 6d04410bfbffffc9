"""Send red-team failures to the labeling queue, so people confirm them before they feed training.

Each failure becomes an item (keyed by the hash of its normalised text), a member of the dataset
``redteam-failures`` (metadata: attack, family, parent item, model, suite) and one label-queue request
(``data/queue.py``; queue ``redteam``, reason ``redteam``) for the category at stake. No label is written: the seed's labels
are only a suggestion in the metadata until a person confirms them. Sending the same failures twice
queues nothing new.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import Connection, insert, select

from flagstone.data.queue import Request, enqueue
from flagstone.redteam.runner import RunResult
from flagstone.store.engine import Store, utcnow
from flagstone.store.tables import dataset_items, datasets, items
from flagstone.text.normalize import text_key

log = logging.getLogger(__name__)
QUEUE = "redteam"
DATASET = "redteam-failures"


def _dataset_id(conn: Connection, name: str) -> int:
    found = conn.execute(select(datasets.c.id).where(datasets.c.name == name)).scalar()
    if found is not None:
        return int(found)
    return int(conn.execute(insert(datasets).values(name=name, created_at=utcnow())).inserted_primary_key[0])


def enqueue_failures(store: Store, result: RunResult, *, queue: str = QUEUE, dataset: str = DATASET) -> int:
    """Queue every successful attack for review in one transaction; return how many rows were queued."""
    requests: list[Request] = []
    with store.begin() as conn:
        ds = _dataset_id(conn, dataset)
        for t in result.failures():
            key = text_key(t.attacked)
            if conn.execute(select(items.c.key).where(items.c.key == key)).first() is None:
                conn.execute(insert(items).values(key=key, text=t.attacked, created_at=utcnow()))
            member = select(dataset_items.c.item_key).where(dataset_items.c.dataset_id == ds,
                                                           dataset_items.c.item_key == key)
            if conn.execute(member).first() is None:
                meta = {"origin": "redteam", "attack": t.attack, "family": t.family, "kind": t.kind,
                        "parent_key": text_key(t.original), "suggested_labels": t.labels,
                        "model": result.model, "suite": result.suite}
                conn.execute(insert(dataset_items).values(dataset_id=ds, item_key=key,
                                                          source_id=f"{result.suite}:{t.attack}",
                                                          meta=json.dumps(meta, ensure_ascii=False)))
            # Larger score swings first: those say most about where the model is fooled.
            requests.append(Request(key, abs(t.score_before - t.score_after), t.category or None))
        added = enqueue(conn, queue, "redteam", requests)
    log.info("queued %d red-team failures in %r", added, queue)
    return added
