"""The Whoosh reader under threads: one state read from several threads at once.

Whoosh's segment files are shared file objects read by seek-then-read, so every read of
them must hold the reader's lock; two threads reading one field's length column at once
moved each other's position and one read came back empty (CI: "could not broadcast
(0,) into (100,)").
"""

from __future__ import annotations

import sys
import threading
from datetime import datetime

import numpy as np

import arsearch
from arsearch.backends.whoosh.reader import open_reader
from arsearch.backends.whoosh.segments import SegmentCache


def _docs(start: int, n: int) -> list[arsearch.Document]:
    return [arsearch.Document(id=f"d{i}", title="عنوان " * (1 + i % 7),
                              body=" ".join(["خبر"] * (1 + i % 40)) + f" رقم {i}",
                              date=datetime(2016, 1 + i % 12, 1)) for i in range(start, start + n)]


def test_lengths_read_while_other_threads_read_stored_fields(tmp_path):
    folder = tmp_path / "ix"
    for start in range(0, 600, 200):  # three segments
        arsearch.index_documents(folder, _docs(start, 200))
    expected = {f: open_reader(folder).lengths(f).copy() for f in ("body", "title")}
    assert expected["body"].max() > expected["body"].min() > 0

    errors: list[BaseException] = []
    stop = threading.Event()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: the race needs a switch mid-read
    try:
        _race(folder, expected, errors, stop)
    finally:
        sys.setswitchinterval(interval)


def _race(folder, expected, errors, stop) -> None:
    for _ in range(30):
        reader = open_reader(folder, SegmentCache())  # nothing cached: columns read anew

        def stored(reader=reader) -> None:
            try:
                i = 0
                while not stop.is_set():
                    reader.stored(i % reader.size)
                    i += 37
            except BaseException as exc:  # noqa: BLE001 - reported by the test thread
                errors.append(exc)

        def lengths(field: str, reader=reader) -> None:
            try:
                assert np.array_equal(reader.lengths(field), expected[field])
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        stop.clear()
        busy = [threading.Thread(target=stored) for _ in range(3)]
        for t in busy:
            t.start()
        readers = [threading.Thread(target=lengths, args=(f,)) for f in ("body", "title") * 4]
        for t in readers:
            t.start()
        for t in readers:
            t.join()
        stop.set()
        for t in busy:
            t.join()
        reader.close()
        assert not errors, errors[0]
