"""Phrase terms (layout 4): a several-word synonym is matched by one posting list, the
``P`` term its documents hold, instead of a positional check in every document that
holds its words. It must mark exactly the documents the positional check matches, and
an index without them (layout 3, or a phrase its layout does not list) must still be
searched by positions.
"""

from __future__ import annotations

import dataclasses
import json
import random

import pytest

from tests.xapian_support import build_local, build_shards, require_xapian

require_xapian()

import xapian  # noqa: E402

from arsearch.analysis.synonyms import load_synonyms  # noqa: E402
from arsearch.backends.xapian.cluster import ShardAddress, ShardServer  # noqa: E402
from arsearch.backends.xapian.index import (  # noqa: E402
    LAYOUT_KEY,
    PREFIX_TITLE,
    phrase_term,
    synonym_phrases,
    term,
)
from arsearch.backends.xapian.search import XapianSearcher  # noqa: E402
from arsearch.ingest import Document  # noqa: E402

PHRASES = sorted(synonym_phrases(load_synonyms()))
#: Queries whose synonyms add several-word entries (and one typed as a quoted phrase).
QUERIES = ["داعش", "أمريكا تحذر", "واشنطن", '"الولايات المتحدة"', "الناتو", "بيونغ يانغ",
           "حماس غزة", "السعودية", "الأمم المتحدة", "كوريا الشمالية -الجنوبية"]


def _texts() -> list[str]:
    """Every synonym entry's text, and its words apart, reversed and split by a word."""
    out = []
    for group in load_synonyms().groups:
        for entry in group:
            out.append(entry.text)
            words = entry.text.split()
            if len(words) > 1:
                out += [" ".join(reversed(words)), f"{words[0]} اليوم {' '.join(words[1:])}",
                        f"{words[0]} و{' '.join(words[1:])}"]
    return out


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    rnd = random.Random(7)
    texts = _texts()
    filler = ["قال", "المتحدث", "إن", "الاجتماع", "عقد", "في", "العاصمة", "بحضور", "الوفود"]
    out = []
    for i in range(400):
        body = " ".join(rnd.choices(filler, k=rnd.randint(0, 6)) + [rnd.choice(texts)]
                        + rnd.choices(filler, k=rnd.randint(0, 6)))
        # some titles end with a phrase's first word and bodies open with its rest:
        # a phrase never runs from the title into the body
        title = rnd.choice(texts) if i % 3 == 0 else rnd.choice(texts).split()[0]
        out.append(Document(id=f"p{i:03d}", title=title, body=body))
    return out


@pytest.fixture(scope="module")
def index(tmp_path_factory, docs):
    return build_local(tmp_path_factory.mktemp("phrases") / "ix", docs)


def test_xapian_phrase_terms_mark_exactly_the_documents_the_positions_match(index):
    with XapianSearcher.open_local(index) as s:
        assert s.layout.phrases == frozenset(PHRASES)
        db = s.db
        checked = 0
        for phrase in PHRASES:
            stems = phrase.split(" ")
            by_positions = xapian.Query(xapian.Query.OP_OR, [
                xapian.Query(xapian.Query.OP_PHRASE, [xapian.Query(term(p + s_))
                                                      for s_ in stems], len(stems))
                for p in ("", PREFIX_TITLE)])

            def ids(query):
                enquire = xapian.Enquire(db)
                enquire.set_query(query)
                return {m.docid for m in enquire.get_mset(0, db.get_doccount())}

            want = ids(by_positions)
            assert ids(xapian.Query(phrase_term(stems))) == want, phrase
            checked += bool(want)
        assert checked >= len(PHRASES) - 2  # the corpus holds (nearly) every phrase


def test_xapian_search_by_phrase_terms_equals_search_by_positions(index):
    with XapianSearcher.open_local(index) as terms, \
            XapianSearcher.open_local(index) as positions:
        positions.layout = dataclasses.replace(positions.layout, phrases=frozenset())
        used = 0
        for q in QUERIES:
            parsed, _ = terms.parse(q)
            got = terms.match(parsed, limit=30)
            want = positions.match(positions.parse(q)[0], limit=30)
            assert got.ids == want.ids, q
            assert got.scores == pytest.approx(want.scores, abs=1e-9), q
            assert got.total == want.total and got.facets == want.facets, q
            used += "P" in str(compile_of(terms, parsed))
        assert used >= len(QUERIES) // 2  # the phrase terms were used


def compile_of(searcher, parsed):
    from arsearch.backends.xapian.compile import compile_query

    return compile_query(parsed, searcher.weights, searcher._stats()).query


