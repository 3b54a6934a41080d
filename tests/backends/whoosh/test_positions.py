"""The compact positions format: varint round trip, and twins without positions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from arsearch.analysis import EXACT, ArabicAnalyzer
from arsearch.backends.whoosh.positions import NO_POSITIONS, FastPositions

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
