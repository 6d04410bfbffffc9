"""Admin sign-in on the app that ``flagstone serve`` builds: the cookie is a signed server-side session
id, never the key; logout and revocation end it on the server; guessing is throttled (issue 19, 5-6)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from flagstone.models.fakes import KeywordModel
from flagstone.serving.app import create_app
from flagstone.settings import Settings


@pytest.fixture
def admin(tmp_path):
    """``(client, keys, admin_key)`` with keys required, as on a public address."""
    settings = Settings(data_dir=tmp_path, model_dir=tmp_path / "none", image_model="fake-red", auth_enabled=True,
                        ui_secret_key="admin-test-secret-0123456789")
    with TestClient(create_app(settings, model=KeywordModel({"hate": ["vermin"]}, name="kw")),
                    raise_server_exceptions=False) as client:
        keys = client.app.state.abuse.keys
        plain, _ = keys.create("ops", scopes=("admin",))
        yield client, keys, plain


def test_the_cookie_is_a_session_id_that_logout_ends_on_the_server(admin):
    client, _, key = admin
    r = client.post("/admin/login", json={"key": key})
    assert r.status_code == 200 and r.json() == {"redirect": "/admin/incidents"}
    cookie = client.cookies.get("flagstone_admin")
    secret = key.split("_", 2)[2]
    assert cookie and secret not in r.headers["set-cookie"] and key.split("_")[1] not in cookie
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    assert client.get("/admin/keys").status_code == 200
    assert client.post("/admin/logout").json() == {"redirect": "/admin/login"}
    assert client.get("/admin/keys").status_code == 401
    client.cookies.set("flagstone_admin", cookie, path="/admin")  # a copy taken before logout
    assert client.get("/admin/keys").status_code == 401
    client.cookies.clear()
    client.cookies.set("flagstone_admin_key", key)  # the raw key as cookie (earlier versions) opens nothing
    assert client.get("/admin/keys").status_code == 401


def test_revoking_the_key_ends_its_sessions(admin):
    client, keys, key = admin
    client.post("/admin/login", json={"key": key})
    other, _ = keys.create("ops", scopes=("admin",))
    with TestClient(client.app) as second:
        second.post("/admin/login", json={"key": other})
        key_id = key.split("_")[1]
        assert second.post(f"/admin/keys/{key_id}/revoke").status_code == 200
        assert second.get("/admin/keys").status_code == 200
        assert client.get("/admin/keys").status_code == 401  # the revoked key's browser is signed out
        keys.revoke(other.split("_")[1], actor="cli")  # revoked elsewhere (the CLI): refused at the next request
        assert second.get("/admin/keys").status_code == 401
    client.cookies.clear()
    assert client.post("/admin/login", json={"key": key}).status_code == 401


def test_admin_sign_ins_are_throttled_per_address(admin):
    client, _, key = admin
    for i in range(10):
        r = client.post("/admin/login", json={"key": f"fsk_{i:012x}_guess"})
        assert r.status_code == 401
    r = client.post("/admin/login", json={"key": key})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limit_exceeded"
    assert 0 < int(r.headers["Retry-After"]) <= 900
    with TestClient(client.app, client=("10.1.2.3", 4000)) as elsewhere:
        assert elsewhere.post("/admin/login", json={"key": key}).status_code == 200


def test_cross_site_admin_writes_are_refused_with_keys_on(admin):
    client, keys, key = admin
    client.post("/admin/login", json={"key": key})
    _, info = keys.create("acme")
    r = client.post(f"/admin/keys/{info.id}/revoke", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "cross_site_request"
    assert keys.get(info.id).active
