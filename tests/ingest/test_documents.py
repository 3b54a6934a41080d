"""The data types: Document, Problem, and the public names that export them."""

from __future__ import annotations

from arsearch.ingest import Problem


def test_problem_str_shows_file_and_line() -> None:
    assert str(Problem("a.jsonl", 3, "bad")) == "a.jsonl:3: bad"
    assert str(Problem("a.txt", None, "bad")) == "a.txt: bad"
