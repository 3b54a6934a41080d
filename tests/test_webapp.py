"""The Flask front end and JSON API: every route, every error, escaping, headers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import arsearch
from arsearch.cli import main as cli_main
from arsearch.web.engine import get_engine
from arsearch.web.filters import arabic_count, arabic_date
from arsearch.web.security import SECURITY_HEADERS

from .conftest import SAMPLE

IDLIB = "إِدْلِب"  # with diacritics: must match إدلب / ادلب


class Links(HTMLParser):
    """Collects <a href> targets, tags and attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, dict]] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "a" and "href" in attrs:
            self.links.append((attrs["href"], attrs))


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def text(response) -> str:
    return response.get_data(as_text=True)


# ------------------------------------------------------------------------ front page


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


# ---------------------------------------------------------------------------- search


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


def test_date_range_filter(client) -> None:
    everything = client.get("/api/search", query_string={"q": IDLIB}).json["total"]
    r = client.get("/api/search", query_string={"q": IDLIB, "from": "2019-01-01",
                                               "to": "2019-12-31"})
    assert 0 < r.json["total"] < everything
    assert all(h["date"].startswith("2019") for h in r.json["hits"])
    html = text(client.get("/", query_string={"q": IDLIB, "from": "2019-01-01"}))
    assert 'value="2019-01-01"' in html and "من 1 يناير 2019" in html


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


# ------------------------------------------------------------------------- documents


def test_article_page_highlights_and_relates(client) -> None:
    r = client.get("/doc/seed/000_f4303bb32ac63e1e.txt", query_string={"q": "داعش"})
    html = text(r)
    assert r.status_code == 200
    assert "<mark>داعش</mark>" in html
    assert "مقالات ذات صلة" in html
    assert "/doc/" in "".join(h for h, _ in parse(html).links)


def test_odd_ids_round_trip(client) -> None:
    html = text(client.get("/", query_string={"q": "الزراعة الأردن"}))
    href = next(h for h, _ in parse(html).links if h.startswith("/doc/hostile/"))
    assert client.get(href).status_code == 200
    api = client.get("/api/documents/hostile/a%20b%3Fc%23d%26e")
    assert api.status_code == 200 and api.json["id"] == "hostile/a b?c#d&e"


@pytest.mark.parametrize("path", [
    "/doc/../pyproject.toml", "/doc/..%2F..%2Fpyproject.toml", "/doc/%2Fetc%2Fpasswd",
    "/doc/etc/passwd", "/doc/txt%00.txt", "/doc/" + "a" * 5000, "/doc/nope",
    "/api/documents/../../README.md", "/api/documents/%2e%2e%2fREADME.md",
    "/api/documents/x%00y", "/api/documents/" + "b/" * 3000, "/api/documents/nope",
])
def test_hostile_ids_are_404(client, path) -> None:
    r = client.get(path)
    assert r.status_code == 404
    if path.startswith("/api/"):
        assert r.json == {"error": {"status": 404, "message": "no document with this id",
                                    "request_id": r.headers["X-Request-Id"]}}
    else:
        assert "لا يوجد مقال" in text(r) or "غير موجودة" in text(r)


def test_document_lookup_never_touches_the_filesystem(client, monkeypatch) -> None:
    seen: list[str] = []
    engine = client.application.extensions["arsearch"].get()
    original = engine.document
    monkeypatch.setattr(engine, "document",
                        lambda doc_id, q="", **kw: seen.append(doc_id)
                        or original(doc_id, q, **kw))
    monkeypatch.setattr(Path, "exists", lambda self: pytest.fail(f"touched {self}"))
    monkeypatch.setattr(Path, "is_file", lambda self: pytest.fail(f"touched {self}"))
    assert client.get("/api/documents/../../../etc/passwd").status_code == 404
    assert seen == ["../../../etc/passwd"]


# ------------------------------------------------------------------------------- API


