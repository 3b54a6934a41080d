"""Roots and lemmas from arramooz's dictionary and qalsadi (issue 14)."""

from __future__ import annotations

import gzip
from importlib import resources

from arsearch.analysis.morphology import (
    TABLE,
    Dictionary,
    analyse,
    arramooz_rows,
    root_of,
)
from bench.understanding import morphology


def test_hand_checked_roots_and_lemmas_keep_their_measured_precision():
    # tests/data/morphology_ar.tsv, 175 words of the ANT articles (README figures)
    figures = morphology()
    assert figures["words"] >= 150
    assert figures["coverage"] >= 0.95
    assert figures["root_precision"] >= 0.93
    assert figures["lemma_precision"] >= 0.90


def test_conjugated_verbs_and_clitics_find_their_root():
    assert analyse("يكتبون").root == "كتب"
    assert analyse("والكتاب").root == "كتب"
    assert analyse("المكتبات").root == "كتب"
    assert root_of("كتب") == "كتب"  # a root is itself


def test_words_the_resource_does_not_know_say_so():
    for word in ("xyzzy", "2018", "ششششش", ""):
        assert not analyse(word).known


def test_the_shipped_table_is_arramoozs_dictionary():
    data = resources.files("arsearch").joinpath(TABLE)
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
        shipped = [tuple(line.rstrip("\n").split("\t")) for line in f]
    assert shipped == arramooz_rows()
    assert Dictionary(shipped).forms_of_root["كتب"] >= {"كتاب", "مكتبه", "كاتب", "مكتوب"}
