"""Gold items for the admin page: list them with how people did on each, resolve a key, remove one.

Adding goes through :func:`flagstone.labeling.ui.work.add_gold` (shared with ``flagstone label gold
add``); gold always names every category (ticked ones 1, the rest 0), so accuracy counts all 13.
An item key may be given in full or as a prefix of at least :data:`MIN_PREFIX` characters that
matches exactly one item, as the pages and the CLI show key prefixes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from flagstone.data import queue as queue_requests
from flagstone.errors import ConflictError, InvalidRequestError, NotFoundError
from flagstone.labeling.tables import ui_gold
from flagstone.labeling.ui.work import add_gold
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.store.engine import Store
from flagstone.store.tables import annotators, items, labels

MIN_PREFIX = 8


@dataclass(frozen=True)
class GoldItem:
    item_key: str
    text: str
    positives: tuple[str, ...]  # categories the gold says apply; empty = none of these
    people: int  # people who labelled the item
    correct: int  # their (person, category) decisions that match the gold
    decisions: int
    created_at: datetime

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.decisions if self.decisions else None


@dataclass(frozen=True)
class Candidate:
    item_key: str
    text: str


def list_gold(store: Store) -> list[GoldItem]:
    """Every gold item, newest first, with the latest label of each person scored against it."""
    with store.connect() as conn:
        gold = conn.execute(select(ui_gold.c.item_key, ui_gold.c.labels, ui_gold.c.created_at, items.c.text)
                            .join(items, items.c.key == ui_gold.c.item_key)
                            .order_by(ui_gold.c.created_at.desc(), ui_gold.c.item_key)).all()
        latest: dict[str, dict[tuple[int, str], int]] = defaultdict(dict)
        rows = conn.execute(select(labels.c.item_key, labels.c.category, labels.c.value, labels.c.annotator_id)
                            .join(annotators, annotators.c.id == labels.c.annotator_id)
                            .join(ui_gold, ui_gold.c.item_key == labels.c.item_key)
                            .where(annotators.c.kind == "person").order_by(labels.c.created_at, labels.c.id))
        for key, cat, value, aid in rows:
            latest[key][(aid, cat)] = value
    out = []
    for key, raw, created, text in gold:
        expected = json.loads(raw)
        scored = [v == expected[c] for (_, c), v in latest[key].items() if c in expected]
        out.append(GoldItem(key, text, tuple(c for c in CATEGORIES if expected.get(c)),
                            len({a for a, _ in latest[key]}), sum(scored), len(scored), created))
    return out


def resolve_item_key(store: Store, typed: str) -> str:
    """The full key of the one item whose key is ``typed`` or starts with it."""
    typed = typed.strip().lower()
    if not typed:
        raise InvalidRequestError("type an item key or pick an item from a queue")
    if len(typed) < MIN_PREFIX or not all(ch in "0123456789abcdef" for ch in typed):
        raise InvalidRequestError(f"an item key is hexadecimal, at least {MIN_PREFIX} characters of it")
    with store.connect() as conn:
        found = conn.execute(select(items.c.key).where(items.c.key.startswith(typed, autoescape=True))
                             .order_by(items.c.key).limit(2)).scalars().all()
    if not found:
        raise NotFoundError(f"no item with key {typed[:12]}")
    if len(found) > 1:
        raise ConflictError(f"key prefix {typed} matches several items; type more of it")
    return found[0]


def set_gold(store: Store, item_key: str, positives: list[str], none_of_these: bool) -> str:
    """Make an item gold: ``positives`` apply, every other category does not. Returns the full key."""
    if none_of_these and positives:
        raise InvalidRequestError("tick categories or 'none of these', not both")
    if not none_of_these and not positives:
        raise InvalidRequestError("tick the item's true categories, or 'none of these'")
    unknown = sorted(set(positives) - set(CATEGORIES))
    if unknown:
        raise InvalidRequestError(f"unknown categories {unknown}")
    key = resolve_item_key(store, item_key)
    add_gold(store, key, {c: c in positives for c in CATEGORIES})
    return key


def remove_gold(store: Store, item_key: str) -> None:
    with store.begin() as conn:
        if conn.execute(delete(ui_gold).where(ui_gold.c.item_key == item_key)).rowcount == 0:
            raise NotFoundError(f"item {item_key[:12]} is not gold")


def pending_queues(store: Store) -> list[str]:
    with store.connect() as conn:
        return queue_requests.pending_queues(conn)


def queue_candidates(store: Store, queue: str, limit: int = 50) -> list[Candidate]:
    """Pending items of a queue that are not gold yet, in the order annotators get them."""
    with store.connect() as conn:
        gold = set(conn.execute(select(ui_gold.c.item_key)).scalars())
        keys = queue_requests.pending_items(conn, queue, skip=gold, limit=limit)
        text = dict(conn.execute(select(items.c.key, items.c.text).where(items.c.key.in_(keys))).all())
    return [Candidate(k, text[k]) for k in keys]
