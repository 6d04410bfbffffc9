"""A running server follows the registry's production pointer: swaps without restart, zero failed requests."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
import time

import uvicorn
from tests.registry.conftest import keyword_artifact

from flagstone.models.fakes import ConstantModel
from flagstone.registry.watcher import RegistryWatcher
from flagstone.serving.app import create_app
from flagstone.serving.holder import ModelHolder
from flagstone.settings import Settings


def test_check_swaps_once_per_move_and_survives_a_broken_artifact(registry, good_bad, caplog):
    holder = ModelHolder(ConstantModel(0.0))
    w = RegistryWatcher(registry, holder)
    assert w.check() is None  # nothing in production: keep serving what we have
    good, bad = (registry.register(p, actor="ci") for p in good_bad)
    registry.move(good.short, "production", actor="ci")
    assert w.check() == good.version and holder.current.info.name == "good"
    assert w.check() is None and w.swaps == 1
    (bad.path / "manifest.json").write_text("{not json")  # corrupted after registration
    registry.move(bad.short, "production", actor="ci")
    with caplog.at_level(logging.ERROR):
        assert w.check() is None
        assert w.check() is None
    assert holder.current.info.name == "good"  # the broken version never replaced the served model
    assert sum("cannot serve production model" in r.message for r in caplog.records) == 1
    registry.rollback(actor="ci")
    assert w.check() is None  # rollback pointed at good, which is already served
    assert holder.current.info.name == "good"


class _Server:
    def __init__(self, app) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


def _client_loop(port: int, stop: threading.Event, seen: set, failures: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"input": "I will hurt you"})
    while not stop.is_set():
        try:
            conn.request("POST", "/v1/moderations", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                failures.append((resp.status, data[:200]))
            else:
                seen.add(json.loads(data)["model"].split("@")[0])
        except Exception as exc:  # a dropped connection is a failed request too
            failures.append(repr(exc))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.close()


def test_promote_and_rollback_under_concurrent_load_fail_no_request(tmp_path):
    from flagstone.registry.store import ModelRegistry
    from flagstone.store import open_store

    settings = Settings(data_dir=tmp_path / "state", model_dir=tmp_path / "none", batch_max_wait_ms=1.0,
                        registry_poll_seconds=0.02, image_model=None)
    reg = ModelRegistry(open_store(settings))
    a = reg.register(keyword_artifact(tmp_path / "a", {"violence": ["hurt"]}, name="model-a"), actor="ci")
    b = reg.register(keyword_artifact(tmp_path / "b", {"violence": ["kill"]}, name="model-b"), actor="ci")
    reg.move(a.short, "production", actor="ci")
    seen: set = set()
    failures: list = []
    stop = threading.Event()
    with _Server(create_app(settings)) as srv:
        deadline = time.monotonic() + 20
        while srv.server.started and not _ready(srv.port):
            assert time.monotonic() < deadline, "the watcher never loaded the production model"
            time.sleep(0.05)
        clients = [threading.Thread(target=_client_loop, args=(srv.port, stop, seen, failures)) for _ in range(8)]
        for t in clients:
            t.start()
        for _ in range(3):
            time.sleep(0.3)
            reg.move(b.short, "production", actor="ci")
            time.sleep(0.3)
            reg.rollback(actor="ci")
        time.sleep(0.3)
        stop.set()
        for t in clients:
            t.join(timeout=20)
    reg.store.dispose()
    assert failures == []
    assert seen == {"model-a", "model-b"}  # both models answered: the swaps happened live


def _ready(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    finally:
        conn.close()


def _served_model(client) -> str:
    resp = client.post("/v1/moderations", json={"input": "I will hurt you"})
    assert resp.status_code == 200, resp.text
    return resp.json()["model"].split("@")[0]


def _wait_for(pred, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_served_app_follows_the_registry_by_default(tmp_path, caplog):
    """Default settings (no registry_poll_seconds given): production is served at start-up, instead of
    model_dir, and a promotion made while the server runs lands within one 5 s poll, logged old -> new."""
    from fastapi.testclient import TestClient

    from flagstone.registry.store import ModelRegistry
    from flagstone.store import open_store

    settings = Settings(data_dir=tmp_path / "state", image_model=None, batch_max_wait_ms=1.0,
                        model_dir=keyword_artifact(tmp_path / "dir", {"violence": ["hurt"]}, name="model-dir"))
    assert settings.registry_poll_seconds == 5.0
    reg = ModelRegistry(open_store(settings))
    a = reg.register(keyword_artifact(tmp_path / "a", {"violence": ["hurt"]}, name="model-a"), actor="ci")
    b = reg.register(keyword_artifact(tmp_path / "b", {"violence": ["kill"]}, name="model-b"), actor="ci")
    reg.move(a.short, "production", actor="ci")
    with caplog.at_level(logging.INFO, logger="flagstone.registry.watcher"), \
            TestClient(create_app(settings)) as client:
        _wait_for(lambda: client.get("/readyz").status_code == 200, 20)
        assert _served_model(client) == "model-a"
        reg.move(b.short, "production", actor="ci")
        _wait_for(lambda: _served_model(client) == "model-b", 12)
    reg.store.dispose()
    swaps = [r.getMessage() for r in caplog.records if "now serving" in r.getMessage()]
    assert swaps == [f"registry: now serving {a.short} (model-a), swapped from no model",
                     f"registry: now serving {b.short} (model-b), swapped from {a.short}"]


def test_without_a_store_the_app_serves_model_dir_and_creates_no_database(tmp_path):
    from fastapi.testclient import TestClient

    settings = Settings(data_dir=tmp_path / "state", image_model=None, abuse_enabled=False,
                        model_dir=keyword_artifact(tmp_path / "dir", {"violence": ["hurt"]}, name="model-dir"))
    with TestClient(create_app(settings)) as client:
        _wait_for(lambda: client.get("/readyz").status_code == 200, 20)
        assert _served_model(client) == "model-dir"
    assert not (tmp_path / "state" / "flagstone.db").exists()


def test_a_production_model_that_cannot_load_falls_back_to_model_dir(tmp_path):
    from fastapi.testclient import TestClient

    from flagstone.registry.store import ModelRegistry
    from flagstone.store import open_store

    settings = Settings(data_dir=tmp_path / "state", image_model=None,
                        model_dir=keyword_artifact(tmp_path / "dir", {"violence": ["hurt"]}, name="model-dir"))
    reg = ModelRegistry(open_store(settings))
    broken = reg.register(keyword_artifact(tmp_path / "a", {"violence": ["hurt"]}, name="model-a"), actor="ci")
    reg.move(broken.short, "production", actor="ci")
    (broken.path / "manifest.json").write_text("{not json")
    with TestClient(create_app(settings)) as client:
        _wait_for(lambda: client.get("/readyz").status_code == 200, 20)
        assert _served_model(client) == "model-dir"
    reg.store.dispose()
