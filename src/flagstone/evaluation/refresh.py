"""Validation refresh: sample recent traffic into a labeling queue to build a fresh validation set.

Texts come from the request log (only calls logged with content storage ``full`` carry text) or from
an imported dataset. Every text is scored, then sampled *stratified by score band*: strata are
(highest-scoring category, band of that score), each stratum gets an equal share of the budget and
small strata are taken whole, so rare categories and the uncertain middle bands are represented
instead of a sample of mostly benign traffic. The sample becomes ``validation_refresh`` requests in
label queue (``data/queue.py``); once labelled, a suite listing the old and the fresh set side by side shows drift.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from flagstone.data.queue import Request, enqueue
from flagstone.errors import DataError, NotFoundError
from flagstone.evaluation.report import score_all
from flagstone.models.base import Moderator
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.store.bulk import insert_ignore
from flagstone.store.engine import Store, utcnow
from flagstone.store.tables import dataset_items, datasets, items
from flagstone.text.normalize import text_key

log = logging.getLogger(__name__)
BANDS = (0.0, 0.1, 0.3, 0.5, 0.8)  # lower edges of the score bands
REASON = "validation_refresh"


@dataclass(frozen=True)
class RefreshResult:
    queue: str
    candidates: int
    queued: int
    already_queued: int
    strata: dict[str, int]  # "category/band" -> texts queued


def band(score: float) -> str:
    lo = max(b for b in BANDS if score >= b)
    hi = next((b for b in BANDS if b > lo), 1.0)
    return f"{lo:.1f}-{hi:.1f}"


def stratified_sample(scores: np.ndarray, n: int, *, seed: int = 0) -> tuple[list[int], dict[str, int]]:
    """Indices of at most ``n`` rows, an equal share per (top category, score band) stratum."""
    strata: dict[str, list[int]] = defaultdict(list)
    top = scores.argmax(axis=1)
    for i, (j, s) in enumerate(zip(top, scores.max(axis=1), strict=True)):
        strata[f"{CATEGORIES[j] if s >= BANDS[1] else 'none'}/{band(float(s))}"].append(i)
    rng = np.random.default_rng(seed)
    pools = {k: list(rng.permutation(v)) for k, v in sorted(strata.items())}
    chosen: dict[str, list[int]] = {k: [] for k in pools}
    budget = min(n, len(scores))
    while budget > 0:  # round-robin: small strata are exhausted, large ones share what is left
        progressed = False
        for k, pool in pools.items():
            if budget and pool:
                chosen[k].append(int(pool.pop()))
                budget -= 1
                progressed = True
        if not progressed:
            break
    picked = sorted(i for v in chosen.values() for i in v)
    return picked, {k: len(v) for k, v in chosen.items() if v}


def texts_from_log(engine, *, since: float | None = None) -> list[str]:
    from flagstone.abuse.requestlog import read_log

    texts = [r.text for r in read_log(engine, since=since) if r.text]
    if not texts:
        raise DataError("no logged request carries text (request_log_content must be 'full' to sample traffic)",
                        file="request log")
    return texts


def texts_from_dataset(store: Store, name: str) -> list[str]:
    with store.connect() as conn:
        ds = conn.execute(select(datasets.c.id).where(datasets.c.name == name)).scalar()
        if ds is None:
            raise NotFoundError(f"no dataset {name!r}")
        return list(conn.execute(select(items.c.text).join(dataset_items, dataset_items.c.item_key == items.c.key)
                                 .where(dataset_items.c.dataset_id == ds).order_by(items.c.key)).scalars())


def refresh_validation(store: Store, texts: list[str], model: Moderator, *, n: int, queue: str,
                       seed: int = 0, max_chunks: int = 16) -> RefreshResult:
    """Score, stratify, and queue up to ``n`` distinct texts for labeling (idempotent per queue)."""
    if n < 1:
        raise DataError(f"sample size must be at least 1, got {n}")
    unique = list(dict.fromkeys(t for t in texts if t.strip()))
    scores = score_all(model, unique, max_chunks=max_chunks)
    picked, strata = stratified_sample(scores, n, seed=seed)
    keys = [text_key(unique[i]) for i in picked]
    now = utcnow()
    with store.begin() as conn:
        proc = items.c.created_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        stamp = proc(now) if proc else now  # raw driver insert: bind the timestamp as the dialect does
        insert_ignore(conn, items, ("key", "text", "created_at"),
                      [(k, unique[i], stamp) for k, i in zip(keys, picked, strict=True)])
        queued = enqueue(conn, queue, REASON, [Request(k, float(scores[i].max()))
                                               for k, i in zip(keys, picked, strict=True)])
    log.info("validation refresh: %d of %d texts queued in %s", queued, len(unique), queue)
    return RefreshResult(queue, len(unique), queued, len(keys) - queued, strata)