def test_api_search_shape(client) -> None:
    r = client.get("/api/search", query_string={"q": IDLIB, "per_page": 3})
    assert r.status_code == 200 and r.mimetype == "application/json"
    data = r.json
    for key in ("query", "total", "page", "per_page", "took_ms", "suggestion", "facets",
                "hits"):
        assert key in data
    assert data["query"] == IDLIB and data["page"] == 1 and data["per_page"] == 3
    assert set(data["facets"]) == {"source", "category", "year"}
    assert len(data["hits"]) == 3
    for hit in data["hits"]:
        assert {"id", "title", "date", "source", "category", "url", "score",
                "snippet_html"} <= set(hit)
    assert any("<mark>" in h["snippet_html"] for h in data["hits"])
    years = list(data["facets"]["year"])
    assert years == sorted(years, reverse=True)  # the engine's order is kept
    assert "إدلب".encode() in r.data  # not \\u-escaped


def test_api_document(client) -> None:
    r = client.get("/api/documents/sample-json-001", query_string={"q": "الناخبون"})
    assert r.status_code == 200
    doc = r.json
    assert doc["id"] == "sample-json-001" and doc["date"].startswith("2021-06-18")
    assert "<mark>" in doc["body_html"] and "path" not in doc


BAD_REQUESTS = [
    ({"q": "x", "page": "0"}, "page must be at least 1"),
    ({"q": "x", "page": "-3"}, "page must be at least 1"),
    ({"q": "x", "page": "abc"}, "page must be a whole number"),
    ({"q": "x", "page": "1.5"}, "page must be a whole number"),
    ({"q": "x", "page": "٢"}, "page must be a whole number"),
    ({"q": "x", "page": "9" * 30}, "page must be a whole number"),
    ({"q": IDLIB, "page": "99"}, "beyond the results"),
    ({"q": "x", "per_page": "101"}, "per_page must be between 1 and 100"),
    ({"q": "x", "per_page": "0"}, "per_page must be between 1 and 100"),
    ({"q": "x" * 501}, "longer than 500 characters"),
    ({"q": "x", "from": "2019-13-01"}, "from must be a date"),
    ({"q": "x", "to": "yesterday"}, "to must be a date"),
    ({"q": "x", "from": "2019-1-1"}, "from must be a date"),
    ({"q": "x", "sort": "random"}, "sort must be"),
]


@pytest.mark.parametrize(("args", "message"), BAD_REQUESTS)
def test_api_bad_requests(client, args, message) -> None:
    r = client.get("/api/search", query_string=args)
    assert r.status_code == 400
    assert set(r.json) == {"error"} and r.json["error"]["status"] == 400
    assert message in r.json["error"]["message"]


@pytest.mark.parametrize(("args", "message"), BAD_REQUESTS)
def test_html_bad_requests_are_friendly(client, args, message) -> None:
    r = client.get("/", query_string=args)
    html = text(r)
    assert r.status_code == 400 and r.mimetype == "text/html"
    assert "طلب غير صالح" in html and 'dir="rtl"' in html
    assert "Traceback" not in html


def test_api_page_one_of_nothing_is_fine(client) -> None:
    r = client.get("/api/search", query_string={"q": "كلمةغيرموجودةاطلاقا"})
    assert r.status_code == 200 and r.json["total"] == 0 and r.json["hits"] == []


def test_unknown_route_and_method(client) -> None:
    r = client.get("/api/nothing")
    assert r.status_code == 404 and r.json["error"]["status"] == 404
    r = client.post("/api/search")
    assert r.status_code == 405 and r.json["error"]["status"] == 405
    assert "GET" in r.headers["Allow"]
    r = client.get("/nothing")
    assert r.status_code == 404 and "الصفحة غير موجودة" in text(r)
    r = client.post("/")
    assert r.status_code == 405 and "غير مسموح" in text(r)


