"""Documents: the unit arsearch indexes, and the readers that produce them.

Three input formats are read, all lazily so an archive of any size streams through:

* plain-text articles (title, optional dateline and ``source - author`` byline, body);
* TREC-style ``<DOC>`` files such as the ANT corpus (detected by content, any name);
* JSON Lines (``.jsonl``, ``.ndjson``, optionally gzipped).

Text is UTF-8 (with or without a byte order mark), Windows Arabic (cp1256, decided line
by line), or UTF-16/UTF-32 recognised by their byte order mark (UTF-16 also without one,
when the first 8 KB decode to Arabic or Latin text).

Bad input never aborts a run: whatever cannot be read is reported as a :class:`Problem`
(with file and line) to the ``on_problem`` callback and the reader moves on, because one
broken file in an archive of thousands must not cost the user the other thousands.

Memory stays bounded whatever the input: a document larger than ``max_doc_bytes`` (title
and body in UTF-8) is cut to that size and reported, and no more than a small multiple
of it is ever read into memory at once, even from a single 200 MB JSON line or a gzip
bomb. Cutting rather than skipping keeps such an article findable by its title and
first megabytes; a real news article is a hundred times smaller than the default cap.
Which files are read at all (regular files only, no index folders, links...) is decided
in :mod:`arsearch.ingest.sources`.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import logging
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from arsearch.ingest.dates import INDEXED_DATES, looks_like_date, parse_date
from arsearch.ingest.sources import SourceFile, bad_name, find_files, path_id

__all__ = ["DEFAULT_MAX_DOC_BYTES", "MAX_ID_CHARS", "Document", "Problem", "read_documents",
           "read_file", "read_sources"]

log = logging.getLogger(__name__)

#: Title and body of one document, in UTF-8 bytes: beyond it the document is cut. The
#: largest of the 41,661 ANT articles is 38 KB; a book-length text is 1-2 MB.
DEFAULT_MAX_DOC_BYTES = 4 * 1024 * 1024
#: Longest id accepted (the web pages look ids up through their URLs).
MAX_ID_CHARS = 1000


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
    path: str | None = None  # the canonical path of its file: collisions and --prune


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that went wrong while reading: a skipped document or a dropped field."""

    path: str
    line: int | None
    message: str
    skipped: bool = True  # False when only a field was dropped, or a warning

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


OnProblem = Callable[[Problem], None]

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
TEXT_SUFFIXES = (".txt", "")
_SNIFF_BYTES = 8192
#: Lines of <DOC> files are read in pieces of at most this many bytes.
_TREC_PIECE_BYTES = 1 << 20
#: A JSON line may spell each UTF-8 byte of its text with up to 3 characters (an Arabic
#: letter, 2 bytes, as ``\\u0627``): lines up to this multiple of the cap parse whole.
_JSON_CHARS_PER_BYTE = 3
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
_DOC_OPEN = re.compile(r"^\s*<DOC>", re.IGNORECASE)
_DOC_MARKERS = re.compile(r"(?i)(<DOC>|</DOC>)")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_LINE_END = re.compile(r"\r\n?|\n")
_LONE_CR = re.compile(r"\r(?!\n)")
#: What UTF-16 text without a byte order mark decodes to: Arabic, Latin, punctuation.
_NOT_TEXT = re.compile(r"[^\t\n\r\x20-\x7e\xa0-\xff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
                       r"\u200b-\u206f\ufb50-\ufdff\ufe70-\ufeff]")
_BYTES = "bytes"  # UTF-8 or cp1256, decided line by line


class _SkipFile(Exception):
    """Internal: the current file cannot be read at all (reported once, then skipped)."""


def _log_problem(problem: Problem) -> None:
    log.warning("%s", problem)


# --------------------------------------------------------------------------- entry points


