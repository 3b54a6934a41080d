"""Request parameters: every bad value is the same clear 400 on the page and the API."""

from __future__ import annotations

import pytest

from tests.web.support import IDLIB, text

BAD_REQUESTS = [
    ({"q": "x", "page": "0"}, "page must be at least 1"),
    ({"q": "x", "page": "-3"}, "page must be at least 1"),
    ({"q": "x", "page": "abc"}, "page must be a whole number"),
    ({"q": "x", "page": "1.5"}, "page must be a whole number"),
    ({"q": "x", "page": "٢"}, "page must be a whole number"),
    ({"q": "x", "page": "9" * 30}, "is too large"),
    ({"q": "x", "page": "99999999999"}, "page 99999999999 is too large"),
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


def test_reversed_date_range_is_a_clear_400(client) -> None:
    r = client.get("/api/search?q=x&from=2019-01-01&to=2018-01-01")
    assert r.status_code == 400 and "after" in r.json["error"]["message"]
    assert "قبل" in text(client.get("/?q=x&from=2019-01-01&to=2018-01-01"))


def test_search_state_round_trips_through_its_url_args() -> None:
    from werkzeug.datastructures import MultiDict

    from arsearch.web.params import parse_search_args

    args = {"q": "إدلب", "source": "العربية", "from": "2019-01-01", "to": "2019-12-31",
            "sort": "date", "per_page": "5", "page": "3"}
    params = parse_search_args(MultiDict(args), default_per_page=10)
    assert params.url_args(10) == {**args, "source": ["العربية"], "per_page": 5, "page": 3}
    as_url = MultiDict([(k, str(v)) for k, values in params.url_args(10).items()
                        for v in (values if isinstance(values, list) else [values])])
    assert parse_search_args(as_url, 10) == params
    assert params.url_args(5, page=1) == {**{k: v for k, v in args.items()
                                             if k not in ("per_page", "page")},
                                          "source": ["العربية"]}


def test_document_state_url_args_drop_only_the_defaults() -> None:
    from werkzeug.datastructures import MultiDict

    from arsearch.web.params import DOCUMENT_PAGE_CHARS, DocumentParams, parse_document_args

    assert DocumentParams().url_args() == {}
    params = parse_document_args(MultiDict({"q": "x", "start": "10", "length": "50"}))
    assert params.url_args() == {"q": "x", "start": 10, "length": 50}
    assert params.url_args(start=0) == {"q": "x", "length": 50}
    assert DocumentParams(length=DOCUMENT_PAGE_CHARS, start=1).url_args() == {"start": 1}


def test_match_level_is_a_parameter_of_the_page_and_the_api(client):
    page = client.get("/?q=كتب&level=root")
    assert page.status_code == 200
    assert 'value="root" selected' in page.get_data(as_text=True)
    api = client.get("/api/search?q=كتب&level=root").get_json()
    assert api["total"] >= client.get("/api/search?q=كتب").get_json()["total"]
    bad = client.get("/api/search?q=كتب&level=radical")
    assert bad.status_code == 400 and "level" in bad.get_json()["error"]["message"]


def test_invalid_utf8_in_the_url_reads_as_the_replacement_character(client) -> None:
    r = client.get("/api/search?q=%ff%fe")
    assert r.status_code == 200
    assert r.json["query"] == "\ufffd\ufffd"
    assert "FF" not in r.json["query"]
    raw = client.get("/api/search", environ_overrides={"QUERY_STRING": "q=\xd9\x81\xff"}).json
    assert raw["query"] == "ف\ufffd"  # raw UTF-8 bytes (curl) read as UTF-8 too


def test_explain_without_an_id_is_a_400_naming_the_id(client) -> None:
    r = client.get("/api/explain?q=x")
    assert r.status_code == 400 and "id=" in r.json["error"]["message"]


def test_explain_ignores_the_document_apis_start_and_length(client) -> None:
    doc_id = client.get("/api/search", query_string={"q": IDLIB}).json["hits"][0]["id"]
    r = client.get("/api/explain", query_string={"q": IDLIB, "id": doc_id,
                                                 "start": "99999999", "length": "0"})
    assert r.status_code == 200 and r.json["id"] == doc_id


def test_control_characters_in_the_query_are_spaces_never_echoed(client) -> None:
    r = client.get("/api/search", query_string={"q": "\x00root:x\x1b[31m"})
    assert r.status_code == 200 and r.json["query"] == " root:x [31m"
    html = client.get("/", query_string={"q": "إدلب\x00\x1b"}).get_data(as_text=True)
    assert "\x00" not in html and "\x1b" not in html


@pytest.mark.parametrize(("level", "status"), [("ROOT", 200), ("جذر", 200), (" root ", 200),
                                               ("../../etc", 400), ("\x00", 400)])
def test_the_level_parameter_takes_what_a_query_prefix_takes(client, level, status):
    r = client.get("/api/search", query_string={"q": "كتب", "level": level})
    assert r.status_code == status
    if status == 200:
        want = client.get("/api/search?q=كتب&level=root").json["total"]
        assert r.json["total"] == want


def test_a_page_past_an_estimated_last_page_that_holds_hits_is_served():
    """An estimated total (a pruned Xapian search) may be short of the real end: a page
    past its last one is "beyond the results" only when it holds no hit."""
    from arsearch.web.params import SearchParams, WebError, check_page

    check_page(SearchParams(q="قال", page=5), pages=3, hits=10)  # served
    with pytest.raises(WebError) as info:
        check_page(SearchParams(q="قال", page=5), pages=3, hits=0)
    assert info.value.status == 400 and "beyond the results (last page: 3)" in str(info.value)
