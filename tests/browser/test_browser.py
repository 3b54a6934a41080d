"""End to end in a real browser: Debian's headless chromium driven by Playwright.

A real HTTP server (werkzeug, in a thread) serves the session's index; the test types an
Arabic query with diacritics, pages, filters and opens an article, saving screenshots in
test-artefacts/ for a human to look at. Skips when chromium or playwright is missing.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from arsearch.web.app import create_app
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTEFACTS = ROOT / "test-artefacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(index_dir: Path) -> Iterator[str]:
    from werkzeug.serving import make_server

    app = create_app({"ARSEARCH_INDEX": str(index_dir), "ARSEARCH_PER_PAGE": 3})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)
    httpd.server_close()
    app.extensions["arsearch"].close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"])
        yield browser
        browser.close()


def shot(page, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


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
