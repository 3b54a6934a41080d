"""From bytes to text: cp1256, UTF-16/32 with or without BOM, binary files, gzip, pieces."""

from __future__ import annotations

import gzip
import random
from datetime import datetime
from pathlib import Path

import pytest

from arsearch.ingest.decoding import UTF8_OR_CP1256, line_pieces, sniff_encoding
from arsearch.ingest.sources import SourceFile
from tests.ingest.support import ARABIC, ARABIC_BODY, jsonl_record, read, trec, write


def test_cp1256_file_is_decoded(tmp_path: Path) -> None:
    path = write(tmp_path / "old.txt", "عنوان قديم\nنص بترميز ويندوز العربي.\n".encode("cp1256"))
    [doc], problems = read(path)
    assert problems == []
    assert doc.title == "عنوان قديم" and doc.body == "نص بترميز ويندوز العربي."


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-bom", "utf-16-be-bom",
                                      "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_utf16_and_bom_text_articles_are_decoded(tmp_path: Path, encoding: str) -> None:
    text = f"{ARABIC}\r\n١٥ فبراير ٢٠١٨\r\nرؤية - كاتب\r\n{ARABIC_BODY}\r\n"
    codec, _, bom = encoding.partition("-bom")
    data = text.encode(codec)
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    [doc], problems = read(write(tmp_path / "a.txt", data))
    assert problems == []
    assert (doc.title, doc.body) == (ARABIC, ARABIC_BODY)
    assert (doc.date, doc.source) == (datetime(2018, 2, 15), "رؤية")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])
def test_utf16_trec_and_jsonl_files_are_decoded(tmp_path: Path, codec: str) -> None:
    trec_text = trec("U-1", ARABIC_BODY, TITLE=ARABIC) + trec("U-2", "نص ثان")
    jsonl = jsonl_record(1, title=ARABIC, body=ARABIC_BODY) + "\n" + jsonl_record(2) + "\n"
    write(tmp_path / "a.trec", trec_text.encode(codec))
    write(tmp_path / "b.jsonl", jsonl.encode(codec))
    docs, problems = read(tmp_path)
    assert problems == []
    assert [(d.id, d.title) for d in docs] == [("U-1", ARABIC), ("U-2", ""), ("j1", ARABIC),
                                               ("j2", "عنوان 2")]
    assert docs[0].body == docs[2].body == ARABIC_BODY


def test_binary_data_with_nul_bytes_is_not_taken_for_utf16(tmp_path: Path) -> None:
    rng = random.Random(5)
    write(tmp_path / "a.txt", bytes(rng.randrange(256) for _ in range(4000)) + b"\x00\x00")
    write(tmp_path / "b.txt", b"\x00" * 5000)
    docs, problems = read(tmp_path)
    assert docs == [] and [p.message for p in problems] == ["binary file (NUL bytes), skipped"] * 2


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_files_of_size_zero_are_not_read(tmp_path: Path) -> None:
    """/proc's files say size 0 (and some block when read): never read, and named as the
    kernel's files they are (not "empty file"); a real empty file is "empty"."""
    docs, problems = read(Path("/proc/self/status"), id_root=tmp_path)
    assert docs == [] and [p.message for p in problems] == [
        "is on the kernel's proc file system (system state, not articles): skipped"]
    (tmp_path / "empty.txt").write_bytes(b"")
    docs, problems = read(tmp_path / "empty.txt", id_root=tmp_path)
    assert docs == [] and [p.message for p in problems] == ["empty file, skipped"]


def test_truncated_gzip_keeps_documents_read_before(tmp_path: Path) -> None:
    data = gzip.compress("".join(jsonl_record(i) + "\n" for i in range(2000)).encode())
    path = write(tmp_path / "cut.jsonl.gz", data[: len(data) // 2])
    docs, problems = read(path)
    assert 0 < len(docs) < 2000
    assert [d.id for d in docs] == [f"j{i}" for i in range(len(docs))]
    [problem] = problems
    assert problem.skipped and problem.line is not None and "gzip" in problem.message


@pytest.mark.parametrize(
    ("head", "expected"),
    [(b"\xff\xfe\x00\x00" + "نص".encode("utf-32-le"), "utf-32"),
     (b"\xfe\xff" + "نص".encode("utf-16-be"), "utf-16"),
     ("نص عربي".encode(), UTF8_OR_CP1256), ("نص عربي".encode("cp1256"), UTF8_OR_CP1256),
     (ARABIC.encode("utf-16-le"), "utf-16-le"), (ARABIC.encode("utf-16-be"), "utf-16-be"),
     (b"\x00" * 64, None), (bytes(range(256)) * 4, None)],
)  # fmt: skip
def test_encoding_is_sniffed_from_the_first_bytes(head: bytes, expected: str | None) -> None:
    assert sniff_encoding(head) == expected


@pytest.mark.parametrize("limit", [5, 6, 7, 64])
def test_long_lines_come_in_pieces_that_never_split_a_character(
    tmp_path: Path, limit: int
) -> None:
    """A line longer than the limit streams in pieces (so no line is held whole), each
    cut between UTF-8 characters (Arabic letters are 2 bytes, emoji 4; the bytes of a
    character cut short go with the next piece): joined, they give back the line."""
    line = "نص 😀 عربي طويل " * 20
    path = write(tmp_path / "a.txt", f"{line}\nسطر ثان\n")
    problems: list[object] = []
    pieces = list(line_pieces(SourceFile(str(path), str(path)), UTF8_OR_CP1256,
                              problems.append, limit))
    assert problems == []
    first = [text for n, text, _ in pieces if n == 1]
    assert len(first) > 1 and all(len(t.encode()) <= limit + 3 for t in first)
    assert "".join(first) == line + "\n"
    assert [more for n, _, more in pieces if n == 1] == [True] * (len(first) - 1) + [False]
    assert "".join(text for n, text, _ in pieces if n == 2) == "سطر ثان\n"
