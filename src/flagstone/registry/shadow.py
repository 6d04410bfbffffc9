"""Shadow mode: a candidate scores live traffic next to production without changing any response.

The serving batcher hands each scored batch to :meth:`ShadowScorer.observe`, which only enqueues it
(a bounded queue: when the candidate falls behind, batches are dropped and counted, never waited
for). A worker thread scores the texts with the candidate and compares flag decisions, each model at
its own thresholds. :meth:`summary` gives the disagreement rate overall and per category and recent
examples; texts are kept only when ``keep_text`` (request_log_content "full"), else as hashes.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections import deque
from collections.abc import Sequence

import numpy as np

from flagstone.models.base import ModelInfo, Moderator
from flagstone.policy.taxonomy import CATEGORIES, flag_matrix

log = logging.getLogger(__name__)


def _flags(scores: np.ndarray, info: ModelInfo) -> np.ndarray:
    return flag_matrix(scores, np.array([info.thresholds[c] for c in CATEGORIES]))


class ShadowScorer:
    def __init__(self, candidate: Moderator, *, max_pending: int = 64, keep_examples: int = 50,
                 keep_text: bool = False) -> None:
        self.candidate = candidate
        self.keep_text = keep_text
        self._queue: queue.Queue = queue.Queue(maxsize=max_pending)
        self._lock = threading.Lock()
        self.n = self.disagreements = self.dropped = self.errors = 0
        self.per_category = np.zeros(len(CATEGORIES), dtype=np.int64)
        self.production: str | None = None
        self.examples: deque = deque(maxlen=keep_examples)
        self._thread = threading.Thread(target=self._work, name="flagstone-shadow", daemon=True)
        self._thread.start()

    def observe(self, texts: Sequence[str], scores: np.ndarray, info: ModelInfo) -> None:
        """Called by the batcher: enqueue and return at once."""
        try:
            self._queue.put_nowait((list(texts), np.array(scores, copy=True), info))
        except queue.Full:
            with self._lock:
                self.dropped += len(texts)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self.compare(*item)
            except Exception as exc:  # the candidate failing must not stop shadowing or serving
                with self._lock:
                    self.errors += 1
                log.warning("shadow model %s failed on a batch: %s", self.candidate.info.id, exc)
            finally:
                self._queue.task_done()

    def compare(self, texts: list[str], prod_scores: np.ndarray, prod_info: ModelInfo) -> None:
        cand_scores = self.candidate.predict_proba(texts)
        a, b = _flags(prod_scores, prod_info), _flags(cand_scores, self.candidate.info)
        differ = a != b
        rows = differ.any(axis=1)
        with self._lock:
            self.production = prod_info.id
            self.n += len(texts)
            self.disagreements += int(rows.sum())
            self.per_category += differ.sum(axis=0)
            for i in np.flatnonzero(rows):
                t = texts[i]
                self.examples.append({
                    "text": t if self.keep_text else None,
                    "text_sha256": hashlib.sha256(t.encode("utf-8")).hexdigest(),
                    "production_flags": [c for c, f in zip(CATEGORIES, a[i], strict=True) if f],
                    "candidate_flags": [c for c, f in zip(CATEGORIES, b[i], strict=True) if f]})

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every enqueued batch is compared (tests and shutdown)."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        done.wait(timeout)

    def close(self) -> None:
        try:
            self._queue.put(None, timeout=10)
        except queue.Full:  # pragma: no cover - the worker is stuck; it is a daemon thread
            log.warning("shadow worker did not drain; leaving it")
        self._thread.join(timeout=10)

    def summary(self) -> dict:
        with self._lock:
            return {"candidate": self.candidate.info.id, "production": self.production, "texts": self.n,
                    "disagreements": self.disagreements,
                    "disagreement_rate": self.disagreements / self.n if self.n else None,
                    "per_category": {c: int(k) for c, k in zip(CATEGORIES, self.per_category, strict=True) if k},
                    "dropped": self.dropped, "errors": self.errors, "examples": list(self.examples)}
