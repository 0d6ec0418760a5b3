"""Debian's chromium driven by Playwright, for the browser tests: a browser, and pages that collect their console
errors and uncaught exceptions in ``page.errors`` (a test ends by asserting there were none)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


@contextmanager
def chromium() -> Iterator:
    """The browser, closed at the end (the test is skipped without Playwright)."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def watched_page(browser, locale: str = "en-GB"):
    """A new page in ``locale`` (a French one also asks for French by Accept-Language), its errors collected."""
    headers = {"Accept-Language": "fr-FR,fr;q=0.9"} if locale.startswith("fr") else {}
    page = browser.new_page(locale=locale, extra_http_headers=headers)
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page
