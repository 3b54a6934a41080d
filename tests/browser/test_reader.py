"""The reader's page in a real browser (issue 15): every page state at 1280 and 390 px,
screenshotted and audited with axe-core (zero serious or critical violations), and
keyboard-only use of the suggestions combobox, the filters, the timeline and the pages.

The server is real (werkzeug in a thread) over a real index: the bundled sample, the
hostile documents of tests/conftest.py, and articles whose title and source carry
unclosed direction overrides. Screenshots go to test-artefacts/reader-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

import arsearch
from tests.browser.support import serving, shot
from tests.conftest import HOSTILE, SAMPLE

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
LRO, RLO = "\u202d", "\u202e"  # direction overrides, left unclosed on purpose
#: Each page state: (name, path, what to do once it has loaded).
STATES: list[tuple[str, str, str | None]] = [
    ("front", "/", None),
    ("results", "/?q=الرئيس", None),
    ("suggestions", "/?q=الرئيس", "suggest"),
    ("date-filter", "/?q=الرئيس", "dates"),
    ("filtered", "/?q=الرئيس&source=العربية&source=فرانس 24&category=politic", None),
    ("filter-panel", "/?q=الرئيس&source=العربية", "panel"),
    ("page-2", "/?q=الرئيس&page=2", None),
    ("period", "/?q=الرئيس&from=2020-01-01&to=2020-12-31", None),
    ("hijri", "/?q=الرئيس&cal=hijri&from=رمضان 1439", "dates"),
    ("no-results", "/?q=كلمةغيرموجودة&source=jawhara", None),
    ("article", "/doc/seed/000_f4303bb32ac63e1e.txt?q=داعش إدلب", "explain"),
    ("article-override", "/doc/bidi/override?q=إدلب", None),
    ("not-found", "/nowhere?q=سوريا&source=العربية", None),
    ("bad-request", "/?q=سوريا&page=0", None),
]


@pytest.fixture(scope="module")
def reader_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reader")
    arsearch.index_paths(folder, [SAMPLE], id_root=SAMPLE)
    arsearch.index_documents(folder, [*HOSTILE,
        arsearch.Document(id="bidi/override", title=f"{LRO}عنوان بمحرف اتجاه عن إدلب",
                          body=f"{RLO}نص معكوس عن إدلب\nفقرة ثانية", source=f"{LRO}مصدر",
                          author="كاتب", category="politic", date=datetime(2018, 3, 1)),
        arsearch.Document(id="bidi/mixed", title="Reuters: إدلب تحت القصف",
                          body="خبر عن إدلب", source="Reuters", date=datetime(2018, 3, 2))])
    return folder


@pytest.fixture(scope="module")
def server(reader_index: Path) -> Iterator[str]:
    with serving(reader_index, ARSEARCH_PER_PAGE=3) as url:
        yield url


@pytest.fixture
def open_page(browser):
    """``open_page(width, js=True)``: a fresh page (own cookies) that records script
    errors; the test fails if any happened."""
    contexts, errors = [], []

    def make(width: int = 1280, js: bool = True):
        context = browser.new_context(locale="ar", viewport={"width": width, "height": 900},
                                      java_script_enabled=js)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not [e for e in errors if "404" not in e and "400" not in e], errors


def act(page, action: str | None) -> None:
    """Bring a page into the state the screenshot is of."""
    if action == "suggest":
        page.fill("#q", "إدل")
        page.wait_for_selector("#q-suggestions [role=option]")
        page.keyboard.press("ArrowDown")
    elif action == "dates":
        if not page.evaluate("document.querySelector('.date-filter').open"):
            page.click(".date-filter summary")
        page.wait_for_selector("#from", state="visible")
    elif action == "panel":
        if page.viewport_size["width"] < 768:
            page.click(".filter-panel > summary")
        page.wait_for_selector(".facet a", state="visible")
    elif action == "explain":
        page.click(".explain summary")


def serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_state_is_accessible_and_screenshotted(server, open_page, width) -> None:
    pytest.importorskip("axe_playwright_python")
    page = open_page(width)
    problems = {}
    for i, (name, path, action) in enumerate(STATES, 1):
        page.goto(server + path)
        act(page, action)
        shot(page, f"reader-{i:02d}-{name}-{width}", full_page=action != "suggest")
        found = serious(page)
        if found:
            problems[name] = found
        # never a horizontal scroll bar, at either width
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        assert page.evaluate("document.documentElement.dir") == "rtl", name
    assert not problems, problems


def test_combobox_by_keyboard_alone(server, open_page) -> None:
    page = open_page()
    page.goto(server + "/")
    assert page.evaluate("document.activeElement.id") == "q"
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    page.keyboard.type("إدل")
    page.wait_for_selector("#q-suggestions [role=option]")
    assert box.get_attribute("aria-expanded") == "true"
    options = page.locator("#q-suggestions [role=option]")
    n = options.count()
    assert n >= 1 and options.nth(0).inner_text() == "إدلب"
    assert "اقتراحات" in page.locator("[role=status][aria-live=polite]").inner_text()
    page.keyboard.press("ArrowDown")
    first = options.nth(0).get_attribute("id")
    assert box.get_attribute("aria-activedescendant") == first
    assert options.nth(0).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowUp")  # wraps to the last
    assert box.get_attribute("aria-activedescendant") == options.nth(n - 1).get_attribute("id")
    page.keyboard.press("ArrowDown")  # and back round to the first
    assert box.get_attribute("aria-activedescendant") == first
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None and box.input_value() == "إدل"
    page.keyboard.press("ArrowDown")  # reopens on the first
    assert box.get_attribute("aria-expanded") == "true"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["إدلب"]
    assert page.locator(".hit").count() > 0
    # Escape on a closed list clears the box; Enter without a choice searches what is typed
    page.focus("#q")
    page.keyboard.press("Escape")
    page.wait_for_timeout(50)
    page.keyboard.press("Escape")
    assert box.input_value() == ""
    page.keyboard.type("سوريا")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["سوريا"]


def test_a_title_suggestion_opens_its_article_and_the_mouse_works(server, open_page) -> None:
    page = open_page(390)
    page.goto(server + "/")
    page.fill("#q", "رغم دعم النظ")
    page.wait_for_selector("#q-suggestions .suggestion-title")
    shot(page, "reader-15-title-suggestion-390", full_page=False)
    page.click("#q-suggestions .suggestion-title")
    page.wait_for_url("**/doc/**")
    assert page.locator("article.document h1").inner_text().startswith("رغم دعم النظام")
    page.goto(server + "/")
    page.fill("#q", "إدل")
    page.wait_for_selector("#q-suggestions [role=option]")
    page.click("h1")  # a click elsewhere closes the list
    assert page.locator("#q").get_attribute("aria-expanded") == "false"


def test_filters_by_keyboard_alone_on_a_wide_screen_and_a_phone(server, open_page) -> None:
    page = open_page(1280)
    page.goto(server + "/?q=الرئيس")
    assert page.evaluate("document.getElementById('filters').open")  # unfolded: a sidebar
    facet = page.locator(".facet a").first
    label = facet.inner_text()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.facet') !== null"):
            break
    assert page.evaluate("document.activeElement.textContent").strip().startswith(label)
    page.keyboard.press("Enter")
    page.wait_for_url("**source=*")
    assert page.locator(".facet a[aria-current=true]").count() == 1
    # a phone: the panel is folded above the results; Enter on its summary opens it
    phone = open_page(390)
    phone.goto(server + "/?q=الرئيس")
    assert not phone.evaluate("document.getElementById('filters').open")
    panel_top = phone.locator(".filter-panel").bounding_box()["y"]
    assert panel_top < phone.locator(".hit").first.bounding_box()["y"]  # above the results
    assert not phone.locator(".facet a").first.is_visible()
    for _ in range(60):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.tagName") == "SUMMARY" and \
                phone.evaluate("document.activeElement.parentElement.id") == "filters":
            break
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.getElementById('filters').open")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.closest('.facet') !== null")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**source=*")


def test_pagination_and_timeline_by_keyboard_alone(server, open_page) -> None:
    page = open_page(1280)
    page.goto(server + "/?q=الرئيس")
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.rel") == "next":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2*")
    assert page.locator("[aria-current=page]").inner_text() == "2"
    page.goto(server + "/?q=الرئيس")
    bars = page.locator(".timeline a")
    assert bars.count() >= 2
    # the first bar in the tab order is the oldest period, drawn at the right
    first_box = bars.first.bounding_box()
    assert first_box["x"] > bars.nth(bars.count() - 1).bounding_box()["x"]
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.timeline') !== null"):
            break
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    shot(page, "reader-16-timeline-focus-1280", full_page=False)
    page.keyboard.press("Enter")
    page.wait_for_url("**from=*")
    assert "from=" in page.url and "to=" in page.url
    assert page.locator(".timeline a[aria-current=true]").count() == 1
    assert page.locator(".timeline a[aria-current=true]").get_attribute("aria-label") == label


def test_an_override_in_a_title_or_source_does_not_reverse_the_page(server, open_page) -> None:
    page = open_page(1280)
    page.goto(server + "/doc/" + quote("bidi/override") + "?q=إدلب")
    meta = page.locator(".document .meta")
    source = meta.locator(".source").bounding_box()
    author = meta.locator(".author").bounding_box()
    when = meta.locator(".date").bounding_box()
    # right to left: source, then author, then date, each further left
    assert source["x"] > author["x"] > when["x"]
    heading = page.locator(".document h1").bounding_box()
    body = page.locator(".document").bounding_box()
    assert heading["x"] + heading["width"] >= body["x"] + body["width"] - 2  # right-aligned
    page.goto(server + "/?q=إدلب")
    hit = page.locator(".hit", has_text="عنوان بمحرف").first
    assert hit.locator(".source").bounding_box()["x"] > hit.locator(".date").bounding_box()["x"]
    assert page.evaluate("getComputedStyle(document.querySelector('.hit-title bdi'))"
                         ".unicodeBidi") == "isolate"
    shot(page, "reader-17-override-in-results-1280")


def test_without_javascript_the_page_still_searches_and_filters(server, open_page) -> None:
    page = open_page(390, js=False)
    page.goto(server + "/")
    assert page.locator("#q").get_attribute("role") is None  # a plain search field
    page.fill("#q", "الرئيس")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    page.click(".filter-panel > summary")  # the native <details>
    page.click(".facet a >> nth=0")
    page.wait_for_url("**source=*")
    assert page.locator(".active-filters li").count() == 1
    page.click(".timeline a >> nth=0")
    page.wait_for_url("**from=*")
    shot(page, "reader-18-no-javascript-390")
    wide = open_page(1280, js=False)
    wide.goto(server + "/?q=الرئيس")
    assert wide.locator(".facet a").first.is_visible()  # the sidebar shows without scripts


def test_calendar_setting_feed_and_downloads_from_the_page(server, open_page, tmp_path) -> None:
    page = open_page(1280)
    page.goto(server + "/?q=إدلب")
    page.click(".calendar-choice a:not([aria-current])")
    page.wait_for_url("**cal=hijri*")
    assert "هـ" in page.locator(".hit time").first.inner_text()
    page.goto(server + "/?q=إدلب")  # remembered
    assert "هـ" in page.locator(".hit time").first.inner_text()
    feed = page.locator(".tools a[type='application/atom+xml']").get_attribute("href")
    response = page.request.get(server + feed)
    assert response.status == 200 and b"<feed" in response.body()
    with page.expect_download() as download:
        page.click(".tools a[href^='/api/export.csv']")
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    assert path.read_text("utf-8-sig").splitlines()[0].startswith("rank,id,title,date")


def test_the_audit_can_fail(open_page) -> None:
    """The accessibility check is real: a page with an unnamed image and link fails it."""
    pytest.importorskip("axe_playwright_python")
    page = open_page()
    page.set_content('<html lang="ar"><body><main><img src="x.png">'
                     '<a href="/x"><img src="y.png"></a></main></body></html>')
    found = serious(page)
    assert any(v.startswith("image-alt") for v in found), found
