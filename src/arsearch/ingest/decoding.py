"""From a file's bytes to lines of text, in bounded memory, whatever the encoding.

Arabic archives come in UTF-8 (with or without a byte order mark), Windows Arabic
(cp1256, decided line by line because exports mix both), or UTF-16/UTF-32 recognised
by their byte order mark (UTF-16 also without one, when the first 8 KB decode to Arabic
or Latin text). Files may be gzipped. Only regular files are opened, and no line is ever
held whole: a line longer than the limit comes in pieces, so a 200 MB line or a gzip
bomb costs no more memory than the limit.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import stat
import zlib
from collections.abc import Iterator

from arsearch.ingest.documents import OnProblem, Problem, SkipFile
from arsearch.ingest.sources import SourceFile

__all__ = ["SNIFF_BYTES", "UTF8_OR_CP1256", "ByteStream", "head_text", "line_pieces",
           "open_binary", "sniff_encoding"]

#: What :func:`open_binary` yields: a file, or the gzip stream inflating one.
ByteStream = io.BufferedReader | gzip.GzipFile

#: How much of a file is read to decide its encoding and format.
SNIFF_BYTES = 8192
#: The encoding :func:`sniff_encoding` returns for byte files: UTF-8 or cp1256, decided
#: line by line.
UTF8_OR_CP1256 = "bytes"
#: What UTF-16 text without a byte order mark decodes to: Arabic, Latin, punctuation.
_NOT_TEXT = re.compile(r"[^\t\n\r\x20-\x7e\xa0-\xff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
                       r"\u200b-\u206f\ufb50-\ufdff\ufe70-\ufeff]")


# --------------------------------------------------------------------------- opening


def _open_regular(real: str) -> io.BufferedReader:
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
            raise SkipFile("not a regular file (a pipe, socket or device), skipped")
        if info.st_size == 0:  # nothing to read; /proc's files (size 0) may even block
            raise SkipFile("empty file, skipped")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def open_binary(real: str, name: str) -> Iterator[ByteStream]:
    """The bytes of regular file ``real``, inflated when ``name`` (as given) ends in .gz."""
    raw = _open_regular(real)
    with raw:
        if name.endswith(".gz"):
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                yield stream
        else:
            yield raw


# --------------------------------------------------------------------------- sniffing


def sniff_encoding(head: bytes) -> str | None:
    """The encoding to read a file with, from its first bytes; None for binary data."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # the codec reads the byte order mark
    if b"\x00" not in head:
        return UTF8_OR_CP1256
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


def head_text(head: bytes, encoding: str) -> str:
    """The sniffed first bytes as text (enough to recognise a format), BOM removed."""
    codec = "utf-8" if encoding == UTF8_OR_CP1256 else encoding
    return head.decode(codec, "ignore").lstrip("\ufeff")


# --------------------------------------------------------------------------- lines


def _decode(raw: bytes) -> str:
    """Decode one line or file: UTF-8 first, then Windows Arabic, the usual legacy code."""
    for encoding in ("utf-8-sig", "cp1256"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SkipFile("undecodable bytes (neither UTF-8 nor cp1256), skipped")


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


def _byte_lines(stream: ByteStream, limit: int) -> Iterator[tuple[str, bool]]:
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


def _text_lines(stream: ByteStream, encoding: str, limit: int) -> Iterator[tuple[str, bool]]:
    """Like :func:`_byte_lines` for UTF-16/32 (undecodable units become U+FFFD)."""
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="\n")
    try:
        while line := text.readline(limit):
            yield line, len(line) >= limit and not line.endswith("\n")
    finally:
        text.detach()  # the binary stream is closed by its owner


def line_pieces(src: SourceFile, encoding: str, report: OnProblem,
                limit: int) -> Iterator[tuple[int, str, bool]]:
    """Stream ``(line number, text, more)``: a line longer than ``limit`` bytes comes in
    several pieces, all but the last with ``more`` set, so no line is ever held whole.

    A truncated gzip ends the file with a Problem; NUL bytes end it as binary.
    """
    lineno, continuing = 0, False
    with open_binary(src.real, os.path.basename(src.shown).lower()) as stream:
        lines = (_byte_lines(stream, limit) if encoding == UTF8_OR_CP1256
                 else _text_lines(stream, encoding, max(limit // 2, 1)))
        try:
            for text, more in lines:
                if not continuing:
                    lineno += 1
                if "\x00" in text:
                    raise SkipFile(f"line {lineno}: binary data (NUL bytes), rest skipped")
                yield lineno, text, more
                continuing = more
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            report(Problem(src.shown, lineno + 1, f"truncated or corrupt gzip data: {exc}"))
