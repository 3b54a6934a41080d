"""The compact positions format: varint round trip, and twins without positions."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from arsearch.analysis import EXACT, ArabicAnalyzer
from arsearch.backends.whoosh.positions import NO_POSITIONS, FastPositions
from arsearch.backends.whoosh.postings import PackedValues

FORMAT = FastPositions(field_boost=1.0)


@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=50, unique=True))
def test_positions_round_trip(positions):
    positions.sort()
    encoded = FORMAT.encode(positions)
    assert FORMAT.decode_positions(encoded) == positions
    assert FORMAT.decode_frequency(encoded) == len(positions)


def test_no_positions_marker_decodes_to_nothing():
    assert NO_POSITIONS
    assert FORMAT.decode_positions(NO_POSITIONS) == []
    assert FORMAT.decode_frequency(NO_POSITIONS) == 0


def test_twins_keep_frequency_but_no_positions():
    values = {word: (freq, weight, value) for word, freq, weight, value in
              FORMAT.word_values("المدارس والمدارس في المدارس", ArabicAnalyzer())}
    twins = {w: v for w, v in values.items() if w.startswith(EXACT)}
    stems = {w: v for w, v in values.items() if not w.startswith(EXACT)}
    assert twins and stems
    assert all(v[2] == NO_POSITIONS for v in twins.values())
    assert max(v[0] for v in twins.values()) == 2  # المدارس twice as written
    assert max(v[1] for v in twins.values()) == 2.0
    assert all(FORMAT.decode_positions(v[2]) for v in stems.values())
    assert max(v[0] for v in stems.values()) == 3  # المدارس x2 + والمدارس share a stem


@given(st.lists(st.one_of(st.lists(st.integers(0, 10**7), min_size=1, max_size=20,
                                   unique=True).map(sorted),
                          st.binary(max_size=8)), max_size=30),
       st.data())
def test_positions_of_many_postings_decode_as_one_at_a_time(postings, data):
    """The vectorised decoder behind phrases gives what decode_positions gives, posting
    by posting, for any selection; on any bytes (an exact form's NO_POSITIONS, garbage)."""
    values = [FORMAT.encode(p) if isinstance(p, list) else p for p in postings]
    packed = PackedValues(values)
    selected = data.draw(st.lists(st.integers(0, max(len(values) - 1, 0)), unique=True)
                         .map(sorted)) if values else []
    ks, positions = packed.positions_of(np.asarray(selected, dtype=np.int64))
    got = [positions[ks == k].tolist() for k in range(len(selected))]
    expected = [FORMAT.decode_positions(values[i]) for i in selected]
    assert got == expected
    assert packed.positions_of(np.zeros(0, np.int64))[0].tolist() == []
    garbage = PackedValues([b"\xff" * 40 + b"\x01", b"\x80" * 3])  # no exception
    assert len(garbage.positions_of(np.arange(2))[1]) == 1
