"""Request parameters shared by the HTML pages and the JSON API, and the error they raise.

Both front ends read the same query-string parameters (q, page, per_page, source,
category, from, to, sort) and must reject bad input with the same status and message, so
the checks live here once. They only validate HTTP input; the engine re-checks its own
limits and stays the single place with search logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.utils import cached_property

from arsearch.search.query import LEVEL_PREFIXES, LEVELS
from arsearch.search.requests import (
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    page_beyond,
    reversed_dates,
    without_controls,
)


class WebError(Exception):
    """A request the user can fix: answered with ``status`` and a message (English for the
    API, Arabic for the pages)."""

    def __init__(self, status: int, message: str, arabic: str):
        super().__init__(message)
        self.status, self.message, self.arabic = status, message, arabic


class ArsearchRequest(Request):
    """Flask's request, but bytes of the query string that are not UTF-8 become U+FFFD.

    Werkzeug keeps them percent-encoded (``?q=%ff%fe`` reads as the text ``%FF%FE``), so
    a search for garbage found the literal text "FF" and showed the user a query they
    never typed; the replacement character is what every other decoder here does.
    """

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return self.parameter_storage_class(
            parse_qsl(self.query_string.decode("utf-8", "replace"), keep_blank_values=True,
                      encoding="utf-8", errors="replace"))


@dataclass
class SearchParams:
    """The whole state of a search page, as it appears in the URL."""

    q: str = ""
    page: int = 1
    per_page: int = 10
    source: str = ""
    category: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    level: str = "stem"  # the match level of words that name none (search/query.LEVELS)

    @property
    def filtered(self) -> bool:
        return bool(self.source or self.category or self.date_from or self.date_to)

    def engine_kwargs(self) -> dict[str, Any]:
        """Arguments for ``Engine.search``; browsing without words lists newest first."""
        return {
            "page": self.page, "per_page": self.per_page,
            "source": self.source or None, "category": self.category or None,
            "date_from": _at_midnight(self.date_from), "date_to": _at_midnight(self.date_to),
            "sort": self.sort if self.q.strip() else "date",
            "level": self.level,
        }

    def url_args(self, default_per_page: int = 10, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for this state with ``changes``; empty values dropped."""
        state = {
            "q": self.q, "source": self.source, "category": self.category,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "sort": "" if self.sort == "relevance" else self.sort,
            "level": "" if self.level == "stem" else self.level,
            "per_page": "" if self.per_page == default_per_page else self.per_page,
            "page": self.page,
        }
        state.update(changes)
        if state.get("page") == 1:
            state["page"] = ""
        return {k: v for k, v in state.items() if v not in ("", None)}


def parse_search_args(args: MultiDict[str, str], default_per_page: int = 10) -> SearchParams:
    """Read and check the search parameters; raises WebError(400) with a clear message."""
    q = _query(args)
    page = _integer(args.get("page"), 1, "page", "رقم الصفحة")
    if page < 1:
        raise WebError(400, "page must be at least 1", "رقم الصفحة يجب أن يكون 1 أو أكثر.")
    per_page = _integer(args.get("per_page"), default_per_page, "per_page",
                        "عدد النتائج في الصفحة")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise WebError(400, f"per_page must be between 1 and {MAX_PER_PAGE}",
                       f"عدد النتائج في الصفحة يجب أن يكون بين 1 و{MAX_PER_PAGE}.")
    sort = args.get("sort") or "relevance"
    if sort not in ("relevance", "date"):
        raise WebError(400, "sort must be 'relevance' or 'date'", "ترتيب غير معروف.")
    # any spelling a query prefix accepts (ROOT, جذر) names the same level
    level = LEVEL_PREFIXES.get((args.get("level") or "stem").strip().lower(), "")
    if level not in LEVELS:
        raise WebError(400, f"level must be one of {', '.join(LEVELS)}",
                       "مستوى المطابقة غير معروف.")
    date_from, date_to = _date(args.get("from"), "from"), _date(args.get("to"), "to")
    if problem := reversed_dates(date_from, date_to):
        raise WebError(400, problem,
                       "تاريخ البداية يجب أن يكون قبل تاريخ النهاية أو مثله.")
    return SearchParams(
        q=q, page=page, per_page=per_page, source=args.get("source", "").strip(),
        category=args.get("category", "").strip(), date_from=date_from, date_to=date_to,
        sort=sort, level=level)