def test_internal_errors_keep_the_shape(make_app, index_dir, monkeypatch) -> None:
    app = make_app(ARSEARCH_INDEX=str(index_dir), TESTING=False)
    client = app.test_client()
    engine = app.extensions["arsearch"].get()
    monkeypatch.setattr(engine, "search", lambda *a, **k: 1 / 0)
    r = client.get("/api/search?q=x")
    assert r.status_code == 500
    assert r.json == {"error": {"status": 500, "message": "internal server error",
                                "request_id": r.headers["X-Request-Id"]}}
    r = client.get("/?q=x")
    assert r.status_code == 500 and "حدث خطأ" in text(r) and "ZeroDivision" not in text(r)
    assert r.headers["X-Content-Type-Options"] == "nosniff"


# --------------------------------------------------------------------- missing index


def test_missing_index_explains_and_recovers(make_app, tmp_path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    app = make_app(ARSEARCH_INDEX=str(folder))
    client = app.test_client()
    r = client.get("/")
    assert r.status_code == 503 and "arsearch index PATH" in text(r)
    r = client.get("/api/search?q=x")
    assert r.status_code == 503 and r.json["error"]["status"] == 503
    assert "arsearch index" in r.json["error"]["message"]
    assert client.get("/healthz").status_code == 503
    with client.get("/static/style.css") as r:
        assert r.status_code == 200
    arsearch.index_paths(folder, [SAMPLE / "txt"])  # built later: no restart needed
    assert client.get("/healthz").json == {"ok": True, "documents": 12}


def test_one_engine_per_app_reused(app) -> None:
    with app.app_context():
        first = get_engine()
    client = app.test_client()
    client.get("/?q=x")
    client.get("/api/search?q=y")
    with app.app_context():
        assert get_engine() is first


# --------------------------------------------------------------------------- escaping


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


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize("url", ["/", "/?q=x", "/api/search?q=x", "/api/documents/nope",
                                 "/doc/nope", "/healthz", "/opensearch.xml",
                                 "/static/style.css", "/nowhere", "/?page=0"])
def test_security_headers_everywhere(client, url) -> None:
    with client.get(url) as r:  # closes the static file
        r.get_data()
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value, (url, name)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


# ------------------------------------------------------------------------ small routes


def test_healthz(client) -> None:
    assert client.get("/healthz").json == {"ok": True, "documents": 39}


def test_arabic_formatting() -> None:
    from datetime import date

    assert arabic_date(date(2018, 2, 15)) == "15 فبراير 2018"
    assert arabic_date(date(2020, 12, 1)) == "1 ديسمبر 2020"
    assert arabic_date(None) == ""
    assert [arabic_count(n) for n in (0, 1, 2, 3, 10, 11, 103, 1500)] == [
        "لا توجد نتائج", "نتيجة واحدة", "نتيجتان", "3 نتائج", "10 نتائج", "11 نتيجة",
        "103 نتائج", "1,500 نتيجة"]


# ------------------------------------------------------------------------------- CLI


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(monkeypatch):
    """``arsearch serve`` up to the point of serving: the bound server, then closed."""
    from arsearch.web import server as webserver

    servers = []
    bind = webserver.bind

    def bound(app, *args, **kwargs):
        server = bind(app, *args, **kwargs)
        servers.append((server, app.app))  # the Flask app inside the access log
        return server

    def run(server) -> None:
        server.close() if hasattr(server, "close") else server.server_close()

    monkeypatch.setattr(webserver, "configure_logging", lambda access: None)  # global
    monkeypatch.setattr(webserver, "bind", bound)
    monkeypatch.setattr(webserver, "run", run)
    return servers


def test_serve_command_binds_waitress_with_the_public_url(runner, index_dir, served) -> None:
    from waitress.server import BaseWSGIServer

    port = free_port()
    result = runner.invoke(cli_main, ["serve", "--index", str(index_dir), "--port", str(port)])
    assert result.exit_code == 0, result.output
    server, app = served[0]
    assert isinstance(server, BaseWSGIServer) and server.adj.ident == "arsearch"
    assert server.adj.clear_untrusted_proxy_headers
    assert app.config["ARSEARCH_INDEX"] == str(index_dir) and not app.debug
    assert app.config["ARSEARCH_PUBLIC_URL"] == f"http://127.0.0.1:{port}/"
    result = runner.invoke(cli_main, ["serve", "--index", str(index_dir), "--port", str(port),
                                      "--host", "0.0.0.0", "--proxies", "1"])
    server, app = served[1]
    assert app.config["ARSEARCH_PUBLIC_URL"] == "" and app.config["ARSEARCH_PROXIES"] == 1
    assert not server.adj.clear_untrusted_proxy_headers  # left for ProxyFix to judge


def test_serve_dev_server_never_debug(runner, index_dir, served) -> None:
    from werkzeug.serving import BaseWSGIServer

    result = runner.invoke(cli_main, ["serve", "--index", str(index_dir), "--dev-server",
                                      "--port", str(free_port())])
    assert result.exit_code == 0, result.output
    server, app = served[0]
    assert isinstance(server, BaseWSGIServer) and not app.debug and not server.app.app.debug
    assert "Flask development server" in result.stderr


def test_serve_warns_without_index(runner, tmp_path, served) -> None:
    result = runner.invoke(cli_main, ["serve", "--index", str(tmp_path / "none"),
                                      "--port", str(free_port())])
    assert result.exit_code == 0
    assert "arsearch index PATH" in result.output


def test_serve_refuses_a_bad_public_url(runner, index_dir, served) -> None:
    for url in ("ftp://x/", "example.org", "https://x/?q=1", 'https://x/"><script>'):
        result = runner.invoke(cli_main, ["serve", "--index", str(index_dir),
                                          "--public-url", url])
        assert result.exit_code == 1 and result.stderr.startswith("error: the public URL")
    assert not served


def test_article_paragraphs_stay_escaped(client) -> None:
    html = text(client.get("/doc/hostile/script"))
    body = html.split('class="body">', 1)[1].split("</div>", 1)[0]
    assert body.startswith("<p>") and "<script" not in body and "&lt;img" in body


def test_ids_with_a_leading_slash_have_working_pages(tmp_path, make_app, sample_dir) -> None:
    """A file outside the id root has its absolute path as id; a record may say "/x"."""
    import json

    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "/2018/02/idlib", "title": "إدلب", "body": "نص عن إدلب"},
                               ensure_ascii=False) + "\n", "utf-8")
    arsearch.index_paths(tmp_path / "proj" / "index", [sample_dir / "txt", feed])
    client = make_app(ARSEARCH_INDEX=str(tmp_path / "proj" / "index")).test_client()
    outside = str((sample_dir / "txt" / "11_idlib_aid.txt").resolve())
    hrefs = [h for h, _ in parse(text(client.get("/", query_string={"q": "إدلب"}))).links]
    for doc_id in (outside, "/2018/02/idlib"):
        assert any(h.startswith(f"/doc/{doc_id}") for h in hrefs), hrefs
        assert client.get(f"/doc/{doc_id}").status_code == 200
        assert client.get(f"/api/documents/{doc_id}").json["id"] == doc_id
    assert client.get("/static//etc/passwd").status_code == 404