def read_documents(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    on_problem: OnProblem | None = None,
    *,
    id_root: str | os.PathLike[str] | None = None,
    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES,
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[Document]:
    """Yield the documents of files and folders (walked recursively, in sorted order).

    Sorted walking makes runs reproducible; hidden files and folders are skipped because
    they are editor, VCS or OS litter, never articles. Plain-text articles get their
    canonical path relative to ``id_root`` (default: the current folder) as id, see
    :func:`arsearch.ingest.sources.path_id`. ``exclude``: folders never read. Without
    ``on_problem`` problems are logged as warnings rather than silently lost.
    """
    report = on_problem or _log_problem
    if isinstance(paths, str | os.PathLike):  # one path, not an iterable of characters
        paths = [paths]
    files = find_files(paths, _file_reporter(report), exclude=exclude)
    yield from read_sources(files, id_root, report, max_doc_bytes=max_doc_bytes)


def read_sources(
    files: Iterable[SourceFile],
    id_root: str | os.PathLike[str] | None,
    on_problem: OnProblem | None = None,
    *,
    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES,
) -> Iterator[Document]:
    """Yield the documents of files found by :func:`arsearch.ingest.sources.find_files`."""
    report = on_problem or _log_problem
    root = canonical_root(id_root)
    for src in files:
        yield from _read_source(src, root, report, max_doc_bytes)


def read_file(
    path: str | os.PathLike[str],
    id_root: str | os.PathLike[str] | None = None,
    on_problem: OnProblem | None = None,
    *,
    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES,
) -> Iterator[Document]:
    """Yield the documents of one file, whatever its supported format.

    A plain-text article's id is its canonical path relative to ``id_root`` (default:
    the current folder), so it is the same however the file is reached.
    """
    src = SourceFile(os.fspath(path), os.path.realpath(path))
    yield from _read_source(src, canonical_root(id_root), on_problem or _log_problem,
                            max_doc_bytes)


def canonical_root(id_root: str | os.PathLike[str] | None) -> str:
    """The canonical absolute form of an id root (the current folder by default)."""
    return os.path.realpath(id_root if id_root is not None else os.getcwd())


def _file_reporter(report: OnProblem) -> Callable[[str, str, bool], None]:
    return lambda path, message, skipped: report(Problem(path, None, message, skipped))


def _read_source(src: SourceFile, id_root: str, report: OnProblem,
                 cap: int) -> Iterator[Document]:
    try:
        yield from _dispatch(src, id_root, report, cap)
    except _SkipFile as exc:
        report(Problem(src.shown, None, str(exc)))
    except OSError as exc:
        report(Problem(src.shown, None, f"cannot read file: {exc.strerror or exc}"))
    except (EOFError, zlib.error) as exc:  # a .gz that is not gzip, caught while sniffing
        report(Problem(src.shown, None, f"corrupt gzip data ({exc}), skipped"))


def _dispatch(src: SourceFile, id_root: str, report: OnProblem,
              cap: int) -> Iterator[Document]:
    name = os.path.basename(src.shown).lower()  # the name the user gave it (or its link)
    with _open_binary(src.real, name) as stream:
        head = stream.read(_SNIFF_BYTES)
    encoding = _sniff_encoding(head)
    if encoding is None:
        raise _SkipFile("binary file (NUL bytes), skipped")
    if name.endswith(JSONL_SUFFIXES):
        return _read_jsonl(src, encoding, report, cap)
    if _DOC_OPEN.match(_head_text(head, encoding)):
        return _read_trec(src, encoding, report, cap)
    if _plain_suffix(name) in TEXT_SUFFIXES:
        return _read_text_article(src, path_id(src.real, id_root), encoding, report, cap)
    hint = " (JSON Lines are read: one object a line, named .jsonl)" \
        if _plain_suffix(name) == ".json" else ""
    raise _SkipFile(f"unsupported file type {_plain_suffix(name)!r}{hint}, skipped")


def _plain_suffix(name: str) -> str:
    return os.path.splitext(name.removesuffix(".gz"))[1]


# --------------------------------------------------------------------------- bytes and text


def _open_regular(real: str) -> IO[bytes]:
    """Open a file for reading only if it is a regular file.

    ``O_NONBLOCK`` makes opening a named pipe return at once (a blocking open waits for
    a writer forever), and the check is made on the opened descriptor, so a file
    swapped for a pipe after the walk cannot hang the run either. ``real`` is canonical,
    so ``O_NOFOLLOW`` only refuses a link swapped in after the walk.
    """
    fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
                 | os.O_NOFOLLOW)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _SkipFile("not a regular file (a pipe, socket or device), skipped")
        if info.st_size == 0:  # nothing to read; /proc's files (size 0) may even block
            raise _SkipFile("empty file, skipped")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def _open_binary(real: str, name: str) -> Iterator[IO[bytes]]:
    raw = _open_regular(real)
    with raw:
        if name.endswith(".gz"):
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                yield stream
        else:
            yield raw


