"""The readers' entry points: files and folders in, documents and problems out.

Each file is opened once to sniff its first bytes, which decide its encoding
(:mod:`arsearch.ingest.decoding`) and its format: JSON Lines by name
(:mod:`~arsearch.ingest.jsonl`), ``<DOC>`` files by content whatever their name
(:mod:`~arsearch.ingest.trec`), plain-text articles by name (:mod:`~arsearch.ingest.text`).
Everything streams: documents are yielded one by one, so an archive of any size goes
through in bounded memory.

Bad input never aborts a run: whatever cannot be read is reported as a
:class:`~arsearch.ingest.documents.Problem` (with file and line) to the ``on_problem``
callback and the reader moves on. Which files are read at all (regular files only, no
index folders, links...) is decided in :mod:`arsearch.ingest.sources`.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Callable, Iterable, Iterator

from arsearch.ingest.decoding import SNIFF_BYTES, head_text, open_binary, sniff_encoding
from arsearch.ingest.documents import (
    DEFAULT_MAX_DOC_BYTES,
    Document,
    OnProblem,
    Problem,
    SkipFile,
)
from arsearch.ingest.jsonl import JSONL_SUFFIXES, read_jsonl
from arsearch.ingest.sources import SourceFile, find_files, path_id
from arsearch.ingest.text import TEXT_SUFFIXES, read_text_article
from arsearch.ingest.trec import looks_like_trec, read_trec

__all__ = ["canonical_root", "read_documents", "read_file", "read_sources"]

log = logging.getLogger(__name__)


def _log_problem(problem: Problem) -> None:
    log.warning("%s", problem)


def read_documents(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    on_problem: OnProblem | None = None,
    *,
    id_root: str | os.PathLike[str] | None = None,
    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES,
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[Document]:
    """Yield the documents of files and folders (walked recursively, in sorted order).

    Sorted walking makes runs reproducible; hidden files and folders are skipped because
    they are editor, VCS or OS litter, never articles. Plain-text articles get their
    canonical path relative to ``id_root`` (default: the current folder) as id, see
    :func:`arsearch.ingest.sources.path_id`. ``exclude``: folders never read. Without
    ``on_problem`` problems are logged as warnings rather than silently lost.
    """
    report = on_problem or _log_problem
    if isinstance(paths, str | os.PathLike):  # one path, not an iterable of characters
        paths = [paths]
    files = find_files(paths, _file_reporter(report), exclude=exclude)
    yield from read_sources(files, id_root, report, max_doc_bytes=max_doc_bytes)


def read_sources(
    files: Iterable[SourceFile],
    id_root: str | os.PathLike[str] | None,
    on_problem: OnProblem | None = None,
    *,
    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES,
) -> Iterator[Document]:
    """Yield the documents of files found by :func:`arsearch.ingest.sources.find_files`."""
    report = on_problem or _log_problem
    root = canonical_root(id_root)
    for src in files:
        yield from _read_source(src, root, report, max_doc_bytes)


def read_file(
    path: str | os.PathLike[str],
    id_root: str | os.PathLike[str] | None = None,
    on_problem: OnProblem | None = None,
    *,
    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES,
) -> Iterator[Document]:
    """Yield the documents of one file, whatever its supported format.

    A plain-text article's id is its canonical path relative to ``id_root`` (default:
    the current folder), so it is the same however the file is reached.
    """
    src = SourceFile(os.fspath(path), os.path.realpath(path))
    yield from _read_source(src, canonical_root(id_root), on_problem or _log_problem,
                            max_doc_bytes)


def canonical_root(id_root: str | os.PathLike[str] | None) -> str:
    """The canonical absolute form of an id root (the current folder by default)."""
    return os.path.realpath(id_root if id_root is not None else os.getcwd())


def _file_reporter(report: OnProblem) -> Callable[[str, str, bool], None]:
    return lambda path, message, skipped: report(Problem(path, None, message, skipped))


def _read_source(src: SourceFile, id_root: str, report: OnProblem,
                 cap: int) -> Iterator[Document]:
    try:
        yield from _dispatch(src, id_root, report, cap)
    except SkipFile as exc:
        report(Problem(src.shown, None, str(exc)))
    except OSError as exc:
        report(Problem(src.shown, None, f"cannot read file: {exc.strerror or exc}"))
    except (EOFError, zlib.error) as exc:  # a .gz that is not gzip, caught while sniffing
        report(Problem(src.shown, None, f"corrupt gzip data ({exc}), skipped"))


def _dispatch(src: SourceFile, id_root: str, report: OnProblem,
              cap: int) -> Iterator[Document]:
    """The reader for ``src``'s format, from its name and first bytes."""
    name = os.path.basename(src.shown).lower()  # the name the user gave it (or its link)
    with open_binary(src.real, name) as stream:
        head = stream.read(SNIFF_BYTES)
    encoding = sniff_encoding(head)
    if encoding is None:
        raise SkipFile("binary file (NUL bytes), skipped")
    if name.endswith(JSONL_SUFFIXES):
        return read_jsonl(src, encoding, report, cap)
    if looks_like_trec(head_text(head, encoding)):
        return read_trec(src, encoding, report, cap)
    if _plain_suffix(name) in TEXT_SUFFIXES:
        return read_text_article(src, path_id(src.real, id_root), encoding, report, cap)
    hint = " (JSON Lines are read: one object a line, named .jsonl)" \
        if _plain_suffix(name) == ".json" else ""
    raise SkipFile(f"unsupported file type {_plain_suffix(name)!r}{hint}, skipped")


def _plain_suffix(name: str) -> str:
    return os.path.splitext(name.removesuffix(".gz"))[1]