# ------------------------------------------------------------ request ids and error pages


def test_every_response_carries_a_request_id(client) -> None:
    ids = set()
    for url in ("/", "/?q=إدلب", "/api/search?q=x", "/nowhere", "/api/documents/nope",
                "/healthz", "/static/style.css"):
        with client.get(url) as r:
            r.get_data()
        assert re.fullmatch(r"[0-9a-f]{16}", r.headers["X-Request-Id"]), url
        ids.add(r.headers["X-Request-Id"])
    assert len(ids) == 7


def test_error_page_keeps_the_query_and_shows_the_request_id(client) -> None:
    r = client.get("/", query_string={"q": "إدلب \"الجيش\"", "page": "0"})
    html = text(r)
    assert r.status_code == 400
    assert 'value="إدلب &#34;الجيش&#34;"' in html or 'value="إدلب &quot;الجيش&quot;"' in html
    assert f"<code dir=\"ltr\">{r.headers['X-Request-Id']}</code>" in html
    r = client.get("/nowhere", query_string={"q": "سوريا"})
    assert r.status_code == 404 and 'value="سوريا"' in text(r)
    assert "لم نجد هذه الصفحة" in text(r)  # Arabic, not werkzeug's English description


def test_errors_are_logged_with_the_request_id(client, caplog) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="arsearch"):
        r = client.get("/api/search?q=x&page=0")
    rid = r.json["error"]["request_id"]
    assert rid == r.headers["X-Request-Id"]
    assert any(rid in rec.getMessage() and "400" in rec.getMessage()
               for rec in caplog.records)


