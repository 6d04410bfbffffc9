"""The label queue: the one module that writes ``label_queue`` and answers what is waiting in it.

Writes: :func:`enqueue` (new requests), :func:`mark_done` and :func:`reopen` (the labeling UI's
submit and undo).

A request asks people to label one item (for one category, or for all when ``category`` is None),
in a named queue (``relabel``, ``redteam``, ``al-<pool>-<strategy>``, ``validation-...``) with the
``reason`` that made it. Four capabilities make requests and call :func:`enqueue`:

- ``data/relabel.py``: a policy change (queue ``relabel``, one request per category and policy version);
- ``redteam/queue.py``: attacks that fooled the model;
- ``active/selection.py``: active-learning picks;
- ``evaluation/refresh.py``: a fresh validation sample.

Enqueueing is idempotent: a request whose (queue, item, category, policy version) the queue already
holds, pending or done, is not added again, so running any of them twice queues nothing new.

Reads: every reader asks this module too (``tests/data/test_queue.py`` checks no other module names the
table). ``flagstone data`` takes :func:`pending` and :func:`counts`; the labeling UI takes
:func:`pending_requests` (the next item), :func:`pending_items` (gold candidates), :func:`request_of`
and :func:`holds` (the item as a queue shows it, and whether a queue asked about it), :func:`requests`
(progress), :func:`pending_summary` and :func:`pending_queues`, and joins its own tables by item key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from flagstone.store.engine import Store, utcnow
from flagstone.store.tables import label_queue

PENDING, DONE = "pending", "done"


@dataclass(frozen=True)
class Request:
    """One item to label; higher ``priority`` is served first (ties by arrival)."""

    item_key: str
    priority: float
    category: str | None = None
    policy_version_id: int | None = None


def enqueue(conn: Connection, queue: str, reason: str, requests: Iterable[Request]) -> int:
    """Add the requests the queue does not hold yet, inside the caller's transaction; return how many.

    The items must already exist (``items`` rows); duplicates within ``requests`` are added once.
    """
    held = {tuple(r) for r in conn.execute(
        select(label_queue.c.item_key, label_queue.c.category, label_queue.c.policy_version_id)
        .where(label_queue.c.queue == queue))}
    now = utcnow()
    rows = []
    for req in requests:
        ident = (req.item_key, req.category, req.policy_version_id)
        if ident in held:
            continue
        held.add(ident)
        rows.append(dict(queue=queue, item_key=req.item_key, category=req.category, reason=reason,
                         priority=float(req.priority), status=PENDING,
                         policy_version_id=req.policy_version_id, created_at=now))
    if rows:
        conn.execute(label_queue.insert(), rows)
    return len(rows)


def mark_done(conn: Connection, queue: str, item_key: str) -> int:
    """The item's pending requests in ``queue`` are answered (a person labelled it); returns how many."""
    return conn.execute(update(label_queue).where(label_queue.c.queue == queue, label_queue.c.item_key == item_key,
                                                  label_queue.c.status == PENDING).values(status=DONE)).rowcount


def reopen(conn: Connection, item_key: str, queue: str | None = None) -> int:
    """The item's answered requests (in ``queue``, else in every queue) are pending again (labels undone)."""
    q = update(label_queue).where(label_queue.c.item_key == item_key, label_queue.c.status == DONE)
    if queue is not None:
        q = q.where(label_queue.c.queue == queue)
    return conn.execute(q.values(status=PENDING)).rowcount


def queued_keys(conn: Connection, queue: str, *, status: str | None = PENDING, category: str | None = None,
                policy_version_id: int | None = None) -> set[str]:
    """Item keys the queue holds; each filter given (not None) must match (``status=None``: any status)."""
    q = select(label_queue.c.item_key).where(label_queue.c.queue == queue)
    for column, value in (("status", status), ("category", category), ("policy_version_id", policy_version_id)):
        if value is not None:
            q = q.where(label_queue.c[column] == value)
    return set(conn.execute(q).scalars())


