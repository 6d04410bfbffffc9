"""Issue 19.3: every in-memory index of the abuse capability stays bounded under unique traffic.

A flood of unique texts from many accounts (the soak benchmark's load, in record time) must leave each
rule's state, the monitor's buffers and the request-log queue at a fixed size, bounded both by count
and by age.
"""

from __future__ import annotations

import json
import threading

from flagstone.abuse.monitor import Monitor
from flagstone.abuse.requestlog import RawCall, RequestLogWriter
from flagstone.abuse.rules import SubjectTable, load_shipped_rules, parse_rules
from flagstone.abuse.similarity import WindowIndex

from .conftest import make_record

CATS = ("hate", "violence", "harassment", "sexual")


def _flood(monitor: Monitor, n: int, *, accounts: int, start: float = 0.0, rate: float = 50.0) -> None:
    batch = []
    for i in range(n):
        flags = (CATS[i % 4],) if i % 3 else ()
        batch.append(make_record(start + i / rate, account=f"acct{i % accounts}", flags=flags,
                                 text=f"unique text number {i} with words {i * 7919 % 10007} and more {i}"))
        if len(batch) == 64:
            monitor(batch)
            batch = []
    monitor(batch)


def test_shipped_rules_and_monitor_stay_bounded_by_size_under_unique_texts_and_accounts():
    rules = load_shipped_rules()
    for r in rules:  # small bounds so the test shows them holding; defaults are 50k subjects / 20k items
        object.__setattr__(r.config, "max_subjects", 200)
        object.__setattr__(r.config, "max_window_items", 500)
    rules = parse_rules({"rules": [r.config.model_dump() for r in rules]})
    monitor = Monitor(rules, keep_texts=300, keep_text_chars=10_000)
    _flood(monitor, 6000, accounts=3000, rate=1000.0)  # 6 s of record time: age limits do not apply yet
    sizes = monitor.state_sizes()
    assert sizes["texts"] <= 300 and sizes["text_chars"] <= 10_000
    over = {k: v for k, v in sizes.items() if "." in k and v > 500}
    assert not over, over
    per_subject = {r.config.name for r in rules if r.kind != "mix_drift"}  # mix_drift's window is global
    subject_tables = {k: v for k, v in sizes.items()
                      if k.split(".")[0] in per_subject and k.endswith(("_hits", "_state", "_acc", "._win", "_index"))
                      and not k.startswith("coordinated")}
    assert subject_tables and max(subject_tables.values()) <= 200, subject_tables


def test_state_is_dropped_once_subjects_go_idle_past_the_window():
    monitor = Monitor(load_shipped_rules(), discover_window=600.0, keep_alerts_seconds=3600.0)
    _flood(monitor, 2000, accounts=500, rate=50.0)  # 40 s of traffic from 500 accounts
    busy = monitor.state_sizes()
    # Later, one account alone for longer than every rule's window and state lifetime (the baseline
    # rule keeps a decayed history for ten half-lives: 10 days by default).
    monitor([make_record(40.0 + 11 * 86_400, account="late", text="a new day")])
    later = monitor.state_sizes()
    assert busy["flagged-rate-spike._state"] == 500 and later["flagged-rate-spike._state"] == 1
    assert busy["threshold-probing._index"] == 500 and later["threshold-probing._index"] == 1
    assert busy["coordinated-campaign._index"] > 0 and later["coordinated-campaign._index"] == 0
    assert later["texts"] == 0 and later["alerts"] == 0
    assert all(v <= 1 for k, v in later.items() if k.endswith(("_hits", "_acc", "._win", "_last_alert"))), later


def test_subject_table_bounds_by_size_and_age():
    t = SubjectTable(list, ttl=10.0, max_size=3)
    for i, name in enumerate("abcd"):
        t.touch(name, float(i))
    assert list(t) == ["b", "c", "d"]  # least recently seen dropped past max_size
    t.touch("b", 4.0)
    assert list(t) == ["c", "d", "b"]
    t.touch("e", 13.5)
    assert list(t) == ["b", "e"]  # c (2.0) and d (3.0) idle for more than 10 s


def test_window_index_is_bounded_by_size_within_the_window():
    idx = WindowIndex(3600.0, max_items=100)
    for i in range(1000):
        idx.add(tuple(range(i, i + 32)), float(i) / 100, i)
    assert len(idx) == 100
    assert sum(len(b) for b in idx._buckets.values()) == 100 * 8  # no bucket keeps dropped entries


def test_rule_bounds_are_validated_rule_fields():
    rules = parse_rules({"rules": [{"name": "b", "kind": "burst", "threshold": 5, "max_subjects": 10}]})
    assert rules[0].config.max_subjects == 10


def test_request_log_queue_is_bounded_in_bytes_as_well_as_calls():
    started, release = threading.Event(), threading.Event()

    def slow_sink(_records):
        started.set()
        release.wait(5)

    w = RequestLogWriter(None, batch_size=1, flush_interval=0.01, max_queue_bytes=50_000, sinks=[slow_sink])
    body = json.dumps({"input": "x" * 10_000}).encode()
    resp = json.dumps({"results": [{"categories": {}, "category_scores": {}}]}).encode()
    w.submit(RawCall(0.0, "a", "k", "r0", body, resp))
    assert started.wait(5)
    for i in range(20):
        w.submit(RawCall(1.0, "a", "k", f"r{i + 1}", body, resp))
    assert w.queued_bytes <= 50_000 and w.dropped >= 15
    release.set()
    w.close()
    assert w.queued_bytes == 0