@pytest.mark.parametrize("exc", [KeyError("x"), UnicodeEncodeError("utf-8", "\ud800", 0, 1, "x"),
                                 RecursionError(), MemoryError(), OSError(5, "I/O error"),
                                 ValueError("year 10000 is out of range"), TypeError()])
def test_any_exception_is_a_500_with_the_one_shape_and_a_logged_traceback(
        make_app, index_dir, monkeypatch, caplog, exc) -> None:
    import logging

    app = make_app(ARSEARCH_INDEX=str(index_dir), TESTING=False)
    client = app.test_client()
    engine = app.extensions["arsearch"].get()

    def fail(*args, **kwargs):
        raise exc

    monkeypatch.setattr(engine, "search", fail)
    monkeypatch.setattr(engine, "document", fail)
    with caplog.at_level(logging.INFO, logger="arsearch"):
        api = client.get("/api/search?q=x")
        page = client.get("/?q=إدلب")
        doc = client.get("/doc/x?q=إدلب")
    assert api.status_code == page.status_code == doc.status_code == 500
    assert api.json["error"] == {"status": 500, "message": "internal server error",
                                 "request_id": api.headers["X-Request-Id"]}
    assert "حدث خطأ" in text(page) and 'value="إدلب"' in text(page)
    assert "Traceback" not in text(page) + text(doc)
    errors = [rec for rec in caplog.records if rec.levelno == logging.ERROR]
    assert len(errors) == 3 and all(rec.exc_info for rec in errors)
    assert page.headers["X-Request-Id"] in errors[1].getMessage()


def test_engine_query_error_is_a_400_not_a_503(make_app, index_dir, monkeypatch) -> None:
    from arsearch.errors import QueryError

    app = make_app(ARSEARCH_INDEX=str(index_dir))
    engine = app.extensions["arsearch"].get()
    monkeypatch.setattr(engine, "search", lambda *a, **k: (_ for _ in ()).throw(
        QueryError("per_page must be between 1 and 100")))
    r = app.test_client().get("/api/search?q=x")
    assert r.status_code == 400 and "per_page" in r.json["error"]["message"]


@pytest.mark.parametrize("url", ["/?q=date:9999", "/api/search?q=date:9999",
                                 "/?q=إدلب date:2018..9999", "/api/search?q=date:9999-12-31",
                                 "/doc/txt/01_idlib_politics.txt?q=date:9999",
                                 "/?q=date:0000", "/?q=date:>9999"])
def test_far_dates_in_the_query_never_fail(client, url) -> None:
    assert client.get(url).status_code == 200


def test_word_less_query_page_says_newest_first(client) -> None:
    html = text(client.get("/?q=في"))
    assert "مرتّبة من الأحدث إلى الأقدم" in html
    assert client.get("/api/search?q=في").json["sorted_by"] == "date"
    assert "مرتّبة من الأحدث" not in text(client.get("/?q=إدلب"))


def test_reversed_date_range_is_a_clear_400(client) -> None:
    r = client.get("/api/search?q=x&from=2019-01-01&to=2018-01-01")
    assert r.status_code == 400 and "after" in r.json["error"]["message"]
    assert "قبل" in text(client.get("/?q=x&from=2019-01-01&to=2018-01-01"))


# -------------------------------------------------------------------- absolute URLs


