"""The batched request log: parsing captured calls, content storage modes, purge, bad input."""

from __future__ import annotations

import hashlib
import json
import os
import threading

import pytest
from sqlalchemy import select

from flagstone.abuse import db
from flagstone.abuse.requestlog import (
    RawCall,
    RequestLogWriter,
    keyed_hash,
    keyed_text_key,
    load_hash_key,
    parse_call,
    purge,
    read_log,
)
from flagstone.abuse.similarity import minhash
from flagstone.errors import ConfigError
from flagstone.settings import Settings
from flagstone.text.normalize import text_key

KEY = b"k" * 32


def _call(ts: float, texts, flags_per_text, rid: str = "req1") -> RawCall:
    results = [{"flagged": bool(f), "categories": {"hate": "hate" in f, "violence": "violence" in f},
                "category_scores": {"hate": 0.9 if "hate" in f else 0.1, "violence": 0.2}}
               for f in flags_per_text]
    return RawCall(ts=ts, account="acme", key_id="k1", request_id=rid,
                   request_body=json.dumps({"input": texts}).encode(),
                   response_body=json.dumps({"model": "m@v1", "results": results}).encode())


def test_parse_call_one_record_per_input():
    recs = parse_call(_call(5.0, ["nice day", "I hate them"], [(), ("hate",)]))
    assert [r.flags for r in recs] == [(), ("hate",)]
    assert recs[1].input_len == len("I hate them") and recs[1].model_version == "m@v1"
    assert recs[1].request_id == "req1#1" and len(recs[1].signature) == 32


def test_parse_call_multimodal_parts_are_one_input():
    call = RawCall(1.0, "a", "k", "r", json.dumps({"input": [{"type": "text", "text": "hi"}, {"type": "text", "text": "there"},
                                                              {"type": "image_url", "image_url": {"url": "x"}}]}).encode(),
                   json.dumps({"model": "m", "results": [{"categories": {}, "category_scores": {}}]}).encode())
    assert [r.text for r in parse_call(call)] == ["hi\nthere"]


@pytest.mark.parametrize("req,resp", [(b"not json", b"{}"), (b'{"input": "x"}', b'{"no": "results"}'),
                                      (b'{"input": "x"}', b"[1, 2]")])
def test_malformed_bodies_give_no_records_and_do_not_raise(req, resp):
    assert parse_call(RawCall(1.0, "a", "k", "r", req, resp)) == []


@pytest.mark.parametrize("storage", ["none", "hashed", "full"])
def test_writer_batches_and_stores_content_by_setting(engine, storage):
    seen = []
    w = RequestLogWriter(engine, storage=storage, batch_size=8, flush_interval=0.05, sinks=[seen.extend],
                         hash_key=KEY)
    for i in range(20):
        w.submit(_call(float(i), [f"text number {i}"], [()], rid=f"r{i}"))
    w.close()
    assert w.written == 20 and len(seen) == 20
    with engine.connect() as conn:
        rows = conn.execute(select(db.requests).order_by(db.requests.c.ts)).all()
    assert len(rows) == 20
    expected = {"none": None, "hashed": keyed_text_key("text number 0", KEY), "full": "text number 0"}[storage]
    assert rows[0].content == expected
    # What every mode keeps: keyed hashes only, never the plain SHA-256 a dictionary would reverse.
    plain = hashlib.sha256(b"text number 0").hexdigest()
    assert rows[0].input_hash == keyed_hash("text number 0", KEY) != plain
    assert rows[0].content != text_key("text number 0")
    assert tuple(rows[0].signature) != minhash("text number 0")  # MinHash seeds come from the key too
    assert rows[0].input_len == len("text number 0") and rows[0].scores and rows[0].model_version == "m@v1"
    stored = list(read_log(engine))
    assert [r.ts for r in stored] == [float(i) for i in range(20)]
    assert (stored[0].text is not None) == (storage == "full")
    assert stored[0].signature == seen[0].signature  # rules over the log see the same signatures


def test_unknown_storage_is_config_error(engine):
    with pytest.raises(ConfigError, match="available: none, hashed, full"):
        RequestLogWriter(engine, storage="everything")


def test_full_queue_drops_and_counts_instead_of_blocking():
    started, release = threading.Event(), threading.Event()

    def slow_sink(_records):
        started.set()
        release.wait(5)

    w = RequestLogWriter(None, max_queue=1, batch_size=1, flush_interval=0.01, sinks=[slow_sink])
    w.submit(_call(0.0, ["a"], [()]))
    assert started.wait(5)  # the writer thread is busy with the first call
    w.submit(_call(1.0, ["b"], [()]))  # fills the queue
    w.submit(_call(2.0, ["c"], [()]))  # no room: dropped, and the caller is not blocked
    assert w.dropped == 1
    release.set()
    w.close()
    assert w.written == 2


def test_sink_failure_does_not_lose_the_write(engine):
    def broken(_records):
        raise RuntimeError("sink down")

    w = RequestLogWriter(engine, sinks=[broken], flush_interval=0.05)
    w.submit(_call(1.0, ["a"], [()]))
    w.close()
    assert len(list(read_log(engine))) == 1


@pytest.mark.parametrize("storage", ["hashed", "full"])
def test_purge_clears_old_content_and_deletes_old_rows(engine, storage):
    w = RequestLogWriter(engine, storage=storage, flush_interval=0.05)
    for ts in (0.0, 50.0, 100.0):
        w.submit(_call(ts, [f"t{ts}"], [()], rid=str(ts)))
    w.close()
    assert purge(engine, content_retention=60, now=120.0) == (2, 0)
    with engine.connect() as conn:
        assert [r.content is None for r in conn.execute(select(db.requests).order_by(db.requests.c.ts))] == \
            [True, True, False]
    assert purge(engine, content_retention=60, row_retention=100, now=120.0, actor="test") == (0, 1)
    assert [r.ts for r in read_log(engine)] == [50.0, 100.0]  # the row is gone, not just its text
    with engine.connect() as conn:
        audit = conn.execute(select(db.audit).where(db.audit.c.action == "purge_request_log")).all()
    assert [(a.actor, a.details["rows_deleted"]) for a in audit] == [("test", 1)]


def test_writer_runs_the_scheduled_purge_itself_and_deletes_rows_in_every_mode(engine):
    now = [1000.0]
    w = RequestLogWriter(engine, storage="none", flush_interval=0.02, retention=100, purge_every=0.0,
                         clock=lambda: now[0])
    w.submit(_call(800.0, ["old text"], [()], rid="old"))
    w.submit(_call(950.0, ["new text"], [()], rid="new"))
    w.flush()
    w.submit(_call(990.0, ["another"], [()], rid="later"))  # the next loop purges before writing it
    w.close()
    assert [r.ts for r in read_log(engine)] == [950.0, 990.0] and w.deleted == 1


def test_hash_key_is_made_once_per_installation_and_kept_private(tmp_path):
    settings = Settings(data_dir=tmp_path)
    key = load_hash_key(settings)
    assert len(key) == 64 and load_hash_key(settings) == key  # the same key on every start and worker
    assert os.stat(tmp_path / "request_log.key").st_mode & 0o077 == 0
    assert load_hash_key(Settings(data_dir=tmp_path, request_log_hash_key="s" * 20)) == b"s" * 20
    other = load_hash_key(Settings(data_dir=tmp_path / "other"))
    assert other != key and keyed_hash("hello", key) != keyed_hash("hello", other)
