"""One error shape for every failure, request ids, and log lines nobody can forge."""

from __future__ import annotations

import re

import pytest

from tests.web.support import text


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


def test_error_log_lines_cannot_be_forged_through_the_path(client, caplog) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="arsearch"):
        r = client.get("/nope%0A2026-01-01 ERROR forged%1b[31m%00")
    assert r.status_code == 404
    (line,) = [rec.getMessage() for rec in caplog.records
               if r.headers["X-Request-Id"] in rec.getMessage()]
    assert "\n" not in line and "\x1b" not in line and "\x00" not in line
    assert "/nope\\x0a2026-01-01 ERROR forged\\x1b[31m\\x00" in line


def test_error_pages_are_arabic_and_keep_the_whole_search(client, make_app, index_dir,
                                                          monkeypatch) -> None:
    from tests.web.support import parse

    state = [("q", "إدلب"), ("source", "العربية"), ("category", "sport"), ("cal", "hijri")]
    r = client.get("/nowhere", query_string=state)
    html = text(r)
    assert r.status_code == 404 and "لم نجد هذه الصفحة" in html and "Not Found" not in html
    hidden = {(a["name"], a["value"]) for t, a in parse(html).tags
              if t == "input" and a.get("type") == "hidden"}
    assert hidden == {("source", "العربية"), ("category", "sport"), ("cal", "hijri")}
    assert 'value="إدلب"' in html
    r = client.post("/doc/x", query_string=state)
    assert r.status_code == 405 and "GET" in text(r) and 'value="إدلب"' in text(r)
    assert "Method Not Allowed" not in text(r)
    # a 500 keeps it too
    app = make_app(ARSEARCH_INDEX=str(index_dir), TESTING=False)
    monkeypatch.setattr(app.extensions["arsearch"].get(), "search", lambda *a, **k: 1 / 0)
    r = app.test_client().get("/", query_string=state)
    assert r.status_code == 500 and 'value="إدلب"' in text(r)
    assert 'name="source" value="العربية"' in text(r)


def test_an_error_from_a_bad_parameter_keeps_the_query_alone(client) -> None:
    r = client.get("/", query_string={"q": "إدلب", "page": "x", "source": "s" * 300})
    assert r.status_code == 400 and 'value="إدلب"' in text(r)
    assert 'name="source"' not in text(r)


@pytest.mark.parametrize(("status", "arabic"), [(414, "الرابط أطول من المسموح"),
                                                (431, "ترويسات الطلب أكبر"),
                                                (418, "تعذّر إتمام الطلب")])
def test_flask_errors_never_show_english_under_an_arabic_title(make_app, index_dir,
                                                               status, arabic) -> None:
    from flask import abort

    app = make_app(ARSEARCH_INDEX=str(index_dir))

    @app.get("/fail")
    def fail():
        abort(status)

    r = app.test_client().get("/fail?q=سوريا")
    assert r.status_code == status and arabic in text(r) and 'value="سوريا"' in text(r)


def test_an_error_page_links_the_search_it_kept(client) -> None:
    from urllib.parse import parse_qs, urlsplit

    from tests.web.support import parse

    html = text(client.get("/nowhere", query_string=[("q", "سوريا"), ("source", "العربية")]))
    (link,) = [h for h, _ in parse(html).links if h.startswith("/?")]
    assert parse_qs(urlsplit(link).query) == {"q": ["سوريا"], "source": ["العربية"]}
    assert client.get(link).status_code == 200
