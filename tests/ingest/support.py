"""Helpers shared by the readers' tests: write files, read them back with problems."""

from __future__ import annotations

import json
from pathlib import Path

from arsearch.ingest import Document, Problem, read_documents
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "src" / "arsearch" / "data" / "sample"
SEED = SAMPLE / "seed" / "000_f4303bb32ac63e1e.txt"
RAW_SAMPLE = SHARED / "corpora" / "ant-news" / "raw-sample"
ARABIC = "افتتاح مستشفى جديد في إدلب"
ARABIC_BODY = "أعلنت وزارة الصحة افتتاح مستشفى لعلاج الأطفال في مدينة إدلب."
#: A small size cap, so that the cutting tests need no megabytes.
CAP = 64 * 1024


def read(*paths: Path, id_root: Path | None = None) -> tuple[list[Document], list[Problem]]:
    """Documents and problems of ``paths``; ids relative to the first path's folder."""
    problems: list[Problem] = []
    if id_root is None:
        id_root = paths[0] if paths[0].is_dir() else paths[0].parent
    docs = list(read_documents(paths, on_problem=problems.append, id_root=id_root))
    return docs, problems


def read_capped(*paths: Path) -> tuple[list[Document], list[Problem]]:
    """Like :func:`read`, with documents cut to :data:`CAP` bytes."""
    problems: list[Problem] = []
    docs = list(read_documents(paths, problems.append, id_root=paths[0].parent,
                               max_doc_bytes=CAP))
    return docs, problems


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def trec(docno: str | None, text: str | None = "نص الخبر", **tags: str) -> str:
    """One ``<DOC>`` record (without DOCNO or TEXT when they are None)."""
    parts = ["<DOC>"]
    if docno is not None:
        parts.append(f"<DOCNO>{docno}</DOCNO>")
    parts += [f"<{tag}>{value}</{tag}>" for tag, value in tags.items()]
    if text is not None:
        parts.append(f"<TEXT>\n{text}\n</TEXT>")
    return "\n".join(parts + ["</DOC>"]) + "\n"


def jsonl_record(i: int, **changes: object) -> str:
    """One JSON line with every field set, ``changes`` applied."""
    record = {
        "id": f"j{i}",
        "title": f"عنوان {i}",
        "body": f"نص {i}",
        "date": "2018-02-15",
        "source": "الجزيرة نت",
        "author": "كاتب",
        "category": "politic",
        "url": "http://x",
    }
    record.update(changes)
    return json.dumps(record, ensure_ascii=False)
