"""The query language: parse_query never fails and reads each syntax as documented."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arsearch.search.query import ParsedQuery, Phrase, Word, parse_query


def group_norms(q: ParsedQuery) -> list[list[str]]:
    """Each group as the normalised forms of its items (phrases joined by spaces)."""
    def norm(item):
        if isinstance(item, Phrase):
            return " ".join(w.norm for w in item.words)
        return item.norm
    return [[norm(i) for i in g] for g in q.groups]


def test_words_each_a_group():
    q = parse_query("داعش إدلب")
    assert group_norms(q) == [["داعش"], ["ادلب"]]
    assert all(isinstance(g[0], Word) for g in q.groups)
    assert [w.surface for w in q.words] == ["داعش", "إدلب"]
    assert not q.excluded and not q.filters and q.date_from is None


def test_stop_words_dropped():
    assert group_norms(parse_query("الجيش في إدلب")) == [["الجيش"], ["ادلب"]]


def test_empty_query():
    assert parse_query("").is_empty
    assert parse_query("   ").is_empty
    assert parse_query("في من على").is_empty


@pytest.mark.parametrize("quoted", ['"الجيش الحر"', "“الجيش الحر”", "«الجيش الحر»",
                                    "”الجيش الحر”", "»الجيش الحر«", "„الجيش الحر“"])
def test_phrase_quote_styles(quoted):
    q = parse_query(f"{quoted} إدلب")
    assert len(q.groups) == 2
    phrase = q.groups[0][0]
    assert isinstance(phrase, Phrase)
    assert [w.norm for w in phrase.words] == ["الجيش", "الحر"]
    assert group_norms(q)[1] == ["ادلب"]


def test_unclosed_quote_is_punctuation():
    q = parse_query('"الجيش الحر')
    assert all(isinstance(g[0], Word) for g in q.groups)
    assert [w.norm for w in q.words] == ["الجيش", "الحر"]


def test_quote_inside_a_word_does_not_open_a_phrase():
    q = parse_query('تربط بـ"تفكيك برنامجها النووي"')
    assert all(isinstance(g[0], Word) for g in q.groups)
    assert [w.norm for w in q.words] == ["تربط", "تفكيك", "برنامجها", "النووي"]


def test_single_word_in_quotes_is_a_word():
    q = parse_query('"إدلب"')
    assert group_norms(q) == [["ادلب"]] and isinstance(q.groups[0][0], Word)


@pytest.mark.parametrize("op", ["OR", "or", "أو", "او", "|"])
def test_or(op):
    q = parse_query(f"ترامب {op} ترمب")
    assert group_norms(q) == [["ترامب", "ترمب"]]


def test_or_chain_and_and_word():
    assert group_norms(parse_query("ترامب OR ترمب OR بايدن")) == [["ترامب", "ترمب", "بايدن"]]
    assert group_norms(parse_query("ترامب AND بايدن")) == [["ترامب"], ["بايدن"]]


def test_leading_or_is_ignored():
    assert group_norms(parse_query("OR ترامب")) == [["ترامب"]]


@pytest.mark.parametrize("query", ["إدلب -سوريا", "إدلب NOT سوريا", "إدلب not سوريا"])
def test_exclusion(query):
    q = parse_query(query)
    assert group_norms(q) == [["ادلب"]]
    assert [w.norm for w in q.excluded] == ["سوريا"]


def test_excluded_phrase():
    q = parse_query('إدلب -"الجيش الحر"')
    assert len(q.excluded) == 1 and isinstance(q.excluded[0], Phrase)


def test_title_prefix():
    q = parse_query("title:إدلب داعش")
    assert q.groups[0][0].field == "title" and q.groups[0][0].norm == "ادلب"
    assert q.groups[1][0].field is None


def test_title_prefix_with_phrase():
    q = parse_query('title:"الجيش الحر"')
    item = q.groups[0][0]
    assert isinstance(item, Phrase) and item.field == "title"


def test_source_and_category_filters():
    q = parse_query("إدلب source:BBC category:sport")
    assert q.filters == {"source": ["BBC"], "category": ["sport"]}
    assert group_norms(q) == [["ادلب"]]
    q = parse_query('source:"الجزيرة نت"')
    assert q.filters == {"source": ["الجزيرة نت"]} and q.is_empty



@pytest.mark.parametrize("negation", ["-", "NOT "])
def test_negated_filters_are_exclusions_not_filters(negation):
    q = parse_query(f"إدلب {negation}date:2018 {negation}source:العربية "
                    f"{negation}category:sport {negation}date:>=2020-02")
    assert (q.date_from, q.date_to, q.filters) == (None, None, {})
    assert q.excluded_dates == [(datetime(2018, 1, 1), datetime(2019, 1, 1)),
                                (datetime(2020, 2, 1), None)]
    assert q.excluded_filters == {"source": ["العربية"], "category": ["sport"]}
    assert group_norms(q) == [["ادلب"]] and q.excluded == []


def test_laysa_is_an_ordinary_word_not_an_operator():
    """Only the documented operators: ليس ("is not") in a sentence excluded the next word."""
    q = parse_query("الاقتصاد ليس بخير")
    assert q.excluded == []
    assert "بخير" in {w.surface for w in q.words}

def test_unknown_prefix_searched_as_words():
    q = parse_query("http://example.org")
    assert not q.filters and q.words
    q = parse_query("foo:إدلب")
    assert "ادلب" in [w.norm for w in q.words]


@pytest.mark.parametrize(("text", "lo", "hi"), [
    ("date:2018", datetime(2018, 1, 1), datetime(2019, 1, 1)),
    ("date:2018-02", datetime(2018, 2, 1), datetime(2018, 3, 1)),
    ("date:2018-12", datetime(2018, 12, 1), datetime(2019, 1, 1)),
    ("date:2018-02-15", datetime(2018, 2, 15), datetime(2018, 2, 16)),
    ("date:2018-02..2018-03", datetime(2018, 2, 1), datetime(2018, 4, 1)),
    ("date:2018-02-10..2018-02-20", datetime(2018, 2, 10), datetime(2018, 2, 21)),
    ("date:>2018-02-15", datetime(2018, 2, 16), None),  # after the 15th
    ("date:>=2018-02-15", datetime(2018, 2, 15), None),  # from the 15th
    ("date:>2018", datetime(2019, 1, 1), None),
    ("date:>=2018-02", datetime(2018, 2, 1), None),
    ("date:<2018-03-01", None, datetime(2018, 3, 1)),
    ("date:<=2018-03-01", None, datetime(2018, 3, 2)),
    ("date:2018..", datetime(2018, 1, 1), None),  # open-ended
    ("date:..2018", None, datetime(2019, 1, 1)),
    ("date:..2018-02", None, datetime(2018, 3, 1)),
])
def test_date_ranges(text, lo, hi):
    q = parse_query(f"إدلب {text}")
    assert (q.date_from, q.date_to) == (lo, hi)
    assert group_norms(q) == [["ادلب"]]


@pytest.mark.parametrize(("text", "lo", "hi"), [
    ("date:9999", datetime(9999, 1, 1), datetime.max),
    ("date:9999-12", datetime(9999, 12, 1), datetime.max),
    ("date:9999-12-31", datetime(9999, 12, 31), datetime.max),
    ("date:2018..9999", datetime(2018, 1, 1), datetime.max),
    ("date:2018..9999-12-31", datetime(2018, 1, 1), datetime.max),
    ("date:>9999-12-31", datetime.max, None),  # after the last day: nothing
    ("date:>=9999-12-31", datetime(9999, 12, 31), None),
    ("date:<9999", None, datetime(9999, 1, 1)),
    ("date:<=9999", None, datetime.max),
    ("date:0001", datetime(1, 1, 1), datetime(2, 1, 1)),
    ("date:<0001", None, datetime(1, 1, 1)),
])
def test_dates_at_the_calendar_edges_leave_the_range_open(text, lo, hi):
    q = parse_query(f"إدلب {text}")
    assert (q.date_from, q.date_to) == (lo, hi)
    assert group_norms(q) == [["ادلب"]]


def test_less_or_equal_date_includes_that_period():
    assert parse_query("date:<=2018-02").date_to == datetime(2018, 3, 1)
    assert parse_query("date:<=2018-02-15").date_to == datetime(2018, 2, 16)
    assert parse_query("date:<2018-02").date_to == datetime(2018, 2, 1)


@pytest.mark.parametrize("text", ["date:0000", "date:0000-00-00", "date:10000", "date:>0000",
                                  "date:2018..0000", "date:<2018-00"])
def test_impossible_years_are_searched_as_words(text):
    q = parse_query(f"إدلب {text}")
    assert q.date_from is None and q.date_to is None
    assert len(q.groups) >= 2


@pytest.mark.parametrize("text", ["date:2018-13", "date:2018-02-30", "date:yesterday"])
def test_bad_date_searched_as_words(text):
    q = parse_query(text)
    assert q.date_from is None and q.date_to is None
    assert q.words  # the chunk is kept as words rather than lost


GARBAGE = st.lists(st.one_of(
    st.text(),
    st.text(st.characters(categories=["Cs", "Cc", "Cf", "Mn"])),  # lone surrogates, controls
    st.sampled_from(list('"“”«»„-:|()*?~^ ') + ["OR", "NOT", "أو", "date:", "title:",
                                                 "source:", "..", "2018", "إدلب"]),
)).map("".join)


@given(GARBAGE)
def test_garbage_never_raises(text):
    q = parse_query(text)
    assert isinstance(q, ParsedQuery)
    for w in q.words:
        assert isinstance(w, Word) and w.stem is not None


@given(st.text())
def test_any_text_never_raises(text):
    assert isinstance(parse_query(text), ParsedQuery)


@pytest.mark.parametrize("text", ['"', "-", "OR OR", "NOT", "date:", "title:", "«", "\ud800",
                                  "\x00\x01", "-\"", "date:..", "source:"])
def test_edge_cases(text):
    assert isinstance(parse_query(text), ParsedQuery)


def test_repeated_phrase_is_checked_once():
    from arsearch.search.query import phrase_count

    q = parse_query('"الجيش الحر" «الجيش الحر» "الجيش   الحر" إدلب')
    assert phrase_count(q) == 1
    assert group_norms(q)[-1] == ["ادلب"]


def test_phrases_beyond_the_budget_are_searched_as_words():
    from arsearch.search.query import MAX_PHRASES, Phrase, phrase_count

    pairs = [f'"كلمة{i} أخرى{i}"' for i in range(MAX_PHRASES + 3)]
    q = parse_query(" ".join(pairs))
    assert phrase_count(q) == MAX_PHRASES
    words = [item for group in q.groups for item in group if not isinstance(item, Phrase)]
    assert len(words) == 2 * 3  # the last three pairs, as words
    assert f"كلمه{MAX_PHRASES + 2}" in {w.norm for w in words}



def test_excluded_phrases_count_against_the_phrase_budget():
    """Forty excluded pairs cost as much as forty wanted ones: they share MAX_PHRASES;
    beyond it an exclusion keeps its words together (all of them, positions unchecked),
    and a wanted phrase after it is searched as words."""
    from arsearch.search.query import MAX_PHRASES, Phrase, phrase_count

    words = ["قال", "وزير", "رئيس", "الحكومة", "اليوم", "العام", "مصر", "سوريا"]
    pairs = [f'-"{a} {b}"' for a in words for b in words if a != b]
    q = parse_query(" ".join(pairs) + ' "الجيش الحر"')
    assert phrase_count(q) == MAX_PHRASES
    assert len(q.excluded) == len(pairs)
    assert all(isinstance(i, Phrase) and len(i.words) == 2 for i in q.excluded)
    assert [i.adjacent for i in q.excluded] == [True] * MAX_PHRASES + [False] * (
        len(pairs) - MAX_PHRASES)
    assert group_norms(q) == [["الجيش"], ["الحر"]]
    chunks = parse_query(" ".join(f"-{a}.{b}" for a in words for b in words if a != b))
    assert phrase_count(chunks) == MAX_PHRASES  # a chunk of several words is a phrase

def test_repeated_exclusion_is_kept_once():
    q = parse_query('إدلب ' + '-"الجيش الحر" ' * 30 + "-سوريا " * 30)
    assert len(q.excluded) == 2


@pytest.mark.parametrize("query", ["root:", "جذر:", "title:", "-root:", "source:", "date:",
                                   "=", "~", "~~"])
def test_a_prefix_or_shorthand_with_no_word_is_no_word(query):
    q = parse_query(query)
    assert q.is_empty and not q.excluded and not q.filters


@pytest.mark.parametrize(("query", "level", "field"), [
    ("جذر: كتب", "root", None),  # the prefix written apart from its word
    ("root:root:كتب", "root", None),
    ("root:جذر:كتب", "root", None),
    ("=exact:كتب", "exact", None),
    ("fuzzy:=كتب", "fuzzy", None),
    ("title:root:كتب", "root", "title"),
    ("title:=كتب", "exact", "title"),
    ("كتب~2", "fuzzy", None),
])
def test_nested_or_apart_level_prefixes_name_one_level_of_one_word(query, level, field):
    [[word]] = parse_query(query).groups
    assert (word.surface, word.level, word.field) == ("كتب", level, field)


def test_a_prefix_written_apart_applies_to_the_next_word_only():
    q = parse_query("-جذر: كتب قال source: الجزيرة")
    assert [w.surface for w in q.excluded] == ["كتب"] and q.excluded[0].level == "root"
    assert [(g[0].surface, g[0].level) for g in q.groups] == [("قال", "stem")]
    assert q.filters == {"source": ["الجزيرة"]}