def test_xapian_layout_3_index_is_searched_by_positions(index, tmp_path):
    """An index written before phrase terms (layout 3) is read, and its phrases are
    checked by positions: it holds no phrase term to trust."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(index, old)
    for glass in old.rglob("iamglass"):
        db = xapian.WritableDatabase(str(glass.parent), xapian.DB_OPEN)
        meta = json.loads(db.get_metadata(LAYOUT_KEY))
        meta.pop("phrases")
        db.set_metadata(LAYOUT_KEY, json.dumps({**meta, "version": 3}))
        for t in [t.term for t in db.allterms(b"P")]:
            for posting in list(db.postlist(t)):
                doc = db.get_document(posting.docid)
                doc.remove_term(t)
                db.replace_document(posting.docid, doc)
        db.commit()
        db.close()
    with XapianSearcher.open_local(old) as s, XapianSearcher.open_local(index) as new:
        assert s.layout.phrases == frozenset() and s.layout.version == 3
        for q in QUERIES:
            assert s.match(s.parse(q)[0], limit=20).ids == \
                new.match(new.parse(q)[0], limit=20).ids, q


def test_xapian_cluster_uses_only_the_phrase_terms_every_shard_holds(docs, tmp_path):
    """A shard written before phrase terms among newer ones: no shard's phrase term is
    used (the old one would miss its documents), the results are the same."""
    paths = build_shards(tmp_path, docs, 3)
    db = xapian.WritableDatabase(str(paths[2]), xapian.DB_OPEN)
    meta = json.loads(db.get_metadata(LAYOUT_KEY))
    db.set_metadata(LAYOUT_KEY, json.dumps({**meta, "phrases": PHRASES[:3]}))
    db.close()
    servers = [ShardServer(p).start() for p in paths]
    try:
        addresses = [ShardAddress(f"shard-{i}", s.host, s.port) for i, s in enumerate(servers)]
        with XapianSearcher.open_shards(addresses) as s:
            assert s.layout.phrases == frozenset(PHRASES[:3])
            with XapianSearcher.open_shards(addresses) as positions:
                positions.layout = dataclasses.replace(positions.layout, phrases=frozenset())
                for q in QUERIES:
                    assert s.match(s.parse(q)[0], limit=20).ids == \
                        positions.match(positions.parse(q)[0], limit=20).ids, q
    finally:
        for server in servers:
            server.stop()


def _with_record(index, tmp_path, record: str):
    """A copy of ``index`` whose layout record is ``record`` (edited by hand)."""
    import shutil

    copy = tmp_path / "edited"
    shutil.copytree(index, copy)
    for glass in copy.rglob("iamglass"):
        db = xapian.WritableDatabase(str(glass.parent), xapian.DB_OPEN)
        db.set_metadata(LAYOUT_KEY, record)
        db.commit()
        db.close()
    return copy


def _edited(**fields) -> str:
    return json.dumps({"version": 4, "title_wdf": 2, "lead_words": 30,
                       "phrases": PHRASES, **fields}, ensure_ascii=False)


@pytest.mark.parametrize("record", [
    _edited(phrases=5),                     # TypeError: 'int' object is not iterable
    _edited(phrases="امم متحد"),            # its letters were read as phrases
    _edited(phrases=[1, None, "امم متحد"]),
    _edited(phrases={"امم متحد": 1}),
    _edited(phrases=["امم  متحد"]),         # no stem is empty
    _edited(title_wdf="x"), _edited(title_wdf=None), _edited(title_wdf=0),
    _edited(lead_words=-5),
    '{"version": 4}',                       # KeyError: 'title_wdf'
    "[1, 2]", "not json",                   # AttributeError, JSONDecodeError
])
def test_xapian_hand_edited_layout_record_is_named_not_a_traceback(index, tmp_path, record,
                                                                    runner):
    from arsearch.cli import main
    from arsearch.errors import IndexDamagedError

    copy = _with_record(index, tmp_path, record)
    with pytest.raises(IndexDamagedError, match="damaged layout record.*--rebuild"):
        XapianSearcher.open_local(copy)
    out = runner.invoke(main, ["search", "الأمم المتحدة", "--index", str(copy)])
    assert out.exit_code == 1 and out.output.startswith("error: "), out.output
    assert "Traceback" not in out.output and len(out.output.splitlines()) == 1


def test_xapian_layout_version_given_as_text_is_named_as_text(index, tmp_path):
    from arsearch.errors import IndexVersionError

    copy = _with_record(index, tmp_path, _edited(version="4"))
    with pytest.raises(IndexVersionError, match="has layout '4', this arsearch reads 3-4"):
        XapianSearcher.open_local(copy)


def _phrase_terms(document) -> set[bytes]:
    """The ``P`` terms of a ``xapian.Document`` (held while its term list is read)."""
    return {t.term for t in document.termlist() if t.term.startswith(b"P")}


def test_xapian_writer_checks_only_the_phrases_whose_first_word_a_document_holds(
        monkeypatch):
    """Every document was checked against every phrase of the layout: a record edited to
    list 200,000 phrases wrote 4 documents a second. The phrases a document cannot hold
    (its words lack their first stem) are not looked at, and the terms are the same."""
    from arsearch.backends.xapian import index as xindex

    looked: list[tuple[str, ...]] = []
    real = xindex.holds_phrase
    monkeypatch.setattr(xindex, "holds_phrase",
                        lambda positions, stems: looked.append(tuple(stems))
                        or real(positions, stems))
    junk = [f"كلم{i} اخر{i}" for i in range(20_000)]
    doc = Document(id="d", title="", body="قالت الأمم المتحدة إن الولايات المتحدة وافقت")
    many = xindex.to_xapian(doc, xindex.Layout(2, 30, phrases=frozenset([*junk, *PHRASES])))
    listed = len(looked)
    bundled = xindex.to_xapian(doc, xindex.Layout(2, 30, phrases=frozenset(PHRASES)))
    assert _phrase_terms(many) == _phrase_terms(bundled) != set()
    assert listed <= 2 * len(PHRASES) and not any(s[0].startswith("كلم") for s in looked)
