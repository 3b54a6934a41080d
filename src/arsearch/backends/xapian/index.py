"""Writing arsearch documents into a Xapian database (a local folder or a shard server).

The layout maps arsearch's BM25F over title and body onto Xapian's one-field BM25
(docs/xapian.md, "The mapping"): title and body words share one term space, a title
occurrence counting ``title`` times (its wdf), so Xapian's document length, the sum of
all wdf, is the weighted total length of Lucene's CombinedFieldQuery, which arsearch's
ranker implements as ``Weights(fields="combined")``. Everything else is a term or a
value that adds no length:

=================  =========================================================================
``stem``           wdf: body count + ``title`` x title count; positions: the body's only
``=form``          the exact (unstemmed) twin: wdf only, no positions (as in Whoosh)
``XT`` + stem      the stem's title positions, wdf 0: ``title:`` words are filtered by it,
                   title phrases match on it (so no phrase spans title and body)
``XO`` + stem      boolean: the stem is in the title but not in the body (``body:`` words
                   leave these out)
``L`` + stem       boolean: the stem is in the first ``lead_words`` words of the body
``P`` + stems      boolean: the phrase (stems joined by a space) is in the body or the
                   title, for each phrase the layout lists (:func:`synonym_phrases`): the
                   several-word synonyms a query adds, matched by one posting list
                   instead of a positional check in every document holding their words
``XS/XC/XA`` + v   boolean: source, category, author, case-folded (filters)
``Q`` + id         boolean: the unique id term (replace and delete by id)
values             id, date (a string exact to the microsecond, for ranges), time (seconds
                   as a sortable number: the weight of newest-first lists), source,
                   category, year (facets), content hash, stored path, and the record
                   (hash, path and id in one value: what an update reads, see
                   :func:`record_value`)
data               JSON of the stored fields (id, title, body, date, source, category,
                   author, url, path), the same as the Whoosh backend stores
=================  =========================================================================

Terms longer than Xapian's limit (245 bytes) are cut, the same way at query time.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .core import (
    EXACT,
    ArabicAnalyzer,
    ArsearchError,
    Document,
    IndexDamagedError,
    IndexVersionError,
    ShardUnavailableError,
    Synonyms,
    Weights,
    content_hash,
    index_positions,
    load_synonyms,
    network_reason,
    require_xapian,
)

xapian = require_xapian()

#: Bump when the layout changes in a way an existing database cannot serve.
#: 2: title positions on ``XT`` terms (wdf 0), ``XO`` title-only terms, the path value.
#: 3: the stop list of Whoosh's format 7 (positions and lengths), no year value.
#: 4: phrase terms (``P``); a layout-3 database is read as one without any (its phrases
#: are checked by positions) and written on as such, an older arsearch refuses 4.
LAYOUT_VERSION = 4
READABLE_LAYOUTS = (3, 4)
READABLE = f"{READABLE_LAYOUTS[0]}-{READABLE_LAYOUTS[-1]}"
LAYOUT_KEY = "arsearch:layout"
#: How a cluster gets a new index (``--rebuild`` only knows a local folder).
CLUSTER_REBUILD = ("a cluster is not rebuilt in place: serve empty folders as new shards "
                   "(or delete the shards' folders) and index again")

PREFIX_ID = "Q"
PREFIX_TITLE = "XT"
PREFIX_TITLE_ONLY = "XO"
PREFIX_LEAD = "L"
PREFIX_PHRASE = "P"
FILTER_PREFIXES = {"source": "XS", "category": "XC", "author": "XA"}
#: Every document holds one of SAMPLE_BUCKETS boolean sample terms, chosen by a hash of
#: its id (not the shard's hash): the documents of a few buckets are an unbiased sample
#: of any result set, in which a search with very many matches counts its facets
#: (search.py, "Counting"). An index written before them is counted whole.
PREFIX_SAMPLE = "ZS"
SAMPLE_BUCKETS = 64

(SLOT_ID, SLOT_DATE, SLOT_SOURCE, SLOT_CATEGORY, SLOT_YEAR, SLOT_HASH, SLOT_TIME,
 SLOT_PATH, SLOT_DAY, SLOT_RECORD) = range(10)
#: The facets counted from their own slot (match spies, and the values a filter may
#: choose from); year, month and Hijri month come from the days' counts (SLOT_DAY).
#: SLOT_YEAR is no longer written (layout 3); its number stays taken.
FACET_SLOTS = {"source": SLOT_SOURCE, "category": SLOT_CATEGORY}
MAX_TERM_BYTES = 245
#: Documents Xapian buffers before it flushes them to disk on its own
#: (``XAPIAN_FLUSH_THRESHOLD``, its default 10,000), for a local writer and a writable
#: shard server alike. Small flushes index faster here: Xapian's buffer of postings
#: slows as it grows, more than the extra flushes cost. One process writing 20,000 ANT
#: articles spent 17 s in ``add_document`` at 1,000-2,000 against 25 s at 10,000; at
#: 104,000 articles (a shard's share of 416,610) 145 s at 2,000 against 179 s at
#: 100,000, the previous setting, and a peak of 1.9 GB fell to under 0.3 GB
#: (``docs/xapian.md``, "Writing speed"). A user's own setting wins.
FLUSH_THRESHOLD = 2000
#: Ids longer than this (in UTF-8) are represented by a digest in the id term.
_MAX_ID_TERM_BYTES = 200

_ANALYZER = ArabicAnalyzer()


@dataclass(frozen=True)
class Layout:
    """What an index was written with; the search side reads it back."""

    title_wdf: int
    lead_words: int
    version: int = LAYOUT_VERSION
    #: the phrases (stems joined by a space) each document holds a ``P`` term for
    phrases: frozenset[str] = frozenset()

    @functools.cached_property
    def phrases_by_first(self) -> dict[str, list[list[str]]]:
        """The phrases' stems by their first stem: a document is checked only for the
        phrases whose first word it holds, so the cost of writing it does not grow with
        the list (200,000 phrases in a record edited by hand: 4 documents a second)."""
        out: dict[str, list[list[str]]] = {}
        for phrase in sorted(self.phrases):
            stems = phrase.split(" ")
            out.setdefault(stems[0], []).append(stems)
        return out

    @classmethod
    def from_weights(cls, weights: Weights) -> Layout:
        """Title weight and lead length are index-time choices here (they are term
        frequencies and terms), so they must be whole numbers."""
        if weights.title < 1 or weights.title != int(weights.title):
            raise ArsearchError(
                f"the Xapian layout needs a whole title weight >= 1, not {weights.title:g} "
                "(scale every wdf and k1 instead: docs/xapian.md)")
        return cls(int(weights.title), int(weights.lead_words),
                   phrases=synonym_phrases(load_synonyms()))

    def to_json(self) -> str:
        return json.dumps({"version": self.version, "title_wdf": self.title_wdf,
                           "lead_words": self.lead_words,
                           **({"phrases": sorted(self.phrases)} if self.phrases else {})},
                          ensure_ascii=False)

    @classmethod
    def read(cls, db, where: str = "the Xapian index", shard: bool = False) -> Layout:
        """The layout ``db`` was written with; an ArsearchError when none is recorded."""
        found = cls.stored(db, where, shard)
        if found is None:
            raise ArsearchError(f"{where} is not an arsearch Xapian index (no layout "
                                "recorded)")
        return found

    @classmethod
    def stored(cls, db, where: str = "the Xapian index", shard: bool = False) -> Layout | None:
        """The layout ``db`` was written with, None when none is recorded (a database no
        writer has touched); ``where`` names it in the errors (a folder, a shard): an
        older layout is refused, never searched with the wrong positions. A shard's
        remedy is a cluster's (:data:`CLUSTER_REBUILD`), not ``--rebuild``."""
        raw = db.get_metadata(LAYOUT_KEY)
        if not raw:
            return None
        remedy = CLUSTER_REBUILD if shard else "rebuild it with `arsearch index --rebuild`"
        meta = _record(raw)
        if meta is None:
            raise IndexDamagedError(f"{where} has a damaged layout record (not a JSON "
                                    f"object): {remedy}")
        if meta.get("version") in READABLE_LAYOUTS and db.get_value_freq(SLOT_YEAR):
            meta["version"] = 2  # its documents carry the year value only layout 2 wrote
        if meta.get("version") not in READABLE_LAYOUTS:
            raise IndexVersionError(f"{where} has layout {meta.get('version')!r}, this "
                                    f"arsearch reads {READABLE}: {remedy}")
        phrases = meta.get("phrases", []) if meta["version"] >= 4 else []
        wrong = _wrong_fields(meta.get("title_wdf"), meta.get("lead_words"), phrases)
        if wrong:
            raise IndexDamagedError(f"{where} has a damaged layout record ({wrong}): "
                                    f"{remedy}")
        return cls(meta["title_wdf"], meta["lead_words"], int(meta["version"]),
                   frozenset(phrases))

    @classmethod
    def for_writer(cls, db, where: str, weights: Weights | None,
                   shard: bool = False) -> Layout:
        """The layout a writer keeps: the one ``db`` records, else a new one from
        ``weights``, recorded in it."""
        found = cls.stored(db, where, shard)
        if found is None:
            found = cls.from_weights(weights or Weights())
            db.set_metadata(LAYOUT_KEY, found.to_json())
        return found


