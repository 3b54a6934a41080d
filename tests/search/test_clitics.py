"""Attached prefixes stripped only when the index's vocabulary vouches (issue 14)."""

from __future__ import annotations

import pytest

from arsearch.search.clitics import variants
from arsearch.search.lexicon import Lexicon
from arsearch.search.query import parse_query
from tests.search.conftest import ids


@pytest.mark.parametrize(("bare", "prefixed", "doc"), [
    ("إيران", "لإيران", "li-iran"), ("ترامب", "بترامب", "bi-trump"),
    ("بوتين", "وبوتين", "wa-putin"), ("قطر", "لقطر", "li-qatar"),
])
def test_a_bare_name_finds_its_prefixed_forms(qu_index, bare, prefixed, doc):
    results = qu_index.search(bare)
    assert doc in ids(results)
    hit = next(h for h in results.hits if h.id == doc)
    assert f"<mark>{prefixed}</mark>" in hit.snippet  # the whole written word


@pytest.mark.parametrize(("prefixed", "doc"), [
    ("لإيران", "iran"), ("بترامب", "trump"), ("وبوتين", "putin"), ("لقطر", "qatar"),
])
def test_a_prefixed_query_finds_the_bare_word(qu_index, prefixed, doc):
    assert doc in ids(qu_index.search(prefixed))


@pytest.mark.parametrize("word", ["البانيا", "الله", "بطاطس", "لندن"])
def test_words_that_start_with_a_prefix_letter_are_not_cut(qu_index, word):
    lex = Lexicon(qu_index.reader)
    (w,) = parse_query(word).words
    assert all(len(v.norm) >= len(w.norm) for v in variants(w, lex))  # nothing stripped


def test_an_unknown_word_is_not_cut_into_an_unknown_rest(tmp_path):
    """سوريا, absent from an archive that writes سورية, became وريا (س as the future
    prefix, the rest as frequent as the unknown word: 0), then كوريا, Korea."""
    import arsearch
    from arsearch.ingest import Document

    docs = [Document(id="korea", title="كوريا", body="كوريا الشمالية تطلق صاروخا"),
            Document(id="wa-korea", title="خبر", body="اليابان وكوريا تتفقان"),
            Document(id="syria", title="سورية", body="الحرب في سورية")]
    arsearch.index_documents(tmp_path / "ix", docs)
    with arsearch.open_index(tmp_path / "ix") as engine:
        lex = Lexicon(engine.reader)
        (word,) = parse_query("سوريا").words
        assert variants(word, lex) == []
        assert not {"korea", "wa-korea"} & ids(engine.search("سوريا"))
        (verb,) = parse_query("سيتفقان").words  # the future س before a verb still goes
        assert [v.norm for v in variants(verb, Lexicon(engine.reader))] in ([], ["يتفقان"])
