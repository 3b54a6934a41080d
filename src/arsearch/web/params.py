"""Request parameters shared by the HTML pages and the JSON API, and the error they raise.

Both front ends read the same query-string parameters (q, page, per_page, source,
category, from, to, sort, cal) and must reject bad input with the same status and
message, so the checks live here once. They only validate HTTP input; the engine
re-checks its own limits and stays the single place with search logic.

``source`` and ``category`` may repeat (``source=BBC&source=CNN``): several values of one
facet are alternatives (OR), different facets all apply (AND). ``from`` and ``to`` take a
day (``2018-02-15``) or a Hijri period (``1439-09h``, ``رمضان 1439``: its first or last
day). ``cal`` (``hijri`` or ``gregorian``) only chooses how pages show dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.utils import cached_property

from arsearch.search.hijri import parse_period as hijri_period
from arsearch.search.query import LEVEL_PREFIXES, LEVELS
from arsearch.search.requests import (
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    page_beyond,
    reversed_dates,
    without_controls,
)

#: Facets a page may filter by, each repeatable (OR within, AND across).
FACET_PARAMS = ("source", "category")
#: At most this many values of one facet, each at most this long: a URL is untrusted.
MAX_FACET_VALUES = 20
MAX_FACET_CHARS = 200
#: How dates are shown: ``cal=gregorian`` (Hijri beside) or ``cal=hijri`` (the reverse).
CALENDARS = ("gregorian", "hijri")


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
    source: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    level: str = "stem"  # the match level of words that name none (search/query.LEVELS)

    #: "" when the URL does not say (the reader's saved setting decides)
    calendar: str = ""
    @property
    def filtered(self) -> bool:
        return bool(self.source or self.category or self.date_from or self.date_to)

    def engine_kwargs(self) -> dict[str, Any]:
        """Arguments for ``Engine.search``; browsing without words lists newest first."""
        return {
            "page": self.page, "per_page": self.per_page,
            "source": list(self.source) or None, "category": list(self.category) or None,
            "date_from": _at_midnight(self.date_from), "date_to": _at_midnight(self.date_to),
            "sort": self.sort if self.q.strip() else "date",
            "level": self.level,
        }

    def url_args(self, default_per_page: int = 10, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for this state with ``changes``; empty values dropped.

        A facet's value is a list (``url_for`` repeats the parameter for each).
        """
        state = {
            "q": self.q, "source": list(self.source), "category": list(self.category),
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "sort": "" if self.sort == "relevance" else self.sort,
            "level": "" if self.level == "stem" else self.level,
            "per_page": "" if self.per_page == default_per_page else self.per_page,
            "cal": self.calendar,
            "page": self.page,
        }
        state.update(changes)
        if state.get("page") == 1:
            state["page"] = ""
        return {k: v for k, v in state.items() if v not in ("", None, [], ())}

    def twin_args(self, default_per_page: int = 10, **changes: Any) -> dict[str, Any]:
        """The JSON twin's arguments: the same results, without the display setting."""
        return self.url_args(default_per_page, cal="", **changes)

    def toggled(self, facet: str, value: str) -> list[str]:
        """``facet``'s values with ``value`` added, or removed if it is chosen."""
        values = list(getattr(self, facet))
        return [v for v in values if v != value] if value in values else [*values, value]


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
    date_from = _date(args.get("from"), "from")
    date_to = _date(args.get("to"), "to", last_day=True)
    if problem := reversed_dates(date_from, date_to):
        raise WebError(400, problem,
                       "تاريخ البداية يجب أن يكون قبل تاريخ النهاية أو مثله.")
    return SearchParams(
        q=q, page=page, per_page=per_page, source=_facet(args, "source", "المصدر"),
        category=_facet(args, "category", "القسم"), date_from=date_from, date_to=date_to,
        sort=sort, level=level, calendar=parse_calendar(args.get("cal")))


def parse_calendar(value: str | None) -> str:
    """``cal``: "" (not given), "gregorian" or "hijri"; WebError(400) otherwise."""
    if not value:
        return ""
    if value not in CALENDARS:
        raise WebError(400, "cal must be 'gregorian' or 'hijri'",
                       "التقويم يجب أن يكون ميلاديا (gregorian) أو هجريا (hijri).")
    return value


def _facet(args: MultiDict[str, str], name: str, arabic: str) -> tuple[str, ...]:
    """A repeatable facet parameter: its non-blank values, each once, in order."""
    values = list(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))
    if len(values) > MAX_FACET_VALUES:
        raise WebError(400, f"at most {MAX_FACET_VALUES} values of {name}",
                       f"لا يمكن اختيار أكثر من {MAX_FACET_VALUES} قيمة في «{arabic}».")
    if any(len(v) > MAX_FACET_CHARS for v in values):
        raise WebError(400, f"a value of {name} is longer than {MAX_FACET_CHARS} characters",
                       f"قيمة «{arabic}» أطول من {MAX_FACET_CHARS} حرف.")
    return tuple(values)


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


def check_page(params: SearchParams, pages: int, hits: int) -> None:
    """Reject a page beyond the last one (after searching, when the count is known)."""
    beyond = page_beyond(params.page, pages, hits)
    if beyond is not None:
        raise WebError(400, beyond,
                       f"الصفحة {params.page} بعد آخر صفحة من النتائج ({pages}).")


def query_arg(args: MultiDict[str, str]) -> str:
    """``q`` alone (the suggestions' one parameter), checked as every page checks it."""
    return _query(args)


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


def _date(value: str | None, name: str, last_day: bool = False) -> date | None:
    """A day, or a Hijri period's first (``last_day``: last) day; WebError(400) if neither."""
    if not value:
        return None
    if len(value) == 10 and value.isascii():
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    span = hijri_period(value) if len(value) <= 40 else None
    if span is not None:
        return (span[1] - timedelta(days=1)).date() if last_day else span[0].date()
    raise WebError(400, f"{name} must be a date like 2018-02-15 or a Hijri period like "
                   f"1439-09h, not {value[:20]!r}",
                   "التاريخ يجب أن يكون بالشكل 2018-02-15 أو شهرا هجريا مثل رمضان 1439.")


def _at_midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) if day else None
