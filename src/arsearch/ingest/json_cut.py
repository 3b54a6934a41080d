"""Cutting an over-long JSON line to size while it streams in, never holding it whole.

A JSON Lines record may be far larger than any article (a 200 MB body, a dump gone
wrong). Decoding, parsing and analysing it whole would cost gigabytes, so the line is
read in pieces and copied with every string cut to its first characters: the copy is
valid JSON whenever the line was, small enough to parse, and each of its strings is a
prefix of the original one, so the article stays findable by its title and start.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["shrink_json_line"]


def shrink_json_line(first: str, rest: Iterator[tuple[int, str, bool]], *, keep: int,
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
