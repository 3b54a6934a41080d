"""Documents: the unit arsearch indexes, and the readers that produce them.

Three input formats are read, all lazily so an archive of any size streams through:

* plain-text articles (title, optional dateline and ``source - author`` byline, body);
* TREC-style ``<DOC>`` files such as the ANT corpus (detected by content, any name);
* JSON Lines (``.jsonl``, ``.ndjson``, optionally gzipped).

Bad input never aborts a run: whatever cannot be read is reported as a :class:`Problem`
(with file and line) to the ``on_problem`` callback and the reader moves on, because one
broken file in an archive of thousands must not cost the user the other thousands.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from arsearch.dates import looks_like_date, parse_date

__all__ = ["Document", "Problem", "read_documents", "read_file"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Document:
    """One article. ``id`` is stable across runs; ``body`` is never empty."""

    id: str
    title: str
    body: str
    date: datetime | None = None  # naive, UTC
    source: str | None = None
    author: str | None = None
    category: str | None = None
    url: str | None = None
    path: str | None = None  # the file it was read from, for reports and --prune


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that went wrong while reading: a skipped document or a dropped field."""

    path: str
    line: int | None
    message: str
    skipped: bool = True  # False when only a field was dropped

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


OnProblem = Callable[[Problem], None]

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
TEXT_SUFFIXES = (".txt", "")
MAX_TEXT_BYTES = 20 * 1024 * 1024  # a plain-text *article* larger than this is not one
_SNIFF_BYTES = 8192
_BOILERPLATE = {"اضف تعليق", "أضف تعليق", "إضافة تعليق", "اضافة تعليق", "أضف تعليقاً",
                "شارك", "طباعة", "شارك هذا المقال", "التعليقات"}  # fmt: skip
_BYLINE = re.compile(
    r"^(?P<source>[^\s.،:؛!?؟][^.،:؛!?؟]{0,40}?)\s+[-–—]\s+"
    r"(?P<author>[^.،:؛!?؟]{1,60})$"
)
_BLANK_LINES = re.compile(r"\n{3,}")
_TREC_TAGS = ("DOCNO", "URL", "SRC", "CAT", "TITLE", "TIME", "AUTHOR", "ABSTRACT", "TEXT")
_TREC_FIELD = re.compile(
    rf"<({'|'.join(_TREC_TAGS)})>(.*?)(?:</\1>|(?=<(?:{'|'.join(_TREC_TAGS)})>)|\Z)",
    re.DOTALL | re.IGNORECASE,
)
_DOC_OPEN = re.compile(rb"^\s*<DOC>", re.IGNORECASE)


class _SkipFile(Exception):
    """Internal: the current file cannot be read at all (reported once, then skipped)."""


def _log_problem(problem: Problem) -> None:
    log.warning("%s", problem)


# --------------------------------------------------------------------------- entry points


def read_documents(
    paths: Iterable[str | os.PathLike[str]], on_problem: OnProblem | None = None
) -> Iterator[Document]:
    """Yield the documents of files and folders (walked recursively, in sorted order).

    Sorted walking makes runs reproducible; hidden files and folders are skipped because
    they are editor, VCS or OS litter, never articles.  Without ``on_problem`` problems
    are logged as warnings rather than silently lost.
    """
    report = on_problem or _log_problem
    if isinstance(paths, str | os.PathLike):  # one path, not an iterable of characters
        paths = [paths]
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in _walk(path):
                yield from read_file(file, root=path, on_problem=report)
        elif path.is_file():
            yield from read_file(path, on_problem=report)
        else:
            report(Problem(str(path), None, "no such file or folder"))


def read_file(
    path: Path, root: Path | None = None, on_problem: OnProblem | None = None
) -> Iterator[Document]:
    """Yield the documents of one file, whatever its supported format.

    ``root`` is the folder being indexed: ids of files without their own ids are the
    path relative to it, so they stay the same wherever the archive is mounted.
    """
    path = Path(path)
    report = on_problem or _log_problem
    rel = path.relative_to(root).as_posix() if root else path.name
    try:
        yield from _dispatch(path, rel, report)
    except _SkipFile as exc:
        report(Problem(str(path), None, str(exc)))
    except OSError as exc:
        report(Problem(str(path), None, f"cannot read file: {exc.strerror or exc}"))
    except (EOFError, zlib.error) as exc:  # a .gz that is not gzip, caught while sniffing
        report(Problem(str(path), None, f"corrupt gzip data ({exc}), skipped"))


