"""Property tests (hypothesis): analysis and search never fail on any input.

Normalisation is idempotent; token offsets point at the original characters; any
Unicode string (lone surrogates, control characters, one letter repeated a million
times) is analysed; the query parser always answers; ``Engine.search`` returns Results
or raises QueryError, never anything else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import arsearch
from arsearch import ParsedQuery, QueryError, Results, analyze, normalize, parse_query
from arsearch.analysis import ArabicAnalyzer
from arsearch.search import MAX_QUERY_CHARS

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "arsearch" / "data" / "sample"

ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=300)
#: Arabic letters, harakat, tatweel, presentation forms, digits, invisible marks,
#: query syntax: the characters where normalisation and parsing have work to do.
ARABIC = st.text(
    alphabet=st.sampled_from(
        [chr(c) for c in range(0x0600, 0x0700)] + [chr(c) for c in range(0xFE70, 0xFEFF)]
        + [chr(c) for c in range(0xFB50, 0xFB60)] + list("\u200c\u200d\u200f\u202b\ufeff\u00ad")
        + list(' "“”«»-:().,؟!|&*\t\n') + list("ORNOTANDtitle:source:date:2018-02..>")
        + ["\ud800", "\udfff", "\x00", "\x1b", "\u0301", "e"]
    ),
    max_size=200,
)
MIXED = st.one_of(ANY_TEXT, ARABIC)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(MIXED)
@example("\ud800")
@example("إِدْلِبُ ﻻ ﷲ ١٥ مسؤول")
def test_normalisation_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@SETTINGS
@given(MIXED)
@example("\ud800")
@example("قَرَأْتُ الكِتَابَ ـــ فِي\u200cالمدرسة \ud800ب")
def test_offsets_point_at_the_original_text(text):
    for token in analyze(text):
        assert text[token.start:token.end] == token.text
        assert token.normalized
    # the index analyzer (Whoosh chain) too
    for token in ArabicAnalyzer()(text, positions=True, chars=True):
        assert 0 <= token.startchar <= token.endchar <= len(text)


@SETTINGS
@given(ANY_TEXT)
@example("\ud800")
@example("".join(map(chr, range(32))) + "\x7f\x85\u2028\u2029")
def test_any_unicode_is_analysed(text):
    analyze(text)
    list(ArabicAnalyzer()(text))


@pytest.mark.parametrize("letter", ["ب", "a", "\u064e", "١", "\ud800"])
def test_a_megabyte_of_one_letter(letter):
    text = letter * 1_000_000
    tokens = analyze(text)
    assert len(tokens) <= 1
    assert sum(1 for _ in ArabicAnalyzer()(text)) <= 2


@SETTINGS
@given(MIXED)
@example('"')
@example("date:2018-13..0000 OR OR -")
@example("title:" + "«" * 50)
def test_query_parser_always_answers(text):
    assert isinstance(parse_query(text), ParsedQuery)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("props") / "ix"
    arsearch.index_paths(folder, [SAMPLE])
    with arsearch.open_index(folder) as engine:
        yield engine


@SETTINGS
@given(query=st.one_of(MIXED, st.text(max_size=MAX_QUERY_CHARS + 20)),
       page=st.integers(-1, 5), per_page=st.sampled_from([0, 1, 10, 100, 101]),
       sort=st.sampled_from(["relevance", "date", "x"]))
@example(query="\ud800", page=1, per_page=10, sort="relevance")
@example(query="ب" * MAX_QUERY_CHARS, page=1, per_page=10, sort="relevance")
@example(query='"\ud800 ب"', page=1, per_page=10, sort="date")
def test_search_returns_results_or_query_error(engine, query, page, per_page, sort):
    try:
        results = engine.search(query, page=page, per_page=per_page, sort=sort)
    except QueryError:
        return
    assert isinstance(results, Results)
    assert len(results.hits) <= per_page
    results.to_dict()
