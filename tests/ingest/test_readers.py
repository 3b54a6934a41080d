"""The entry points: dispatch by name and content, walking, ids, bad files, the sample."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from arsearch.ingest import read_documents, read_file
from tests.ingest.support import SAMPLE, SEED, jsonl_record, read, write


def test_file_without_extension_is_read_as_text(tmp_path: Path) -> None:
    [doc] = read(write(tmp_path / "article", "عنوان\nنص.\n"))[0]
    assert doc.id == "article"


def test_a_json_array_file_is_skipped_with_a_hint(tmp_path: Path) -> None:
    _, [problem] = read(write(tmp_path / "export.json", "[" + jsonl_record(1) + "]\n"))
    assert "JSON Lines" in problem.message and problem.skipped


def test_old_mac_line_ends_in_text_and_jsonl(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "عنوان قديم\r١٥ فبراير ٢٠١٨\rنص المقال.\r\rفقرة ثانية.\r")
    write(tmp_path / "b.jsonl", jsonl_record(1) + "\r" + jsonl_record(2) + "\r")
    docs, problems = read(tmp_path)
    assert problems == []
    assert [(d.id, d.title) for d in docs] == [("a.txt", "عنوان قديم"), ("j1", "عنوان 1"),
                                               ("j2", "عنوان 2")]
    assert docs[0].date == datetime(2018, 2, 15)
    assert docs[0].body == "نص المقال.\n\nفقرة ثانية."


def test_bad_files_are_skipped_others_still_read(tmp_path: Path) -> None:
    write(tmp_path / "a_good.txt", "عنوان\nنص.\n")
    write(tmp_path / "b_binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    write(tmp_path / "c_empty.txt", "\n\n   \n")
    write(tmp_path / "d_title_only.txt", "عنوان فقط\n")
    write(tmp_path / "e_image.png", b"not really")
    write(tmp_path / "f_good.jsonl", jsonl_record(1) + "\n")
    docs, problems = read(tmp_path)
    assert [d.id for d in docs] == ["a_good.txt", "j1"]
    assert sorted(Path(p.path).name for p in problems) == [
        "b_binary.txt", "c_empty.txt", "d_title_only.txt", "e_image.png"]  # fmt: skip
    assert all(p.skipped for p in problems)


def test_missing_path_is_reported_not_raised(tmp_path: Path) -> None:
    docs, problems = read(tmp_path / "nope")
    assert docs == [] and len(problems) == 1 and "no such" in problems[0].message


def test_recursive_walk_sorted_skips_hidden_and_ids_are_relative(tmp_path: Path) -> None:
    for rel in ["b/z.txt", "a/y/x.txt", "a/w.txt", ".git/h.txt", "a/.hidden.txt", "c/.d/e.txt"]:
        write(tmp_path / rel, "عنوان\nنص.\n")
    docs, problems = read(tmp_path)
    assert problems == []
    assert [d.id for d in docs] == ["a/w.txt", "a/y/x.txt", "b/z.txt"]
    assert docs[0].path == str(tmp_path / "a" / "w.txt")


def test_ids_are_paths_from_the_id_root_whatever_the_argument(tmp_path: Path) -> None:
    first = tmp_path / "one" / "corpus"
    shutil.copytree(SAMPLE, first)
    second = tmp_path / "elsewhere" / "moved"
    shutil.copytree(SAMPLE, second)
    # an archive moved with its id root keeps its ids
    assert [d.id for d in read(first)[0]] == [d.id for d in read(second)[0]]
    # the same file has the same id whether its folder or a subfolder is given
    via_sub = read(first / "txt", id_root=first)[0]
    assert via_sub[0].id == "txt/01_idlib_politics.txt"
    assert via_sub[0].id in {d.id for d in read(first)[0]}
    (tmp_path / "link").symlink_to(first)  # ... or a symbolic link to it
    assert [d.id for d in read(tmp_path / "link" / "txt", id_root=first)[0]][0] == \
        "txt/01_idlib_politics.txt"


def test_files_outside_the_id_root_get_their_absolute_path(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    article = write(tmp_path / "elsewhere" / "a.txt", "عنوان\nنص.\n")
    [doc] = read(article, id_root=root)[0]
    assert doc.id == str(article.resolve()) == doc.path


def test_read_file_uses_id_root_for_ids(tmp_path: Path) -> None:
    [doc] = list(read_file(SEED, id_root=SAMPLE))
    assert doc.id == "seed/000_f4303bb32ac63e1e.txt"
    [doc] = list(read_file(SEED, SEED.parent))
    assert doc.id == "000_f4303bb32ac63e1e.txt"
    [doc] = list(read_file(SEED, tmp_path))
    assert doc.id == str(SEED)


def test_bundled_sample_reads_cleanly() -> None:
    docs, problems = read(SAMPLE)
    assert problems == []
    assert len(docs) >= 35
    assert len({d.id for d in docs}) == len(docs)
    assert all(d.body and d.title for d in docs)
    assert sum(d.date is not None for d in docs) >= len(docs) - 1  # one article is undated
    bodies = "\n".join(d.body for d in docs)
    for word in ["مسؤول", "مسئول", "إدلب", "ادلب", "مستشفى", "داعش", "ترامب", "مـــصر", "۱۴۰۲"]:
        assert word in bodies, word


def test_single_path_string_and_default_problem_logging(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default id root is the current folder
    write(tmp_path / "a.txt", "عنوان\nنص.\n")
    write(tmp_path / "b.txt", "")
    docs = list(read_documents(str(tmp_path)))  # a bare string is one path, not characters
    assert [d.id for d in docs] == ["a.txt"]
    assert "b.txt" in caplog.text  # without a callback, problems are logged, not lost
