"""Shared set-up for the real-browser tests: Debian's ``chromium`` driven by Playwright.

Playwright's own browser download fails on these machines, so tests launch /usr/bin/chromium (installed
by ``scripts/test.sh`` with apt-get). Without it: fail when ``CI`` is set, skip with the reason otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_chromium(path: Path = CHROMIUM) -> None:
    """Fail loudly in CI, skip with the reason elsewhere, when the browser is not installed."""
    if not path.exists():
        msg = f"{path} not found: install it with `apt-get install -y chromium`"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
