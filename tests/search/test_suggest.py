"""Did-you-mean: candidates, the hash-table vocabulary filter, and the chosen spelling."""

from __future__ import annotations

import time

import pytest
from whoosh import index as whoosh_index

import arsearch
from arsearch.analysis import EXACT
from arsearch.backends.whoosh import generations as storage
from arsearch.backends.whoosh.vocabulary import Vocabulary
from arsearch.search.query import parse_query
from arsearch.search.suggest import (
    MAX_WORD_CHARS,
    MAX_WORDS,
    _df,
    archive_spelling,
    best_spelling,
    edits1,
    suggest,
    words_to_check,
)

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


def test_overlong_words_get_no_spelling_check(reader):
    # a 500-letter word had 31,000 candidates and cost a second of CPU
    assert best_spelling(reader, "ب" * 500, Vocabulary(reader)) is None
    assert best_spelling(reader, "البرلمام" + "ب" * MAX_WORD_CHARS) is None
    assert list(words_to_check(parse_query("ب" * 500 + " البرلمام"))) == [
        ("البرلمام", "البرلمام")]


def test_each_distinct_word_is_checked_once_and_few_words_per_query():
    repeated = list(words_to_check(parse_query("البرلمام " * 50)))
    assert repeated == [("البرلمام", "البرلمام")]
    many = " ".join(f"كلمة{chr(0x0628 + i)}" for i in range(MAX_WORDS * 3))
    assert len(list(words_to_check(parse_query(many)))) == MAX_WORDS


def test_spelling_check_gives_up_at_the_deadline(reader):
    vocab = Vocabulary(reader)
    assert best_spelling(reader, "البرلمام", vocab) == "البرلمان"
    assert best_spelling(reader, "البرلمام", vocab, deadline=time.thread_time() - 1) is None
    q = "البرلمام"
    assert suggest(reader, q, parse_query(q), 0, vocab) == "البرلمان"
    assert suggest(reader, q, parse_query(q), 0, vocab, budget=-1) is None


def test_spelling_lookups_hold_the_given_lock(reader):
    class CountingLock:
        def __init__(self):
            self.entered = 0

        def __enter__(self):
            self.entered += 1

        def __exit__(self, *exc):
            return False

    lock = CountingLock()
    assert best_spelling(reader, "البرلمام", Vocabulary(reader), lock=lock) == "البرلمان"
    assert lock.entered == 2  # the word's own count, then the candidates' counts


SPELLED = [
    arsearch.Document(id=f"s{i}", title="مؤتمر الحكومة" if i % 2 else "",
                      body=["افتتح المُؤْتَمَر الصحفي للحكومة اليوم",
                            "قالت الحكومة في المؤتمر إن مؤتمر السلام يبدأ",
                            "مؤتمر الحكومة السنوي"][i % 3])
    for i in range(12)
]


@pytest.fixture(scope="module")
def spelled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spelled")
    arsearch.index_documents(folder, SPELLED)
    with arsearch.open_index(folder) as engine:
        yield engine


@pytest.mark.parametrize(("norm", "written"), [("مءتمر", "مؤتمر"), ("الحكومه", "الحكومة"),
                                               ("المءتمر", "المؤتمر")])
def test_archive_spelling_is_the_commonest_written_form(spelled, norm, written):
    assert archive_spelling(spelled.backend, norm) == written  # diacritics stripped


def test_did_you_mean_shows_a_spelling_found_in_the_archive(spelled):
    """The suggestion was the index's normalised form (مءتمر, الحكومه)."""
    results = spelled.search("مؤتمرر الحكومت")
    assert results.suggestion == "مؤتمر الحكومة"
    assert archive_spelling(spelled.backend, "غيرموجود") == "غيرموجود"  # not found: as is
