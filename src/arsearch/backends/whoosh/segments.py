"""Per-segment data that outlives an index generation.

Opening an index reads, for every document, its id, date, facet values and field
lengths: Whoosh hands them out one value at a time, which takes seconds on a
400,000-article archive. A segment's files never change once written (deletions are
kept in the table of contents), so after a commit only the new segments need reading:
this cache keeps each segment's arrays under its segment id, and the engine passes it
from one generation to the next.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class SegmentCache:
    """Values computed from one segment, keyed by (segment id, name). Thread-safe."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()

    def get(self, leaf, name: str, load: Callable[[], T]) -> T:
        """``load()`` for ``leaf`` (a Whoosh segment reader), computed once per segment."""
        segment_id = _segment_id(leaf)
        if segment_id is None:
            return load()
        key = (segment_id, name)
        try:
            return self._data[key]  # type: ignore[return-value]
        except KeyError:
            pass
        value = load()
        with self._lock:
            self._data[key] = value
        return value

    def keep(self, leaves) -> None:
        """Forget the segments that are not among ``leaves`` (merged away or replaced)."""
        current = {_segment_id(leaf) for leaf in leaves}
        with self._lock:
            for key in [k for k in self._data if k[0] not in current]:
                del self._data[key]

    def __len__(self) -> int:
        return len(self._data)


def _segment_id(leaf) -> str | None:
    segment = getattr(leaf, "_segment", None)
    return segment.segment_id() if segment is not None else None
