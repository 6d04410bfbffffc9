"""Micro-batching: concurrent requests share model calls, each caller gets its own rows, failures stay local."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from flagstone.errors import ModelError, ServiceUnavailableError
from flagstone.models.fakes import KeywordModel
from flagstone.policy.taxonomy import CATEGORY_INDEX
from flagstone.serving.batcher import MicroBatcher


class CountingModel(KeywordModel):
    """Keyword model that records each predict_proba call and the thread it ran on."""

    def __init__(self, *args, fail_on: str | None = None, **kw) -> None:
        super().__init__(*args, **kw)
        self.calls: list[list[str]] = []
        self.threads: set[str] = set()
        self.fail_on = fail_on

    def predict_proba(self, texts):
        self.calls.append(list(texts))
        self.threads.add(threading.current_thread().name)
        if self.fail_on is not None and self.fail_on in texts:
            raise RuntimeError("poisoned batch")
        return super().predict_proba(texts)


def _run(coro):
    return asyncio.run(coro)


async def _with_batcher(model, fn, *, getter=None, **kw):
    opts = {"max_size": 64, "max_wait_ms": 20.0, "max_chunks": 4} | kw
    batcher = MicroBatcher(getter or (lambda: model), **opts)
    await batcher.start()
    try:
        return await fn(batcher)
    finally:
        await batcher.stop()


def test_concurrent_requests_share_model_calls_and_get_their_own_rows():
    model = CountingModel({"violence": ["hurt"]})
    texts = [[f"calm {i}"] if i % 2 else [f"hurt {i}", f"calm {i}"] for i in range(20)]

    async def go(batcher):
        return await asyncio.gather(*(batcher.submit(t) for t in texts))

    results = _run(_with_batcher(model, go))
    assert len(model.calls) < len(texts)
    assert sum(len(c) for c in model.calls) == sum(len(t) for t in texts)
    v = CATEGORY_INDEX["violence"]
    for req, (scores, info) in zip(texts, results, strict=True):
        assert scores.shape == (len(req), 13) and info.name == "keyword"
        expected = [0.9 if t.startswith("hurt") else 0.05 for t in req]
        assert np.allclose(scores[:, v], expected)
    assert all(name.startswith("flagstone-infer") for name in model.threads)  # off the event loop


def test_batches_respect_max_size():
    model = CountingModel({})

    async def go(batcher):
        return await asyncio.gather(*(batcher.submit(["a", "b"]) for _ in range(10)))

    _run(_with_batcher(model, go, max_size=4))
    assert all(len(c) <= 4 for c in model.calls) and len(model.calls) >= 5


def test_a_failing_batch_fails_only_its_callers():
    model = CountingModel({}, fail_on="poison")

    async def go(batcher):
        bad = asyncio.gather(batcher.submit(["x"]), batcher.submit(["poison"]), return_exceptions=True)
        first = await bad
        later = await batcher.submit(["fine"])  # the loop survived
        return first, later

    (r1, r2), (later, _info) = _run(_with_batcher(model, go))
    for r in (r1, r2):  # both callers shared the poisoned batch
        assert isinstance(r, ModelError) and "poisoned batch" in r.message
    assert later.shape == (1, 13)


def test_requests_in_separate_batches_are_not_failed_by_another_batch():
    model = CountingModel({}, fail_on="poison")

    async def go(batcher):
        ok = await batcher.submit(["before"])
        with pytest.raises(ModelError):
            await batcher.submit(["poison"])
        return ok, await batcher.submit(["after"])

    (ok, _), (after, _) = _run(_with_batcher(model, go, max_wait_ms=0.0))
    assert ok.shape == after.shape == (1, 13)


def test_submit_without_a_model_is_503():
    def no_model():
        raise ServiceUnavailableError("the model is not loaded yet")

    async def go(batcher):
        with pytest.raises(ServiceUnavailableError):
            await batcher.submit(["x"])
        return True

    assert _run(_with_batcher(None, go, getter=no_model)) is True


def test_swap_during_traffic_never_mixes_models_within_a_response():
    from flagstone.models.fakes import ConstantModel
    from flagstone.serving.holder import ModelHolder

    holder = ModelHolder(ConstantModel(0.0, name="old"))

    async def go(batcher):
        async def swapper():
            await asyncio.sleep(0.005)
            holder.swap(ConstantModel(0.99, name="new"))

        first = await batcher.submit(["a"])  # before the swap
        during = await asyncio.gather(*(batcher.submit(["a", "b"]) for _ in range(50)), swapper())
        last = await batcher.submit(["a"])  # after it
        return [first, *during[:-1], last]

    results = _run(_with_batcher(None, go, getter=lambda: holder.current, max_size=8, max_wait_ms=1.0))
    seen = set()
    for scores, info in results:
        expected = 0.0 if info.name == "old" else 0.99
        assert np.allclose(scores, expected)  # the scores come from the model the response names
        seen.add(info.name)
    assert seen == {"old", "new"}


def test_submit_before_start_is_a_clear_error():
    batcher = MicroBatcher(lambda: KeywordModel({}), max_size=8, max_wait_ms=1.0, max_chunks=2)
    with pytest.raises(RuntimeError, match="start"):
        _run(batcher.submit(["x"]))


class GateModel(KeywordModel):
    """Blocks in predict_proba until released; records how many calls run at the same time."""

    def __init__(self) -> None:
        super().__init__({"violence": ["hurt"]})
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self._lock = threading.Lock()
        self.running = self.peak = 0

    def predict_proba(self, texts):
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        self.started.release()
        try:
            assert self.release.wait(10), "test gate never opened"
            return super().predict_proba(texts)
        finally:
            with self._lock:
                self.running -= 1


def test_two_batches_score_at_once_and_each_caller_gets_its_rows():
    model = GateModel()

    async def go(batcher):
        first = asyncio.ensure_future(batcher.submit(["hurt a"]))
        await asyncio.to_thread(model.started.acquire)  # the first batch is inside the model
        second = asyncio.ensure_future(batcher.submit(["calm b", "hurt c"]))
        await asyncio.to_thread(model.started.acquire)  # ...and the second one joined it
        third = asyncio.ensure_future(batcher.submit(["hurt d"]))  # no free slot: waits its turn
        await asyncio.sleep(0.05)
        assert model.running == 2 and not third.done()
        model.release.set()
        return await asyncio.gather(first, second, third)

    results = _run(_with_batcher(model, go, max_wait_ms=0.0, max_in_flight=2))
    v = CATEGORY_INDEX["violence"]
    assert [list(np.round(r[0][:, v], 2)) for r in results] == [[0.9], [0.05, 0.9], [0.9]]
    assert model.peak == 2


def test_one_batch_at_a_time_when_asked():
    model = GateModel()
    model.release.set()

    async def go(batcher):
        return await asyncio.gather(*(batcher.submit([f"hurt {i}"]) for i in range(30)))

    results = _run(_with_batcher(model, go, max_size=2, max_wait_ms=0.0, max_in_flight=1))
    assert len(results) == 30 and model.peak == 1


def test_stop_lets_batches_in_flight_answer_their_callers():
    model = GateModel()

    async def go(batcher):
        pending = asyncio.ensure_future(batcher.submit(["hurt"]))
        await asyncio.to_thread(model.started.acquire)
        threading.Timer(0.05, model.release.set).start()
        await batcher.stop()  # returns once the batch in the model has answered
        assert pending.done()
        scores, _info = pending.result()
        return scores.shape

    batcher = MicroBatcher(lambda: model, max_size=8, max_wait_ms=0.0, max_chunks=2)

    async def main():
        await batcher.start()
        return await go(batcher)

    assert _run(main()) == (1, 13)


def test_max_in_flight_must_be_positive():
    with pytest.raises(ValueError, match="max_in_flight"):
        MicroBatcher(lambda: KeywordModel({}), max_size=8, max_wait_ms=1.0, max_chunks=2, max_in_flight=0)
