"""Waiting for the indexing worker processes both backends' writers start."""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any


def next_result(results: Any, check_workers: Callable[[], None],
                poll: float = 1.0) -> tuple[str, Any]:
    """The next ``(status, value)`` a worker sent on ``results`` (a multiprocessing
    queue), calling ``check_workers`` between polls: a worker killed by a signal sends
    nothing, and a plain ``get()`` would wait for ever."""
    while True:
        try:
            return results.get(timeout=poll)
        except queue.Empty:
            check_workers()