def _record(raw: bytes) -> dict | None:
    """The layout record as a dict; None when it is none (cut, or edited by hand)."""
    try:
        meta = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return meta if isinstance(meta, dict) else None


def _wrong_fields(title_wdf: object, lead_words: object, phrases: object) -> str:
    """What is wrong with a layout record's fields ('' when nothing): a record edited
    by hand is named, never a traceback nor a guess (a title weight of "x", phrases
    given as one string, whose letters would be read as phrases)."""
    def whole(value: object, least: int) -> bool:
        return type(value) is int and value >= least

    if not whole(title_wdf, 1):
        return f"title_wdf {title_wdf!r:.40} is not a whole number >= 1"
    if not whole(lead_words, 0):
        return f"lead_words {lead_words!r:.40} is not a whole number >= 0"
    if not isinstance(phrases, list) or not all(
            isinstance(p, str) and p.strip() and p == " ".join(p.split()) for p in phrases):
        return "phrases is not a list of stems joined by one space"
    return ""


def synonym_phrases(synonyms: Synonyms) -> frozenset[str]:
    """The several-word entries of ``synonyms`` as phrase keys (stems joined by a space):
    what a new index writes phrase terms for. The searcher uses a phrase term only for
    a phrase its index's layout lists; any other phrase is checked by positions."""
    return frozenset(" ".join(e.stems) for group in synonyms.groups for e in group
                     if len(e.stems) > 1)


