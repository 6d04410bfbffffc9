"""The server's public pages in a real Chromium: API docs render offline, nothing comes from another origin.

Each page opens at phone (390 px) and desktop (1280 px) width on the app ``flagstone serve`` builds;
every request it makes is recorded and must go to the server itself (``tests/page_checks.py``).
"""

from __future__ import annotations

import pytest
from tests.page_checks import (
    WIDTHS,
    check_page,
    open_page,
    visible_in_viewport_width,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", WIDTHS)
def test_swagger_ui_renders_from_the_servers_own_assets(browser, live_server, tmp_path, width):
    opened = open_page(browser, live_server.url + "/docs", width)
    page = opened.page
    page.wait_for_selector("#operations-moderations-moderations_v1_moderations_post, .opblock", timeout=15_000)
    assert page.locator(".opblock-summary-path", has_text="/v1/moderations").count() >= 1
    assert any(u.endswith("/static/docs/swagger-ui-bundle.js") for u in opened.requests)
    assert opened.failed == []
    check_page(opened, "docs", tmp_path)
    assert visible_in_viewport_width(page, ".opblock-summary-path")


@pytest.mark.parametrize("width", WIDTHS)
def test_redoc_renders_from_the_servers_own_assets(browser, live_server, tmp_path, width):
    opened = open_page(browser, live_server.url + "/redoc", width)
    page = opened.page
    page.wait_for_selector("h1", timeout=15_000)
    page.get_by_text("/v1/moderations").first.wait_for(state="attached", timeout=15_000)
    assert any(u.endswith("/static/docs/redoc.standalone.js") for u in opened.requests)
    assert not any("fonts.googleapis" in u for u in opened.requests)
    assert "default-src 'self'" in page.evaluate("fetch(location.href).then(r => r.headers.get('content-security-policy'))")
    assert opened.failed == []
    check_page(opened, "redoc", tmp_path)
    assert visible_in_viewport_width(page, "h1")


def test_favicon_is_served(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # ICO header
    assert client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg+xml")


def test_docs_pages_name_no_other_origin(client):
    for path in ("/docs", "/redoc", "/"):
        html = client.get(path).text
        assert "cdn.jsdelivr" not in html and "fonts.googleapis" not in html and "tiangolo" not in html, path
