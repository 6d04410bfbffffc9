"""Serving fixtures: a keyword model, the OpenAI response schema, an in-process client and a live server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from flagstone.models.fakes import KeywordModel
from flagstone.serving.app import create_app
from flagstone.settings import Settings

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "openai_moderation_response.schema.json"
KEYWORDS = {"violence": ["hurt", "kill"], "hate": ["vermin"], "self-harm/intent": ["end it all"],
            "sexual": ["nsfwword"]}


@pytest.fixture
def keyword_model() -> KeywordModel:
    return KeywordModel(KEYWORDS, name="flagstone-test")


@pytest.fixture(scope="session")
def check_response() -> Callable[[dict], dict]:
    """Validate a /v1/moderations response body against OpenAI's response schema; return it."""
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))

    def check(body: dict) -> dict:
        validator.validate(body)
        return body

    return check


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Image parts go to the pixel-reading fake, so serving tests never need the optional nudenet.
    return Settings(data_dir=tmp_path, model_dir=tmp_path / "no-model", batch_max_wait_ms=1.0,
                    image_model="fake-red")


@pytest.fixture
def client(settings: Settings, keyword_model: KeywordModel) -> Iterator[TestClient]:
    with TestClient(create_app(settings, model=keyword_model), raise_server_exceptions=False) as c:
        yield c


class LiveServer:
    """Run an app with uvicorn in a background thread on a free loopback port."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


@pytest.fixture
def serve() -> Callable[[FastAPI], LiveServer]:
    """``with serve(app) as server:`` runs ``app`` on a free loopback port."""
    return LiveServer


@pytest.fixture
def live_server(settings: Settings, keyword_model: KeywordModel) -> Iterator[LiveServer]:
    with LiveServer(create_app(settings, model=keyword_model)) as server:
        yield server