def phrase_term(stems: Sequence[str]) -> bytes:
    return term(PREFIX_PHRASE + " ".join(stems))


def holds_phrase(positions: dict[str, list[int]], stems: Sequence[str]) -> bool:
    """Whether ``stems`` are consecutive somewhere in ``positions`` (stem -> its
    positions in one field): what ``OP_PHRASE`` with a window of their number matches."""
    later = [set(positions.get(s, ())) for s in stems[1:]]
    if not all(later):
        return False
    return any(all(p + k in at for k, at in enumerate(later, 1))
               for p in positions.get(stems[0], ()))


# -- terms and values ---------------------------------------------------------------------


def encode(text: str) -> bytes:
    """UTF-8, lone surrogates included (a Document built in Python may hold them)."""
    return text.encode("utf-8", "surrogatepass")


def term(text: str) -> bytes:
    """``text`` as a Xapian term: cut to MAX_TERM_BYTES at a character boundary."""
    raw = encode(text)
    if len(raw) <= MAX_TERM_BYTES:
        return raw
    end = MAX_TERM_BYTES
    while end > 0 and (raw[end] & 0xC0) == 0x80:  # the first byte left out continues a
        end -= 1                                   # character: leave all of it out
    return raw[:end]


def id_term(doc_id: str) -> bytes:
    """The unique term of ``doc_id``: the id itself, or a digest of a long one.

    Ids hold no control characters (sources.py), so the NUL marks a digest unambiguously.
    """
    raw = encode(doc_id)
    if len(raw) <= _MAX_ID_TERM_BYTES:
        return PREFIX_ID.encode() + raw
    return PREFIX_ID.encode() + b"\0" + hashlib.blake2b(raw, digest_size=20).hexdigest().encode()


def sample_bucket(doc_id: str) -> int:
    """The sample bucket of ``doc_id`` (stable across runs, machines and shard counts)."""
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=4,
                             person=b"arsearch-sample").digest()
    return int.from_bytes(digest, "big") % SAMPLE_BUCKETS