def pending(store: Store, queue: str, limit: int | None = None) -> list[dict]:
    """Pending requests of ``queue`` as dicts of the table's columns, highest priority first."""
    q = (select(label_queue).where(label_queue.c.queue == queue, label_queue.c.status == PENDING)
         .order_by(label_queue.c.priority.desc(), label_queue.c.id))
    if limit is not None:
        q = q.limit(limit)
    with store.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def counts(store: Store) -> dict[str, int]:
    """Requests per ``queue/status``."""
    out: dict[str, int] = defaultdict(int)
    with store.connect() as conn:
        for q, s in conn.execute(select(label_queue.c.queue, label_queue.c.status)):
            out[f"{q}/{s}"] += 1
    return dict(out)


@dataclass(frozen=True)
class Entry:
    """One request the queue holds, as readers see it."""

    queue: str
    item_key: str
    reason: str
    category: str | None
    status: str


@dataclass(frozen=True)
class PendingCount:
    """How many requests of one (queue, reason) are pending."""

    queue: str
    reason: str
    pending: int


_ENTRY = (label_queue.c.queue, label_queue.c.item_key, label_queue.c.reason, label_queue.c.category,
          label_queue.c.status)


def pending_requests(conn: Connection, queue: str) -> list[Entry]:
    """Pending requests of ``queue`` in the order people get them (highest priority first, ties by arrival)."""
    q = (select(*_ENTRY).where(label_queue.c.queue == queue, label_queue.c.status == PENDING)
         .order_by(label_queue.c.priority.desc(), label_queue.c.id))
    return [Entry(*r) for r in conn.execute(q)]


def pending_items(conn: Connection, queue: str, *, skip: Collection[str] = (), limit: int | None = None) -> list[str]:
    """Item keys with pending requests in ``queue``, each once, not in ``skip``, in the order people get
    them (an item ranks by its highest-priority request, ties by its first arrival)."""
    q = (select(label_queue.c.item_key)
         .where(label_queue.c.queue == queue, label_queue.c.status == PENDING)
         .group_by(label_queue.c.item_key)
         .order_by(func.max(label_queue.c.priority).desc(), func.min(label_queue.c.id)))
    out: list[str] = []
    for key in conn.execute(q).scalars():
        if limit is not None and len(out) >= limit:
            break
        if key not in skip:
            out.append(key)
    return out


def holds(conn: Connection, queue: str, item_key: str) -> bool:
    """Whether ``queue`` asked about the item (a request pending or done)."""
    q = select(label_queue.c.id).where(label_queue.c.queue == queue, label_queue.c.item_key == item_key).limit(1)
    return conn.execute(q).first() is not None


def request_of(conn: Connection, queue: str, item_key: str) -> Entry | None:
    """The item's first request in ``queue`` (pending or done), or None when the queue never asked about it."""
    q = (select(*_ENTRY).where(label_queue.c.queue == queue, label_queue.c.item_key == item_key)
         .order_by(label_queue.c.id).limit(1))
    row = conn.execute(q).first()
    return Entry(*row) if row else None


def requests(conn: Connection) -> list[Entry]:
    """Every request of every queue, by queue name then arrival."""
    return [Entry(*r) for r in conn.execute(select(*_ENTRY).order_by(label_queue.c.queue, label_queue.c.id))]


def pending_summary(conn: Connection) -> list[PendingCount]:
    """Pending requests per (queue, reason), by queue name."""
    q = (select(label_queue.c.queue, label_queue.c.reason, func.count())
         .where(label_queue.c.status == PENDING).group_by(label_queue.c.queue, label_queue.c.reason)
         .order_by(label_queue.c.queue))
    return [PendingCount(*r) for r in conn.execute(q)]


def pending_queues(conn: Connection) -> list[str]:
    """Names of the queues with pending requests, sorted."""
    q = (select(label_queue.c.queue).where(label_queue.c.status == PENDING)
         .group_by(label_queue.c.queue).order_by(label_queue.c.queue))
    return list(conn.execute(q).scalars())
