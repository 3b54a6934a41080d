"""One progress helper for the CLI and the API.

Long jobs (indexing) call ``progress.advance(n)``; the CLI passes a terminal bar, the
API a callback or nothing. Keeping one interface means the library never prints.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    """Counts work done and reports it to an optional callback ``(done, elapsed_s)``."""

    def __init__(self, callback: Callable[[int, float], None] | None = None,
                 every: float = 0.25):
        self.callback = callback
        self.every = every
        self.done = 0
        self.started = time.monotonic()
        self._last = 0.0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def exclude(self, seconds: float) -> None:
        """Leave ``seconds`` (spent waiting, e.g. for another run's lock) out of the
        elapsed time, so the rate counts the time the work took."""
        self.started += max(seconds, 0.0)

    @property
    def rate(self) -> float:
        """Items per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.callback is not None:
            now = time.monotonic()
            if now - self._last >= self.every:
                self._last = now
                self.callback(self.done, self.elapsed)

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(self.done, self.elapsed)


def terminal_bar(
    stream: TextIO = sys.stderr, label: str = "documents"
) -> Callable[[int, float], None]:
    """A callback drawing ``N documents, R/s`` in place on a terminal; silent when piped."""
    if not stream.isatty():
        return lambda done, elapsed: None

    def draw(done: int, elapsed: float) -> None:
        rate = done / elapsed if elapsed > 0 else 0.0
        stream.write(f"\r{done:,} {label}  {rate:,.0f}/s  {elapsed:,.1f} s ")
        stream.flush()

    return draw