def _sniff_encoding(head: bytes) -> str | None:
    """The encoding to read a file with, from its first bytes; None for binary data."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # the codec reads the byte order mark
    if b"\x00" not in head:
        return _BYTES
    return _utf16_without_bom(head)


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 LE or BE when ``head`` decodes to Arabic or Latin text that way, else None.

    Text in either byte order has a NUL or 0x06 in every other byte; binary data decodes
    to CJK and unassigned characters, so a 95 % share of text characters tells them apart.
    """
    for codec in ("utf-16-le", "utf-16-be"):
        text = head[: len(head) & ~1].decode(codec, "replace")
        if text and len(_NOT_TEXT.findall(text)) <= len(text) // 20:
            return codec
    return None


def _head_text(head: bytes, encoding: str) -> str:
    codec = "utf-8" if encoding == _BYTES else encoding
    return head.decode(codec, "ignore").lstrip("\ufeff")


def _decode(raw: bytes) -> str:
    """Decode one line or file: UTF-8 first, then Windows Arabic, the usual legacy code."""
    for encoding in ("utf-8-sig", "cp1256"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _SkipFile("undecodable bytes (neither UTF-8 nor cp1256), skipped")


def _utf8_boundary(raw: bytes) -> int:
    """Where to cut ``raw`` so that no UTF-8 character is split (its length if none is)."""
    end = len(raw)
    start = end
    while start > 0 and end - start < 3 and raw[start - 1] & 0xC0 == 0x80:
        start -= 1
    if start > 0 and raw[start - 1] >= 0xC0:
        lead = raw[start - 1]
        need = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        if end - (start - 1) < need:
            return start - 1
    return end


def _byte_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[str, bool]]:
    """``(text, more)``: lines decoded one by one, longer ones in pieces of ``limit`` bytes."""
    carry = b""
    while raw := stream.readline(limit):
        more = len(raw) >= limit and not raw.endswith(b"\n")
        raw, carry = carry + raw, b""
        if more:
            cut = _utf8_boundary(raw)
            raw, carry = raw[:cut], raw[cut:]
        yield _decode(raw), more
    if carry:
        yield _decode(carry), False


def _text_lines(stream: IO[bytes], encoding: str, limit: int) -> Iterator[tuple[str, bool]]:
    """Like :func:`_byte_lines` for UTF-16/32 (undecodable units become U+FFFD)."""
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="\n")
    try:
        while line := text.readline(limit):
            yield line, len(line) >= limit and not line.endswith("\n")
    finally:
        text.detach()  # the binary stream is closed by its owner


