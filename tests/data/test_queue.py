"""The label queue module: idempotent enqueue, pending in priority order, the reads, and the only module
that touches the table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import insert, update

from flagstone.data.queue import (
    Entry,
    PendingCount,
    Request,
    counts,
    enqueue,
    holds,
    mark_done,
    pending,
    pending_items,
    pending_queues,
    pending_requests,
    pending_summary,
    queued_keys,
    reopen,
    request_of,
    requests,
)
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


def test_reads_answer_in_the_order_people_get_items(store):
    _items(store, "a", "b", "c", "d")
    with store.begin() as conn:
        enqueue(conn, "q", "why", [Request("a", 0.2, "hate"), Request("b", 0.9), Request("a", 0.9, "violence"),
                                   Request("c", 0.5), Request("d", 0.1)])
        enqueue(conn, "other", "else", [Request("c", 1.0)])
        mark_done(conn, "q", "d")
    with store.connect() as conn:
        assert pending_requests(conn, "q") == [
            Entry("q", "b", "why", None, "pending"), Entry("q", "a", "why", "violence", "pending"),
            Entry("q", "c", "why", None, "pending"), Entry("q", "a", "why", "hate", "pending")]
        # Each item once, ranked by its best request, ties by its first arrival ("a" came before "b");
        # skipped keys leave room for the next ones.
        assert pending_items(conn, "q") == ["a", "b", "c"]
        assert pending_items(conn, "q", skip={"a"}, limit=2) == ["b", "c"]
        assert pending_items(conn, "q", limit=1) == ["a"] and pending_items(conn, "nope") == []
        assert holds(conn, "q", "d") and not holds(conn, "other", "a")  # done requests still count
        assert request_of(conn, "q", "a") == Entry("q", "a", "why", "hate", "pending")  # the first to arrive
        assert request_of(conn, "q", "d").status == "done" and request_of(conn, "other", "a") is None
        assert [(r.queue, r.item_key, r.status) for r in requests(conn)] == [
            ("other", "c", "pending"), ("q", "a", "pending"), ("q", "b", "pending"), ("q", "a", "pending"),
            ("q", "c", "pending"), ("q", "d", "done")]
        assert pending_summary(conn) == [PendingCount("other", "else", 1), PendingCount("q", "why", 4)]
        assert pending_queues(conn) == ["other", "q"]
        mark_done(conn, "other", "c")
        assert pending_queues(conn) == ["q"]


# Modules that may name the table: its owner, its definition and the migration that creates it.
_MAY_NAME_THE_TABLE = {"data/queue.py", "store/tables.py"}
_SQL_NAMING_IT = re.compile(r"\b(from|join|into|update|table)\s+[\"'`\[]?label_queue\b", re.IGNORECASE)


def _uses_the_queue_table(source: str) -> bool:
    """Whether Python source uses the ``label_queue`` table object (imported, read, written, aliased) or
    names the table in SQL text; prose (docstrings, comments) that merely says "label queue" does not count."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id == "label_queue":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "label_queue":
            return True
        if isinstance(node, ast.alias) and node.name == "label_queue":
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL_NAMING_IT.search(node.value):
            return True
    return False


def test_the_guard_sees_reads_imports_and_sql_text():
    assert _uses_the_queue_table("from flagstone.store.tables import label_queue as lq")
    assert _uses_the_queue_table("from flagstone.store import tables\nq = select(tables.label_queue.c.id)")
    assert _uses_the_queue_table("conn.execute(text('SELECT item_key FROM label_queue WHERE status = :s'))")
    assert _uses_the_queue_table('conn.exec_driver_sql("""select 1\n  from \\"label_queue\\" q""")')
    assert _uses_the_queue_table("def f(conn):\n    return conn.execute(select(label_queue.c.queue)).all()")
    assert not _uses_the_queue_table('"""Work for the label queue; see label_queue docs."""\nx = 1  # label_queue')
    assert not _uses_the_queue_table("from flagstone.data import queue\nqueue.pending_queues(conn)")


def test_only_the_queue_module_reads_or_writes_the_label_queue():
    users = sorted(rel for p in SRC.rglob("*.py")
                   if (rel := p.relative_to(SRC).as_posix()) not in _MAY_NAME_THE_TABLE
                   and not rel.startswith("store/migrations/") and _uses_the_queue_table(p.read_text()))
    assert users == []
