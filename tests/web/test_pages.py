"""The HTML pages: front page, search results, the article page, health."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import arsearch
from tests.web.support import IDLIB, parse, text


def test_front_page_is_rtl_arabic_accessible(client) -> None:
    r = client.get("/")
    html = text(r)
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    assert '<html lang="ar" dir="rtl">' in html
    assert 'class="skip-link" href="#main"' in html and 'id="main"' in html
    assert '<label for="q"' in html and 'id="q" name="q"' in html
    assert 'method="get"' in html
    assert 'name="viewport"' in html


def test_front_page_examples_come_from_the_index(client, index_dir) -> None:
    with arsearch.open_index(index_dir) as engine:
        newest = engine.search("", sort="date", per_page=1, snippets=False).hits[0].title
        top_source = next(iter(engine.stats()["sources"]))
    html = text(client.get("/"))
    assert newest in html
    hrefs = [h for h, _ in parse(html).links]
    assert any(parse_qs(urlsplit(h).query).get("q") == [newest] for h in hrefs)
    assert any(parse_qs(urlsplit(h).query).get("source") == [top_source] for h in hrefs)
    assert "ابحث في 39 مقالا" in html


def test_no_inline_script_or_style(client) -> None:
    for url in ("/", f"/?q={IDLIB}", "/doc/txt/01_idlib_politics.txt", "/nope"):
        html = text(client.get(url))
        tags = parse(html).tags
        assert not [t for t, a in tags if t == "script" and "src" not in a], url
        assert not [t for t, a in tags if t == "style"], url
        assert not [a for _, a in tags if "style" in a or any(k.startswith("on") for k in a)]


def test_search_with_diacritics_highlights_and_keeps_query(client) -> None:
    r = client.get("/", query_string={"q": IDLIB})
    html = text(r)
    assert r.status_code == 200
    assert f'value="{IDLIB}"' in html
    assert "<mark>إدلب</mark>" in html or "<mark>ادلب</mark>" in html
    assert re.search(r"\d+ نتائج|نتيجتان|\d+ نتيجة", html)
    assert "ملّي ثانية" in html
    assert "15 فبراير 2018" in html  # the seed article's date, Arabic month
    assert '<time datetime="2018-02-15">' in html


def test_result_links_to_source_url_or_article_page(client) -> None:
    html = text(client.get("/", query_string={"q": "إيران تنتخب رئيسا"}))
    hrefs = [h for h, _ in parse(html).links]
    assert "https://example.org/ar/politic/json-1" in hrefs
    assert any(h.startswith("/doc/sample-json-001") for h in hrefs)  # the full-text link
    html = text(client.get("/", query_string={"q": IDLIB}))
    assert any(h.startswith("/doc/txt/11_idlib_aid.txt?q=") for h, _ in parse(html).links)


def test_pagination_keeps_state(client) -> None:
    r = client.get("/", query_string={"q": "الرئيس", "per_page": 2})
    links = parse(text(r)).links
    nxt = [h for h, a in links if a.get("rel") == "next"]
    assert len(nxt) == 1
    args = parse_qs(urlsplit(nxt[0]).query)
    assert args == {"q": ["الرئيس"], "per_page": ["2"], "page": ["2"]}
    page2 = text(client.get(nxt[0]))
    assert 'aria-current="page">2<' in page2
    assert [h for h, a in parse(page2).links if a.get("rel") == "prev"]
    assert 'start="3"' in page2


def test_facet_links_add_filters(client) -> None:
    html = text(client.get("/", query_string={"q": IDLIB}))
    links = [h for h, _ in parse(html).links]
    source = [h for h in links if "source=" in h and "q=" in h]
    year = [h for h in links if "from=" in h and "to=" in h]
    assert source and year
    filtered = client.get(source[0])
    assert filtered.status_code == 200
    chosen = parse_qs(urlsplit(source[0]).query)["source"][0]
    assert f'name="source" value="{chosen}"' in text(filtered)  # kept by the search form
    assert "إزالة المصدر" in text(filtered)
    by_year = parse_qs(urlsplit(year[0]).query)
    assert by_year["from"][0].endswith("-01-01") and by_year["to"][0].endswith("-12-31")
    assert client.get(year[0]).status_code == 200


def test_browse_by_source_without_words(client) -> None:
    r = client.get("/", query_string={"source": "العربية"})
    assert r.status_code == 200
    assert "10 نتائج" in text(r)


def test_did_you_mean(client) -> None:
    html = text(client.get("/", query_string={"q": "النفظ"}))
    assert "هل تقصد" in html
    assert any(parse_qs(urlsplit(h).query).get("q") == ["النفط"] for h, _ in parse(html).links)


def test_no_results_page_helps(client) -> None:
    r = client.get("/", query_string={"q": "كلمةغيرموجودةاطلاقا", "source": "العربية"})
    html = text(r)
    assert r.status_code == 200
    assert "لم نعثر" in html and "ابحث دون عوامل التصفية" in html
    assert "أحدث المقالات" in html or "جرّب أحدث المقالات" in html


def test_word_less_query_page_says_newest_first(client) -> None:
    html = text(client.get("/?q=في"))
    assert "مرتّبة من الأحدث إلى الأقدم" in html
    assert client.get("/api/search?q=في").json["sorted_by"] == "date"
    assert "مرتّبة من الأحدث" not in text(client.get("/?q=إدلب"))


@pytest.mark.parametrize("url", ["/?q=date:9999", "/api/search?q=date:9999",
                                 "/?q=إدلب date:2018..9999", "/api/search?q=date:9999-12-31",
                                 "/doc/txt/01_idlib_politics.txt?q=date:9999",
                                 "/?q=date:0000", "/?q=date:>9999"])
def test_far_dates_in_the_query_never_fail(client, url) -> None:
    assert client.get(url).status_code == 200


def test_article_page_highlights_and_relates(client) -> None:
    r = client.get("/doc/seed/000_f4303bb32ac63e1e.txt", query_string={"q": "داعش"})
    html = text(r)
    assert r.status_code == 200
    assert "<mark>داعش</mark>" in html
    assert "مقالات ذات صلة" in html
    assert "/doc/" in "".join(h for h, _ in parse(html).links)



def test_article_page_ranks_as_the_results_list_a_word_less_query(client) -> None:
    """``date:2019`` lists newest first: the article page gives that place, and says so."""
    hits = client.get("/api/search", query_string={"q": "date:2019", "per_page": 100}
                      ).json["hits"]
    assert len(hits) > 2
    for rank, hit in enumerate(hits, 1):
        api = client.get("/api/explain", query_string={"q": "date:2019", "id": hit["id"]}).json
        assert (api["rank"], api["sorted_by"]) == (rank, "date")
    html = text(client.get(f"/doc/{hits[-1]['id']}", query_string={"q": "date:2019"}))
    assert f"الترتيب {len(hits)} من" in html and "الأحدث أولًا" in html

def test_article_paragraphs_stay_escaped(client) -> None:
    html = text(client.get("/doc/hostile/script"))
    body = html.split('class="body">', 1)[1].split("</div>", 1)[0]
    assert body.startswith('<p dir="auto">') and "<script" not in body and "&lt;img" in body


def test_article_page_says_why_this_result(client) -> None:
    r = client.get("/doc/seed/000_f4303bb32ac63e1e.txt", query_string={"q": "داعش إدلب"})
    html = text(r)
    assert r.status_code == 200 and "لماذا هذه النتيجة؟" in html
    assert "الكلمة بجذعها" in html and "<bdi>داعش</bdi>" in html
    api = client.get("/api/explain", query_string={
        "q": "داعش إدلب", "id": "seed/000_f4303bb32ac63e1e.txt"}).json
    hit = client.get("/api/search", query_string={"q": "داعش إدلب"}).json["hits"][0]
    assert hit["id"] == api["id"] and api["score"] == hit["score"]
    assert f'{api["score"]:.3f}' in html
    assert "لماذا هذه النتيجة؟" not in text(client.get("/doc/seed/000_f4303bb32ac63e1e.txt"))


def test_article_page_says_why_it_is_not_a_result(client) -> None:
    doc = "/doc/seed/000_f4303bb32ac63e1e.txt"
    html = text(client.get(doc, query_string={"q": "داعش -إدلب"}))
    assert "ليس من نتائج البحث" in html and "فيه كلمة مستبعدة: إدلب" in html
    api = client.get("/api/explain", query_string={
        "q": "داعش -إدلب", "id": "seed/000_f4303bb32ac63e1e.txt"}).json
    assert api["reason"] == "it contains an excluded word: إدلب"


def test_hostile_document_is_escaped_everywhere(client) -> None:
    for url in ("/?q=خبيث", "/?q=إدلب&per_page=50", "/doc/hostile/script?q=إدلب",
                "/?q=إدلب&source=مصدر <b>عريض</b>"):
        r = client.get(url)
        html = text(r)
        assert r.status_code == 200, url
        assert "<script>" not in html and "<img" not in html and "<b>عريض" not in html, url
        assert "<i>hack" not in html, url
        assert "&lt;script&gt;" in html or "&lt;b&gt;" in html, url
        assert "javascript:" not in html, url
    api = client.get("/api/search?q=خبيث").json["hits"][0]
    assert "<script>" not in api["snippet_html"] and "&lt;script&gt;" in api["snippet_html"]
    assert api["title"].startswith("<script>")  # plain text fields stay plain text


def test_query_is_escaped(client) -> None:
    html = text(client.get("/", query_string={"q": '"><script>alert(1)</script>'}))
    assert "<script>alert" not in html


@pytest.fixture(scope="module")
def long_index(tmp_path_factory) -> Path:
    """One article of 250,000 characters (the page sends 100,000 at a time)."""
    folder = tmp_path_factory.mktemp("long")
    body = "\n".join(f"الفقرة {i} عن إدلب والاقتصاد في سوريا" + " كلام" * 40
                     for i in range(1200))
    arsearch.index_documents(folder, [
        arsearch.Document(id="long", title="مقال طويل", body=body),
        arsearch.Document(id="no-lines", title="نص بلا أسطر " * 50_000, body="نص")])
    return folder


def test_front_page_links_of_long_titles_are_followable(make_app, long_index) -> None:
    client = make_app(ARSEARCH_INDEX=str(long_index)).test_client()
    r = client.get("/")
    assert r.status_code == 200 and len(r.data) < 20_000
    links = [h for h, _ in parse(text(r)).links if h.startswith("/?q=")]
    assert links and all(client.get(h).status_code == 200 for h in links)


def test_long_article_page_is_sent_in_parts(make_app, long_index) -> None:
    from arsearch.web.params import DOCUMENT_PAGE_CHARS

    client = make_app(ARSEARCH_INDEX=str(long_index)).test_client()
    whole = arsearch.open_index(long_index).document("long")["body"]
    assert len(whole) > 2 * DOCUMENT_PAGE_CHARS
    r = client.get("/doc/long?q=إدلب")
    html = text(r)
    assert r.status_code == 200 and len(r.data) < 3 * DOCUMENT_PAGE_CHARS
    assert "المقال طويل" in html and "<mark>إدلب</mark>" in html
    nxt = next(h for h, a in parse(html).links if a.get("rel") == "next")
    assert parse_qs(urlsplit(nxt).query)["q"] == ["إدلب"]
    second = client.get(nxt)
    assert second.status_code == 200 and 'rel="prev"' in text(second)
    api = client.get("/api/documents/long").json
    assert (api["body_start"], api["body_length"]) == (0, len(whole))
    assert api["body"] == whole[:api["body_end"]] and api["body_end"] <= DOCUMENT_PAGE_CHARS
    assert whole[api["body_end"] - 1].isspace()  # cut between words
    rest = client.get(f"/api/documents/long?start={api['body_end']}&length=50").json
    assert rest["body"] == whole[api["body_end"]:rest["body_end"]]
    assert client.get(f"/api/documents/long?start={len(whole)}").status_code == 400
    for bad in ("start=-1", "start=x", f"length={DOCUMENT_PAGE_CHARS + 1}", "length=0"):
        assert client.get(f"/api/documents/long?{bad}").status_code == 400, bad


def test_healthz(client) -> None:
    assert client.get("/healthz").json == {"ok": True, "documents": 39}


def test_article_part_links_keep_the_length_asked_for(make_app, long_index) -> None:
    client = make_app(ARSEARCH_INDEX=str(long_index)).test_client()
    html = text(client.get("/doc/long?q=إدلب&length=500"))
    nxt = next(h for h, a in parse(html).links if a.get("rel") == "next")
    end = client.get("/api/documents/long?length=500").json["body_end"]  # cut between words
    assert 400 < end <= 500
    assert parse_qs(urlsplit(nxt).query) == {"q": ["إدلب"], "start": [str(end)],
                                             "length": ["500"]}
    second = text(client.get(nxt))
    prev = next(h for h, a in parse(second).links if a.get("rel") == "prev")
    assert parse_qs(urlsplit(prev).query) == {"q": ["إدلب"], "length": ["500"]}


# --- the reader's page: local article links, Hijri dates, the calendar setting, bidi ----


def test_titles_open_the_local_article_and_the_source_is_secondary(client) -> None:
    html = text(client.get("/", query_string={"q": "إيران تنتخب رئيسا"}))
    hit = html.split('class="hit"', 1)[1].split("</li>", 1)[0]
    title_href = parse(hit.split("</h2>", 1)[0]).links[0][0]
    assert title_href.startswith("/doc/sample-json-001?q=")
    (origin,) = [(h, a) for h, a in parse(hit).links if a.get("class") == "origin"]
    assert origin[0] == "https://example.org/ar/politic/json-1"
    assert origin[1]["rel"] == "noopener noreferrer nofollow"
    assert "المصدر الأصلي" in hit


def test_dates_show_both_calendars_and_the_setting_is_remembered(client) -> None:
    html = text(client.get("/", query_string={"q": IDLIB}))
    assert '<time datetime="2018-02-15">15 فبراير 2018</time>' in html
    assert '<span class="other-date">29 جمادى الأولى 1439 هـ</span>' in html
    r = client.get("/", query_string={"q": IDLIB, "cal": "hijri"})
    hijri = text(r)
    assert '<time datetime="2018-02-15">29 جمادى الأولى 1439 هـ</time>' in hijri
    assert '<span class="other-date">15 فبراير 2018</span>' in hijri
    assert "calendar=hijri" in r.headers["Set-Cookie"]
    assert "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Lax" in r.headers["Set-Cookie"]
    # the cookie now decides for pages whose URL does not say
    again = text(client.get("/", query_string={"q": IDLIB}))
    assert '<time datetime="2018-02-15">29 جمادى الأولى 1439 هـ</time>' in again
    doc = text(client.get("/doc/seed/000_f4303bb32ac63e1e.txt"))
    assert "29 جمادى الأولى 1439 هـ</time>" in doc
    back = client.get("/", query_string={"q": IDLIB, "cal": "gregorian"})
    assert "calendar=gregorian" in back.headers["Set-Cookie"]
    assert '<time datetime="2018-02-15">15 فبراير 2018</time>' in text(back)


def test_the_calendar_links_keep_the_page_and_the_twin_ignores_them(client) -> None:
    html = text(client.get("/", query_string={"q": "الرئيس", "per_page": 2, "page": 2}))
    links = {a.get("aria-current"): h for h, a in parse(html).links if "cal=" in h}
    other = parse_qs(urlsplit(links[None]).query)
    assert other["cal"] == ["hijri"] and other["page"] == ["2"]
    hijri = text(client.get(links[None]))
    from tests.web.support import json_twin

    assert "cal" not in parse_qs(urlsplit(json_twin(hijri)).query)
    assert 'name="cal" value="hijri"' in hijri  # the form keeps it
    assert client.get("/?q=x&cal=julian").status_code == 400
    assert client.get("/api/search?q=x&cal=julian").status_code == 400


def test_hijri_periods_in_the_date_fields(client) -> None:
    r = client.get("/api/search", query_string={"q": "الرئيس", "from": "رمضان 1439",
                                               "to": "1440-02h"})
    assert r.status_code == 200
    html = text(client.get("/", query_string={"q": "الرئيس", "from": "رمضان ١٤٣٩",
                                              "cal": "hijri"}))
    assert 'value="1 رمضان 1439 هـ"' in html  # the field shows the day in Hijri, re-readable
    assert "من <time datetime=\"2018-05-16\">1 رمضان 1439 هـ</time>" in html
    gregorian = text(client.get("/", query_string={"q": "الرئيس", "from": "رمضان 1439",
                                                   "cal": "gregorian"}))
    assert 'value="2018-05-16"' in gregorian
    bad = client.get("/api/search", query_string={"q": "x", "from": "رمضان 1600"})
    assert bad.status_code == 400 and "Hijri period" in bad.json["error"]["message"]
    assert client.get("/", query_string={"q": "x", "to": "١٤٣٩" * 20}).status_code == 400


BIDI = "\u202d"  # LEFT-TO-RIGHT OVERRIDE, never closed


@pytest.fixture(scope="module")
def bidi_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bidi")
    arsearch.index_documents(folder, [
        arsearch.Document(id="bidi/override", title=f"{BIDI}عنوان معكوس عن إدلب",
                          body=f"{BIDI}نص عن إدلب والحرب", source=f"{BIDI}مصدر",
                          author="\u202eكاتب", category="politic",
                          date=datetime(2018, 3, 1)),
        arsearch.Document(id="bidi/mixed", title="Reuters: إدلب تحت القصف", body="إدلب",
                          source="Reuters", date=datetime(2018, 3, 2)),
    ])
    return folder


def test_every_piece_of_document_text_is_isolated(make_app, bidi_index) -> None:
    client = make_app(ARSEARCH_INDEX=str(bidi_index)).test_client()
    pages = [text(client.get(u)) for u in ("/?q=إدلب", "/doc/bidi/override?q=إدلب",
                                           "/", "/?q=إدلب&source=" + BIDI + "مصدر")]
    for html in pages:
        # every override character in a page sits inside a <bdi> (or a dir=auto
        # paragraph, or the search box and <title>, which isolate by themselves)
        for chunk in html.split(BIDI)[:-1]:
            opened = max(chunk.rfind("<bdi>"), chunk.rfind('<p dir="auto">'),
                         chunk.rfind('id="q"'), chunk.rfind("<title>"),
                         chunk.rfind('type="hidden"'), chunk.rfind("href="))
            closed = max(chunk.rfind("</bdi>"), chunk.rfind("</p>"))
            assert opened > closed, chunk[-200:]
    assert f"<bdi>{BIDI}مصدر</bdi>" in pages[0] and "<bdi>\u202eكاتب</bdi>" in pages[1]


def test_hostile_documents_still_escape_with_names_and_bdi(client) -> None:
    html = text(client.get("/", query_string={"q": "خبيث"}))
    assert "<bdi>مصدر &lt;b&gt;عريض&lt;/b&gt;</bdi>" in html
    assert "<bdi>&lt;i&gt;hack&lt;/i&gt;</bdi>" in html
    assert "javascript:" not in html


def test_an_id_with_dot_segments_keeps_them_in_its_link(make_app, tmp_path) -> None:
    from urllib.parse import urljoin

    from arsearch.ingest import Document

    ids = ["a/../b", "./c", "d/.", "e/./f/../g", "h/..."]
    arsearch.index_documents(tmp_path / "ix", [Document(id=i, title="داعش", body=f"داعش {i}")
                                               for i in ids])
    client = make_app(ARSEARCH_INDEX=str(tmp_path / "ix")).test_client()
    html = text(client.get("/", query_string={"q": "داعش"}))
    links = sorted({h.split("?")[0] for h, _ in parse(html).links if h.startswith("/doc/")})
    assert len(links) == len(ids)
    for link in links:
        # what a browser requests: dot segments resolved (%2E%2E counts as ..)
        assert urljoin("http://h/x", link) == "http://h" + link
        page = client.get(link)
        assert page.status_code == 200
    assert "/doc/a%2F..%2Fb" in links and "/doc/h/..." in links
