"""The request log: every moderation call, written in batches off the request path.

The HTTP edge only captures raw bytes (:class:`RawCall`) and puts them on a queue; a background
thread parses them into :class:`~flagstone.abuse.base.RequestRecord`, writes a batch in one
transaction and hands the batch to the sinks (the detection monitor). What is stored of the content
is a setting:

* ``none``    no content. Every mode keeps the input's keyed hash (``input_hash``), its length, the
              scores, flags, thresholds, model version, and a keyed MinHash signature (for the
              near-duplicate rules over the log)
* ``hashed``  also the keyed hash of the normalised text, which survives evasions and matches known
              texts hashed with the same key (:func:`keyed_text_key`)
* ``full``    also the text itself

Hashes are HMAC-SHA256 under the installation's secret (:func:`load_hash_key`: the setting
``request_log_hash_key``, else a random key kept in ``data_dir/request_log.key``), and the MinHash
seeds are derived from it too: without the secret, nobody can hash a dictionary of likely texts and
match them against the log, as they could with plain SHA-256.

Retention: :func:`purge` deletes rows older than the retention and clears stored content older than
the content retention (if shorter); the writer thread runs it every ``purge_every`` seconds, and
``flagstone logs purge`` runs it on demand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from flagstone.abuse import db
from flagstone.abuse.base import RequestRecord
from flagstone.abuse.similarity import minhash
from flagstone.errors import ConfigError

if False:  # typing only (no import cycle at run time)
    from flagstone.settings import Settings
from flagstone.text.normalize import normalize

log = logging.getLogger(__name__)
ContentStorage = Literal["none", "hashed", "full"]
STORAGE_MODES: tuple[str, ...] = ("none", "hashed", "full")
Sink = Callable[[list[RequestRecord]], None]


@dataclass(frozen=True)
class RawCall:
    """What the HTTP edge captures: cheap to build, parsed later in the writer thread."""

    ts: float
    account: str
    key_id: str
    request_id: str
    request_body: bytes
    response_body: bytes
    thresholds: dict | None = None
    status: int = 200  # anything else is a refusal: logged without content (see refusal_of)
    error: str = ""  # the error envelope's code
    path: str = ""
    body_len: int = 0  # of a refused request, whose body is not kept


REFUSED = "refused:"  # model_version prefix of a refused request's row: "refused:<status>:<code> <path>"


def refusal_of(model_version: str) -> tuple[int, str]:
    """``(status, "code path")`` of a stored row (200 and "" for a served request).

    Refusals reuse the ``model_version`` column (no schema change): a row of a refused request
    has no model, no scores and no content.
    """
    if not model_version.startswith(REFUSED):
        return 200, ""
    status, _, rest = model_version[len(REFUSED):].partition(":")
    return (int(status) if status.isdigit() else 0), rest


KEY_FILE = "request_log.key"
_PROCESS_KEY = secrets.token_bytes(32)  # writers built without an installation key (tests, tools)


def load_hash_key(settings: Settings) -> bytes:
    """The installation's secret for keyed hashes: the setting, else ``data_dir/request_log.key``
    (made once, 256 random bits, readable by the owner only; every worker process reads the same)."""
    if settings.request_log_hash_key:
        return settings.request_log_hash_key.encode("utf-8")
    path = settings.data_dir / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ConfigError(f"{path}: the request-log hash key is too short (delete it to make a new one, "
                              "which changes every hash from then on)") from None
        return key.encode("ascii")
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    log.info("request log: made a new hash key in %s", path)
    return key.encode("ascii")


def keyed_hash(text: str, key: bytes) -> str:
    """HMAC-SHA256 of the text's UTF-8 bytes (hex)."""
    return hmac.new(key, text.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def keyed_text_key(text: str, key: bytes) -> str:
    """The keyed counterpart of ``text_key``: HMAC of the case-folded normalised text."""
    return keyed_hash(" ".join(normalize(text).casefold().split()), key)


def minhash_salt(key: bytes) -> int:
    return int.from_bytes(hmac.new(key, b"minhash", hashlib.sha256).digest()[:8], "big")


def _texts(inp: object) -> list[str]:
    if isinstance(inp, str):
        return [inp]
    if isinstance(inp, list) and all(isinstance(x, str) for x in inp):
        return list(inp)
    if isinstance(inp, list):  # content parts: one result for the whole list, text parts joined as served
        return ["\n".join(p.get("text", "") for p in inp if isinstance(p, dict) and p.get("type") == "text")]
    return []


def parse_call(call: RawCall, hash_key: bytes = _PROCESS_KEY) -> list[RequestRecord]:
    """Turn one captured call into one record per input; malformed bodies give no records.

    A refused call gives one record without content (its body is neither parsed nor hashed).
    """
    if call.status != 200:
        return [RequestRecord(ts=call.ts, account=call.account, key_id=call.key_id, input_hash="",
                              input_len=call.body_len, scores={}, flags=(), model_version="",
                              request_id=f"{call.request_id}#0", status=call.status,
                              refusal=f"{call.error} {call.path}".strip()[:100])]
    try:
        req = json.loads(call.request_body)
        resp = json.loads(call.response_body)
        results = resp["results"]
    except (ValueError, KeyError, TypeError):
        log.warning("request log: could not parse call %s; skipped", call.request_id)
        return []
    texts = _texts(req.get("input") if isinstance(req, dict) else None)
    if len(texts) != len(results):
        log.warning("request log: call %s has %d inputs but %d results", call.request_id, len(texts),
                    len(results))
    model = str(resp.get("model", ""))
    salt = minhash_salt(hash_key)
    out = []
    for i, (text, res) in enumerate(zip(texts, results, strict=False)):
        cats = res.get("categories", {})
        out.append(RequestRecord(
            ts=call.ts, account=call.account, key_id=call.key_id,
            input_hash=keyed_hash(text, hash_key), input_len=len(text),
            scores={k: float(v) for k, v in res.get("category_scores", {}).items()},
            flags=tuple(k for k, v in cats.items() if v), model_version=model,
            thresholds=dict(call.thresholds or {}), signature=minhash(text, salt), text=text,
            request_id=f"{call.request_id}#{i}"))
    return out


def _row(rec: RequestRecord, storage: str, hash_key: bytes) -> dict:
    content = None
    if storage == "hashed" and rec.text is not None:
        content = keyed_text_key(rec.text, hash_key)
    elif storage == "full":
        content = rec.text
    return {"request_id": rec.request_id, "ts": rec.ts, "account": rec.account, "key_id": rec.key_id,
            "input_hash": rec.input_hash, "input_len": rec.input_len, "scores": rec.scores,
            "flags": list(rec.flags), "thresholds": rec.thresholds,
            "model_version": f"{REFUSED}{rec.status}:{rec.refusal}"[:128] if rec.refused else rec.model_version,
            "signature": list(rec.signature), "content": content,
            "content_kind": storage if content is not None else None}


def _size(item: RawCall | RequestRecord) -> int:
    if isinstance(item, RawCall):
        return len(item.request_body) + len(item.response_body) + 200
    return len(item.text or "") + 200


class RequestLogWriter:
    """Queue + background thread that writes records in batches and feeds the sinks."""

    def __init__(self, engine: Engine | None, *, storage: str = "none", batch_size: int = 64,
                 flush_interval: float = 0.05, max_queue: int = 100_000, max_queue_bytes: int = 64_000_000,
                 sinks: list[Sink] | None = None,
                 retention: float | None = None, content_retention: float | None = None,
                 purge_every: float = 300.0, hash_key: bytes | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if storage not in STORAGE_MODES:
            raise ConfigError(f"unknown content storage {storage!r}; available: {', '.join(STORAGE_MODES)}")
        self.engine, self.storage = engine, storage
        self.batch_size, self.flush_interval = batch_size, flush_interval
        self.sinks = list(sinks or [])
        # The scheduled purge, run by the writer thread itself every ``purge_every`` seconds (no separate
        # scheduler to deploy): rows older than ``retention`` are deleted, stored content older than
        # ``content_retention`` is cleared.
        self.retention, self.content_retention = retention, content_retention
        self.purge_every, self.clock = purge_every, clock
        self.hash_key = hash_key or _PROCESS_KEY
        self.deleted = 0
        self._next_purge = time.monotonic()
        self.purged = 0
        self.cpu_seconds = 0.0  # CPU time the writer thread spent on batches (parse, write, sinks)
        self.dropped = 0
        self.written = 0
        # The queue is bounded in calls and in bytes (request + response bodies): when the writer falls
        # behind under load, what waits for it must not grow with the request rate.
        self.max_queue_bytes = max_queue_bytes
        self.queued_bytes = 0
        self._bytes_lock = threading.Lock()
        self._q: queue.Queue = queue.Queue(maxsize=max_queue)
        self._thread = threading.Thread(target=self._run, name="flagstone-request-log", daemon=True)
        self._stopping = False
        self._wake = threading.Event()
        self._thread.start()

    def submit(self, item: RawCall | RequestRecord) -> None:
        """Never blocks the request: when the queue is full the call is counted as dropped."""
        size = _size(item)
        try:
            with self._bytes_lock:
                if self.queued_bytes + size > self.max_queue_bytes:
                    raise queue.Full
                self._q.put_nowait(item)
                self.queued_bytes += size
            if self._q.qsize() >= self.batch_size:
                self._wake.set()
        except queue.Full:
            self.dropped += 1
            if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
                log.warning("request log queue full: %d calls dropped so far", self.dropped)

    def _maybe_purge(self) -> None:
        if (self.retention is None and self.content_retention is None) or self.engine is None \
                or time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + self.purge_every
        try:
            cleared, deleted = purge(self.engine, content_retention=self.content_retention,
                                     row_retention=self.retention, now=self.clock(), actor="scheduled purge")
            self.purged += cleared
            self.deleted += deleted
            if cleared or deleted:
                log.info("request log: deleted %d rows and cleared the content of %d past retention",
                         deleted, cleared)
        except Exception:
            log.exception("request log: scheduled purge failed")

    def _run(self) -> None:
        # The thread sleeps a whole flush_interval and then drains the queue, instead of blocking on
        # get() per item: a consumer woken by every put would take the GIL once per request and slow
        # the request threads far more than the writing itself. flush(), close() and a full batch
        # wake it early. The interval is short (50 ms) so that each wake-up does a few milliseconds of
        # work: at 0.5 s a wake-up parsed, hashed and wrote a few hundred calls at once, a burst that
        # held the GIL and a core long enough to stall the micro-batch in flight and double the
        # server's p99 latency at 32 clients (benchmarks/serving.py).
        while True:
            self._maybe_purge()
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            while True:
                batch = []
                while len(batch) < self.batch_size:
                    try:
                        batch.append(self._q.get_nowait())
                    except queue.Empty:
                        break
                if not batch:
                    break
                self._process(batch)
            if self._stopping and self._q.empty():
                return

    def _process(self, batch: list) -> None:
        cpu = time.thread_time()
        try:
            self._handle(batch)
        except Exception:  # keep the writer alive whatever one batch does
            log.exception("request log: batch of %d calls failed", len(batch))
        finally:
            self.cpu_seconds += time.thread_time() - cpu
            with self._bytes_lock:
                self.queued_bytes -= sum(map(_size, batch))
            for _ in batch:
                self._q.task_done()

    def _handle(self, batch: list[RawCall | RequestRecord]) -> None:
        records: list[RequestRecord] = []
        for item in batch:
            records.extend(parse_call(item, self.hash_key) if isinstance(item, RawCall) else [item])
        if not records:
            return
        if self.engine is not None:
            with self.engine.begin() as conn:
                conn.execute(insert(db.requests), [_row(r, self.storage, self.hash_key) for r in records])
        self.written += len(records)
        for sink in self.sinks:
            try:
                sink(records)
            except Exception:
                log.exception("request log sink %r failed", sink)

    def flush(self) -> None:
        """Wait until everything submitted so far is written and seen by the sinks."""
        if not self._thread.is_alive():
            return  # closed: nothing will drain the queue any more
        self._wake.set()
        self._q.join()

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        self.flush()
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout=5 + self.flush_interval)


def read_log(engine: Engine, *, since: float | None = None, until: float | None = None,
             account: str | None = None) -> Iterator[RequestRecord]:
    """Stored records in time order (text is present only with content storage ``full``)."""
    t = db.requests
    q = select(t).order_by(t.c.ts, t.c.request_id)
    if since is not None:
        q = q.where(t.c.ts >= since)
    if until is not None:
        q = q.where(t.c.ts < until)
    if account is not None:
        q = q.where(t.c.account == account)
    with engine.connect() as conn:
        for r in conn.execute(q):
            status, refusal = refusal_of(r.model_version)
            yield RequestRecord(ts=r.ts, account=r.account, key_id=r.key_id, input_hash=r.input_hash,
                                input_len=r.input_len, scores=r.scores, flags=tuple(r.flags),
                                model_version="" if status != 200 else r.model_version,
                                thresholds=r.thresholds, signature=tuple(r.signature), request_id=r.request_id,
                                text=r.content if r.content_kind == "full" else None, status=status,
                                refusal=refusal)


def purge(engine: Engine, *, content_retention: float | None = None, row_retention: float | None = None,
          now: float | None = None, actor: str | None = None) -> tuple[int, int]:
    """Delete rows older than ``row_retention`` seconds and clear stored content (text or keyed hash)
    older than ``content_retention``. Returns ``(contents_cleared, rows_deleted)``; with an ``actor``,
    a purge that removed anything is recorded in the audit log."""
    now = time.time() if now is None else now
    t = db.requests
    with engine.begin() as conn:
        deleted = cleared = 0
        if row_retention is not None:
            deleted = conn.execute(delete(t).where(t.c.ts < now - row_retention)).rowcount
        if content_retention is not None:
            cleared = conn.execute(update(t).where(t.c.ts < now - content_retention, t.c.content_kind.is_not(None))
                                   .values(content=None, content_kind=None)).rowcount
        if actor and (deleted or cleared):
            conn.execute(insert(db.audit).values(ts=now, actor=actor, action="purge_request_log",
                                                 target="request_log", details={
                                                     "rows_deleted": deleted, "contents_cleared": cleared,
                                                     "row_retention": row_retention,
                                                     "content_retention": content_retention}))
    return cleared, deleted
