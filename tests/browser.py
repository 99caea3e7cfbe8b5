"""Launching Debian's Chromium through Playwright (never a downloaded browser)."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

CHROMIUM_PATHS = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for p in CHROMIUM_PATHS:
        if Path(p).exists():
            return p
    found = shutil.which("chromium")
    if found:
        return found
    pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")


@contextlib.contextmanager
def browser():
    """A headless Chromium browser."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