def sample_term(bucket: int) -> bytes:
    return term(f"{PREFIX_SAMPLE}{bucket:02d}")


def filter_term(field: str, value: str) -> bytes:
    """The boolean term of a source, category or author value (matched case-folded)."""
    return term(FILTER_PREFIXES[field] + value.strip().casefold())


def date_value(when: datetime) -> bytes:
    """A naive UTC datetime as a fixed-width string: string order is time order, exact to
    the microsecond (a float of seconds is not, over years 1 to 9999)."""
    return (f"{when.year:04d}{when.month:02d}{when.day:02d}{when.hour:02d}{when.minute:02d}"
            f"{when.second:02d}{when.microsecond:06d}").encode()


def time_value(when: datetime) -> bytes:
    """Seconds since 0001-01-01 as Xapian's sortable number (newest-first weights)."""
    return xapian.sortable_serialise((when - datetime(1, 1, 1)).total_seconds())


def record_value(doc_id: str, digest: str, path: str) -> bytes:
    """What an update needs to know of a stored document, in one value: its content
    hash, stored path and id, NUL-separated (hashes are hex, and neither paths nor ids
    hold NUL, so the id, last, is whole).

    One value, not three, because a shard server counts one slot's values for its
    client in one message (a match spy runs on the server), while reading a slot's value
    stream over the remote protocol fetches every document, one round trip each: about
    100,000 per shard at 416,000 articles on 4 shards, which broke the connection.
    """
    return encode(f"{digest}\0{path}\0{doc_id}")


def read_record(value: bytes) -> tuple[str, str, str] | None:
    """(id, content hash, stored path) from a :func:`record_value`; None for a value
    that is not one (the caller reads the document's other values instead)."""
    parts = value.decode("utf-8", "surrogatepass").split("\0", 2)
    if len(parts) != 3:
        return None
    digest, path, doc_id = parts
    return doc_id, digest, path


def stored_fields(doc: Document, path: str | None = None) -> dict:
    """What is stored of ``doc`` (``path``: as recorded, relative to the id root)."""
    return {"id": doc.id, "title": doc.title or "", "body": doc.body,
            "date": doc.date.isoformat() if doc.date else None, "source": doc.source,
            "category": doc.category, "author": doc.author, "url": doc.url,
            "path": doc.path if path is None else path}


def to_xapian(doc: Document, layout: Layout, digest: str | None = None,
              path: str | None = None):
    """The ``xapian.Document`` of ``doc`` (see the module docstring for the layout)."""
    digest = digest or content_hash(doc)
    x = xapian.Document()
    title = index_positions(_ANALYZER, doc.title or "") or {}
    body = index_positions(_ANALYZER, doc.body or "") or {}
    for text, poses in title.items():
        t = term(text)
        if text.startswith(EXACT):
            x.add_term(t, layout.title_wdf * len(poses))
            continue
        x.add_term(t, layout.title_wdf * len(poses))
        in_title = term(PREFIX_TITLE + text)
        for p in poses:
            x.add_posting(in_title, p, 0)
        if text not in body:
            x.add_boolean_term(term(PREFIX_TITLE_ONLY + text))
    for text, poses in body.items():
        t = term(text)
        if text.startswith(EXACT):
            x.add_term(t, len(poses))
            continue
        for p in poses:
            x.add_posting(t, p)
        if poses[0] < layout.lead_words:
            x.add_boolean_term(term(PREFIX_LEAD + text))
    for first in layout.phrases_by_first.keys() & (body.keys() | title.keys()):
        for stems in layout.phrases_by_first[first]:
            if holds_phrase(body, stems) or holds_phrase(title, stems):
                x.add_boolean_term(phrase_term(stems))
    x.add_boolean_term(id_term(doc.id))
    x.add_boolean_term(sample_term(sample_bucket(doc.id)))
    for field in FILTER_PREFIXES:
        value = getattr(doc, field)
        if value and value.strip():
            x.add_boolean_term(filter_term(field, value))
    stored = stored_fields(doc, path)
    x.add_value(SLOT_ID, encode(doc.id))
    x.add_value(SLOT_HASH, digest.encode())
    if stored["path"]:
        x.add_value(SLOT_PATH, encode(stored["path"]))
    x.add_value(SLOT_RECORD, record_value(doc.id, digest, stored["path"] or ""))
    if doc.date:
        x.add_value(SLOT_DATE, date_value(doc.date))
        # YYYYMMDD: month facets count days, not every distinct time (indexes written
        # before it have none and are counted from SLOT_DATE, more slowly)
        x.add_value(SLOT_DAY, date_value(doc.date)[:8])
        x.add_value(SLOT_TIME, time_value(doc.date))
    for field, slot in (("source", SLOT_SOURCE), ("category", SLOT_CATEGORY)):
        value = getattr(doc, field)
        if value:
            x.add_value(slot, encode(value))
    x.set_data(encode(json.dumps(stored, ensure_ascii=False)))
    return x


