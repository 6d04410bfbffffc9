"""The playground in a real headless Chromium (Debian's ``chromium`` package at /usr/bin/chromium).

Without the browser the test skips with a reason on a workstation and fails loudly when ``CI`` is set.
"""

from __future__ import annotations

import pytest
from tests.browser import ARGS, CHROMIUM, require_chromium

from flagstone.policy.taxonomy import CATEGORIES

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


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
