"""Did-you-mean: candidates, the hash-table vocabulary filter, and the chosen spelling."""

from __future__ import annotations

import pytest
from whoosh import index as whoosh_index

import arsearch
from arsearch import storage
from arsearch.analysis import EXACT
from arsearch.suggest import Vocabulary, _df, best_spelling, edits1

BODIES = [
    "انتخابات البرلمان في تونس جرت بهدوء",
    "البرلمان يناقش الميزانية الجديدة",
    "رئيس البرلمان يستقبل الوفد",
    "جلسة البرلمان تأجلت إلى الأسبوع المقبل",
    "Parliament session in Tunis",
]


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """A reader over an index of several segments (one per incremental run)."""
    folder = tmp_path_factory.mktemp("suggest")
    for i, body in enumerate(BODIES):
        arsearch.index_documents(folder, [arsearch.Document(id=f"d{i}", title="", body=body)])
    meta = storage.read_meta(folder)
    ix = whoosh_index.open_dir(str(folder), indexname=meta["indexname"])
    with ix.reader() as r:
        yield r


def test_index_has_several_segments(reader):
    assert len(list(reader.leaf_readers())) > 1


def test_edits1_covers_the_four_kinds_of_edit():
    out = edits1("برلمان")
    assert "برلان" in out  # deletion
    assert "بلرمان" in out  # transposition
    assert "برلمام" in out  # substitution
    assert "البرلمان"[1:] in out or "برلمانن" in out  # insertion
    assert "برلمان" not in out


def test_vocabulary_knows_indexed_terms_and_rejects_absent_ones(reader):
    vocab = Vocabulary(reader)
    present = [t.decode() if isinstance(t, bytes) else t
               for t in reader.lexicon("body")]
    assert present
    assert vocab.may_contain("body", present).all()
    absent = ["zzqx", EXACT + "قققق", "برلمانننن"]
    assert not vocab.may_contain("body", absent).any()
    assert not vocab.may_contain("nofield", present[:3]).any()


def test_vocabulary_filter_changes_no_suggestion(reader):
    vocab = Vocabulary(reader)
    for word in ["البرلمام", "البرلان", "بلرمان", "parliamnt", "تونش", "البرلمان"]:
        assert best_spelling(reader, word, vocab) == best_spelling(reader, word)


def test_best_spelling_picks_the_frequent_form(reader):
    assert best_spelling(reader, "البرلمام", Vocabulary(reader)) == "البرلمان"
    assert _df(reader, "البرلمان") == 4


def test_no_suggestion_for_known_or_short_words(reader):
    assert best_spelling(reader, "البرلمان") is None
    assert best_spelling(reader, "بر") is None
    assert best_spelling(reader, "2020") is None
