"""Build the FastAPI application: ``create_app(settings, model=None)``; nothing is loaded at import.

Routes: ``POST /v1/moderations`` (OpenAI's), ``GET /v1/models`` (OpenAI's list, with the aliases),
``GET /v1/flagstone/model`` (Flagstone extension: per-category thresholds, used by the playground),
``GET /healthz``, ``GET /readyz``, ``GET /`` (playground), ``/docs`` and ``/openapi.json``.
The served model lives in ``app.state.models`` (a :class:`ModelHolder`; ``swap()`` promotes a new one).
"""

from __future__ import annotations

from fastapi import FastAPI

from flagstone import __version__
from flagstone.images.base import ImageModerator
from flagstone.models.base import Moderator
from flagstone.serving.batcher import MicroBatcher
from flagstone.serving.body import BodyGuard
from flagstone.serving.errors import install_error_handlers
from flagstone.serving.holder import ModelHolder
from flagstone.serving.images import ImageModelSlot, make_fetcher
from flagstone.serving.lifespan import make_lifespan
from flagstone.serving.openapi import install_openapi
from flagstone.serving.routes import health, models, moderations, playground
from flagstone.serving.routes import shadow as shadow_routes
from flagstone.settings import Settings, _is_loopback, load_settings


def create_app(settings: Settings, model: Moderator | None = None,
               image_model: ImageModerator | None = None) -> FastAPI:
    app = FastAPI(title="Flagstone", version=__version__, lifespan=make_lifespan(settings, model),
                  description="Open, self-hostable content moderation with an OpenAI-compatible API.")
    app.state.settings = settings
    app.state.models = ModelHolder(threads=settings.inference_threads)
    app.state.batcher = MicroBatcher(lambda: app.state.models.current, max_size=settings.batch_max_size,
                                     max_wait_ms=settings.batch_max_wait_ms,
                                     max_chunks=settings.max_chunks_per_input,
                                     decode_views=settings.decode_defence,
                                     max_in_flight=settings.batch_max_in_flight)
    # Image parts: the image model (``settings.image_model``, built on first use unless injected).
    app.state.image_models = ImageModelSlot(settings.image_model, image_model)
    app.state.image_fetcher = make_fetcher(settings)
    for module in (moderations, models, health, playground):
        app.include_router(module.router)
    app.include_router(shadow_routes.router)
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(BodyGuard, max_body_bytes=settings.max_body_bytes)
    if settings.abuse_enabled:  # API keys (401), per-key rate limits (429), request log, detection, /admin
        from flagstone.abuse.http import install_abuse

        install_abuse(app, settings)
    elif not _is_loopback(settings.host):
        from flagstone.abuse.access import KeysOffGuard

        app.add_middleware(KeysOffGuard)  # keys off on a public address: routes that expose traffic stay shut
    from flagstone.labeling.ui import install_ui

    install_ui(app, settings)  # annotator pages under /ui (store opened on first use)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and ``flagstone serve``: settings from file and environment."""
    return create_app(load_settings())
