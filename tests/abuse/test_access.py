"""Who may call which route: every route of the app ``flagstone serve`` builds, walked with no key, a
moderate-only key and an admin key (issue 19, point 1: the shadow route leaked other users' texts)."""

from __future__ import annotations

import re

import fastapi.routing
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from flagstone.abuse.access import required_scope
from flagstone.serving.app import create_app_from_env


class FakeShadow:
    """What a shadow scorer's summary holds: recent texts from other users' traffic."""

    def summary(self) -> dict:
        return {"compared": 1, "examples": [{"text": "another user's private message"}]}

    def close(self) -> None:
        pass


@pytest.fixture
def served(tmp_path, monkeypatch):
    """The app as ``flagstone serve --host 0.0.0.0`` builds it (settings from the environment)."""
    monkeypatch.setenv("FLAGSTONE_HOST", "0.0.0.0")
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FLAGSTONE_MODEL_DIR", str(tmp_path / "no-model"))  # auth is checked before the model
    monkeypatch.setenv("FLAGSTONE_IMAGE_MODEL", "fake-red")
    app = create_app_from_env()
    with TestClient(app, raise_server_exceptions=False) as client:
        app.state.shadow = FakeShadow()
        keys = app.state.abuse.keys
        moderate, _ = keys.create("user", scopes=("moderate",))
        admin, _ = keys.create("ops", scopes=("moderate", "admin"))
        yield client, moderate, admin


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _flat_routes(app) -> list[tuple[str, object]]:
    """(path, route) for every route, with the routers FastAPI includes lazily (0.16x) flattened."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    if iterate is None:  # older FastAPI: included routes are plain routes with their full path
        return [(r.path, r) for r in app.routes]
    return [(rc.path, rc.original_route) for rc in iterate(app.routes)]


def _routes(app) -> list[tuple[str, str]]:
    out = []
    for path, route in _flat_routes(app):
        if isinstance(route, Mount):
            out.append(("GET", path + "/x"))
        elif isinstance(route, APIRoute | Route):
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    out.append((method, path))
    return out


def _call(client, method, path, key=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.request(method, _concrete(path), headers=headers, json={} if method != "GET" else None,
                          follow_redirects=False)


def test_every_route_is_closed_to_anonymous_callers_unless_public(served):
    client, _, _ = served
    routes = _routes(client.app)
    assert ("GET", "/v1/flagstone/shadow") in routes and len(routes) > 20
    for method, path in routes:
        need = required_scope(_concrete(path))
        r = _call(client, method, path)
        if need is not None:
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.json()["error"]["code"] == "invalid_api_key"
        elif path.startswith("/admin") and path != "/admin/login":
            assert r.status_code == 401, (method, path, r.status_code)  # the admin pages' own check
        elif path.startswith("/ui") and path not in ("/ui/login",):
            # the labeling UI's own login: a redirect to it, a refusal, or the login page; never data
            assert r.status_code in (303, 307, 400, 401, 403, 404, 415, 422) or "login" in r.text.lower(), (method, path)
        else:
            assert r.status_code not in (401, 403), (method, path, r.status_code)


def test_admin_scope_routes_refuse_a_moderate_key_and_admit_an_admin_key(served):
    client, moderate, admin = served
    admin_routes = [(m, p) for m, p in _routes(client.app) if required_scope(_concrete(p)) == "admin"]
    assert ("GET", "/v1/flagstone/shadow") in admin_routes
    for method, path in admin_routes:
        r = _call(client, method, path, moderate)
        assert r.status_code == 403, (method, path, r.status_code)
        assert r.json()["error"]["code"] == "insufficient_permissions"
        assert _call(client, method, path, admin).status_code not in (401, 403), (method, path)


def test_shadow_examples_reach_only_an_admin(served):
    client, moderate, admin = served
    for key in (None, "fsk_made_up", moderate):
        r = client.get("/v1/flagstone/shadow", headers={"Authorization": f"Bearer {key}"} if key else {})
        assert r.status_code in (401, 403) and "private message" not in r.text
    r = client.get("/v1/flagstone/shadow", headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 200 and r.json()["examples"][0]["text"] == "another user's private message"


def test_moderate_routes_take_a_moderate_key(served):
    client, moderate, _ = served
    for path in ("/v1/models", "/v1/flagstone/model"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers={"Authorization": f"Bearer {moderate}"}).status_code not in (401, 403)


@pytest.mark.parametrize("path", ["/v1/flagstone/shadow", "/v1/flagstone/anything-new", "/v1/other",
                                  "/internal", "/v1/flagstone/shadow/"])
def test_unlisted_and_traffic_paths_need_admin(path):
    assert required_scope(path) == "admin"


@pytest.mark.parametrize("path", ["/", "/healthz", "/readyz", "/docs", "/openapi.json"])
def test_public_paths(path):
    assert required_scope(path) is None


def test_keys_off_on_a_public_address_keeps_traffic_routes_shut(tmp_path, monkeypatch):
    monkeypatch.setenv("FLAGSTONE_HOST", "0.0.0.0")
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FLAGSTONE_MODEL_DIR", str(tmp_path / "no-model"))
    monkeypatch.setenv("FLAGSTONE_ABUSE_ENABLED", "false")
    app = create_app_from_env()
    with TestClient(app, raise_server_exceptions=False) as client:
        app.state.shadow = FakeShadow()
        r = client.get("/v1/flagstone/shadow")
        assert r.status_code == 403 and "private message" not in r.text
        assert client.get("/healthz").status_code == 200


def test_loopback_development_server_stays_open(tmp_path, monkeypatch):
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FLAGSTONE_MODEL_DIR", str(tmp_path / "no-model"))
    app = create_app_from_env()
    with TestClient(app, raise_server_exceptions=False) as client:
        app.state.shadow = FakeShadow()
        assert client.get("/v1/flagstone/shadow").status_code == 200
