"""The HTML pages: search (and the front page), the article page, OpenSearch, health.

Every piece of state is in the query string so that pages work without JavaScript, can
be bookmarked and shared, and the back button behaves. Each page links its JSON twin
(``json_url``: the same state from :mod:`arsearch.web.api`) in its head and footer.

The calendar dates are shown in is a reader's setting: ``?cal=hijri`` (or ``gregorian``)
chooses it and a cookie remembers it; the URL wins over the cookie.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)

from arsearch.search.engine import Engine
from arsearch.search.export import MAX_EXPORT_ROWS
from arsearch.search.results import Results
from arsearch.web import panel, timeline
from arsearch.web.engine import get_engine, lookup_document
from arsearch.web.params import (
    CALENDARS,
    SearchParams,
    WebError,
    check_page,
    parse_calendar,
    parse_document_args,
    parse_search_args,
)
from arsearch.web.security import public_root

pages = Blueprint("pages", __name__)

#: Arabic names of the parts of a score (``Engine.explain``) and of the fields.
PART_LABELS = {
    "stem": "الكلمة بجذعها", "exact": "الكلمة كما كُتبت", "synonym": "مرادف أضافه البحث",
    "expansion": "كلمة من النتائج الأولى", "phrase bonus": "العبارة مجتمعة",
    "lead": "في مقدمة الخبر", "proximity": "تقارب الكلمات", "recency": "حداثة الخبر",
    "phrase tier": "العبارة المقتبسة موجودة", "all-words tier": "كل كلمات البحث موجودة",
}
FIELD_LABELS = {"title": "العنوان", "body": "النص"}

#: How many recent titles and sources the front page offers as example searches.
EXAMPLES = 4
RELATED = 5
#: The cookie that remembers the reader's calendar (a year).
CALENDAR_COOKIE = "calendar"
CALENDAR_COOKIE_AGE = 365 * 24 * 3600
CALENDAR_NAMES = {"gregorian": "ميلادي", "hijri": "هجري"}


@pages.get("/")
def search() -> Response:
    """The front page without a query or filter, else a page of results."""
    default_per_page = current_app.config["ARSEARCH_PER_PAGE"]
    params = parse_search_args(request.args, default_per_page)
    calendar = reader_calendar(params.calendar)
    engine = get_engine()

    def link(**changes: Any) -> str:
        """This page's URL with some state changed (a filter added, another page...)."""
        changes.setdefault("page", 1)
        return url_for("pages.search", **params.url_args(default_per_page, **changes))

    common = {"params": params, "calendar": calendar, "label": engine.labels.name,
              "calendar_links": _calendar_links(
                  lambda **c: link(page=params.page, **c), calendar)}
    if not params.q.strip() and not params.filtered:  # newest first: no page to ask for
        return _with_calendar(render_template(
            "front.html", **common, **_examples(engine),
            json_url=url_for("api.search", **params.twin_args(default_per_page, page=1))),
            params.calendar)
    json_url = url_for("api.search", **params.twin_args(default_per_page))
    results = engine.search(params.q, **params.engine_kwargs())
    check_page(params, results.pages, len(results.hits))
    feed_args = params.twin_args(default_per_page, page="", per_page="", sort="")
    examples = _examples(engine) if not results.total else {}
    return _with_calendar(render_template(
        "search.html", **common, results=results, link=link,
        page_numbers=_page_numbers(results), json_url=json_url,
        timeline=timeline.build(results.facets, calendar),
        facets=panel.build(params, results.facets, engine.labels, link, calendar),
        unknown=panel.unknown(params, results.facets, engine.labels),
        feed_url=url_for("feeds.feed", **feed_args),
        export_urls={fmt: url_for("api.export", fmt=fmt, **feed_args, sort=params.sort
                                  if params.sort != "relevance" else None)
                     for fmt in ("csv", "jsonl")},
        max_export=MAX_EXPORT_ROWS, **examples), params.calendar)