def _walk(root: Path) -> Iterator[Path]:
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files.extend(Path(folder, n) for n in names if not n.startswith("."))
    files.sort(key=lambda f: f.relative_to(root).as_posix())
    return iter(files)


def _dispatch(path: Path, rel: str, report: OnProblem) -> Iterator[Document]:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return _read_jsonl(path, report)
    with _open_binary(path) as stream:
        head = stream.read(_SNIFF_BYTES)
    if b"\x00" in head:
        raise _SkipFile("binary file (NUL bytes), skipped")
    if _DOC_OPEN.match(head.removeprefix(b"\xef\xbb\xbf")):
        return _read_trec(path, report)
    if _plain_suffix(name) in TEXT_SUFFIXES:
        return _read_text_article(path, rel, report)
    raise _SkipFile(f"unsupported file type {_plain_suffix(name)!r}, skipped")


def _plain_suffix(name: str) -> str:
    return Path(name.removesuffix(".gz")).suffix


# --------------------------------------------------------------------------- bytes and text


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def _decode(raw: bytes) -> str:
    """Decode one line or file: UTF-8 first, then Windows Arabic, the usual legacy code."""
    for encoding in ("utf-8-sig", "cp1256"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _SkipFile("undecodable bytes (neither UTF-8 nor cp1256), skipped")


def _lines(path: Path, report: OnProblem) -> Iterator[tuple[int, str]]:
    """Stream ``(line number, text)``; a truncated gzip ends the file with a Problem."""
    lineno = 0
    with _open_binary(path) as stream:
        try:
            for lineno, raw in enumerate(stream, start=1):
                if b"\x00" in raw:
                    raise _SkipFile(f"line {lineno}: binary data (NUL bytes), rest skipped")
                yield lineno, _decode(raw)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            report(Problem(str(path), lineno + 1, f"truncated or corrupt gzip data: {exc}"))


def clean_text(text: str) -> str:
    """Normalise layout only: BOM, newlines, trailing spaces, runs of blank lines.

    The Arabic letters and diacritics are left untouched: folding them is the analyzer's
    job, and the stored text must show the article as it was written.
    """
    text = text.replace("\ufeff", "").replace("\x00", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def _one_line(text: str | None) -> str:
    return " ".join((text or "").replace("\ufeff", "").split())


# --------------------------------------------------------------------------- plain text


def _read_text_article(path: Path, rel: str, report: OnProblem) -> Iterator[Document]:
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise _SkipFile(f"larger than {MAX_TEXT_BYTES} bytes: not a plain-text article")
    lines = [(n, text.rstrip("\r\n").rstrip()) for n, text in _lines(path, report)]
    while lines and (not lines[-1][1].strip() or _is_boilerplate(lines[-1][1])):
        lines.pop()
    content = [(n, text) for n, text in lines if text.strip()]
    if not content:
        report(Problem(str(path), None, "empty file, skipped"))
        return
    title_line, title = content[0]
    fields, body_start = _article_header(path, content[1:4], report)
    body = clean_text("\n".join(text for n, text in lines if n >= body_start))
    if not body:
        report(Problem(str(path), title_line, "article has a title but no body, skipped"))
        return
    yield Document(id=rel, title=_one_line(title), body=body, path=str(path), **fields)


def _is_boilerplate(line: str) -> bool:
    return line.strip().rstrip(".:") in _BOILERPLATE


def _article_header(
    path: Path, candidates: list[tuple[int, str]], report: OnProblem
) -> tuple[dict[str, Any], int]:
    """Find the optional dateline and byline right after the title, in either order.

    They are recognised by shape, not position, so an article without them keeps its
    first paragraph.  Returns the fields found and the line where the body starts.
    """
    fields: dict[str, Any] = {}
    body_start = candidates[0][0] if candidates else 10**9
    for lineno, raw in candidates:
        line = raw.strip()
        if "date" not in fields and looks_like_date(line):
            fields["date"] = parse_date(line)
            if fields["date"] is None:
                report(
                    Problem(str(path), lineno, f"unparseable date {line!r} dropped", skipped=False)
                )
        elif "source" not in fields and (match := _BYLINE.match(line)):
            fields["source"] = match["source"].strip()
            fields["author"] = match["author"].strip()
        else:
            return fields, lineno
        body_start = lineno + 1
    return fields, body_start


# --------------------------------------------------------------------------- TREC <DOC>


def _read_trec(path: Path, report: OnProblem) -> Iterator[Document]:
    for start, record in _trec_records(path, report):
        doc = _trec_document(path, start, record, report)
        if doc is not None:
            yield doc


def _trec_records(path: Path, report: OnProblem) -> Iterator[tuple[int, str]]:
    """Split the stream into ``<DOC>`` records, one record in memory at a time.

    A missing ``</DOC>`` is tolerated: the next ``<DOC>`` or the end of file closes it.
    """
    start, buffer = 0, []
    for lineno, line in _lines(path, report):
        for piece in re.split(r"(?i)(<DOC>|</DOC>)", line):
            marker = piece.upper()
            if marker == "<DOC>":
                if buffer:
                    yield start, "".join(buffer)
                start, buffer = lineno, [""]
            elif marker == "</DOC>":
                if start:
                    yield start, "".join(buffer)
                start, buffer = 0, []
            elif start:
                buffer.append(piece)
    if start and buffer:
        yield start, "".join(buffer)


def _trec_fields(record: str) -> dict[str, str]:
    """First non-empty value of each tag; repeated TEXT blocks are joined, not lost."""
    fields: dict[str, str] = {}
    for tag, value in _TREC_FIELD.findall(record):
        tag, value = tag.upper(), value.strip()
        if tag == "TEXT" and fields.get("TEXT") and value:
            fields["TEXT"] += "\n" + value
        elif value and not fields.get(tag):
            fields[tag] = value
    return fields


def _trec_document(path: Path, start: int, record: str, report: OnProblem) -> Document | None:
    fields = _trec_fields(record)
    docno = _one_line(fields.get("DOCNO"))
    if not docno:
        report(Problem(str(path), start, "<DOC> without <DOCNO>, skipped"))
        return None
    body = clean_text(_join_abstract(fields.get("ABSTRACT", ""), fields.get("TEXT", "")))
    if not body:
        report(Problem(str(path), start, f"{docno}: no text, skipped"))
        return None
    return Document(
        id=docno,
        title=_one_line(fields.get("TITLE")),
        body=body,
        date=_checked_date(fields.get("TIME"), path, start, report),
        source=_one_line(fields.get("SRC")) or None,
        author=_one_line(fields.get("AUTHOR")) or None,
        category=_one_line(fields.get("CAT")) or None,
        url=_one_line(fields.get("URL")) or None,
        path=str(path),
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


def _checked_date(value: Any, path: Path, line: int | None, report: OnProblem) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None:
        report(Problem(str(path), line, f"unparseable date {value!r} dropped", skipped=False))
    return parsed


# --------------------------------------------------------------------------- JSON Lines

_OPTIONAL = ("source", "author", "category", "url")


def _read_jsonl(path: Path, report: OnProblem) -> Iterator[Document]:
    empty = True
    for lineno, line in _lines(path, report):
        if not line.strip():
            continue
        empty = False
        try:
            doc = _json_document(path, lineno, line, report)
        except ValueError as exc:
            report(Problem(str(path), lineno, str(exc)))
            continue
        yield doc
    if empty:
        report(Problem(str(path), None, "empty file, skipped"))


def _json_document(path: Path, lineno: int, line: str, report: OnProblem) -> Document:
    """Build one Document from one line; ``ValueError`` explains why the line is skipped."""
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
    title, body = record.get("title"), record.get("body")
    if not isinstance(title, str):
        raise ValueError(f"{doc_id}: missing or invalid 'title' (need a string), skipped")
    if not isinstance(body, str) or not clean_text(body):
        raise ValueError(f"{doc_id}: missing, empty or invalid 'body', skipped")
    extra = {key: _optional_str(record, key, path, lineno, report) for key in _OPTIONAL}
    return Document(
        id=doc_id.strip(),
        title=_one_line(title),
        body=clean_text(body),
        date=_checked_date(record.get("date"), path, lineno, report),
        path=str(path),
        **extra,
    )


def _optional_str(
    record: dict[str, Any], key: str, path: Path, line: int, report: OnProblem
) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        report(Problem(str(path), line, f"'{key}' is not a string, dropped", skipped=False))
        return None
    return _one_line(value) or None
