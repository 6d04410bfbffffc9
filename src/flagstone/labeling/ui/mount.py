"""Mount the annotator UI on an app: the labeling pages and the admin's gold page, under ``/ui``."""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI

from flagstone.labeling.ui.auth import Signer
from flagstone.labeling.ui.gold_routes import router as gold_router
from flagstone.labeling.ui.routes import UIState, router
from flagstone.settings import Settings
from flagstone.store.engine import Store

log = logging.getLogger(__name__)


def install_ui(app: FastAPI, settings: Settings, store: Store | None = None) -> None:
    secret = settings.ui_secret_key
    if secret is None:
        log.warning("ui_secret_key is not set: using a random key, UI sessions end when the server restarts")
        secret = secrets.token_urlsafe(32)
    app.state.labeling_ui = UIState(settings, Signer(secret), secret, store)
    app.include_router(router, prefix="/ui")
    app.include_router(gold_router, prefix="/ui")
