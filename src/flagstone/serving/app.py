"""Build the FastAPI application: ``create_app(settings, model=None)``.

Nothing is loaded at import. At startup (lifespan) the micro-batcher starts and, unless a model was
injected, the artifact at ``settings.model_dir`` loads in a worker thread: ``/healthz`` answers at
once, ``/readyz`` and the API answer 503 until the model is in ``app.state.models``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from flagstone import __version__
from flagstone.errors import FlagstoneError
from flagstone.models.base import Moderator
from flagstone.models.registry import load_model
from flagstone.serving.batcher import MicroBatcher
from flagstone.serving.body import BodyGuard
from flagstone.serving.errors import install_error_handlers
from flagstone.serving.holder import ModelHolder
from flagstone.serving.routes import health, models, moderations, playground
from flagstone.settings import Settings, load_settings

log = logging.getLogger(__name__)


async def _load(holder: ModelHolder, settings: Settings) -> None:
    try:
        holder.swap(await asyncio.to_thread(load_model, settings.model_dir))
        log.info("model %s loaded from %s", holder.current.info.id, settings.model_dir)
    except FlagstoneError as exc:
        holder.load_error = exc.message
        log.error("cannot load the model: %s", exc.message)


def create_app(settings: Settings, model: Moderator | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder: ModelHolder = app.state.models
        loading = asyncio.create_task(_load(holder, settings)) if model is None else None
        if model is not None:
            holder.swap(model)
        await app.state.batcher.start()
        try:
            yield
        finally:
            if loading is not None and not loading.done():
                loading.cancel()
            await app.state.batcher.stop()

    app = FastAPI(title="Flagstone", version=__version__, lifespan=lifespan,
                  description="Open, self-hostable content moderation with an OpenAI-compatible API.")
    app.state.settings = settings
    app.state.models = ModelHolder()
    app.state.batcher = MicroBatcher(lambda: app.state.models.current, max_size=settings.batch_max_size,
                                     max_wait_ms=settings.batch_max_wait_ms,
                                     max_chunks=settings.max_chunks_per_input)
    for module in (moderations, models, health, playground):
        app.include_router(module.router)
    install_error_handlers(app)
    app.add_middleware(BodyGuard, max_body_bytes=settings.max_body_bytes)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (and ``flagstone serve``): settings from file and environment."""
    return create_app(load_settings())
