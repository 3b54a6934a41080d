"""Reading the pages the web tests get back: links, tags and text."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

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


def json_twin(html: str) -> str:
    """The page's ``<link rel="alternate" type="application/json">`` target."""
    (href,) = [a["href"] for t, a in parse(html).tags
               if t == "link" and a.get("rel") == "alternate"
               and a.get("type") == "application/json"]
    return href


def doc_ids(html: str) -> list[str]:
    """The ids of the articles a page links to, in order, each once."""
    ids = [unquote(urlsplit(h).path.removeprefix("/doc/")) for h, _ in parse(html).links
           if h.startswith("/doc/")]
    return list(dict.fromkeys(ids))
