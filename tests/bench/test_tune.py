"""bench/tune.py: the grid's rows, and their labels (what each changes from the defaults)."""

from __future__ import annotations

from dataclasses import replace

from arsearch.search.weights import Weights
from bench import tune


def test_grid_rows_are_labelled_by_the_knobs_they_change():
    rows = [replace(Weights(), **tune.weight_changes(c))  # type: ignore[arg-type]
            for c in tune.grid("b=0.6,0.75;k1=1.2")]
    assert [tune.label(w) for w in rows] == ["b=0.6", "(defaults)"]


def test_grid_is_the_product_of_its_axes():
    assert tune.grid("a=1,2;b=3") == ["a=1,b=3", "a=2,b=3"]
    assert tune.grid("") == [""]
