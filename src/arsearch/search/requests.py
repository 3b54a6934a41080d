"""Checking a search request and shaping what goes back: limits, dates, long texts.

The engine enforces its own limits whatever the front end (a Python caller may pass
anything), and every result shows titles and article parts of bounded size.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from arsearch.errors import QueryError
from arsearch.search.query import ParsedQuery

MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 500
#: Titles are shown (in hits, on the article page, in the JSON) up to this many
#: characters: a plain-text file without line breaks makes its whole text the title,
#: and a 5 MB title was sent in every result list and front page that showed it.
MAX_TITLE_CHARS = 300


#: Control characters (C0, DEL, C1) in a typed query: separators, never text to echo.
_CONTROLS = dict.fromkeys((*range(32), *range(0x7F, 0xA0)), " ")


def without_controls(query: str) -> str:
    """``query`` with control characters as spaces, for the front ends to use before
    they echo it (search box, did-you-mean, a terminal): a NUL or ESC typed or pasted
    into a query separates words, and must not reach HTML or a terminal raw."""
    return query.translate(_CONTROLS)


def display_title(title: str) -> str:
    """``title``, or its first MAX_TITLE_CHARS characters (cut at a space) and " …"."""
    if len(title) <= MAX_TITLE_CHARS:
        return title
    space = title.rfind(" ", MAX_TITLE_CHARS // 2, MAX_TITLE_CHARS)
    return title[:space if space > 0 else MAX_TITLE_CHARS].rstrip() + " …"


def body_window(body: str, start: int = 0, length: int | None = None) -> tuple[int, int]:
    """(first, last) character of the part of ``body`` from ``start``, about ``length``
    long, ending at a space when one is in its second half (so no word is cut)."""
    if not isinstance(start, int) or start < 0 or (start and start >= len(body)):
        raise QueryError(f"start must be between 0 and {max(len(body) - 1, 0)}")
    if length is None or start + length >= len(body):
        return start, len(body)
    if length < 1:
        raise QueryError("length must be at least 1")
    last, half = start + length, start + length // 2
    space = max(body.rfind(" ", half, last), body.rfind("\n", half, last))
    return start, space + 1 if space >= 0 else last


def page_beyond(page: int, pages: int, hits: int) -> str | None:
    """What the web (a 400) and the CLI (a note on stderr) say of a page past the end, or
    None. Only a page past the last that holds no hit is: an estimated total's last page
    may fall short of the real end, and a page beyond it that holds hits is served."""
    if page <= pages or hits:
        return None
    return f"page {page} is beyond the results (last page: {pages})"


def reversed_dates(date_from: date | None, date_to: date | None) -> str | None:
    """The message for a date range that ends before it starts, or None.

    The web (a 400) and the CLI (a usage error) say the same thing; an empty range is a
    mistake in the request, not a search with no result.
    """
    if date_from is None or date_to is None or date_from <= date_to:
        return None
    return f"from ({_day(date_from)}) is after to ({_day(date_to)})"


def _day(value: date) -> str:
    if isinstance(value, datetime) and value.time() != datetime.min.time():
        return value.isoformat(sep=" ")
    return f"{value:%Y-%m-%d}"


def naive_utc(value: object, name: str) -> datetime | None:
    """``value`` as the index stores dates (naive, UTC); QueryError if not a datetime.

    A date with a time zone (``2018-02-15T10:00+05:00``) compared with the query's own
    naive dates raised TypeError.
    """
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise QueryError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def effective_sort(parsed: ParsedQuery, sort: str) -> str:
    """``sort``, or "date" when the query has no word to score.

    Stop words only (في), filters only (date:2016) or exclusions only (-سوريا) match
    documents that all score 0: ranking them "by relevance" would be an arbitrary
    order, so they are listed newest first and the results say so.
    """
    return "date" if parsed.is_empty else sort


def check_request(query: str, page: int, per_page: int, sort: str) -> None:
    if not isinstance(query, str):
        raise QueryError("the query must be text")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if not _whole(page) or page < 1:
        raise QueryError("page must be a whole number of at least 1")
    if not _whole(per_page) or not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    if sort not in ("relevance", "date"):
        raise QueryError("sort must be 'relevance' or 'date'")


def check_limit(limit: object) -> None:
    """``ranked_ids``' ``limit``: a whole number of at least 0 (QueryError otherwise)."""
    if not _whole(limit) or limit < 0:  # type: ignore[operator]
        raise QueryError(f"limit must be a whole number of at least 0, not {limit!r:.40}")


def check_id(doc_id: object) -> None:
    """A document id asked for by a caller must be text (an id is never a list or a number)."""
    if not isinstance(doc_id, str):
        raise QueryError(f"the document id must be text, not {type(doc_id).__name__}")


def filter_values(name: str, value: object) -> list[str]:
    """A ``source=``/``category=``/``author=`` argument as a list of texts: one text or
    an iterable of texts; QueryError naming the argument otherwise."""
    values = [] if value is None else [value] if isinstance(value, str) else value
    if isinstance(values, list | tuple | set | frozenset) and all(
            isinstance(v, str) for v in values):
        return list(values)
    raise QueryError(f"{name} must be a text or a list of texts, not {value!r:.60}")


def _whole(value: object) -> bool:
    """An int that is not a bool (``page=True`` is a mistake, not page 1)."""
    return isinstance(value, int) and not isinstance(value, bool)
