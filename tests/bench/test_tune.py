"""bench/tune.py: the grid's rows are labelled by what they change from the defaults."""

from __future__ import annotations

from bench import tune


def test_grid_rows_name_the_knobs_they_change(capsys):
    # no set (none named exists): the rows are the grid's, each labelled, nothing scored
    tune.main(["--grid", "b=0.6,0.75;k1=1.2", "--sets", "none"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| weights")
    assert [r.split(" | ")[0] for r in rows[2:]] == ["| b=0.6", "| (defaults)"]


def test_grid_is_the_product_of_its_axes():
    assert tune.grid("a=1,2;b=3") == ["a=1,b=3", "a=2,b=3"]
    assert tune.grid("") == [""]
