"""bench/quality.py and bench/tune.py: a bad argument is one line and a non-zero exit."""

from __future__ import annotations

import pytest

from bench import quality, tune


@pytest.mark.parametrize("argv, message", [
    (["--systems", "foo"], "unknown system(s) foo"),
    (["--weights", "title=abc"], "weight 'title=abc' needs title=<a number>"),
    (["--weights", "title=nan"], "needs title=<a number>"),
    (["--weights", "nope=1"], "unknown weight 'nope'"),
    (["--sets", ""], "give at least one set"),
    (["--sets", "arcd,foo"], "unknown set(s) foo"),
    (["--backends", "lucene"], "unknown backend(s) lucene"),
    (["--work", "/etc/passwd", "--sets", "arcd"], "is a file, not a folder"),
])
def test_quality_bad_arguments_are_one_line_errors(argv, message):
    with pytest.raises(SystemExit) as exc:
        quality.main(argv)
    assert isinstance(exc.value.code, str) and "\n" not in exc.value.code
    assert message in exc.value.code


@pytest.mark.parametrize("argv, message", [
    (["--grid", "title=a"], "weight 'title=a' needs title=<a number>"),
    (["--grid", "title"], "grid part 'title' needs name=value"),
    (["--sets", ""], "give at least one set"),
    (["--sets", "foo"], "unknown set(s) foo"),
])
def test_tune_bad_arguments_are_one_line_errors(argv, message):
    with pytest.raises(SystemExit) as exc:
        tune.main(argv)
    assert isinstance(exc.value.code, str) and message in exc.value.code
