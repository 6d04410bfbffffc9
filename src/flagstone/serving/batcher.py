"""Micro-batching: gather concurrent requests into one model call run off the event loop.

Requests queue up; one loop takes the first waiting request, then keeps collecting until the batch
holds ``max_size`` texts or ``max_wait_ms`` has passed, and scores the whole batch with one
``score_texts`` call in a worker thread (the event loop stays free; the encoder spreads the batch's
texts over its own threads). Each caller gets its own rows back. If a batch fails, only its callers
get the error.

Up to ``max_in_flight`` batches are scored at once (default 2): while one batch is finishing (its
Python post-processing, then the event loop answering its callers, both on one core) the next one can
already encode on the other. On 2 cores under 32 clients the gain was within run-to-run noise, and
about 0.3 of the 2 cores still sits idle (benchmarks/results/serving.md). Scores do not depend on
which texts share a batch or what runs beside it (the encoder runs one text per call), so overlapping
batches changes timing only.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from flagstone.errors import FlagstoneError, ModelError
from flagstone.models.base import ModelInfo, Moderator
from flagstone.models.decoding import DecodingModel
from flagstone.models.scoring import score_texts

log = logging.getLogger(__name__)


@dataclass
class _Job:
    texts: Sequence[str]
    future: asyncio.Future = field(repr=False)


class MicroBatcher:
    def __init__(self, get_model: Callable[[], Moderator], *, max_size: int, max_wait_ms: float,
                 max_chunks: int, decode_views: bool = False, max_in_flight: int = 2) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self._get_model = get_model
        # Also score decoded views (base64, ROT13, spaced-out letters…) and keep the max per category:
        # the red-team defence (flagstone.models.decoding). Ordinary text has no views and costs nothing more.
        self.decode_views = decode_views
        self.max_size, self.max_wait = max_size, max_wait_ms / 1000.0
        self.max_chunks = max_chunks
        self._queue: asyncio.Queue[_Job] | None = None
        self._task: asyncio.Task | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._running: set[asyncio.Task] = set()
        self.batches_run = 0  # observable for tests and metrics
        # Called with (texts, scores, model info) after each scored batch, e.g. shadow scoring
        # (flagstone.registry.shadow); must return at once, and a failing observer fails no request.
        self.observers: list[Callable[[Sequence[str], np.ndarray, ModelInfo], None]] = []

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._slots = asyncio.Semaphore(self.max_in_flight)
        self._pool = ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="flagstone-infer")
        self._task = asyncio.create_task(self._run(), name="flagstone-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        for task in list(self._running):  # batches still scoring: let them answer their callers
            try:
                await task
            except asyncio.CancelledError:
                pass
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._task = self._pool = None

    async def submit(self, texts: Sequence[str]) -> tuple[np.ndarray, ModelInfo]:
        """Score ``texts`` as part of the next batch; return their rows and the model that scored them."""
        if self._queue is None:
            raise RuntimeError("MicroBatcher.start() was not awaited")
        self._get_model()  # fail fast (503) before queueing when no model is loaded
        future = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(texts, future))
        return await future

    async def _collect(self) -> list[_Job]:
        assert self._queue is not None
        jobs = [await self._queue.get()]
        size = len(jobs[0].texts)
        # Wait for company only when other batches are scoring (there is traffic to gather); an idle
        # server scores a lone request at once (at one client: p50 7.3 -> 4.5 ms with 2 ms waits).
        wait = self.max_wait if self._running else 0.0
        deadline = asyncio.get_running_loop().time() + wait
        while size < self.max_size:
            try:
                job = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    job = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            jobs.append(job)
            size += len(job.texts)
        return jobs

    async def _run(self) -> None:
        assert self._slots is not None
        while True:
            await self._slots.acquire()  # a free slot first, so a batch gathers while others score
            try:
                jobs = await self._collect()
            except BaseException:
                self._slots.release()
                raise
            jobs = [j for j in jobs if not j.future.done()]  # callers that went away
            if not jobs:
                self._slots.release()
                continue
            task = asyncio.create_task(self._score(jobs))
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        assert self._slots is not None
        self._slots.release()

    async def _score(self, jobs: list[_Job]) -> None:
        loop = asyncio.get_running_loop()
        texts = [t for j in jobs for t in j.texts]
        try:
            model = self._get_model()
            scorer = DecodingModel(model, max_chunks=self.max_chunks) if self.decode_views else model
            scores = await loop.run_in_executor(self._pool, score_texts, scorer, texts, self.max_chunks)
        except FlagstoneError as exc:
            self._fail(jobs, exc)
            return
        except Exception as exc:  # a model bug must not kill the loop or other batches
            log.exception("scoring a batch of %d texts failed", len(texts))
            self._fail(jobs, ModelError(f"the model failed to score this batch: {exc}"))
            return
        self.batches_run += 1
        for observe in self.observers:
            try:
                observe(texts, scores, model.info)
            except Exception:
                log.exception("a batch observer failed; the batch is unaffected")
        start = 0
        for job in jobs:
            if not job.future.done():
                job.future.set_result((scores[start:start + len(job.texts)], model.info))
            start += len(job.texts)

    @staticmethod
    def _fail(jobs: list[_Job], exc: FlagstoneError) -> None:
        for job in jobs:
            if not job.future.done():
                job.future.set_exception(copy.copy(exc))  # one instance each: tracebacks do not mix
