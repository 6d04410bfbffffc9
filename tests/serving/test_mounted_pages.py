"""create_app mounts the annotator UI (/ui) and the abuse admin pages (/admin) beside the API.

On that app HTML forms reach the pages (issue 18: the body guard answered 415 to every form POST, so
nobody could log in), the API still takes JSON only, and no state-changing page route accepts a
request from another site, in any auth mode (issue 19, point 5).
"""

from __future__ import annotations

import re

import fastapi.routing
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from flagstone.serving.app import create_app
from flagstone.serving.body import cross_site_reason, is_browser_page
from flagstone.settings import Settings


def test_labeling_ui_login_page_is_served(client):
    resp = client.get("/ui/login")
    assert resp.status_code == 200
    assert "text/html" in resp.headers["content-type"]
    assert 'name="password"' in resp.text and 'name="csrf"' in resp.text


def test_ui_pages_need_a_session(client):
    resp = client.get("/ui/", follow_redirects=False)
    assert resp.status_code in (302, 303)
    assert resp.headers["location"].endswith("/ui/login")


def test_the_login_form_is_accepted_but_the_api_still_takes_json_only(client):
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/login").text).group(1)
    r = client.post("/ui/login", data={"username": "nobody", "password": "not a password", "csrf": token})
    assert r.status_code == 401 and "Wrong username or password" in r.text  # the route ran: no 415
    r = client.post("/v1/moderations", data={"input": "hello"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    assert "application/json" in r.json()["error"]["message"]
    r = client.post("/ui/login", content=b"username=x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and "HTML form" in r.json()["error"]["message"]


MODES = {
    "loopback, keys not required": {},
    "keys required": {"auth_enabled": True},
    "abuse off (no admin pages)": {"abuse_enabled": False},
}
CROSS_SITE = [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
              {"Origin": "https://evil.example"}, {"Origin": "null"},
              {"Referer": "http://evil.example/page.html"}, {"Origin": "http://testserver:8080"}]


def _writes(app) -> list[tuple[str, str]]:
    """(method, concrete path) of every state-changing route under /ui and /admin."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)  # FastAPI 0.16x includes routers lazily
    flat = [(rc.path, rc.original_route) for rc in iterate(app.routes)] if iterate else [(r.path, r) for r in app.routes]
    return [(m, re.sub(r"\{[^}]+\}", "1", path)) for path, r in flat if isinstance(r, APIRoute)
            for m in sorted(r.methods) if m in {"POST", "PUT", "PATCH", "DELETE"} and is_browser_page(path)]


@pytest.mark.parametrize("mode", MODES)
def test_every_state_changing_page_route_refuses_other_sites(tmp_path, keyword_model, mode):
    settings = Settings(data_dir=tmp_path, model_dir=tmp_path / "none", image_model="fake-red", **MODES[mode])
    app = create_app(settings, model=keyword_model)
    with TestClient(app, raise_server_exceptions=False) as client:
        writes = _writes(app)
        assert ("POST", "/ui/login") in writes and ("POST", "/ui/account/password") in writes
        assert (("POST", "/admin/keys/1/revoke") in writes) == settings.abuse_enabled
        for method, path in writes:
            for headers in CROSS_SITE:
                r = client.request(method, path, data={"csrf": "x"}, headers=headers, follow_redirects=False)
                assert r.status_code == 403, (method, path, headers, r.status_code)
                assert r.json()["error"]["code"] == "cross_site_request", (method, path, headers)
        # The same request from the server's own page reaches the route (which answers for itself).
        for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}, {}):
            r = client.post("/ui/login", data={"csrf": "x", "username": "a", "password": "b"}, headers=headers)
            assert r.status_code == 403 and "Form expired" in r.text  # the route's own CSRF check, not ours


def test_a_cross_site_revoke_on_a_loopback_server_changes_nothing(client):
    keys = client.app.state.abuse.keys
    _, info = keys.create("acme")
    r = client.post(f"/admin/keys/{info.id}/revoke", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and keys.get(info.id).active
    r = client.post(f"/admin/keys/{info.id}/revoke", headers={"Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200 and not keys.get(info.id).active  # open admin on loopback, same origin


def test_the_api_is_not_subject_to_the_origin_check(client):
    r = client.post("/v1/moderations", json={"input": "hello"}, headers={"Origin": "https://app.example"})
    assert r.status_code == 200  # browsers calling the API cross-origin carry a key, not a cookie


@pytest.mark.parametrize(("headers", "refused"), [
    ({"host": "mod.example.com", "origin": "https://mod.example.com"}, False),  # TLS proxy keeping Host
    ({"host": "mod.example.com:443", "origin": "https://mod.example.com"}, False),
    ({"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"}, False),
    ({"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:9000"}, True),  # another local app
    ({"host": "127.0.0.1:8000", "origin": "http://localhost:8000"}, True),
    ({"host": "127.0.0.1:8000", "origin": "null"}, True),
    ({"host": "127.0.0.1:8000", "referer": "http://127.0.0.1:8000/ui/login"}, False),
    ({"host": "127.0.0.1:8000", "referer": "https://evil.example/"}, True),
    ({"host": "127.0.0.1:8000", "sec-fetch-site": "none"}, False),  # typed by the user
    ({"host": "127.0.0.1:8000", "sec-fetch-site": "same-origin", "origin": "https://proxy.example"}, False),
    ({"host": "127.0.0.1:8000"}, False),  # not a browser: no cookie of a visitor to ride on
])
def test_cross_site_reason(headers, refused):
    assert (cross_site_reason(headers) is not None) == refused
