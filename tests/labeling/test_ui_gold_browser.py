"""Gold end to end in a real headless Chromium: the admin sets a gold item, an annotator gets it, the admin
sees the accuracy.

The admin replaces the store's gold item with one picked from a queue ("I will punch you": violence),
the annotator, with every item served from gold (rate 1), labels it harassment instead, and the admin's
gold page then shows 11 of 13 decisions right for the annotator. Without the browser: fails when ``CI``
is set, skips with the reason otherwise.
"""

from __future__ import annotations

import pytest
from tests.browser import require_chromium
from tests.labeling.ui_setup import TEXTS, build_store, log_in, serve_ui, ui_settings

from flagstone.labeling.ui import gold
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.text.normalize import text_key

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path):
    require_chromium()
    store = build_store(tmp_path)
    try:
        with serve_ui(ui_settings(tmp_path, labeling_gold_rate=1.0)) as url:
            yield url, store
    finally:
        store.dispose()


def test_admin_adds_gold_annotator_gets_it_wrong_admin_sees_accuracy(server, browser, context):
    url, store = server
    punch = text_key(TEXTS[2])
    admin = context.new_page()
    log_in(admin, url, "ada")
    admin.click("text=Gold")
    admin.wait_for_url(url + "/ui/admin/gold")
    # Remove the store's gold item, so the annotator can only be served the new one.
    admin.click(f'tr[data-item="{text_key(TEXTS[4])}"] button.remove')
    admin.wait_for_selector("#no-gold")
    # Pick "I will punch you" from the queue and tick violence.
    admin.select_option("#queue", "al-batch-1")
    admin.click("#show-queue")
    admin.check(f'#candidates input[value="{punch}"]')
    admin.check(f"#gold-cat-{CATEGORIES.index('violence')}")
    admin.click("#save-gold")
    assert admin.locator("#message").inner_text() == f"Gold item {punch[:12]} saved."
    assert admin.locator(f'tr[data-item="{punch}"] .cats').inner_text() == "violence"

    annotator = browser.new_context().new_page()  # its own cookies
    log_in(annotator, url, "ann")
    annotator.goto(url + "/ui/queue/al-batch-1")
    assert annotator.locator("#item-text").inner_text() == TEXTS[2]  # served from gold, looks the same
    annotator.locator("body").press("1")  # harassment: wrong, and violence left out
    annotator.keyboard.press("Enter")
    annotator.wait_for_function(f"document.getElementById('item-text').textContent === {TEXTS[0]!r}")

    admin.goto(url + "/ui/admin/gold")
    ann = admin.locator('#gold-stats tr[data-user="ann"]')
    assert ann.locator(".decisions").inner_text() == str(len(CATEGORIES))
    assert ann.locator(".accuracy").inner_text() == f"{100 * 11 / 13:.1f}%"
    assert admin.locator(f'tr[data-item="{punch}"] .people').inner_text() == "1"
    assert admin.locator('#gold-stats tr[data-user="vic"] .accuracy').inner_text() == "–"
    [g] = gold.list_gold(store)
    assert (g.item_key, g.positives, g.correct, g.decisions) == (punch, ("violence",), 11, 13)
