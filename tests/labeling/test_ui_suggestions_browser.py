"""Machine suggestions in a real headless Chromium (Playwright), on the app ``flagstone serve`` builds.

An LLM has labelled the first item of the queue. The person sees its suggestion beside the item with
nothing ticked, accepts it (the boxes tick), changes one box, submits: the stored label is the person's
(annotator kind ``person``) and decides in resolution, and the LLM's label stays beside it unchanged.
The label page with suggestions fits a phone and a desktop and loads from the server only.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.browser import require_chromium
from tests.labeling.test_ui_suggestions import KEY, llm_says, pseudo_says, resolved, stored
from tests.labeling.ui_setup import TEXTS, build_store, log_in, serve_ui, ui_settings
from tests.page_checks import WIDTHS, check_page, open_page, visible_in_viewport_width

from flagstone.policy.taxonomy import CATEGORIES
from flagstone.store.tables import label_queue

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path):
    require_chromium()
    store = build_store(tmp_path)
    llm_says(store, KEY, {"harassment": "calls the reader an idiot", "violence": "hostile tone"})
    pseudo_says(store, KEY, {"harassment": 0.96})
    try:
        with serve_ui(ui_settings(tmp_path, labeling_gold_rate=0.0)) as url:
            yield url, store
    finally:
        store.dispose()


def test_accept_a_suggestion_change_it_and_submit_as_ones_own_label(server, context):
    url, store = server
    llm_before = sorted(r for r in stored(store, KEY) if r[0] == "model")
    page = context.new_page()
    log_in(page, url)
    page.goto(url + "/ui/queue/al-batch-1")
    assert page.locator("#item-text").inner_text() == TEXTS[0]
    first = page.locator("#suggestions .suggestion").first
    assert first.locator(".source").inner_text() == "judge-7b"
    assert first.locator(".badge").inner_text() == "LLM"
    assert "calls the reader an idiot" in first.inner_text()
    pseudo = page.locator("#suggestions .suggestion").nth(1)
    assert pseudo.locator(".badge").inner_text() == "pseudo-label"
    assert pseudo.locator(".source").inner_text() == "model abc123" and "confidence 0.96" in pseudo.inner_text()
    boxes = page.locator("#label-form input[type=checkbox]")
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))  # nothing pre-ticked
    # Accept the LLM's suggestion: its two categories tick, nothing is saved yet.
    first.locator("button.accept").click()
    assert page.locator("#cat-0").is_checked() and page.locator("#cat-11").is_checked()  # harassment, violence
    assert not page.locator("#none").is_checked()
    assert "LLM judge-7b" in page.locator("#accepted").inner_text()
    assert not [r for r in stored(store, KEY) if r[0] == "person"]  # nothing saved by accepting
    # The person disagrees about violence, then submits.
    page.locator("#cat-11").click()
    page.locator("#do-submit").click()
    page.wait_for_selector("#saved")
    assert "harassment" in page.locator("#saved").inner_text()
    assert "violence" not in page.locator("#saved").inner_text()
    rows = stored(store, KEY)
    mine = {(c, v) for kind, name, c, v in rows if (kind, name) == ("person", "ann")}
    assert len(mine) == len(CATEGORIES) and {c for c, v in mine if v} == {"harassment"}
    assert sorted(r for r in rows if r[0] == "model") == llm_before  # the LLM's labels stay, unchanged
    assert ("model", "llm:judge-7b", "violence", 1) in rows
    got = resolved(store, KEY)
    assert got["harassment"] == (1, "human") and got["violence"] == (0, "human")  # the person's label decides
    with store.connect() as conn:
        assert conn.execute(select(label_queue.c.status).where(label_queue.c.item_key == KEY)).scalar_one() == "done"


def test_the_a_key_accepts_the_first_suggestion(server, context):
    url, store = server
    page = context.new_page()
    log_in(page, url)
    page.goto(url + "/ui/queue/al-batch-1")
    assert "accept the first machine suggestion" in page.locator("#shortcuts").inner_text()
    page.locator("body").press("a")
    assert page.locator("#cat-0").is_checked() and page.locator("#cat-11").is_checked()
    page.keyboard.press("Enter")
    page.wait_for_selector("#saved")
    mine = {c for kind, name, c, v in stored(store, KEY) if kind == "person" and v}
    assert mine == {"harassment", "violence"}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_label_page_with_suggestions_fits_a_phone_and_a_desktop(server, tmp_path, width, browser):
    url, _ = server
    ctx = browser.new_context(viewport={"width": width, "height": 844})
    opened = open_page(browser, url + "/ui/login", width, context=ctx)
    log_in(opened.page, url)
    opened.page.close()
    opened = open_page(browser, url + "/ui/queue/al-batch-1", width, context=ctx)
    check_page(opened, "ui-label-suggestions", tmp_path)
    assert visible_in_viewport_width(opened.page, "#suggestions button.accept")
    assert visible_in_viewport_width(opened.page, "#suggestions .source")
    ctx.close()