def _pieces(src: SourceFile, encoding: str, report: OnProblem,
            limit: int) -> Iterator[tuple[int, str, bool]]:
    """Stream ``(line number, text, more)``: a line longer than ``limit`` bytes comes in
    several pieces, all but the last with ``more`` set, so no line is ever held whole.

    A truncated gzip ends the file with a Problem; NUL bytes end it as binary.
    """
    lineno, continuing = 0, False
    with _open_binary(src.real, os.path.basename(src.shown).lower()) as stream:
        lines = (_byte_lines(stream, limit) if encoding == _BYTES
                 else _text_lines(stream, encoding, max(limit // 2, 1)))
        try:
            for text, more in lines:
                if not continuing:
                    lineno += 1
                if "\x00" in text:
                    raise _SkipFile(f"line {lineno}: binary data (NUL bytes), rest skipped")
                yield lineno, text, more
                continuing = more
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            report(Problem(src.shown, lineno + 1, f"truncated or corrupt gzip data: {exc}"))


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


def _valid_text(text: str) -> str:
    """``text`` with lone surrogates (from JSON ``\\ud800`` escapes) replaced by U+FFFD:
    they cannot be encoded, and one of them would abort the whole run."""
    return _SURROGATES.sub("\ufffd", text) if _SURROGATES.search(text) else text


# --------------------------------------------------------------------------- size cap


def _fit(title: str, body: str, cap: int) -> tuple[str, str, bool]:
    """Cut title and body to ``cap`` UTF-8 bytes together; True when something was cut.

    The body is cut first; a title longer than half the cap is cut to half of it.
    """
    if (len(title) + len(body)) * 4 <= cap:  # no character is longer than 4 bytes
        return title, body, False
    title_bytes, body_bytes = title.encode("utf-8"), body.encode("utf-8")
    if len(title_bytes) + len(body_bytes) <= cap:
        return title, body, False
    if len(title_bytes) > cap // 2:
        title = _cut_utf8(title_bytes, cap // 2)
        title_bytes = title.encode("utf-8")
    return title, _cut_utf8(body_bytes, max(cap - len(title_bytes), 1)), True


def _cut_utf8(data: bytes, limit: int) -> str:
    """The first ``limit`` bytes of ``data`` as text, ending on a word boundary if near."""
    text = data[:limit].decode("utf-8", "ignore")
    space = max(text.rfind(" "), text.rfind("\n"))
    if space > len(text) - 200 and space > 0:
        text = text[:space]
    return text.rstrip()


def _cut_problem(src: SourceFile, line: int | None, doc_id: str | None, cap: int) -> Problem:
    """The warning for a document cut to the cap (``doc_id`` None: the whole file)."""
    what = f"{doc_id}: larger" if doc_id else "article larger"
    return Problem(src.shown, line, f"{what} than {cap:,} bytes: only its first {cap:,} "
                   "bytes are indexed (see --max-doc-bytes)", skipped=False)


def _id_problem(doc_id: str) -> str | None:
    """Why ``doc_id`` cannot be an id (it must be one line, valid, not too long), or None."""
    if len(doc_id) > MAX_ID_CHARS:
        return f"id longer than {MAX_ID_CHARS} characters, skipped"
    if bad_name(doc_id):
        return f"id {doc_id.encode('unicode_escape').decode('ascii')[:80]!r} holds " \
               "control characters or invalid Unicode, skipped"
    return None


# --------------------------------------------------------------------------- plain text


def _read_text_article(src: SourceFile, doc_id: str, encoding: str, report: OnProblem,
                       cap: int) -> Iterator[Document]:
    if problem := _id_problem(doc_id):
        report(Problem(src.shown, None, f"its path cannot be an id: {problem}"))
        return
    lines, cut = _article_lines(src, encoding, report, cap)
    while lines and (not lines[-1][1].strip() or _is_boilerplate(lines[-1][1])):
        lines.pop()
    content = [(n, text) for n, text in lines if text.strip()]
    if not content:
        report(Problem(src.shown, None, "empty file, skipped"))
        return
    title_line, title = content[0]
    fields, body_start = _article_header(src.shown, content[1:4], report)
    body = clean_text("\n".join(text for n, text in lines if n >= body_start))
    if not body:
        report(Problem(src.shown, title_line, "article has a title but no body, skipped"))
        return
    title, body, was_cut = _fit(_one_line(title), body, cap)
    if cut or was_cut:
        report(_cut_problem(src, None, None, cap))
    yield Document(id=doc_id, title=title, body=body, path=src.real, **fields)


def _article_lines(src: SourceFile, encoding: str, report: OnProblem,
                   cap: int) -> tuple[list[tuple[int, str]], bool]:
    """The article's ``(line number, text)`` lines, reading no more than ``cap``
    characters (a gzip bomb is not inflated); True when the file was longer."""
    lines: list[tuple[int, str]] = []
    size = 0
    for lineno, piece, _more in _pieces(src, encoding, report, cap):
        if lines and lines[-1][0] == lineno:
            lines[-1] = (lineno, lines[-1][1] + piece)
        else:
            lines.append((lineno, piece))
        size += len(piece)
        if size > cap:
            return _split_old_mac(lines), True
    return _split_old_mac(lines), False


def _split_old_mac(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Lines without their ends; a file ending its lines with a lone CR (old Mac and
    some Windows exports) is split on it too, and its lines numbered anew."""
    stripped = [(n, text.rstrip("\r\n")) for n, text in lines]
    if any("\r" in text for _, text in stripped):
        texts = _LINE_END.split("\n".join(text for _, text in stripped))
        stripped = list(enumerate(texts, start=1))
    return [(n, text.rstrip()) for n, text in stripped]


def _is_boilerplate(line: str) -> bool:
    return line.strip().rstrip(".:") in _BOILERPLATE


def _article_header(
    shown: str, candidates: list[tuple[int, str]], report: OnProblem
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
            fields["date"] = _checked_date(line, shown, lineno, report)
        elif "source" not in fields and (match := _BYLINE.match(line)):
            fields["source"] = match["source"].strip()
            fields["author"] = match["author"].strip()
        else:
            return fields, lineno
        body_start = lineno + 1
    return fields, body_start


# --------------------------------------------------------------------------- TREC <DOC>


def _read_trec(src: SourceFile, encoding: str, report: OnProblem,
               cap: int) -> Iterator[Document]:
    for start, record, cut in _trec_records(src, encoding, report, cap):
        doc = _trec_document(src, start, record, cut, report, cap)
        if doc is not None:
            yield doc


def _trec_chunks(src: SourceFile, encoding: str,
                 report: OnProblem) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` pieces that never split a ``<DOC>``/``</DOC>`` marker."""
    tail, last = "", 0
    for lineno, piece, more in _pieces(src, encoding, report, _TREC_PIECE_BYTES):
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
    start, buffer, size, cut = 0, [], 0, False
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
        tag, value = tag.upper(), value.strip()
        if tag == "TEXT" and fields.get("TEXT") and value:
            fields["TEXT"] += "\n" + value
        elif value and not fields.get(tag):
            fields[tag] = value
    return fields


def _trec_document(src: SourceFile, start: int, record: str, cut: bool, report: OnProblem,
                   cap: int) -> Document | None:
    fields = _trec_fields(record)
    docno = _one_line(fields.get("DOCNO"))
    if not docno:
        report(Problem(src.shown, start, "<DOC> without <DOCNO>, skipped"))
        return None
    if problem := _id_problem(docno):
        report(Problem(src.shown, start, problem))
        return None
    body = clean_text(_join_abstract(fields.get("ABSTRACT", ""), fields.get("TEXT", "")))
    if not body:
        report(Problem(src.shown, start, f"{docno}: no text, skipped"))
        return None
    title, body, was_cut = _fit(_one_line(fields.get("TITLE")), body, cap)
    if cut or was_cut:
        report(_cut_problem(src, start, docno, cap))
    return Document(
        id=docno,
        title=title,
        body=body,
        date=_checked_date(fields.get("TIME"), src.shown, start, report),
        source=_one_line(fields.get("SRC")) or None,
        author=_one_line(fields.get("AUTHOR")) or None,
        category=_one_line(fields.get("CAT")) or None,
        url=_one_line(fields.get("URL")) or None,
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


def _checked_date(value: Any, shown: str, line: int | None,
                  report: OnProblem) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None:
        report(Problem(shown, line, f"unparseable date {value!r:.100} dropped",
                       skipped=False))
    elif not INDEXED_DATES[0] < parsed < INDEXED_DATES[1]:
        report(Problem(shown, line, f"date {value!r:.100} out of range (after "
                       f"{INDEXED_DATES[0].year}, before {INDEXED_DATES[1].year}) dropped",
                       skipped=False))
        return None
    return parsed


# --------------------------------------------------------------------------- JSON Lines

_OPTIONAL = ("source", "author", "category", "url")


def _read_jsonl(src: SourceFile, encoding: str, report: OnProblem,
                cap: int) -> Iterator[Document]:
    empty = True
    limit = _JSON_CHARS_PER_BYTE * cap
    pieces = _pieces(src, encoding, report, limit)
    for lineno, line, more in pieces:
        cut = False
        if more:  # a line too long to hold: keep the start of each of its strings
            empty = False
            line = _shrink_json_line(line, pieces, keep=limit, budget=2 * limit)
            if line is None:
                report(Problem(src.shown, lineno, f"record larger than {cap:,} bytes with "
                               "no long text to cut, skipped"))
                continue
            cut = True
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
                report(_cut_problem(src, lineno, doc.id, cap))
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
    if problem := _id_problem(doc_id):
        raise ValueError(problem)
    title, body = record.get("title"), record.get("body")
    if not isinstance(title, str):
        raise ValueError(f"{doc_id}: missing or invalid 'title' (need a string), skipped")
    if not isinstance(body, str) or not (body := clean_text(_valid_text(body))):
        raise ValueError(f"{doc_id}: missing, empty or invalid 'body', skipped")
    extra = {key: _optional_str(record, key, src.shown, lineno, report) for key in _OPTIONAL}
    title, body, cut = _fit(_one_line(_valid_text(title)), body, cap)
    return Document(
        id=doc_id,
        title=title,
        body=body,
        date=_checked_date(record.get("date"), src.shown, lineno, report),
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
    return _one_line(_valid_text(value)) or None


# --------------------------------------------------------------------------- huge JSON lines


def _shrink_json_line(first: str, rest: Iterator[tuple[int, str, bool]], *, keep: int,
                      budget: int) -> str | None:
    """Read the rest of an over-long JSON line, keeping the first ``keep`` characters of
    each string; None when even that exceeds ``budget`` (huge arrays, many strings).

    The result is valid JSON whenever the line was, small enough to parse, and every
    string in it is a prefix of the original one, so a 200 MB body costs ``keep``
    characters of memory, not 200 MB decoded, parsed and analysed.
    """
    cutter = _JsonCutter(keep, budget)
    piece, more = first, True
    while True:
        if not cutter.feed(piece):
            while more:  # skip the rest of the line
                _, _, more = next(rest, (0, "", False))
            return None
        if not more:
            return cutter.result()
        try:
            _, piece, more = next(rest)
        except StopIteration:
            return cutter.result()


class _JsonCutter:
    """A JSON text fed in pieces, copied with each string cut to ``keep`` characters."""

    def __init__(self, keep: int, budget: int) -> None:
        self.keep, self.budget = keep, budget
        self.parts: list[str] = []
        self.size = 0
        self.in_string = False
        self.string: list[str] = []  # the kept part of the current string
        self.kept = 0
        self.backslashes = 0  # backslashes just before the scan position, in a string
        self.cut = False

    def feed(self, text: str) -> bool:
        """Consume ``text``; False once the output would exceed the budget."""
        i = 0
        while i < len(text):
            if not self.in_string:
                j = text.find('"', i)
                end = len(text) if j < 0 else j + 1
                self._emit(text[i:end])
                if j < 0:
                    break
                self.in_string, self.string, self.kept, self.cut = True, [], 0, False
                self.backslashes = 0
                i = end
                continue
            j = self._closing_quote(text, i)
            self._keep(text[i: len(text) if j < 0 else j])
            if j < 0:
                break
            content = "".join(self.string)
            self._emit((_trim_escape(content) if self.cut else content) + '"')
            self.in_string = False
            i = j + 1
        return self.size <= self.budget

    def result(self) -> str:
        if self.in_string:  # the line ended inside a string: the JSON is invalid anyway
            self._emit("".join(self.string))
        return "".join(self.parts)

    def _emit(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def _keep(self, text: str) -> None:
        room = self.keep - self.kept
        if len(text) > room:
            text, self.cut = text[:room], True
        if text:
            self.string.append(text)
            self.kept += len(text)

    def _closing_quote(self, text: str, i: int) -> int:
        """Index of the quote closing the current string in ``text[i:]``, or -1."""
        start = i
        while (j := text.find('"', i)) >= 0:
            k = j
            while k > start and text[k - 1] == "\\":
                k -= 1
            run = j - k + (self.backslashes if k == start else 0)
            if run % 2 == 0:
                return j
            start = i = j + 1  # an escaped quote: the run before the next one starts here
            self.backslashes = 0
        segment = text[start:]
        trailing = len(segment) - len(segment.rstrip("\\"))
        self.backslashes = (self.backslashes + trailing if trailing == len(segment)
                            else trailing)
        return -1


_UNFINISHED_ESCAPE = re.compile(r"(\\+)(u[0-9a-fA-F]{0,3})?\Z")


def _trim_escape(content: str) -> str:
    """Drop an escape sequence cut short at the end of a JSON string's content."""
    match = _UNFINISHED_ESCAPE.search(content)
    if match and len(match[1]) % 2 == 1:
        return content[: match.end(1) - 1]
    return content
