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
