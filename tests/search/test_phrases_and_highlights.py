"""Quotes as a requirement, compounds as units, highlights of whole words (issue 14)."""

from __future__ import annotations

from tests.search.conftest import ids


def test_a_quoted_phrase_returns_and_counts_only_its_documents(qu_index):
    results = qu_index.search('"كأس العالم"')
    assert ids(results) == {"world-cup"} and results.total == 1
    assert {"world-cup", "cup-apart"} <= ids(qu_index.search("كأس العالم"))


def test_a_hyphenated_token_matches_as_a_unit(qu_index):
    assert ids(qu_index.search("COVID-19")) == {"covid"}
    assert "nineteen" in ids(qu_index.search("19"))


def test_a_synonym_phrase_is_never_highlighted_in_part(qu_index):
    results = qu_index.search("داعش")
    daesh = next(h for h in results.hits if h.id == "daesh")
    assert "<mark>تنظيم</mark> <mark>الدولة</mark>" in daesh.snippet
    for hit in results.hits:
        if hit.id == "dawla":
            assert "<mark>" not in hit.snippet  # الدولة and تنظيم alone are not داعش


def test_quotes_in_a_long_pasted_query_rank_first_instead_of_filtering(qu_index):
    # at most Weights.strict_phrase_words (2) words outside the quotes: required
    assert ids(qu_index.search('"كأس العالم" لكرة القدم')) == {"world-cup"}
    long = qu_index.search('"كأس العالم" البطولة أبطال كرة القدم')
    assert "cup-apart" in ids(long) and long.hits[0].id == "world-cup"


def test_control_characters_never_reach_the_html_of_a_highlight():
    from arsearch.search.snippets import highlight_all

    html = highlight_all("داعش\x00صفر\x1b<b>", {"صفر"}, set())
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in html)
    assert "&lt;b&gt;" in html