#: The article page and the documents API send at most this many characters of a body
#: at a time; ``?start=`` asks for the next part. A long news article has 10-20,000.
DOCUMENT_PAGE_CHARS = 100_000


@dataclass
class DocumentParams:
    """``/doc/<id>`` and ``/api/documents/<id>``: highlighted words and the body part."""

    q: str = ""
    start: int = 0
    length: int = DOCUMENT_PAGE_CHARS

    def url_args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for this state with ``changes``; defaults dropped."""
        state: dict[str, Any] = {"q": self.q, "start": self.start, "length": self.length}
        state.update(changes)
        defaults = {"q": "", "start": 0, "length": DOCUMENT_PAGE_CHARS}
        return {k: v for k, v in state.items() if v not in ("", None, defaults.get(k))}


def parse_document_args(args: MultiDict[str, str]) -> DocumentParams:
    """Read and check ``q``, ``start`` and ``length``; raises WebError(400)."""
    q = _query(args)
    start = _integer(args.get("start"), 0, "start", "موضع البداية")
    length = _integer(args.get("length"), DOCUMENT_PAGE_CHARS, "length", "الطول")
    if start < 0:
        raise WebError(400, "start must be at least 0", "موضع البداية يجب أن يكون 0 أو أكثر.")
    if not 1 <= length <= DOCUMENT_PAGE_CHARS:
        raise WebError(400, f"length must be between 1 and {DOCUMENT_PAGE_CHARS}",
                       f"الطول يجب أن يكون بين 1 و{DOCUMENT_PAGE_CHARS}.")
    return DocumentParams(q=q, start=start, length=length)


#: Whole-number parameters have at most this many digits (no page, offset or length of
#: a real request comes near; int() of a 4,300-digit string is refused by Python).
MAX_INTEGER_DIGITS = 9


def parse_explain_args(args: MultiDict[str, str]) -> tuple[str, str]:
    """``/api/explain``'s ``q`` and ``id``; a missing id is the request's fault (400).

    ``start`` and ``length`` (the document API's) mean nothing here and are ignored.
    """
    doc_id = args.get("id", "")
    if not doc_id:
        raise WebError(400, "give the document: /api/explain?id=<document id>&q=<query>",
                       "حدّد المقال المطلوب شرحه.")
    return _query(args), doc_id


def check_page(params: SearchParams, pages: int) -> None:
    """Reject a page beyond the last one (after searching, when the count is known)."""
    if params.page > pages:
        raise WebError(400, page_beyond(params.page, pages),
                       f"الصفحة {params.page} بعد آخر صفحة من النتائج ({pages}).")


def _query(args: MultiDict[str, str]) -> str:
    """``q``, at most MAX_QUERY_CHARS long (the engine's own bound, checked before it runs)."""
    q = without_controls(args.get("q", ""))
    if len(q) > MAX_QUERY_CHARS:
        raise WebError(400, f"the query is longer than {MAX_QUERY_CHARS} characters",
                       f"نص البحث أطول من {MAX_QUERY_CHARS} حرف.")
    return q


def _integer(value: str | None, default: int, name: str, arabic: str) -> int:
    if value is None or value == "":
        return default
    value = value.strip()
    if not (value.isascii() and value.lstrip("-").isdigit()):
        raise WebError(400, f"{name} must be a whole number, not {value[:20]!r}",
                       f"{arabic} يجب أن يكون عددا صحيحا.")
    if len(value.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise WebError(400, f"{name} {value[:20]}{'…' if len(value) > 20 else ''} is too "
                       f"large (at most {MAX_INTEGER_DIGITS} digits)",
                       f"{arabic} كبير جدا.")
    return int(value)


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        if len(value) != 10 or not value.isascii():
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise WebError(400, f"{name} must be a date like 2018-02-15, not {value[:20]!r}",
                       "التاريخ يجب أن يكون بالشكل 2018-02-15.") from None


def _at_midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) if day else None
