"""Startup and shutdown: start the micro-batcher and load the model off the event loop.

Unless a model was injected, the model loads in a worker thread, so ``/healthz`` answers at once
while ``/readyz`` and the API answer 503 (with the load error, if any) until the model is in
``app.state.models``. With ``registry_poll_seconds`` > 0 (the default) and a store in place, that
model is the registry's production version when there is one, else ``settings.model_dir``; the
watcher then polls the production pointer and swaps promotions in live
(:mod:`flagstone.registry.watcher`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from flagstone.errors import FlagstoneError
from flagstone.models.base import Moderator
from flagstone.models.kinds import load_model
from flagstone.serving.holder import ModelHolder
from flagstone.settings import Settings

log = logging.getLogger(__name__)


async def _load(holder: ModelHolder, settings: Settings) -> None:
    try:
        holder.swap(await asyncio.to_thread(load_model, settings.model_dir))
        settle_heap()
        log.info("model %s loaded from %s", holder.current.info.id, settings.model_dir)
    except FlagstoneError as exc:
        holder.load_error = exc.message
        log.error("cannot load the model: %s", exc.message)


def settle_heap() -> None:
    """Move everything alive now (the app, the model, imported modules) out of the collector's reach.

    CPython's full collections walk every tracked object; with the app and a model loaded that is
    hundreds of thousands of objects that will live as long as the process, and each such pass stalled
    the event loop and the micro-batch in flight for tens of milliseconds: the p99 latency at 32
    clients fell from about 115 ms to 70 ms with this (benchmarks/serving.py). Garbage made later is
    collected as usual, and frozen objects are still freed by reference counting when their last
    reference goes (a model swapped out later is released like any other).
    """
    gc.collect()
    gc.freeze()


def make_lifespan(settings: Settings, model: Moderator | None
                  ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder: ModelHolder = app.state.models
        if model is not None:
            holder.swap(model)
            settle_heap()
        load = (lambda: _load(holder, settings)) if model is None else None
        if settings.registry_poll_seconds > 0:  # serve the registry's production model, swapped live
            from flagstone.registry.watcher import follow

            abuse = getattr(app.state, "abuse", None)  # its engine is open on the same database
            starting = asyncio.create_task(follow(
                holder, settings, engine=getattr(abuse, "engine", None), load_model_dir=load,
                on_start=lambda w: setattr(app.state, "registry_watcher", w), settle=settle_heap))
        else:
            starting = asyncio.create_task(load()) if load is not None else None
        await app.state.batcher.start()
        shadow = None
        if settings.shadow_model_dir is not None:  # a candidate scoring traffic next to production
            from flagstone.registry.shadow import ShadowScorer

            shadow = ShadowScorer(await asyncio.to_thread(load_model, settings.shadow_model_dir),
                                  keep_text=settings.request_log_content == "full")
            app.state.shadow = shadow
            app.state.batcher.observers.append(shadow.observe)
        try:
            yield
        finally:
            if shadow is not None:
                shadow.close()
            if starting is not None and not starting.done():
                starting.cancel()
                await asyncio.gather(starting, return_exceptions=True)
            await app.state.batcher.stop()
            gc.unfreeze()  # an app shut down inside a longer-lived process (tests) leaves nothing pinned

    return lifespan
