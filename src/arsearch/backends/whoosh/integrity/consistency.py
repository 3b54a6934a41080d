"""Consistency checks the checksums cannot make: columns cut short (a truncated date
or length column reads as "no value"), checked on the last document of each segment."""


from __future__ import annotations

from datetime import datetime

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, _lenfield
from whoosh.util.numeric import length_to_byte
from whoosh.util.times import datetime_to_long

from arsearch.backends.whoosh.integrity.manifest import REQUIRED_COLUMNS, Finding
from arsearch.backends.whoosh.schema import TEXT_FIELDS

#: Column values outside this range are Whoosh's "no date".
DATES = (datetime_to_long(datetime(1000, 1, 1)), datetime_to_long(datetime(9999, 1, 1)))


# --- the last document: cheap consistency of columns when opening ----------------------


class Inconsistent(Exception):
    """Columns disagree with the stored documents: damage, unless the checksums say no."""

    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(map(str, findings)))
        self.findings = findings


def check_last_documents(leaves) -> list[Finding]:
    """Columns that disagree with the stored fields of each segment's last document.

    Whoosh writes a fixed-width column (dates, field lengths) only up to the last
    document with a value, and reads anything past the end as "no value": a truncated
    date or length column is silently accepted. The last document's date, id and facets
    are stored, and its field lengths can be recomputed from its stored text, so a
    column that lost its end disagrees there. Costs one document's analysis a segment.
    """
    findings = []
    for leaf in leaves:
        n = leaf.doc_count_all()
        if not n:
            continue
        segment = leaf._segment
        stored = leaf.stored_fields(n - 1)
        for name in REQUIRED_COLUMNS:
            if not leaf.has_column(name):
                findings.append(Finding(W3Codec.column_filename(segment, name), "missing"))
        expected = column_values(leaf.schema, stored)
        for name, value in expected.items():
            if name in REQUIRED_COLUMNS and not leaf.has_column(name):
                continue
            if column_value(leaf, name, n - 1) != value:
                findings.append(Finding(W3Codec.column_filename(segment, name),
                                        f"disagrees with the stored document {n - 1} "
                                        "(truncated or overwritten?)"))
        for fname in TEXT_FIELDS:
            length = sum(freq for _, freq, _, _ in
                         leaf.schema[fname].index(stored.get(fname) or ""))
            want = length_to_byte(length) if length else 0
            if int(segment_lengths_byte(leaf, fname, n - 1)) != want:
                findings.append(Finding(W3Codec.column_filename(segment, _lenfield(fname)),
                                        f"disagrees with the stored document {n - 1} "
                                        "(truncated or overwritten?)"))
    return findings


def check_opened(ix) -> None:
    """:func:`check_last_documents` of a freshly opened index; raises Inconsistent."""
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if reader.doc_count_all() else []
        findings = check_last_documents(leaves)
    if findings:
        raise Inconsistent(findings)


def column_values(schema, stored: dict) -> dict:
    """The raw column values the writer derived from one document's stored fields."""
    values = {}
    for name in ("id", "source", "category", "author", "path", "date"):
        if name not in schema or not schema[name].column_type:
            continue
        value = stored.get(name)
        if name == "date":
            values[name] = datetime_to_long(value) if value else None
        else:
            values[name] = value or ""
    return values


def column_value(leaf, name: str, docnum: int):
    """One document's value in a column, as :func:`column_values` derives it."""
    return read_column(leaf, name, range(docnum, docnum + 1))[0]


def read_column(leaf, name: str, docnums: range) -> list:
    """The values of ``docnums`` in a column, as :func:`column_values` derives them.

    One column reader for all of them: Whoosh's variable-length column reader loads the
    whole offset table each time one is made.
    """
    if not leaf.has_column(name):
        return [None if name == "date" else ""] * len(docnums)
    if name == "date":
        reader = leaf.column_reader(name, translate=False)
        # Whoosh stores a missing date as an out-of-range default (as search.py reads it)
        values = [reader[d] if d < reader._count else None for d in docnums]
        return [v if v is not None and DATES[0] < v < DATES[1] else None for v in values]
    reader = leaf.column_reader(name)
    return [reader[d] or "" for d in docnums]


def segment_lengths_byte(leaf, fname: str, docnum: int) -> int:
    """The one-byte length code of ``fname`` in document ``docnum`` (0: none)."""
    reader = leaf._perdoc._cached_reader(_lenfield(fname), LENGTHS_COLUMN)
    return reader[docnum] if reader is not None else 0
