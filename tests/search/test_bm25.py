"""The NumPy ranker: posting-list intersection and phrase positions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arsearch
from arsearch.analysis import stem
from arsearch.analysis.normalize import normalize
from arsearch.search.bm25 import BM25F, _intersect

sorted_ids = st.lists(st.integers(0, 500), max_size=60).map(
    lambda xs: np.asarray(sorted(set(xs)), dtype=np.int64))


@given(sorted_ids, sorted_ids)
def test_intersect_equals_numpy(a, b):
    assert _intersect(a, b).tolist() == np.intersect1d(a, b).tolist()


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ranking")
    docs = [
        ("p1", "قال الجيش الحر إنه سيطر على القرية"),
        ("p2", "الحر شديد اليوم وقال الجيش إنه مستعد"),
        ("p3", "الجيش الحر والجيش النظامي"),
        ("p4", "لا ذكر هنا"),
    ]
    arsearch.index_documents(folder, [arsearch.Document(id=i, title="", body=b)
                                      for i, b in docs])
    eng = arsearch.open_index(folder)
    yield eng
    eng.close()


def stems(text: str) -> list[str]:
    return [stem(normalize(w)) for w in text.split()]


def test_phrase_docs_need_consecutive_words(engine):
    gen = engine.reader
    found = BM25F(gen).phrase_docs("body", stems("الجيش الحر"))
    assert sorted(gen.ids[d] for d in found.tolist()) == ["p1", "p3"]


def test_phrase_docs_within_limits_the_candidates(engine):
    gen = engine.reader
    bm25 = BM25F(gen)
    p3 = np.asarray([gen.docnum_of["p3"]], dtype=np.int64)
    found = bm25.phrase_docs("body", stems("الجيش الحر"), within=p3)
    assert [gen.ids[d] for d in found.tolist()] == ["p3"]
    assert not len(bm25.phrase_docs("body", stems("الجيش الحر"),
                                    within=np.zeros(0, np.int64)))


def test_segment_lengths_equal_whoosh_per_document_lengths(tmp_path):
    from arsearch.backends.whoosh.postings import segment_lengths

    folder = tmp_path / "lengths"
    arsearch.index_documents(folder, [arsearch.Document(id="a", title="", body="كلمة " * 500)])
    arsearch.index_documents(folder, [  # a second segment, with titles of every length
        arsearch.Document(id=f"b{i}", title="عنوان " * i, body="نص قصير عن المدينة " * i)
        for i in range(1, 40)])
    with arsearch.open_index(folder) as engine:
        leaves = list(engine.reader.searcher.reader().leaf_readers())
        assert len(leaves) == 2
        for leaf, _ in leaves:
            for field in ("title", "body"):
                expected = [leaf.doc_field_length(d, field, 0) or 0
                            for d in range(leaf.doc_count_all())]
                assert segment_lengths(leaf, field).tolist() == expected
