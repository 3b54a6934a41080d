"""TREC-style ``<DOC>`` files, such as the ANT corpus: many articles a file.

Each ``<DOC>`` record carries its id in ``<DOCNO>`` and its fields in tags (``TITLE``,
``TIME``, ``SRC``, ``CAT``, ``AUTHOR``, ``URL``, ``ABSTRACT``, ``TEXT``; the classic TREC
collections' ``HEADLINE`` or ``HEAD`` and ``DATE`` stand for a missing ``TITLE`` and
``TIME``). Real dumps are sloppy, so the reader is forgiving: a missing ``</DOC>`` or
closing tag is tolerated, repeated ``TEXT`` blocks are joined, tags may be in any case,
and the format is recognised by content whatever the file's name. SGML character
references (``&amp;``, ``&#1575;``) are decoded. One record at most is held in memory,
cut to the size cap.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from arsearch.ingest.decoding import line_pieces
from arsearch.ingest.documents import Document, OnProblem, Problem
from arsearch.ingest.fields import checked_date, clean_text, cut_problem, fit, id_problem, one_line
from arsearch.ingest.sources import SourceFile

__all__ = ["looks_like_trec", "read_trec"]

#: Lines of <DOC> files are read in pieces of at most this many bytes.
_TREC_PIECE_BYTES = 1 << 20
_TREC_TAGS = ("DOCNO", "URL", "SRC", "CAT", "TITLE", "HEADLINE", "HEAD", "TIME", "DATE",
              "AUTHOR", "ABSTRACT", "TEXT")
#: Tags of the classic TREC collections that stand for ours when ours is missing.
_TREC_FALLBACKS = {"TITLE": ("HEADLINE", "HEAD"), "TIME": ("DATE",)}
_TREC_FIELD = re.compile(
    rf"<({'|'.join(_TREC_TAGS)})>(.*?)(?:</\1>|(?=<(?:{'|'.join(_TREC_TAGS)})>)|\Z)",
    re.DOTALL | re.IGNORECASE,
)
_DOC_OPEN = re.compile(r"^\s*<DOC>", re.IGNORECASE)
_DOC_MARKERS = re.compile(r"(?i)(<DOC>|</DOC>)")


def looks_like_trec(head: str) -> bool:
    """True when a file's first text opens a ``<DOC>`` record (after white space)."""
    return _DOC_OPEN.match(head) is not None


def read_trec(src: SourceFile, encoding: str, report: OnProblem,
              cap: int) -> Iterator[Document]:
    """Yield the documents of the ``<DOC>`` records of ``src``; bad records are reported."""
    for start, record, cut in _trec_records(src, encoding, report, cap):
        doc = _trec_document(src, start, record, cut, report, cap)
        if doc is not None:
            yield doc


def _trec_chunks(src: SourceFile, encoding: str,
                 report: OnProblem) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` pieces that never split a ``<DOC>``/``</DOC>`` marker."""
    tail, last = "", 0
    for lineno, piece, more in line_pieces(src, encoding, report, _TREC_PIECE_BYTES):
        piece, tail = tail + piece, ""
        if more:  # a marker may straddle the cut: hold back a final '<...'
            lt = piece.rfind("<", max(0, len(piece) - 6))
            if lt >= 0:
                piece, tail = piece[:lt], piece[lt:]
        yield lineno, piece
        last = lineno
    if tail:
        yield last, tail


def _trec_records(src: SourceFile, encoding: str, report: OnProblem,
                  cap: int) -> Iterator[tuple[int, str, bool]]:
    """Split the stream into ``<DOC>`` records, one record in memory at a time.

    A missing ``</DOC>`` is tolerated: the next ``<DOC>`` or the end of file closes it.
    A record is kept up to ``cap`` characters (the rest is skipped until its end); the
    flag says it was cut.
    """
    start, size, cut = 0, 0, False
    buffer: list[str] = []
    for lineno, chunk in _trec_chunks(src, encoding, report):
        for part in _DOC_MARKERS.split(chunk):
            marker = part.upper()
            if marker == "<DOC>":
                if buffer:
                    yield start, "".join(buffer), cut
                start, buffer, size, cut = lineno, [""], 0, False
            elif marker == "</DOC>":
                if start:
                    yield start, "".join(buffer), cut
                start, buffer, size, cut = 0, [], 0, False
            elif start and not cut:
                if size + len(part) > cap:
                    part, cut = part[: cap - size], True
                buffer.append(part)
                size += len(part)
    if start and buffer:
        yield start, "".join(buffer), cut


def _trec_fields(record: str) -> dict[str, str]:
    """First non-empty value of each tag; repeated TEXT blocks are joined, not lost."""
    fields: dict[str, str] = {}
    for tag, value in _TREC_FIELD.findall(record):
        tag, value = tag.upper(), html.unescape(value.strip())
        if tag == "TEXT" and fields.get("TEXT") and value:
            fields["TEXT"] += "\n" + value
        elif value and not fields.get(tag):
            fields[tag] = value
    for tag, others in _TREC_FALLBACKS.items():
        if not fields.get(tag):
            fields[tag] = next((fields[o] for o in others if fields.get(o)), "")
    return fields


def _trec_document(src: SourceFile, start: int, record: str, cut: bool, report: OnProblem,
                   cap: int) -> Document | None:
    fields = _trec_fields(record)
    # the id's layout only: a control inside it must still reach id_problem (one_line
    # would turn it into a space and index the record under another id)
    docno = re.sub(r"[ \t\r\n]+", " ", fields.get("DOCNO") or "").strip()
    if not docno:
        report(Problem(src.shown, start, "<DOC> without <DOCNO>, skipped"))
        return None
    if problem := id_problem(docno):
        report(Problem(src.shown, start, problem))
        return None
    body = clean_text(_join_abstract(fields.get("ABSTRACT", ""), fields.get("TEXT", "")))
    if not body:
        report(Problem(src.shown, start, f"{docno}: no text, skipped"))
        return None
    title, body, was_cut = fit(one_line(fields.get("TITLE")), body, cap)
    if cut or was_cut:
        report(cut_problem(src, start, docno, cap))
    return Document(
        id=docno,
        title=title,
        body=body,
        date=checked_date(fields.get("TIME"), src.shown, start, report),
        source=one_line(fields.get("SRC")) or None,
        author=one_line(fields.get("AUTHOR")) or None,
        category=one_line(fields.get("CAT")) or None,
        url=one_line(fields.get("URL")) or None,
        path=src.real,
    )


def _join_abstract(abstract: str, text: str) -> str:
    """Prepend the abstract unless it is just the (possibly truncated) start of the text.

    Sites often publish the lead paragraph as the abstract, cut mid-word and with its
    line breaks lost; indexing it twice would inflate those terms' frequencies.
    """
    squeezed = re.sub(r"\s+", "", abstract).rstrip(".…")
    if not squeezed or re.sub(r"\s+", "", text).startswith(squeezed):
        return text
    return f"{abstract.strip()}\n\n{text}" if text.strip() else abstract
