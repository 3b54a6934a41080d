"""The factory: routes for opaque ids, and every page with its JSON twin."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest

import arsearch
from arsearch.web.filters import arabic_count, paragraphs
from tests.web.support import IDLIB, doc_ids, json_twin, parse, text

#: Each HTML page and its JSON twin: the same state, the same answer, for scripts.
TWINS = {"pages.search": "api.search", "pages.document": "api.document"}
#: Routes that are already for machines (JSON health, the OpenSearch description, the
#: Atom feed of a search).
MACHINE_READABLE = {"pages.healthz", "pages.opensearch", "feeds.feed"}
#: API routes whose page is a part of another page: the article's "why this result",
#: the search box's suggestions, the results page's downloads.
PARTS = {"api.explain": "pages.document", "api.suggest": "pages.search",
         "api.export": "pages.search"}


def test_odd_ids_round_trip(client) -> None:
    html = text(client.get("/", query_string={"q": "الزراعة الأردن"}))
    href = next(h for h, _ in parse(html).links if h.startswith("/doc/hostile/"))
    assert client.get(href).status_code == 200
    api = client.get("/api/documents/hostile/a%20b%3Fc%23d%26e")
    assert api.status_code == 200 and api.json["id"] == "hostile/a b?c#d&e"


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


def test_every_page_route_has_a_json_twin(app) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    pages = {e for e in endpoints if e.startswith(("pages.", "feeds."))}
    api = {e for e in endpoints if e.startswith("api.")}
    assert endpoints == pages | api
    assert pages == set(TWINS) | MACHINE_READABLE, "a new page needs its JSON twin in api.py"
    assert api == set(TWINS.values()) | set(PARTS)
    assert set(PARTS.values()) <= pages


def test_the_front_page_twin_asks_for_no_page_it_ignores(client) -> None:
    html = text(client.get("/?page=999999999&per_page=3"))
    twin = json_twin(html)
    assert twin == "/api/search?per_page=3" and client.get(twin).status_code == 200


@pytest.mark.parametrize("url", ["/", f"/?q={IDLIB}", f"/?q={IDLIB}&per_page=2&page=2",
                                 "/?q=الرئيس&source=العربية&from=2018-01-01&sort=date",
                                 "/?category=sport"])
def test_search_pages_link_their_json_twin_with_the_same_state(client, url) -> None:
    html = text(client.get(url))
    twin = json_twin(html)
    assert urlsplit(twin).path == "/api/search"
    page_state = parse_qs(urlsplit(url).query)
    assert parse_qs(urlsplit(twin).query) == {k: v for k, v in page_state.items()
                                               if v != ["1"]}
    data = client.get(twin).json
    assert "واجهة JSON" in html and f'href="{twin.replace("&", "&amp;")}"' in html  # footer
    if url == "/":  # the front page: the newest articles, the biggest sources, the count
        assert f"ابحث في {data['total']} مقالا" in html
        assert all(h["title"] in html for h in data["hits"][:4])
        sources = data["facets"]["source"]
        shown = [(q["source"][0], a) for h, a in parse(html).links
                 if (q := parse_qs(urlsplit(h).query)).keys() == {"source"}]
        assert shown and all(name in sources for name, _ in shown)
    else:
        assert doc_ids(html) == [h["id"] for h in data["hits"]] != []
        assert arabic_count(data["total"]) in html


@pytest.mark.parametrize(("doc_id", "query"), [
    ("seed/000_f4303bb32ac63e1e.txt", "داعش"), ("hostile/a b?c#d&e", ""),
    ("hostile/script", "إدلب"), ("sample-json-001", "الناخبون")])
def test_article_pages_link_their_json_twin(client, doc_id, query) -> None:
    page = client.get(f"/doc/{quote(doc_id)}", query_string={"q": query} if query else None)
    assert page.status_code == 200
    twin = json_twin(text(page))
    data = client.get(twin).json
    assert data["id"] == doc_id
    assert parse_qs(urlsplit(twin).query) == ({"q": [query]} if query else {})
    assert ("<mark>" in data["body_html"]) == bool(query)
    body = text(page).split('class="body">', 1)[1].split("</div>", 1)[0]
    assert str(paragraphs(data["body_html"])).strip() == body.strip()  # the same text


def test_why_this_result_links_its_json_twin(client) -> None:
    html = text(client.get("/doc/seed/000_f4303bb32ac63e1e.txt", query_string={"q": "داعش"}))
    (href,) = [h for h, _ in parse(html).links if h.startswith("/api/explain")]
    data = client.get(href).json
    assert (data["id"], data["query"]) == ("seed/000_f4303bb32ac63e1e.txt", "داعش")
    assert f'{data["score"]:.3f}' in html and f"الترتيب {data['rank']} من" in html


def test_the_twin_of_a_multi_select_page_keeps_every_value_and_drops_the_calendar(
        client) -> None:
    url = "/?q=الرئيس&source=العربية&source=فرانس 24&category=politic&cal=hijri&page=1"
    html = text(client.get(url))
    twin = json_twin(html)
    assert parse_qs(urlsplit(twin).query) == {"q": ["الرئيس"], "source": ["العربية", "فرانس 24"],
                                              "category": ["politic"]}
    data = client.get(twin).json
    assert doc_ids(html) == [h["id"] for h in data["hits"]] != []
