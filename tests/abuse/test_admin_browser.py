"""The admin pages on the app ``flagstone serve`` builds: index, request log (filters, content only
within retention), incidents with times and evidence, key revocation that asks first and refreshes the
table in place; every page in Chromium at phone (390 px) and desktop (1280 px) width, same-origin only."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from tests.page_checks import (
    WIDTHS,
    check_page,
    open_page,
    visible_in_viewport_width,
)
from tests.serving.conftest import LiveServer

from flagstone.abuse import admin, db
from flagstone.abuse.base import Alert
from flagstone.models.fakes import KeywordModel
from flagstone.serving.app import create_app
from flagstone.settings import Settings

DAY = 86400.0


def _settings(tmp_path):
    return Settings(data_dir=tmp_path, model_dir=tmp_path / "none", image_model="fake-red", auth_enabled=True,
                    ui_secret_key="admin-pages-secret-0123456789", request_log_content="full",
                    request_log_content_retention_days=1.0, batch_max_wait_ms=1.0)


def _row(request_id, ts, account, key_id, text, model_version="kw", flags=()):
    return dict(request_id=request_id, ts=ts, account=account, key_id=key_id, input_hash="0" * 64,
                input_len=len(text), scores={}, flags=list(flags), thresholds={}, model_version=model_version,
                signature=[], content=text, content_kind="full")


def _seed(app):
    """Requests of two accounts (one past the content retention, one refused) and an incident."""
    abuse = app.state.abuse
    now = time.time()
    with abuse.engine.begin() as conn:
        conn.execute(insert(db.requests), [
            _row("r1#0", now - 60, "acme", "k1", "those people are vermin", flags=("hate",)),
            _row("r2#0", now - 2 * DAY, "acme", "k1", "an old secret text"),
            _row("r3#0", now - 30, "zeta", "k2", "hello there"),
            _row("r4#0", now - 10, "zeta", "k2", "", model_version=f"{admin.REFUSED}429:rate_limited /v1/moderations"),
        ])
    abuse.incidents.raise_alerts([Alert(rule="burst", kind="rate", ts=now - 120, subject="account:acme", severity="high",
                                 message="acme sent 500 flagged requests", accounts=("acme",),
                                 request_ids=("r1#0",))])
    return now


@pytest.fixture
def admin_client(tmp_path):
    app = create_app(_settings(tmp_path), model=KeywordModel({"hate": ["vermin"]}, name="kw"))
    with TestClient(app, raise_server_exceptions=False) as client:
        plain, _ = app.state.abuse.keys.create("ops", scopes=("admin",))
        _seed(app)
        client.headers["Authorization"] = f"Bearer {plain}"
        yield client


def test_request_log_query_filters_and_hides_text_past_retention(admin_client):
    engine = admin_client.app.state.abuse.engine
    rows = admin.query_requests(engine, content_retention_s=DAY)
    assert [r.request_id for r in rows] == ["r4#0", "r3#0", "r1#0", "r2#0"]  # newest first
    by_id = {r.request_id: r for r in rows}
    assert by_id["r1#0"].content == "those people are vermin"
    assert by_id["r2#0"].content is None and by_id["r2#0"].content_note == "past retention"
    assert (by_id["r4#0"].status, by_id["r4#0"].refusal) == (429, "rate_limited /v1/moderations")
    assert [r.request_id for r in admin.query_requests(engine, account="acme")] == ["r1#0", "r2#0"]
    assert [r.request_id for r in admin.query_requests(engine, key_id="k2", status=200)] == ["r3#0"]
    assert [r.request_id for r in admin.query_requests(engine, status=429)] == ["r4#0"]
    assert [r.request_id for r in admin.query_requests(engine, since=time.time() - 45)] == ["r4#0", "r3#0"]


def test_admin_pages_over_http(admin_client):
    index = admin_client.get("/admin")
    assert index.status_code == 200 and 'id="open-count">1<' in index.text
    page = admin_client.get("/admin/requests", params={"account": "acme"}).text
    assert "those people are vermin" in page and "an old secret text" not in page and "past retention" in page
    assert "hello there" not in page
    r = admin_client.get("/admin/requests", params={"since": "yesterday"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "since"
    detail = admin_client.get("/admin/incidents/1").text
    assert 'id="opened">' in detail and " UTC<" in detail and "acme sent 500 flagged requests" in detail
    assert "/admin/requests?account=acme" in detail and "r1#0" in detail  # evidence: accounts and requests
    r = admin_client.post("/admin/incidents/1/notes", json={"text": "n" * 100_000})
    assert r.status_code == 400 and "5000" in r.json()["error"]["message"]
    assert "nnnnn" not in admin_client.get("/admin/incidents/1").text
    anonymous = TestClient(admin_client.app)
    r = anonymous.get("/admin", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"


@pytest.fixture
def live_admin(tmp_path):
    app = create_app(_settings(tmp_path), model=KeywordModel({"hate": ["vermin"]}, name="kw"))
    with LiveServer(app) as server:
        plain, _ = app.state.abuse.keys.create("ops", scopes=("admin",))
        _seed(app)
        yield server, app, plain


def _sign_in(browser, server, key, width):
    ctx = browser.new_context(viewport={"width": width, "height": 844})
    page = ctx.new_page()
    page.goto(server.url + "/admin")
    page.wait_for_url("**/admin/login")
    page.fill("input[name=key]", key)
    page.click("form[action='/admin/login'] button")
    page.wait_for_url("**/admin/incidents")
    return ctx, page


def test_revoking_a_key_asks_first_and_refreshes_the_table_in_place(browser, live_admin):
    server, app, key = live_admin
    _, victim = app.state.abuse.keys.create("acme", scopes=("moderate",), name="ci")
    ctx, page = _sign_in(browser, server, key, 1280)
    page.goto(server.url + "/admin/keys")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    row = page.locator(f'tr[data-key="{victim.id}"]')
    page.once("dialog", lambda d: d.dismiss())  # "Cancel": nothing happens
    row.locator("button.revoke").click()
    page.wait_for_timeout(300)
    assert app.state.abuse.keys.get(victim.id).active
    messages = []
    page.once("dialog", lambda d: (messages.append(d.message), d.accept()))
    row.locator("button.revoke").click()
    page.wait_for_function(f"document.querySelector('tr[data-key=\"{victim.id}\"] .state').textContent.startsWith('revoked')")
    assert victim.id in messages[0] and "cannot be undone" in messages[0]
    assert not app.state.abuse.keys.get(victim.id).active
    assert page.evaluate("window.__sameDocument") is True  # refreshed without a reload
    assert "revoked" in page.locator("#done").inner_text()
    page.goto(server.url + "/admin/incidents/1")
    page.evaluate("window.__sameDocument = true")
    page.fill("textarea[name=text]", "looked at it")
    page.click("text=Add note")
    page.wait_for_function("document.getElementById('notes').textContent.includes('looked at it')")
    assert page.evaluate("window.__sameDocument") is True
    ctx.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_admin_page_fits_a_phone_and_a_desktop(browser, live_admin, tmp_path, width):
    server, _, key = live_admin
    ctx, _ = _sign_in(browser, server, key, width)
    for path, name, sel in (("/admin", "admin-index", "#summary"), ("/admin/incidents", "admin-incidents", "#incidents"),
                            ("/admin/incidents/1", "admin-incident", "#evidence"),
                            ("/admin/requests?account=acme", "admin-requests", "#requests"),
                            ("/admin/keys", "admin-keys", "#keys")):
        opened = open_page(browser, server.url + path, width, context=ctx)
        check_page(opened, name, tmp_path)
        assert visible_in_viewport_width(opened.page, sel), (path, sel)
        opened.page.close()
    opened = open_page(browser, server.url + "/admin/login", width, context=browser.new_context())
    check_page(opened, "admin-login", tmp_path)
    ctx.close()
