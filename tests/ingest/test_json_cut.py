"""Cutting an over-long JSON line while it streams: valid JSON, prefixes, no split escape."""

from __future__ import annotations

import json

import pytest

from arsearch.ingest.json_cut import shrink_json_line


@pytest.mark.parametrize("cut", [1, 2, 3, 5, 6, 7])
def test_cutting_a_json_string_never_splits_an_escape(cut: int) -> None:
    content = "ab" + "\\u0627\\\\\\\"" * 3
    line = '{"id": "e", "body": "' + content + '", "title": "t"}'
    shrunk = shrink_json_line(line, iter(()), keep=5 + cut, budget=1000)  # keys stay whole
    record = json.loads(shrunk)
    assert json.loads(line)["body"].startswith(record["body"])
    assert record["title"] == "t"


def test_json_line_fed_in_pieces_is_rebuilt_exactly() -> None:
    line = json.dumps({"id": "p", "title": 'a"b\\', "body": "ج" * 50 + '\\"' * 20})
    for size in (1, 2, 3, 7):
        pieces = [line[i:i + size] for i in range(0, len(line), size)]
        rest = iter((1, p, i < len(pieces) - 2) for i, p in enumerate(pieces[1:]))
        assert shrink_json_line(pieces[0], rest, keep=10_000, budget=10_000) == line


def test_a_line_over_budget_gives_none_and_is_skipped_to_its_end() -> None:
    """Too many short strings or numbers to cut: the rest of the line is read and dropped
    (not held), and the next line is the next thing the stream gives."""
    line_pieces = iter([(1, "1," * 100, True), (1, "1," * 100, True), (1, "1]}", False),
                        (2, '{"id": "next"}', False)])
    first = next(line_pieces)[1]
    assert shrink_json_line('{"x": [' + first, line_pieces, keep=10, budget=150) is None
    assert next(line_pieces) == (2, '{"id": "next"}', False)
