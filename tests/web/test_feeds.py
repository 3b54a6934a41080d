"""The Atom feed of a search: valid against RFC 4287's schema, newest first, stable ids,
and still valid XML whatever a stored title holds."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path

import pytest

import arsearch
from tests.web.support import IDLIB, parse, text

ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = Path(__file__).parent / "schemas" / "atom.rnc"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


@cache
def atom_schema():
    """RFC 4287's RELAX NG schema (compact syntax, converted by rnc2rng, read by lxml)."""
    rnc2rng = pytest.importorskip("rnc2rng")
    etree = pytest.importorskip("lxml.etree")
    rng = rnc2rng.dumps(rnc2rng.loads(SCHEMA.read_text("utf-8")))
    # rnc2rng declares the empty namespace's prefix, which XML forbids; nothing uses it
    rng = rng.replace('xmlns:local=""', "")
    return etree.RelaxNG(etree.fromstring(rng.encode("utf-8")))


def valid_feed(data: bytes):
    """The parsed feed, after checking it against the schema and the rules the schema
    cannot say (RFC 4287 4.2.6: ids are absolute IRIs; 3.3: dates are RFC 3339)."""
    from lxml import etree

    root = etree.fromstring(data)
    schema = atom_schema()
    assert schema.validate(root), schema.error_log
    for id_ in root.iter(f"{ATOM}id"):
        assert re.fullmatch(r"[a-z][a-z0-9+.-]*:\S+", id_.text), id_.text
    for when in [*root.iter(f"{ATOM}updated"), *root.iter(f"{ATOM}published")]:
        assert RFC3339.fullmatch(when.text), when.text
    return root


def test_the_schema_rejects_what_rfc_4287_forbids() -> None:
    from lxml import etree

    good = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x:1</id>'
            b"<updated>2018-01-01T00:00:00Z</updated><author><name>a</name></author>"
            b"<entry><title>x</title><id>urn:x:2</id>"
            b"<updated>2018-01-01T00:00:00Z</updated></entry></feed>")
    schema = atom_schema()
    assert schema.validate(etree.fromstring(good))
    for bad in (good.replace(b"<id>urn:x:1</id>", b""),  # a feed without an id
                good.replace(b"2018-01-01T00:00:00Z</updated></entry>",
                             b"2018-01-01</updated></entry>"),  # not a date-time
                good.replace(b"<entry>", b'<entry rogue="1">'),  # an unknown attribute
                good.replace(b"<title>x</title>", b"")):  # an entry without a title
        assert not schema.validate(etree.fromstring(bad))


def test_feed_of_a_search_is_valid_atom_newest_first(client) -> None:
    r = client.get("/feed.atom", query_string={"q": IDLIB})
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    root = valid_feed(r.data)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) >= 3
    dates = [e.findtext(f"{ATOM}updated") for e in entries]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert root.findtext(f"{ATOM}updated") == dates[0]
    assert IDLIB in root.findtext(f"{ATOM}title")
    api = client.get("/api/search", query_string={"q": IDLIB, "sort": "date",
                                                  "per_page": 20}).json
    dated = [h for h in api["hits"] if h["date"]]
    links = [e.find(f"{ATOM}link[@rel='alternate']").get("href") for e in entries]
    assert [h.split("?")[0] for h in links] == [
        "/doc/" + h["id"] for h in dated[:len(links)]]
    assert all(client.get(h).status_code == 200 for h in links)


def test_feed_ids_are_stable_and_distinct(client) -> None:
    one = valid_feed(client.get("/feed.atom?q=إدلب&source=العربية").data)
    again = valid_feed(client.get("/feed.atom?source=العربية&q=إدلب").data)
    other = valid_feed(client.get("/feed.atom?q=سوريا").data)
    assert one.findtext(f"{ATOM}id") == again.findtext(f"{ATOM}id")
    assert one.findtext(f"{ATOM}id") != other.findtext(f"{ATOM}id")
    ids = [e.findtext(f"{ATOM}id") for e in other.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids)) and all(i.startswith("urn:uuid:") for i in ids)


def test_feed_keeps_the_filters_and_leaves_out_undated_articles(client) -> None:
    root = valid_feed(client.get("/feed.atom?source=العربية&from=2018-01-01").data)
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        terms = [c.get("term") for c in entry.findall(f"{ATOM}category")]
        assert "العربية" in terms
        assert entry.findtext(f"{ATOM}updated") >= "2018-01-01"
    self_link = root.find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link.startswith("/feed.atom?") and "source=" in self_link


def test_empty_feed_is_still_valid(client) -> None:
    root = valid_feed(client.get("/feed.atom?q=كلمةغيرموجودةاطلاقا").data)
    assert root.findall(f"{ATOM}entry") == []


def test_feed_links_are_absolute_with_a_public_url(make_app, index_dir) -> None:
    client = make_app(ARSEARCH_INDEX=str(index_dir),
                      ARSEARCH_PUBLIC_URL="https://news.example.org/ar/").test_client()
    root = valid_feed(client.get("/feed.atom?q=إدلب", headers={"Host": "evil.test"}).data)
    hrefs = [link.get("href") for link in root.iter(f"{ATOM}link")]
    assert all(h.startswith(("https://news.example.org/ar/", "https://example.org")) or
               not h.startswith("/") for h in hrefs), hrefs
    assert not any("evil.test" in h for h in hrefs)


def test_titles_with_characters_xml_cannot_hold_keep_the_feed_valid(tmp_path, make_app) -> None:
    arsearch.index_documents(tmp_path, [
        arsearch.Document(id="ctl\x01", title="عنوان\x00 فيه\x0b تحكم\x1b[31m \ufffe",
                          body="نص عن إدلب", date=datetime(2020, 1, 1),
                          source="مصدر\x07", author="كاتب\x08", category="<&>"),
        arsearch.Document(id="bidi", title="\u202eعنوان معكوس abc", body="إدلب",
                          date=datetime(2020, 1, 2), url="https://example.org/a?b=1&c=<2>"),
    ])
    client = make_app(ARSEARCH_INDEX=str(tmp_path)).test_client()
    for url in ("/feed.atom?q=إدلب", "/feed.atom?q=إدلب\x0b", "/feed.atom?q=%EF%BF%BE"):
        r = client.get(url)
        assert r.status_code == 200, url
        root = valid_feed(r.data)
        titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
        assert "عنوان فيه تحكم[31m " in titles
        related = [e.get("href") for e in root.iter(f"{ATOM}link") if e.get("rel") == "related"]
        assert related == ["https://example.org/a?b=1&c=<2>"]  # escaped in the XML, intact


def test_search_page_offers_the_feed(client) -> None:
    html = text(client.get("/", query_string={"q": IDLIB, "source": "العربية", "page": "1"}))
    (feed,) = [a["href"] for t, a in parse(html).tags
               if t == "link" and a.get("type") == "application/atom+xml"]
    assert feed.startswith("/feed.atom?") and "page=" not in feed
    assert any(h == feed for h, _ in parse(html).links)  # and as a visible link
    assert client.get(feed).status_code == 200
