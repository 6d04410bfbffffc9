"""The label queue module: idempotent enqueue, pending in priority order, and the only writer."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import insert, update

from flagstone.data.queue import Request, counts, enqueue, mark_done, pending, queued_keys, reopen
from flagstone.store.engine import utcnow
from flagstone.store.tables import items, label_queue

SRC = Path(__file__).resolve().parents[2] / "src" / "flagstone"


def _items(store, *keys):
    with store.begin() as conn:
        conn.execute(insert(items), [dict(key=k, text=f"text {k}", created_at=utcnow()) for k in keys])


def test_enqueue_is_idempotent_per_item_category_and_policy_version(store):
    _items(store, "a", "b", "c")
    reqs = [Request("a", 0.2), Request("b", 0.9), Request("a", 0.5), Request("c", 0.9, "violence")]
    with store.begin() as conn:
        assert enqueue(conn, "q", "test", reqs) == 3  # the second "a" (same identity) is added once
    with store.begin() as conn:
        assert enqueue(conn, "q", "test", reqs) == 0
        # Another category, another policy version or another queue is another request.
        assert enqueue(conn, "q", "test", [Request("c", 0.1, "hate"), Request("c", 0.1, "violence", None)]) == 1
        assert enqueue(conn, "other", "test", [Request("a", 0.3)]) == 1
    got = pending(store, "q")
    assert [(r["item_key"], r["category"], r["priority"]) for r in got] == [
        ("b", None, 0.9), ("c", "violence", 0.9), ("a", None, 0.2), ("c", "hate", 0.1)]  # ties by arrival
    assert {r["reason"] for r in got} == {"test"} and {r["status"] for r in got} == {"pending"}
    assert [r["item_key"] for r in pending(store, "q", limit=2)] == ["b", "c"]
    # A request already done is not asked again either.
    with store.begin() as conn:
        conn.execute(update(label_queue).where(label_queue.c.item_key == "b").values(status="done"))
        assert enqueue(conn, "q", "test", [Request("b", 1.0)]) == 0
        assert queued_keys(conn, "q") == {"a", "c"}
        assert queued_keys(conn, "q", status=None) == {"a", "b", "c"}
        assert queued_keys(conn, "q", status=None, category="violence") == {"c"}
    assert counts(store) == {"q/pending": 3, "q/done": 1, "other/pending": 1}
    assert pending(store, "empty") == []


def test_policy_versions_are_separate_requests(policy_store):
    _items(policy_store, "x")
    with policy_store.begin() as conn:
        assert enqueue(conn, "relabel", "relabel", [Request("x", 0.5, "violence", 1)]) == 1
        assert enqueue(conn, "relabel", "relabel", [Request("x", 0.5, "violence", 1)]) == 0
        assert queued_keys(conn, "relabel", category="violence", policy_version_id=1) == {"x"}
        assert queued_keys(conn, "relabel", category="violence", policy_version_id=2) == set()


def test_mark_done_and_reopen_move_one_items_requests(store):
    _items(store, "a", "b")
    with store.begin() as conn:
        enqueue(conn, "q1", "r", [Request("a", 1.0), Request("b", 0.5)])
        enqueue(conn, "q2", "r", [Request("a", 1.0)])
        assert mark_done(conn, "q1", "a") == 1 and mark_done(conn, "q1", "a") == 0
        mark_done(conn, "q2", "a")
        assert queued_keys(conn, "q1") == {"b"} and queued_keys(conn, "q2") == set()
        assert reopen(conn, "a", "q1") == 1  # only that queue's request
        assert queued_keys(conn, "q1") == {"a", "b"} and queued_keys(conn, "q2") == set()
        assert reopen(conn, "a") == 1  # every queue's (q2's, the one still done)
        assert queued_keys(conn, "q2") == {"a"}


def test_only_the_queue_module_writes_the_label_queue():
    writes = re.compile(r"(insert|update|delete)\(label_queue\)|label_queue\.(insert|update|delete)\(")
    writers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if writes.search(p.read_text()))
    assert writers == ["data/queue.py"]