def test_opensearch_uses_the_public_url_never_the_host_header(make_app, index_dir) -> None:
    app = make_app(ARSEARCH_INDEX=str(index_dir), ARSEARCH_PUBLIC_URL="https://news.example.org/s")
    client = app.test_client()
    r = client.get("/opensearch.xml", headers={"Host": "evil.example",
                                               "X-Forwarded-Host": "evil2.example"})
    xml = text(r)
    assert r.status_code == 200 and r.mimetype == "application/opensearchdescription+xml"
    assert 'template="https://news.example.org/s/?q={searchTerms}"' in xml
    assert "evil" not in xml
    assert 'rel="search"' in text(client.get("/", headers={"Host": "evil.example"}))


def test_opensearch_without_a_public_address_is_not_offered(client) -> None:
    r = client.get("/opensearch.xml", headers={"Host": "evil.example"})
    assert r.status_code == 404 and "evil" not in text(r)
    assert 'rel="search"' not in text(client.get("/"))


def test_opensearch_behind_trusted_proxies(make_app, index_dir) -> None:
    app = make_app(ARSEARCH_INDEX=str(index_dir), ARSEARCH_PROXIES=1)
    client = app.test_client()
    r = client.get("/opensearch.xml", headers={
        "Host": "127.0.0.1:8000", "X-Forwarded-Host": "news.example.org",
        "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert 'template="https://news.example.org/?q={searchTerms}"' in text(r)
    # only the last proxy's value counts: a client cannot prepend its own
    r = client.get("/opensearch.xml", headers={
        "X-Forwarded-Host": "evil.example, news.example.org", "X-Forwarded-Proto": "https"})
    assert "evil" not in text(r) and "https://news.example.org/" in text(r)


@pytest.mark.parametrize("config", [{"ARSEARCH_PUBLIC_URL": "javascript:alert(1)"},
                                    {"ARSEARCH_PUBLIC_URL": "https://x/\"><b>"},
                                    {"ARSEARCH_PROXIES": "many"}, {"ARSEARCH_PROXIES": 9}])
def test_bad_address_settings_are_refused_at_start(make_app, index_dir, config) -> None:
    with pytest.raises(arsearch.ArsearchError):
        make_app(ARSEARCH_INDEX=str(index_dir), **config)


# ---------------------------------------------------------------- long articles


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


def test_error_log_lines_cannot_be_forged_through_the_path(client, caplog) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="arsearch"):
        r = client.get("/nope%0A2026-01-01 ERROR forged%1b[31m%00")
    assert r.status_code == 404
    (line,) = [rec.getMessage() for rec in caplog.records
               if r.headers["X-Request-Id"] in rec.getMessage()]
    assert "\n" not in line and "\x1b" not in line and "\x00" not in line
    assert "/nope\\x0a2026-01-01 ERROR forged\\x1b[31m\\x00" in line


def test_article_page_says_why_this_result(client) -> None:
    r = client.get("/doc/seed/000_f4303bb32ac63e1e.txt", query_string={"q": "داعش إدلب"})
    html = text(r)
    assert r.status_code == 200 and "لماذا هذه النتيجة؟" in html
    assert "الكلمة بجذعها" in html and "<bdi>داعش</bdi>" in html
    api = client.get("/api/explain", query_string={
        "q": "داعش إدلب", "id": "seed/000_f4303bb32ac63e1e.txt"}).json
    hit = client.get("/api/search", query_string={"q": "داعش إدلب"}).json["hits"][0]
    assert hit["id"] == api["id"] and round(api["score"], 4) == hit["score"]
    assert f'{api["score"]:.3f}' in html
    assert "لماذا هذه النتيجة؟" not in text(client.get("/doc/seed/000_f4303bb32ac63e1e.txt"))


def test_explain_api_errors_have_the_one_shape(client) -> None:
    r = client.get("/api/explain", query_string={"q": "داعش", "id": "nope"})
    assert r.status_code == 404 and r.json["error"]["status"] == 404
    r = client.get("/api/explain", query_string={"q": "x" * 600, "id": "nope"})
    assert r.status_code == 400