def read_stored(data: bytes) -> dict:
    """The stored fields from a document's data (dates back to datetimes), as the Whoosh
    backend gives them: fields without a value are left out."""
    stored = {k: v for k, v in json.loads(data.decode("utf-8", "surrogatepass")).items()
              if v is not None and k != "hash"}
    if stored.get("date"):
        stored["date"] = datetime.fromisoformat(stored["date"])
    return stored


# -- writing ------------------------------------------------------------------------------


class XapianIndex:
    """One Xapian database open for writing: a local folder or a writable shard server.

    ``put`` adds or replaces a document by id (unchanged ones, by content hash, are
    left alone), ``delete`` removes one, ``commit`` makes them durable and visible.
    Xapian allows one writer per database: a second gets an ArsearchError.
    """

    def __init__(self, db, name: str, weights: Weights | None = None):
        self.db = db
        self.name = name
        self.layout = Layout.for_writer(db, f"the Xapian index {name}", weights)

    @classmethod
    def open_local(cls, path: str | Path, weights: Weights | None = None) -> XapianIndex:
        """Open (creating if needed) the database in folder ``path``."""
        path = Path(path)
        try:
            db = xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OPEN)
        except xapian.DatabaseLockError as exc:
            raise ArsearchError(f"the Xapian index {path} is being updated by another "
                                "writer") from exc
        except xapian.Error as exc:
            raise ArsearchError(f"cannot open the Xapian index {path}: {exc}") from exc
        return cls(db, str(path), weights)

    @classmethod
    def open_remote(cls, host: str, port: int, name: str, timeout: float = 10.0,
                    weights: Weights | None = None) -> XapianIndex:
        """Open a shard served by ``xapian-tcpsrv --writable`` for writing."""
        ms = max(int(timeout * 1000), 1)
        try:
            db = xapian.remote_open_writable(host, port, ms, ms)
        except xapian.NetworkError as exc:
            raise ShardUnavailableError(name, network_reason(exc)) from exc
        except xapian.Error as exc:  # a read-only server, another writer connected
            raise ArsearchError(f"cannot write to shard {name}: {network_reason(exc)}") \
                from exc
        return cls(db, name, weights)

    def put(self, doc: Document, path: str | None = None) -> str:
        """Add or replace ``doc``: "added", "replaced" or "unchanged"."""
        digest = content_hash(doc)
        key = id_term(doc.id)
        existing = self._docid(key)
        if existing is not None \
                and self.db.get_document(existing).get_value(SLOT_HASH) == digest.encode():
            return "unchanged"
        self.db.replace_document(key, to_xapian(doc, self.layout, digest, path))
        return "added" if existing is None else "replaced"

    def delete(self, doc_id: str) -> bool:
        """Remove the document with ``doc_id``; False when there was none."""
        key = id_term(doc_id)
        if self._docid(key) is None:
            return False
        self.db.delete_document(key)
        return True

    def _docid(self, key: bytes) -> int | None:
        for posting in self.db.postlist(key):
            return posting.docid
        return None

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        """Commit what is pending and release the database (and its lock)."""
        self.db.close()

    def __enter__(self) -> XapianIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def index_documents(path: str | Path, docs: Iterable[Document],
                    weights: Weights | None = None) -> dict[str, int]:
    """Index ``docs`` into the local Xapian database at ``path``; counts by outcome."""
    counts = {"added": 0, "replaced": 0, "unchanged": 0}
    with XapianIndex.open_local(path, weights) as index:
        for doc in docs:
            counts[index.put(doc)] += 1
        index.commit()
    return counts
