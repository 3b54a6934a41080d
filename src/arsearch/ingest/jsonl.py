"""JSON Lines (``.jsonl``, ``.ndjson``, optionally gzipped): one article a line.

Each line is an object with a string ``id`` (an integer is accepted), ``title`` and
``body``, and optionally ``date``, ``source``, ``author``, ``category`` and ``url``. A bad
line is reported with its number and skipped, a bad optional field is dropped, and the
next line is read. A line too long to hold is cut while it streams in
(:mod:`arsearch.ingest.json_cut`), so its article is kept, shortened.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from arsearch.ingest.decoding import line_pieces
from arsearch.ingest.documents import Document, OnProblem, Problem
from arsearch.ingest.fields import (
    checked_date,
    clean_text,
    cut_problem,
    fit,
    id_problem,
    one_line,
    valid_text,
)
from arsearch.ingest.json_cut import shrink_json_line
from arsearch.ingest.sources import SourceFile

__all__ = ["JSONL_SUFFIXES", "read_jsonl"]

#: Names read as JSON Lines.
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
#: A JSON line may spell each UTF-8 byte of its text with up to 3 characters (an Arabic
#: letter, 2 bytes, as ``\\u0627``): lines up to this multiple of the cap parse whole.
_JSON_CHARS_PER_BYTE = 3
_LONE_CR = re.compile(r"\r(?!\n)")
_OPTIONAL = ("source", "author", "category", "url")


def read_jsonl(src: SourceFile, encoding: str, report: OnProblem,
               cap: int) -> Iterator[Document]:
    """Yield the documents of the lines of ``src``; bad lines are reported and skipped."""
    empty = True
    limit = _JSON_CHARS_PER_BYTE * cap
    pieces = line_pieces(src, encoding, report, limit)
    for lineno, line, more in pieces:
        cut = False
        if more:  # a line too long to hold: keep the start of each of its strings
            empty = False
            shrunk = shrink_json_line(line, pieces, keep=limit, budget=2 * limit)
            if shrunk is None:
                report(Problem(src.shown, lineno, f"record larger than {cap:,} bytes with "
                               "no long text to cut, skipped"))
                continue
            line, cut = shrunk, True
        # a raw CR cannot be inside a JSON string: a lone one ends a record (old Mac)
        for record in _LONE_CR.split(line) if "\r" in line else (line,):
            if not record.strip():
                continue
            empty = False
            try:
                doc, was_cut = _json_document(src, lineno, record.lstrip("\ufeff"),
                                              report, cap)
            except ValueError as exc:
                report(Problem(src.shown, lineno, str(exc)))
                continue
            if cut or was_cut:
                report(cut_problem(src, lineno, doc.id, cap))
            yield doc
    if empty:
        report(Problem(src.shown, None, "empty file, skipped"))


def _json_document(src: SourceFile, lineno: int, line: str, report: OnProblem,
                   cap: int) -> tuple[Document, bool]:
    """Build one Document from one line; ``ValueError`` explains why the line is skipped.

    Also returns whether title and body had to be cut to ``cap`` bytes.
    """
    try:
        record = json.loads(line)
    except RecursionError:
        raise ValueError("JSON nested too deeply, skipped") from None
    except ValueError as exc:
        raise ValueError(f"invalid JSON ({exc}), skipped") from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}, skipped")
    doc_id = record.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise ValueError("missing or invalid 'id' (need a non-empty string), skipped")
    doc_id = doc_id.strip()
    if problem := id_problem(doc_id):
        raise ValueError(problem)
    title, body = record.get("title"), record.get("body")
    if not isinstance(title, str):
        raise ValueError(f"{doc_id}: missing or invalid 'title' (need a string), skipped")
    if not isinstance(body, str) or not (body := clean_text(valid_text(body))):
        raise ValueError(f"{doc_id}: missing, empty or invalid 'body', skipped")
    extra = {key: _optional_str(record, key, src.shown, lineno, report) for key in _OPTIONAL}
    title, body, cut = fit(one_line(valid_text(title)), body, cap)
    return Document(
        id=doc_id,
        title=title,
        body=body,
        date=checked_date(record.get("date"), src.shown, lineno, report),
        path=src.real,
        **extra,
    ), cut


def _optional_str(
    record: dict[str, Any], key: str, shown: str, line: int, report: OnProblem
) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        report(Problem(shown, line, f"'{key}' is not a string, dropped", skipped=False))
        return None
    return one_line(valid_text(value)) or None
