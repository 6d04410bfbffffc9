"""The playground in a real headless Chromium (Debian's ``chromium`` package at /usr/bin/chromium).

Without the browser the test skips with a reason on a workstation and fails loudly when ``CI`` is set.
"""

from __future__ import annotations

import pytest
from tests.page_checks import (
    WIDTHS,
    check_page,
    open_page,
    visible_in_viewport_width,
)

from flagstone.policy import load_default_policy
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.serving.app import create_app
from flagstone.settings import Settings

pytestmark = pytest.mark.browser

@pytest.fixture
def page(browser, live_server):
    pg = browser.new_page()
    try:
        pg.goto(live_server.url + "/")
        yield pg
    finally:
        pg.close()


def test_moderate_shows_bars_thresholds_flags_and_snippets(page):
    text = page.get_by_label("Text to moderate")
    text.fill("those people are vermin and I will hurt them")
    page.get_by_role("button", name="Moderate").click()
    page.wait_for_function(
        "document.querySelectorAll('#bars .cat .score').length === 13 && "
        "[...document.querySelectorAll('#bars .cat .score')].every(s => s.textContent !== '–')")
    assert page.locator("#bars .cat").count() == len(CATEGORIES)
    flagged = page.locator("#bars .cat.flagged")
    assert sorted(flagged.evaluate_all("els => els.map(e => e.dataset.category)")) == ["hate", "violence"]
    # Threshold markers exist for every category, at the model's 0.5 threshold.
    marks = page.locator("#bars .threshold[data-threshold]")
    assert marks.count() == 13
    assert marks.first.get_attribute("data-threshold") == "0.5"
    assert page.locator("#verdict").inner_text() == "Flagged"
    assert "vermin and I will hurt them" in page.locator("#curl-snippet").inner_text()
    assert "client.moderations.create" in page.locator("#python-snippet").inner_text()


def test_ctrl_enter_submits_and_snippets_follow_the_text(page):
    text = page.get_by_label("Text to moderate")
    text.fill("a quiet afternoon")
    assert "a quiet afternoon" in page.locator("#curl-snippet").inner_text()
    assert '"a quiet afternoon"' in page.locator("#python-snippet").inner_text()
    text.press("Control+Enter")
    page.wait_for_function("document.getElementById('verdict').textContent !== ''")
    assert page.locator("#verdict").inner_text() == "Not flagged"
    assert page.locator("#bars .cat.flagged").count() == 0


def test_server_errors_are_shown_to_the_user(page):
    # Control characters are now cleaned and scored; a text over the server's length limit is refused.
    page.get_by_label("Text to moderate").fill("x" * 32_001)
    page.get_by_role("button", name="Moderate").click()
    page.wait_for_function("document.getElementById('status').classList.contains('error')")
    assert "characters long" in page.locator("#status").inner_text()


def test_each_bar_carries_its_policy_definition_and_the_page_links_the_others(page):
    policy = load_default_policy()
    defs = page.locator("#bars .cat .def")
    assert defs.count() == len(CATEGORIES)
    for c in ("hate", "self-harm/intent", "violence/graphic"):
        li = page.locator(f'#bars .cat[data-category="{c}"]')
        assert li.locator(".def").inner_text() == policy.categories[c].definition
    assert policy.name in page.locator("#policy-name").inner_text()
    hrefs = page.locator("nav.top a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs == ["/docs", "/ui/", "/admin"]
    assert page.locator("#api-key").count() == 0  # a loopback server without keys asks for none


def test_a_failed_request_clears_the_last_results_and_shows_the_envelope_message(page):
    page.get_by_label("Text to moderate").fill("those people are vermin")
    page.get_by_role("button", name="Moderate").click()
    page.wait_for_function("document.getElementById('verdict').textContent === 'Flagged'")
    assert page.locator("#bars .cat.flagged").count() == 1
    page.get_by_label("Text to moderate").fill("x" * 32_001)
    page.get_by_role("button", name="Moderate").click()
    page.wait_for_function("document.getElementById('status').classList.contains('error')")
    assert "characters long" in page.locator("#status").inner_text()  # the envelope's message
    assert page.locator("#bars .cat.flagged").count() == 0
    assert page.locator("#verdict").inner_text() == ""
    scores = page.locator("#bars .cat .score").all_inner_texts()
    assert scores == ["–"] * len(CATEGORIES)


@pytest.fixture
def keyed_server(tmp_path, keyword_model, serve):
    settings = Settings(data_dir=tmp_path, model_dir=tmp_path / "no-model", batch_max_wait_ms=1.0,
                        image_model="fake-red", auth_enabled=True, ui_secret_key="playground-test-secret-0123")
    with serve(create_app(settings, model=keyword_model)) as server:
        plain, _ = server.server.config.app.state.abuse.keys.create("web", scopes=("moderate",))
        yield server, plain


def test_with_keys_on_the_key_field_is_sent_as_bearer_and_kept_in_the_tab_only(browser, keyed_server):
    server, key = keyed_server
    ctx = browser.new_context()
    pg = ctx.new_page()
    sent = []
    pg.on("request", lambda r: sent.append((r.url, r.headers.get("authorization"))))
    pg.goto(server.url + "/")
    assert pg.locator("#api-key").is_visible()
    assert "$FLAGSTONE_API_KEY" in pg.locator("#curl-snippet").inner_text()  # never the key itself
    pg.get_by_label("Text to moderate").fill("I will hurt you")
    pg.get_by_role("button", name="Moderate").click()
    pg.wait_for_function("document.getElementById('status').classList.contains('error')")
    assert "key" in pg.locator("#status").inner_text().lower()  # the 401 envelope's message

    pg.get_by_label("API key").fill(key)
    pg.get_by_label("API key").press("Tab")  # change event: stored in the tab, model details reloaded
    pg.wait_for_function("document.getElementById('model-id').textContent.startsWith('flagstone-test')")
    pg.get_by_role("button", name="Moderate").click()
    pg.wait_for_function("document.getElementById('verdict').textContent === 'Flagged'")
    assert [c for c in pg.locator("#bars .cat.flagged").evaluate_all("e => e.map(x => x.dataset.category)")] \
        == ["violence"]
    authed = {u.split("/", 3)[3] for u, h in sent if h == f"Bearer {key}"}
    assert authed == {"v1/flagstone/model", "v1/moderations"}
    assert pg.evaluate("sessionStorage.getItem('flagstone.apiKey')") == key
    assert pg.evaluate("localStorage.length") == 0
    assert all(key not in c["value"] for c in ctx.cookies())
    pg.reload()  # same tab: still there
    assert pg.locator("#api-key").input_value() == key
    other = ctx.new_page()  # another tab of the same browser: not there
    other.goto(server.url + "/")
    assert other.locator("#api-key").input_value() == ""
    ctx.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_playground_fits_phone_and_desktop(browser, live_server, tmp_path, width):
    opened = open_page(browser, live_server.url + "/", width)
    pg = opened.page
    pg.get_by_label("Text to moderate").fill("those people are vermin")
    pg.get_by_role("button", name="Moderate").click()
    pg.wait_for_function("document.getElementById('verdict').textContent !== ''")
    check_page(opened, "playground", tmp_path)
    for sel in ("#moderate", "#bars .cat .track", "#bars .cat .def", "nav.top a[href='/docs']"):
        assert visible_in_viewport_width(pg, sel), sel
