"""End to end in a real browser: Debian's headless chromium driven by Playwright.

A real HTTP server (werkzeug, in a thread) serves the session's index; the test types an
Arabic query with diacritics, pages, filters and opens an article, saving screenshots in
test-artefacts/ for a human to look at. Skips when chromium or playwright is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.support import serving, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(index_dir: Path) -> Iterator[str]:
    with serving(index_dir, ARSEARCH_PER_PAGE=3) as url:
        yield url


def test_search_journey(server: str, browser) -> None:
    context = browser.new_context(locale="ar", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(server + "/")
    shot(page, "01-front")
    assert page.title()
    assert page.evaluate("document.activeElement.id") == "q"  # autofocus on the front page

    page.fill("#q", "إِدْلِب")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.input_value("#q") == "إِدْلِب"
    assert page.locator(".snippet mark").count() > 0
    shot(page, "02-results")
    page.keyboard.press("Tab")  # the skip link is the first focusable element
    assert page.evaluate("document.activeElement.className") == "skip-link"
    shot(page, "02b-skip-link-focused")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.click("a[rel=next]")
    page.wait_for_selector("[aria-current=page]")
    assert page.locator("[aria-current=page]").inner_text() == "2"
    assert "page=2" in page.url
    shot(page, "03-page2")

    page.click(".facets .facet:first-child li:first-child a")
    page.wait_for_selector(".active-filters")
    assert "source=" in page.url and "page=" not in page.url
    shot(page, "04-facet")

    page.goto(server + "/?q=" + "داعش")
    page.click(".hit-title a")
    page.wait_for_selector("article.document")
    assert "/doc/" in page.url
    assert page.locator(".document .body mark").count() > 0
    shot(page, "05-article")

    mobile = browser.new_context(locale="ar", viewport={"width": 390, "height": 844})
    phone = mobile.new_page()
    phone.goto(server + "/?q=" + "سوريا")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no horizontal scrolling on a phone"
    shot(phone, "06-phone")
    mobile.close()
    context.close()
    assert not errors, errors
