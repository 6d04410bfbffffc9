"""The application around the endpoint: lazy model loading, readiness, models, swap, docs, errors."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from flagstone.models.base import ModelInfo
from flagstone.models.fakes import ConstantModel, KeywordModel
from flagstone.models.kinds import write_manifest
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.serving.app import create_app
from flagstone.serving.deps import OPENAI_ALIASES


def _keyword_artifact(directory: Path) -> Path:
    directory.mkdir(parents=True)
    write_manifest(directory, {"kind": "keyword", "name": "kw-artifact", "keywords": {"violence": ["hurt"]}})
    return directory


def _wait_ready(client: TestClient, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = client.get("/readyz")
        if resp.status_code == 200:
            return resp.json()
        time.sleep(0.02)
    raise AssertionError(f"never ready: {resp.json()}")


def test_model_is_loaded_lazily_from_model_dir_at_startup(settings, tmp_path):
    settings = settings.model_copy(update={"model_dir": _keyword_artifact(tmp_path / "kw")})
    app = create_app(settings)
    assert not app.state.models.ready  # nothing loaded at construction
    with TestClient(app) as c:
        ready = _wait_ready(c)
        assert ready["status"] == "ready" and ready["model"].startswith("kw-artifact@")
        body = c.post("/v1/moderations", json={"input": "I will hurt you"}).json()
        assert body["results"][0]["categories"]["violence"] is True


def test_missing_artifact_gives_503_with_the_reason_but_healthz_is_ok(settings, caplog):
    caplog.set_level(logging.ERROR, logger="flagstone.serving.lifespan")
    with TestClient(create_app(settings)) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        for _ in range(100):  # the load runs in a worker thread; wait until it has failed
            err = c.get("/readyz").json()["error"]
            if "manifest.json missing" in err["message"]:
                break
            time.sleep(0.02)
        assert err["code"] == "not_ready" and "manifest.json missing" in err["message"]
        resp = c.post("/v1/moderations", json={"input": "hi"})
        assert resp.status_code == 503 and resp.json()["error"]["type"] == "server_error"
        assert c.get("/v1/models").status_code == 503
    assert any("cannot load the model" in r.message for r in caplog.records)


def test_list_models_has_openai_shape_with_aliases(client):
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    ids = [m["id"] for m in body["data"]]
    assert ids[0].startswith("flagstone-test@") and "flagstone-test" in ids
    assert set(OPENAI_ALIASES) <= set(ids)
    assert all(m["object"] == "model" and m["owned_by"] == "flagstone" and isinstance(m["created"], int)
               for m in body["data"])


def test_flagstone_model_exposes_thresholds_for_every_category(client, keyword_model):
    body = client.get("/v1/flagstone/model").json()
    assert list(body["thresholds"]) == list(CATEGORIES)
    assert body["thresholds"] == keyword_model.info.thresholds
    assert body["input_types"]["violence"] == ["text"] and body["max_tokens"] == keyword_model.info.max_tokens


def test_swap_serves_the_new_model_without_restart(client):
    assert client.post("/v1/moderations", json={"input": "calm"}).json()["results"][0]["flagged"] is False
    old = client.app.state.models.swap(ConstantModel(0.99, name="always"))
    assert old.info.name == "flagstone-test"
    body = client.post("/v1/moderations", json={"input": "calm"}).json()
    assert body["model"].startswith("always@") and body["results"][0]["flagged"] is True
    with pytest.raises(TypeError, match="does not implement Moderator"):
        client.app.state.models.swap(object())


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/v1/moderations"]["post"]
    assert "requestBody" in op and {"/v1/models", "/readyz", "/healthz", "/v1/flagstone/model"} <= set(spec["paths"])
    # Validation errors are documented as they are returned: 400 in OpenAI's envelope, never 422.
    assert "422" not in op["responses"] and op["responses"]["400"]["content"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    props = spec["components"]["schemas"]["Categories"]["properties"]
    assert list(props) == list(CATEGORIES)
    assert "Flagstone" in client.get("/docs").text


def test_playground_page_is_self_contained(client):
    html = client.get("/").text
    assert all(f'data-category="{c}"' in html for c in CATEGORIES)
    assert 'label for="text"' in html and "/v1/moderations" in html and "/v1/flagstone/model" in html
    assert "http://" not in html.replace("http://127", "") and "https://" not in html  # no CDN


def test_unknown_route_and_method_get_envelopes(client):
    assert client.get("/v2/whatever").json()["error"]["message"] == "Invalid URL (GET /v2/whatever)"
    resp = client.delete("/v1/moderations")
    assert resp.status_code == 405 and resp.json()["error"]["code"] == "method_not_allowed"


class _BrokenInfo(ModelInfo):
    """Model metadata whose id is broken: a bug, not bad input."""

    @property
    def id(self) -> str:
        raise RuntimeError("boom")


class _BrokenModel(ConstantModel):
    @property
    def info(self) -> ModelInfo:
        return _BrokenInfo(name="broken", version="0" * 64, thresholds={c: 0.5 for c in CATEGORIES})


def test_unexpected_exception_is_a_logged_500_envelope(settings, caplog):
    caplog.set_level(logging.ERROR, logger="flagstone.serving.errors")
    with TestClient(create_app(settings, model=_BrokenModel()), raise_server_exceptions=False) as c:
        resp = c.get("/readyz")
    assert resp.status_code == 500
    assert resp.json()["error"] == {"message": "The server had an error while processing your request.",
                                    "type": "server_error", "param": None, "code": "internal_error"}
    assert "boom" not in resp.text  # internals are logged, not returned
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)


class _Exploding(KeywordModel):
    def predict_proba(self, texts):
        raise RuntimeError("onnx session died")


def test_model_failure_is_a_500_model_error_envelope(settings, caplog):
    caplog.set_level(logging.ERROR)
    with TestClient(create_app(settings, model=_Exploding({})), raise_server_exceptions=False) as c:
        resp = c.post("/v1/moderations", json={"input": "hi"})
        assert c.get("/healthz").status_code == 200  # the server keeps going
    assert resp.status_code == 500
    err = resp.json()["error"]
    assert err["code"] == "model_error" and "onnx session died" in err["message"]


def test_error_envelope_is_json_for_every_status(client):
    for resp in (client.get("/nope"), client.post("/v1/moderations", content=b"{")):
        assert resp.headers["content-type"] == "application/json"
        json.loads(resp.text)


def test_the_heap_alive_at_startup_is_frozen_for_the_collector_and_released_at_shutdown(settings, tmp_path):
    import gc

    gc.unfreeze()
    # An injected model...
    with TestClient(create_app(settings, model=ConstantModel(0.1))) as client:
        assert gc.get_freeze_count() > 0  # app, model and modules: out of the full collections' reach
        assert client.post("/v1/moderations", json={"input": "hi"}).status_code == 200
    assert gc.get_freeze_count() == 0
    # ...and one loaded from model_dir in the background.
    loaded = settings.model_copy(update={"model_dir": _keyword_artifact(tmp_path / "kw")})
    with TestClient(create_app(loaded)) as client:
        _wait_ready(client)
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
