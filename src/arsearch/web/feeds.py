"""An Atom feed (RFC 4287) for any search, so a reader can follow a topic.

``/feed.atom?q=…`` takes the search page's parameters (q, source, category, from, to)
and lists the newest :data:`FEED_ENTRIES` dated articles that match, newest first
(undated articles cannot be "new", so a feed leaves them out). Ids are ``urn:uuid:``
names derived from the article id and from the search, so they stay the same from one
fetch to the next, and need no public address. Links are absolute when the site knows
its public address (``ARSEARCH_PUBLIC_URL`` or trusted proxies), else relative to the
feed's own URL, which feed readers resolve.

Text from the index is untrusted: the template escapes it, and :func:`xml_text` drops
the characters XML cannot hold at all (a control character in a title would make the
whole feed unreadable).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, render_template, request, url_for

from arsearch.web.engine import get_engine
from arsearch.web.params import parse_search_args
from arsearch.web.security import public_root

feeds = Blueprint("feeds", __name__)

#: Entries in a feed: a feed reader keeps what it has seen.
FEED_ENTRIES = 20
#: The namespace of the feed's ``urn:uuid:`` ids.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://arsearch.invalid/atom")
#: The earliest date: asking for it keeps only dated articles.
DATED = datetime(1, 1, 1)


@feeds.get("/feed.atom")
def feed() -> Response:
    """The newest matches of a search as an Atom feed."""
    params = parse_search_args(request.args, current_app.config["ARSEARCH_PER_PAGE"])
    kwargs = params.engine_kwargs()
    kwargs.update(page=1, per_page=FEED_ENTRIES, sort="date",
                  date_from=kwargs["date_from"] or DATED)
    results = get_engine().search(params.q, **kwargs)
    args = params.twin_args(page="", per_page="", sort="")
    root = public_root()
    base = root.rstrip("/") if root else ""
    newest = results.hits[0].date if results.hits else None
    xml = render_template(
        "feed.xml", results=results, params=params, base=base,
        feed_id=f"urn:uuid:{uuid.uuid5(NAMESPACE, 'search?' + _canonical(args))}",
        entry_id=lambda doc_id: f"urn:uuid:{uuid.uuid5(NAMESPACE, 'doc:' + doc_id)}",
        self_url=base + url_for("feeds.feed", **args),
        page_url=base + url_for("pages.search", **args),
        updated=rfc3339(newest or datetime.now(UTC)), rfc3339=rfc3339,
        label=get_engine().labels.name)
    return Response(xml, mimetype="application/atom+xml")


def rfc3339(moment: datetime) -> str:
    """``2018-02-15T10:00:00Z``: the index keeps naive UTC times."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def _canonical(args: dict) -> str:
    """The search's arguments in one stable order (the feed's identity)."""
    return "&".join(f"{k}={v}" for k, v in sorted(
        (k, v) for k, values in args.items()
        for v in (values if isinstance(values, list) else [values])))
