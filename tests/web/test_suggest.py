"""/api/suggest: the search box's completions, and the page that works without them."""

from __future__ import annotations

import pytest

from tests.web.support import parse, text


def test_suggestions_complete_queries_and_offer_titles(client) -> None:
    r = client.get("/api/suggest", query_string={"q": "إدل"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    data = r.json
    assert data["query"] == "إدل"
    assert data["suggestions"][0] == {"text": "إدلب", "kind": "query"}
    titles = client.get("/api/suggest", query_string={"q": "رغم دعم النظ"}).json
    (title,) = [s for s in titles["suggestions"] if s["kind"] == "title"]
    assert title["id"] == "seed/000_f4303bb32ac63e1e.txt"
    assert title["url"] == "/doc/seed/000_f4303bb32ac63e1e.txt"
    assert client.get(title["url"]).status_code == 200


def test_suggestions_fold_arabic_spellings(client) -> None:
    typed = [client.get("/api/suggest", query_string={"q": q}).json["suggestions"]
             for q in ("ادل", "إدل", "إِدْل")]
    assert typed[0] == typed[1] == typed[2] != []


@pytest.mark.parametrize("q", ["", " ", "ا", "\u202e", "<script>", '"', "x" * 500])
def test_odd_input_gets_an_answer_never_an_error(client, q) -> None:
    r = client.get("/api/suggest", query_string={"q": q})
    assert r.status_code == 200 and isinstance(r.json["suggestions"], list)


@pytest.mark.parametrize(("args", "message"), [
    ({"q": "x" * 501}, "longer than 500"), ({"q": "ال", "limit": "0"}, "limit must be"),
    ({"q": "ال", "limit": "11"}, "limit must be"), ({"q": "ال", "limit": "x"}, "limit must be"),
    ({"q": "ال", "limit": "٣"}, "limit must be")])
def test_bad_suggestion_requests_are_clear_400s(client, args, message) -> None:
    r = client.get("/api/suggest", query_string=args)
    assert r.status_code == 400 and message in r.json["error"]["message"]


def test_limit_is_honoured(client) -> None:
    assert len(client.get("/api/suggest?q=ال&limit=2").json["suggestions"]) <= 2


def test_the_box_names_its_suggestions_endpoint_and_needs_no_script(client) -> None:
    html = text(client.get("/"))
    (box,) = [a for t, a in parse(html).tags if t == "input" and a.get("id") == "q"]
    assert box["data-suggest"] == "/api/suggest" and box["name"] == "q"
    # the combobox roles are the script's to add: without it, a plain search field
    assert "role" not in box and "aria-expanded" not in box
    scripts = [a["src"] for t, a in parse(html).tags if t == "script"]
    assert scripts == ["/static/app.js"]
    with client.get(scripts[0]) as r:
        assert r.status_code == 200 and b"combobox" in r.get_data()
