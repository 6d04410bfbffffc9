"""Builds a store with a current policy version, items in a queue, gold, and accounts (UI tests).

The UI is served by the app ``flagstone serve`` builds (``create_app(settings)``: the same body guard,
abuse middleware and admin pages), over the store's database, never by a bare app with one router.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
import yaml
from fastapi import FastAPI
from tests.labeling.conftest import make_policy

from flagstone.labeling.ui import work
from flagstone.models.fakes import KeywordModel
from flagstone.policy.versions import import_policy, set_current
from flagstone.serving.app import create_app
from flagstone.settings import Settings
from flagstone.store import open_store
from flagstone.store.engine import Store, utcnow
from flagstone.store.tables import dataset_items, datasets, items, label_queue
from flagstone.text.normalize import text_key

TEXTS = ["you absolute idiot", "lovely weather today", "I will punch you", "they are vermin", "gold text here"]
PASSWORD = "correct horse battery"


def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ui.db'}"


def ui_settings(tmp_path: Path, url: str | None = None, **overrides) -> Settings:
    """Settings for ``create_app`` over the store :func:`build_store` made (loopback, keys not required)."""
    base = dict(data_dir=tmp_path, database_url=url or db_url(tmp_path), model_dir=tmp_path / "no-model",
                image_model="fake-red", batch_max_wait_ms=1.0, ui_secret_key="test-secret-key-0123456789",
                labeling_gold_rate=0.0)
    return Settings(**{**base, **overrides})


def ui_app(settings: Settings) -> FastAPI:
    """The app ``flagstone serve`` builds for these settings, with a keyword model instead of the artifact."""
    return create_app(settings, model=KeywordModel({"harassment": ["idiot"]}, name="kw"))


def build_store(tmp_path: Path, url: str | None = None) -> Store:
    store = open_store(url=url or db_url(tmp_path), data_dir=tmp_path)
    pol = tmp_path / "policy.yaml"
    pol.write_text(yaml.safe_dump(make_policy().model_dump(mode="json")), encoding="utf-8")
    version, _ = import_policy(store, pol)
    now = utcnow()
    with store.begin() as conn:
        set_current(conn, version)
        conn.execute(items.insert(), [dict(key=text_key(t), text=t, created_at=now) for t in TEXTS])
        ds = conn.execute(datasets.insert().values(name="pool", created_at=now).returning(datasets.c.id)).scalar_one()
        conn.execute(dataset_items.insert(), [dict(dataset_id=ds, item_key=text_key(t)) for t in TEXTS])
        conn.execute(label_queue.insert(), [
            dict(queue="al-batch-1", item_key=text_key(t), category=None, reason="active_learning",
                 priority=float(10 - i), status="pending", policy_version_id=None, created_at=now)
            for i, t in enumerate(TEXTS[:4])])
    work.add_gold(store, text_key(TEXTS[4]), {"harassment": False, "hate": False})
    work.create_user(store, "ada", PASSWORD, "admin")
    work.create_user(store, "ann", PASSWORD, "annotator")
    work.create_user(store, "vic", PASSWORD, "viewer")
    return store


@contextmanager
def serve_ui(settings: Settings) -> Iterator[str]:
    """The app ``flagstone serve`` builds, on a real uvicorn server in a thread on a free loopback port;
    yields its base URL."""
    app = ui_app(settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def log_in(page, url: str, username: str = "ann") -> None:  # type: ignore[no-untyped-def]
    """Sign in through the UI's login form in a browser page (Playwright), as a person would."""
    page.goto(url + "/ui/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/ui/")


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)
