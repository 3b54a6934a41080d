"""Exporting a result set: CSV and JSON Lines, for spreadsheets and scripts.

The page, the API (``/api/export.csv``, ``/api/export.jsonl``) and ``arsearch search
--format csv|jsonl`` write the same columns with the same rules. At most
:data:`MAX_EXPORT_ROWS` results are exported (read from the engine a page at a time);
a reader who needs more narrows the search or uses the Python API.

CSV is for spreadsheets, so a cell that a spreadsheet would run as a formula (text
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return: "CSV injection")
is written with a leading apostrophe. JSON Lines keeps text as it is, one object a line;
U+2028 and U+2029, which JSON allows raw but many line readers split on, are escaped.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import IO, Any

from arsearch.search.hijri import to_hijri
from arsearch.search.requests import MAX_PER_PAGE
from arsearch.search.results import Hit, Results

#: The most results one export holds.
MAX_EXPORT_ROWS = 1000
COLUMNS = ("rank", "id", "title", "date", "date_hijri", "source", "category", "author",
           "url", "score")
FORMATS = ("csv", "jsonl")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def search_many(engine: Any, query: str, page: int, limit: int, **filters: Any) -> Results:
    """Page ``page`` of ``limit`` results (``limit`` up to MAX_EXPORT_ROWS), in as many
    engine pages as that takes: the engine serves at most MAX_PER_PAGE hits a call."""
    if limit <= MAX_PER_PAGE:
        return engine.search(query, page=page, per_page=limit, **filters)
    start = (page - 1) * limit
    first = start // MAX_PER_PAGE + 1
    results = engine.search(query, page=first, per_page=MAX_PER_PAGE, **filters)
    hits = list(results.hits)
    inner = first
    # an estimated total (Results.total_exact) may be short of the real end or past it:
    # then the pages are read until one comes back empty
    while len(hits) < start % MAX_PER_PAGE + limit and (
            inner * MAX_PER_PAGE < results.total or not results.total_exact):
        inner += 1
        more = engine.search(query, page=inner, per_page=MAX_PER_PAGE, **filters).hits
        if not more:
            break
        hits.extend(more)
    skip = start - (first - 1) * MAX_PER_PAGE
    return replace(results, hits=hits[skip:skip + limit], page=page, per_page=limit)


def rows(results: Results) -> Iterator[dict[str, Any]]:
    """One flat record per hit, in COLUMNS order (plain text: no snippets, no HTML)."""
    first = (results.page - 1) * results.per_page
    for rank, hit in enumerate(results.hits, first + 1):
        yield row(rank, hit)


def row(rank: int, hit: Hit) -> dict[str, Any]:
    hijri = to_hijri(hit.date)
    return {
        "rank": rank, "id": hit.id, "title": hit.title,
        "date": hit.date.isoformat() if hit.date else None,
        "date_hijri": f"{hijri.year:04d}-{hijri.month:02d}-{hijri.day:02d}" if hijri else None,
        "source": hit.source, "category": hit.category, "author": hit.author,
        "url": hit.url, "score": round(hit.score, 4),
    }


def write_csv(records: Iterable[dict[str, Any]], out: IO[str]) -> None:
    """A header line, then one line per record; formula-like cells defused."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([_cell(record[c]) for c in COLUMNS])


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> None:
    """One JSON object a line, UTF-8 text kept readable."""
    for record in records:
        out.write(json_line(record))


def json_line(record: dict[str, Any]) -> str:
    text = json.dumps(record, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    """A negative score or rank is a number, not a formula."""
    try:
        float(text)
    except ValueError:
        return False
    return True
