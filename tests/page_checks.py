"""Checks every page of the server passes in a real browser: same-origin only, fits a phone and a desktop.

``open_page(browser, url, width)`` opens ``url`` in a fresh context of that width and records every
request the page makes; ``check_page(page, name)`` then asserts that none went to another origin, that
nothing scrolls sideways (``scrollWidth <= innerWidth``) and saves a screenshot (kept under
``$FLAGSTONE_SCREENSHOTS`` when set, for people to look at).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tests.browser import ARGS, CHROMIUM, require_chromium

PHONE, DESKTOP = 390, 1280
WIDTHS = (PHONE, DESKTOP)


@dataclass
class OpenPage:
    page: object
    origin: str
    width: int
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # refused by the page's Content-Security-Policy


def _origin(url: str) -> str:
    u = urlsplit(url)
    return f"{u.scheme}://{u.netloc}"


def open_page(browser, url: str, width: int, *, context=None, wait: str = "networkidle") -> OpenPage:  # type: ignore[no-untyped-def]
    """Open ``url`` at ``width`` px (in ``context`` when given, to keep its cookies), recording requests."""
    size = {"width": width, "height": 844 if width < 600 else 900}
    page = (context or browser.new_context(viewport=size)).new_page()
    page.set_viewport_size(size)
    opened = OpenPage(page, _origin(url), width)
    page.on("request", lambda r: opened.requests.append(r.url))
    page.on("requestfailed", lambda r: (opened.blocked if r.failure == "csp" else opened.failed).append(
        r.url if r.failure == "csp" else f"{r.url} ({r.failure})"))
    page.goto(url, wait_until=wait)
    return opened


def foreign_requests(opened: OpenPage) -> list[str]:
    """Requests that went to another origin: ``data:`` and ``blob:`` URLs stay in the page, and a request
    the page's Content-Security-Policy refused never left the browser (Chromium reports it as failed
    with reason ``csp``)."""
    return [u for u in opened.requests if not u.startswith(("data:", "blob:")) and _origin(u) != opened.origin
            and u not in opened.blocked]


def check_page(opened: OpenPage, name: str, shots: Path) -> Path:
    """Same-origin only, no sideways scrolling, screenshot saved; returns the screenshot's path."""
    page = opened.page
    assert foreign_requests(opened) == [], f"{name} loaded from other origins: {foreign_requests(opened)}"
    keep = os.environ.get("FLAGSTONE_SCREENSHOTS")
    folder = Path(keep) if keep else shots
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{opened.width}.png"
    page.screenshot(path=str(path), full_page=True)
    scroll, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{name} scrolls sideways at {opened.width}px: content {scroll}px wide"
    return path


def visible_in_viewport_width(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    """The element is visible and lies within the viewport's width (not cut off on the right)."""
    loc = page.locator(selector).first
    if not loc.is_visible():
        return False
    box = loc.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.evaluate("window.innerWidth") + 1


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium per test module (skips, or fails under CI, without it)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def context(browser):
    """A fresh browser context for one test: its own cookies and storage, closed after the test."""
    ctx = browser.new_context()
    try:
        yield ctx
    finally:
        ctx.close()
