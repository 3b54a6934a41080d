"""The Whoosh schema of an arsearch index, and the mapping from a Document to it.

Title and body share one analyzer that indexes the stem *and* the exact normalised form
of every word (see :class:`arsearch.analysis.chain.StemFilter`). Facet fields are sortable so
their values live in columns the search side loads in one pass for filters and facets.
"""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from arsearch.analysis import ArabicAnalyzer
from arsearch.backends.whoosh.positions import FastPositions
from arsearch.ingest import Document

#: Bump when the schema or the analysis changes in a way old indexes cannot serve.
#: 5: plain-text articles' ids and stored paths are relative to the index's id root.
#: 6: the package layout: the classes Whoosh pickles into the index moved (PICKLED).
#: 7: the stop list gained the question words with a prefix (بماذا) and والذي/والتي/
#: والذين; stop words are dropped before positions are counted, so an older index's
#: positions and field lengths are not the ones a query now expects (phrases across
#: those words, and the integrity check's recomputed lengths).
FORMAT_VERSION = 7

#: The arsearch classes Whoosh pickles into every index (the analysis chain, the
#: positions format), by the module path the pickle names. Part of the on-disk format:
#: moving or renaming one of them is a FORMAT_VERSION bump (a test reads a new index's
#: table of contents and checks that it names exactly these).
PICKLED = (
    "arsearch.analysis.chain.ArabicTokenizer",
    "arsearch.analysis.chain.NormalizeFilter",
    "arsearch.analysis.chain.ArabicStopFilter",
    "arsearch.analysis.chain.StemFilter",
    "arsearch.backends.whoosh.positions.FastPositions",
)

#: Whoosh's per-field boosts are not used: ranking weights live in :mod:`arsearch.search`.
TEXT_FIELDS = ("title", "body")
FACETS = ("source", "category", "author")


def make_schema() -> Schema:
    """A fresh schema; the analyzer is pickled into the index with it."""
    analyzer = ArabicAnalyzer()

    def text() -> TEXT:
        field = TEXT(analyzer=analyzer, phrase=True, stored=True)
        field.format = FastPositions(field_boost=1.0)
        return field

    return Schema(
        id=ID(unique=True, stored=True, sortable=True),
        title=text(),
        body=text(),
        date=_column_only(DATETIME(stored=True, sortable=True)),
        source=ID(stored=True, sortable=True),
        category=ID(stored=True, sortable=True),
        author=ID(stored=True, sortable=True),
        url=STORED(),
        path=_column_only(ID(stored=True, sortable=True)),
        hash=_column_only(ID(sortable=True)),
    )


def _column_only(field):
    """``field`` with its column (and stored value) but no terms in the index.

    Date filters, the content hash and the source path are read from columns only; a
    DATETIME field indexes every date at several precisions, so its terms and their
    one-posting lists took a tenth of the index.
    """
    field.indexed = False
    return field


def to_fields(doc: Document, digest: str, path: str | None = None) -> dict:
    """The keyword arguments of ``writer.add_document`` for ``doc`` (``path``: the path
    to store, by default ``doc.path``)."""
    fields = {"id": doc.id, "title": doc.title or "", "body": doc.body, "hash": digest,
              "path": (doc.path or "") if path is None else path}
    for name in ("date", "source", "category", "author", "url"):
        value = getattr(doc, name)
        if value:
            fields[name] = value
    return fields
