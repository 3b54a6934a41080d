"""Is the index on disk sound? Checksums recorded at commit, checked before use.

Whoosh never changes a file once written: a commit adds segment files and a new table of
contents (``_gen1_<N>.toc``, "state N"); deletions live in the table of contents. So after
every commit the writer records, for the newest state, the size and CRC-32 of each of its
files in ``arsearch.manifest.json`` beside ``arsearch.json``. Files recorded by an earlier
commit keep their checksum; only the files this commit wrote are read. With it:

* opening an index and ``/healthz`` compare file sizes (a ``stat`` per file);
* a writer verifies every checksum before it builds on a state, so an update never
  reports "unchanged" over a damaged index (:func:`verify_for_write`);
* ``arsearch check`` verifies checksums, then decodes everything
  (:mod:`arsearch.backends.whoosh.check`);
* an error raised while index bytes were being decoded is blamed on the index only when
  the checksums cannot vouch for the files (:func:`blame`): when every byte is as it was
  written, the error is a bug and must surface as one.

The manifest is keyed by generation and state number. A crash between Whoosh's rename of
the table of contents and the manifest write leaves the newest state without checksums:
it is "unverified", not damaged, and the next writer records it under its lock.
"""

from __future__ import annotations

from arsearch.backends.whoosh.integrity.consistency import (
    DATES,
    Inconsistent,
    check_last_documents,
    check_opened,
    column_value,
    column_values,
    read_column,
    segment_lengths_byte,
)
from arsearch.backends.whoosh.integrity.guard import (
    Verdict,
    blame,
    cached_diagnose,
    diagnose,
    folder_key,
    known_verdict,
    raised_while_decoding,
    reading,
    verify_for_write,
)
from arsearch.backends.whoosh.integrity.manifest import (
    CHUNK,
    MANIFEST,
    MANIFEST_FORMAT,
    REBUILD,
    REQUIRED_COLUMNS,
    REQUIRED_FILES,
    Finding,
    State,
    check_sizes,
    checksum,
    damaged,
    describe,
    file_of,
    missing_files,
    read_manifest,
    record,
    state_files,
    toc_segments,
    unreadable,
    verify_files,
)
from arsearch.backends.whoosh.integrity.opening import (
    open_reader,
)

__all__ = [
    "CHUNK",
    "DATES",
    "Finding",
    "Inconsistent",
    "MANIFEST",
    "MANIFEST_FORMAT",
    "REBUILD",
    "REQUIRED_COLUMNS",
    "REQUIRED_FILES",
    "State",
    "Verdict",
    "blame",
    "cached_diagnose",
    "check_last_documents",
    "check_opened",
    "check_sizes",
    "checksum",
    "column_value",
    "column_values",
    "damaged",
    "describe",
    "diagnose",
    "file_of",
    "folder_key",
    "known_verdict",
    "missing_files",
    "open_reader",
    "raised_while_decoding",
    "read_column",
    "read_manifest",
    "reading",
    "record",
    "segment_lengths_byte",
    "state_files",
    "toc_segments",
    "unreadable",
    "verify_files",
    "verify_for_write",
]
