"""The bulk segment writer produces what Whoosh's own writer produces, only faster."""

from __future__ import annotations

from datetime import datetime

from whoosh import index as whoosh_index

from arsearch.backends.whoosh.schema import make_schema, to_fields
from arsearch.backends.whoosh.writer import FastSegmentWriter
from arsearch.ingest import Document, content_hash


def _docs(sample_docs) -> list[Document]:
    long = [Document(id=f"x{i}", title=f"عنوان {i}", body="كلمة " * (300 + i) + f"فريدة{i}",
                     date=datetime(2019, 1, 1 + i), source="مصدر")
            for i in range(3)]  # high frequencies
    many = [Document(id=f"n{i}", title="", body=f"خبر عاجل رقم {i} من المدينة")
            for i in range(300)]  # posting lists longer than one block
    return list(sample_docs) + long + many


def _postings(folder) -> dict:
    ix = whoosh_index.open_dir(str(folder))
    out = {}
    with ix.reader() as r:
        for fieldname, text in r.all_terms():
            m = r.postings(fieldname, text)
            items = []
            while m.is_active():
                items.append((m.id(), m.weight(), m.value() or b""))
                m.next()
            out[(fieldname, text)] = items
        lengths = {f: [r.doc_field_length(d, f) for d in range(r.doc_count_all())]
                   for f in ("title", "body")}
        stored = [r.stored_fields(d) for d in range(r.doc_count_all())]
    return out, lengths, stored


def test_same_postings_lengths_and_stored_fields_as_whoosh(tmp_path, sample_docs):
    docs = _docs(sample_docs)
    built = {}
    for name, make in (("whoosh", lambda ix: ix.writer()), ("fast", FastSegmentWriter)):
        folder = tmp_path / name
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), make_schema())
        writer = make(ix)
        for doc in docs:
            writer.add_document(**to_fields(doc, content_hash(doc)))
        writer.commit()
        built[name] = _postings(folder)
    stock, fast = built["whoosh"], built["fast"]
    assert fast[0] == stock[0]
    assert fast[1] == stock[1]
    assert fast[2] == stock[2]
    assert max(len(v) for v in fast[0].values()) > 256  # more than one block was written
