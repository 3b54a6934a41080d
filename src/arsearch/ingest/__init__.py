"""Ingest: files and folders in, :class:`Document` objects and :class:`Problem` reports out.

Three input formats are read, all lazily so an archive of any size streams through:
plain-text articles, TREC-style ``<DOC>`` files such as the ANT corpus (detected by
content, any name) and JSON Lines (``.jsonl``, ``.ndjson``, optionally gzipped). Bad
input never aborts a run and memory stays bounded whatever the input.

The modules follow the data, one concept each:

* :mod:`~arsearch.ingest.sources`: which files are read (regular files, no index
  folders, no escape through links) and the ids of files without their own;
* :mod:`~arsearch.ingest.decoding`: bytes to lines of text (encodings, gzip, pieces);
* :mod:`~arsearch.ingest.text`, :mod:`~arsearch.ingest.trec`, :mod:`~arsearch.ingest.jsonl`
  (with :mod:`~arsearch.ingest.json_cut` for over-long lines): one reader a format;
* :mod:`~arsearch.ingest.fields`: the rules every format applies to a field (layout,
  ids, dates, the size cap), :mod:`~arsearch.ingest.dates`: parsing dates;
* :mod:`~arsearch.ingest.documents`: the data types; :mod:`~arsearch.ingest.readers`:
  the entry points below, which pick the reader for each file.
"""

from arsearch.ingest.dates import parse_date
from arsearch.ingest.documents import (
    DEFAULT_MAX_DOC_BYTES,
    MAX_ID_CHARS,
    Document,
    OnProblem,
    Problem,
    content_hash,
)
from arsearch.ingest.readers import read_documents, read_file, read_sources
from arsearch.ingest.sources import SourceFile, find_files

__all__ = ["DEFAULT_MAX_DOC_BYTES", "MAX_ID_CHARS", "Document", "OnProblem", "Problem",
           "SourceFile", "content_hash", "find_files", "parse_date", "read_documents", "read_file",
           "read_sources"]