@pages.get("/doc/<path:doc_id>")
def document(doc_id: str) -> Response:
    """The full article, with ``?q=``'s words highlighted and related articles."""
    params = parse_document_args(request.args)
    chosen = parse_calendar(request.args.get("cal"))
    calendar = reader_calendar(chosen)
    doc = lookup_document(doc_id, params)
    engine = get_engine()
    related = engine.more_like_this(doc["id"], RELATED) if not params.start else []
    # "why this result": the score of this article for the query, part by part
    explanation = engine.explain(params.q, doc["id"]) \
        if params.q.strip() and not params.start else None
    keep: dict[str, Any] = {"cal": chosen} if chosen else {}

    def part(start: int) -> str:
        """The URL of the part of the article from ``start``."""
        return url_for("pages.document", doc_id=doc["id"], **params.url_args(start=start),
                       **keep)

    def here(**changes: Any) -> str:
        return url_for("pages.document", doc_id=doc["id"], **params.url_args(), **changes)

    previous = max(0, doc["body_start"] - params.length) if doc["body_start"] else None
    following = doc["body_end"] if doc["body_end"] < doc["body_length"] else None
    return _with_calendar(render_template(
        "doc.html", doc=doc, related=related,
        params=SearchParams(q=params.q, calendar=chosen), calendar=calendar,
        label=engine.labels.name, calendar_links=_calendar_links(here, calendar),
        part=part, previous=previous, following=following,
        json_url=url_for("api.document", doc_id=doc["id"], **params.url_args()),
        explanation=explanation, part_labels=PART_LABELS, field_labels=FIELD_LABELS),
        chosen)


def reader_calendar(chosen: str) -> str:
    """The calendar to show dates in: the URL's ``cal``, else the remembered one."""
    if chosen:
        return chosen
    remembered = request.cookies.get(CALENDAR_COOKIE, "")
    return remembered if remembered in CALENDARS else "gregorian"


def _with_calendar(html: str, chosen: str) -> Response:
    """The page as a response that remembers a calendar the URL chose."""
    response = make_response(html)
    if chosen:
        response.set_cookie(CALENDAR_COOKIE, chosen, max_age=CALENDAR_COOKIE_AGE,
                            samesite="Lax", httponly=True, secure=request.is_secure)
    return response


def _calendar_links(link: Any, calendar: str) -> list[tuple[str, str, bool]]:
    """(name, URL, current) of each calendar: the page as it is in the other one."""
    return [(CALENDAR_NAMES[c], link(cal=c), c == calendar) for c in CALENDARS]


@pages.get("/opensearch.xml")
def opensearch() -> Response:
    """Lets browsers add the site as a search engine (linked from every page's head).

    Its URLs must be absolute, so it exists only when the site knows its public address
    (``ARSEARCH_PUBLIC_URL`` or trusted proxies): never from the request's Host header.
    """
    root = public_root()
    if root is None:
        raise WebError(404, "no public URL configured (set ARSEARCH_PUBLIC_URL)",
                       "لم يُضبط عنوان الموقع العام (ARSEARCH_PUBLIC_URL).")
    xml = render_template("opensearch.xml", root=root)
    return Response(xml, mimetype="application/opensearchdescription+xml")


@pages.get("/healthz")
def healthz() -> Response:
    """For load balancers and monitoring: 200 with the document count, or 503 with the
    reason when there is no index or it cannot be read (``Engine.health``)."""
    return jsonify(ok=True, **get_engine().health())


def _examples(engine: Engine) -> dict[str, Any]:
    """Example searches drawn from the index: newest titles and the biggest sources."""
    recent = engine.search("", per_page=EXAMPLES, sort="date", snippets=False).hits
    stats = engine.stats()
    sources = list(stats["sources"].items())[:EXAMPLES]
    categories = list(stats["categories"].items())[:EXAMPLES]
    return {"recent": recent, "sources": sources, "categories": categories,
            "doc_count": stats["documents"]}


def _page_numbers(results: Results, around: int = 2) -> list[int | None]:
    """First, last and the pages around the current one; None marks a gap. An estimated
    total's last page is not linked (a gap ends the list): it may lie past the real end,
    a link to "beyond the results"."""
    last, current = results.pages, results.page
    wanted = {1, *range(current - around, current + around + 1)}
    if results.total_exact:
        wanted.add(last)
    numbers: list[int | None] = []
    for n in sorted(p for p in wanted if 1 <= p <= last):
        if numbers and numbers[-1] is not None and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    if numbers and numbers[-1] != last:
        numbers.append(None)
    return numbers
