"""The labeling UI in a real headless Chromium (Debian's ``chromium`` at /usr/bin/chromium), via Playwright.

Log in, label three items with the keyboard only, and find the labels stored with the annotator and
the policy version; a page of another site that posts forms to the server changes nothing. The server
is the app ``flagstone serve`` builds. Without the browser: fails when ``CI`` is set, skips with the
reason otherwise.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from tests.browser import require_chromium
from tests.labeling.ui_setup import PASSWORD, TEXTS, build_store, log_in, serve_ui, ui_settings
from tests.page_checks import WIDTHS, check_page, open_page, visible_in_viewport_width

from flagstone.abuse.db import open_engine
from flagstone.abuse.keys import KeyStore
from flagstone.labeling.tables import ui_feedback
from flagstone.policy.versions import current_hash
from flagstone.store.tables import annotators, labels, policy_versions
from flagstone.text.normalize import text_key

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path):
    require_chromium()
    store = build_store(tmp_path)
    try:
        with serve_ui(ui_settings(tmp_path, labeling_gold_rate=0.0)) as url:
            yield url, store
    finally:
        store.dispose()


def test_log_in_and_label_three_items_with_the_keyboard(server, context):
    url, store = server
    page = context.new_page()
    page.goto(url + "/ui/")
    page.fill("#username", "ann")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/ui/")
    page.goto(url + "/ui/queue/al-batch-1")
    # Item 1: harassment (key 1) then submit with Enter.
    assert page.locator("#item-text").inner_text() == TEXTS[0]
    page.locator("body").press("1")
    assert page.locator("#cat-0").is_checked()
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.getElementById('item-text').textContent === {TEXTS[1]!r}")
    # Item 2: none of these (n), flag the policy as unclear (u), comment (c), submit.
    page.keyboard.press("n")
    page.keyboard.press("u")
    page.keyboard.press("c")
    page.keyboard.type("is weather ever harassment?")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.getElementById('item-text').textContent === {TEXTS[2]!r}")
    # Item 3: violence (the 12th category: key w) and harassment (key 1).
    page.keyboard.press("w")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.getElementById('item-text').textContent === {TEXTS[3]!r}")
    # The labels as stored, with annotator and policy version, on the history page.
    page.click("text=My labels")
    shown = page.locator("#history tr[data-item]")
    assert shown.count() == 3
    assert shown.first.locator(".cats").inner_text() == "harassment, violence"
    assert set(page.locator("#history .annotator").all_inner_texts()) == {"ann"}
    assert len(set(page.locator("#history .policy").all_inner_texts())) == 1
    assert page.locator("#history .policy").first.inner_text().startswith("test-1 (")
    with store.connect() as conn:
        rows = conn.execute(select(labels.c.item_key, labels.c.category, labels.c.value, annotators.c.name,
                                   policy_versions.c.hash)
                            .join(annotators, annotators.c.id == labels.c.annotator_id)
                            .join(policy_versions, policy_versions.c.id == labels.c.policy_version_id)).all()
        current = current_hash(conn)
        feedback = conn.execute(select(ui_feedback.c.item_key, ui_feedback.c.kind, ui_feedback.c.body)).all()
    positives = {(r.item_key, r.category) for r in rows if r.value}
    assert positives == {(text_key(TEXTS[0]), "harassment"), (text_key(TEXTS[2]), "violence"),
                         (text_key(TEXTS[2]), "harassment")}
    assert {r.item_key for r in rows} == {text_key(t) for t in TEXTS[:3]}
    assert {r.name for r in rows} == {"ann"} and {r.hash for r in rows} == {current}
    assert sorted((f.kind, f.body) for f in feedback if f.item_key == text_key(TEXTS[1])) == [
        ("comment", "is weather ever harassment?"), ("unclear", "is weather ever harassment?")]


def _evil_site(html: str) -> ThreadingHTTPServer:
    """A page on another site (``localhost`` rather than the server's ``127.0.0.1``, another port)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_a_page_of_another_site_cannot_post_to_the_admin_or_the_ui(server, tmp_path, context):
    url, store = server
    engine = open_engine(store.engine.url.render_as_string(hide_password=False))
    keys = KeyStore(engine)
    _, info = keys.create("acme")
    html = (f'<form id="f" method="post" action="{url}/admin/keys/{info.id}/revoke"></form>'
            f'<form id="g" method="post" action="{url}/ui/login"><input name="username" value="ann">'
            f'<input name="password" value="{PASSWORD}"></form>')
    evil = _evil_site(html)
    try:
        page = context.new_page()
        for form in ("f", "g"):
            page.goto(f"http://localhost:{evil.server_address[1]}/")
            with page.expect_navigation():
                page.evaluate(f"document.getElementById({form!r}).submit()")
            assert "cross_site_request" in page.content(), form
        # The same revoke from the server's own admin page goes through (loopback: admin open).
        page.goto(url + "/admin/keys")
        status = page.evaluate(f"fetch('/admin/keys/{info.id}/revoke', {{method: 'POST'}}).then(r => r.status)")
        assert status == 200
    finally:
        evil.shutdown()
        evil.server_close()
    assert not keys.get(info.id).active  # revoked by the same-origin request only
    engine.dispose()


def test_empty_enter_saves_nothing_and_z_undoes_the_last_labels(server, context):
    url, store = server
    page = context.new_page()
    log_in(page, url)
    page.goto(url + "/ui/queue/al-batch-1")
    assert page.locator("#shortcuts").is_visible() and "undo" not in page.locator("#shortcuts").inner_text()
    page.locator("body").press("Enter")  # nothing chosen: refused in the page
    assert page.locator("#choice-error").is_visible()
    assert page.locator("#item-text").inner_text() == TEXTS[0]
    page.keyboard.press("3")  # hate
    page.keyboard.press("Enter")
    page.wait_for_selector("#saved")
    assert "hate" in page.locator("#saved").inner_text() and page.locator("#item-text").inner_text() == TEXTS[1]
    assert "1 of 4" in page.locator("#progress").inner_text()
    page.keyboard.press("z")  # undo: the item comes back, nothing stored
    page.wait_for_function(f"document.getElementById('item-text').textContent === {TEXTS[0]!r}")
    with store.connect() as conn:
        assert conn.execute(select(labels.c.id)).first() is None
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#saved")
    page.click("#edit-last")  # edit: pre-filled with harassment, change it to none of these
    assert page.locator("#cat-0").is_checked()
    page.keyboard.press("n")
    page.keyboard.press("Enter")
    page.wait_for_selector("#edited")
    assert page.locator("#history .cats").first.inner_text() == "none"
    with store.connect() as conn:
        values = conn.execute(select(labels.c.value).where(labels.c.item_key == text_key(TEXTS[0]))).scalars().all()
    assert len(values) == 13 and set(values) == {0}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_labeling_page_fits_a_phone_and_a_desktop(server, tmp_path, width, browser):
    url, _ = server
    ctx = browser.new_context(viewport={"width": width, "height": 844})
    opened = open_page(browser, url + "/ui/login", width, context=ctx)
    check_page(opened, "ui-login", tmp_path)
    assert visible_in_viewport_width(opened.page, "#login")
    log_in(opened.page, url, "ada")
    page = opened.page
    page.goto(url + "/ui/queue/al-batch-1")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#saved")
    assert page.evaluate("document.querySelector('meta[name=viewport]').content").startswith("width=device-width")
    for path, name, key in (("/ui/", "ui-home", "#queues"), ("/ui/queue/al-batch-1", "ui-label", "#do-submit"),
                            ("/ui/history", "ui-history", "#history"), ("/ui/account", "ui-account", "main form"),
                            ("/ui/admin", "ui-admin", "#stats"), ("/ui/admin/gold", "ui-gold", "#save-gold")):
        opened = open_page(browser, url + path, width, context=ctx)
        check_page(opened, name, tmp_path)
        assert opened.page.locator(key).first.is_visible(), (path, key)
        if name == "ui-history":  # each row's buttons are on screen, not scrolled off to the right
            assert visible_in_viewport_width(opened.page, "#history .undo button")
            assert visible_in_viewport_width(opened.page, "#history a.edit")
        opened.page.close()
    ctx.close()
