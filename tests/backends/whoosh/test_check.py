"""``arsearch check``: exit codes, the report, and what only the full read finds.

The damage matrix (every kind of file emptied, halved, garbled, deleted) is in
``test_integrity.py``; here the command itself.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import arsearch
from arsearch import check_index
from arsearch.backends.whoosh import integrity
from arsearch.cli import main


@pytest.fixture()
def index(sample_index, tmp_path) -> Path:
    folder = tmp_path / "ix"
    shutil.copytree(sample_index, folder)
    return folder


def test_check_of_a_sound_index_exits_0(index, runner):
    result = runner.invoke(main, ["check", "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "sound" in result.stdout and "checksums, every byte decoded" in result.stdout
    assert result.stderr == ""
    report = json.loads(runner.invoke(main, ["check", "--index", str(index),
                                             "--json"]).stdout)
    assert report["ok"] and report["checksums"] and report["decoded"]
    assert report["documents"] == 37 and report["errors"] == [] and report["files"] > 10


def test_quick_check_verifies_files_and_opens_without_decoding_everything(index):
    report = check_index(index, quick=True)
    assert report.ok and report.checksums and not report.decoded
    assert report.documents == 37


def test_check_of_a_damaged_index_reports_each_file_and_exits_1(index, runner):
    damaged = sorted(p for p in index.iterdir() if p.name.endswith((".pst", ".date.col")))
    for path in damaged:
        path.write_bytes(path.read_bytes()[:-1])
    result = runner.invoke(main, ["check", "--index", str(index), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert not report["ok"]
    assert {e["file"] for e in report["errors"]} == {p.name for p in damaged}
    result = runner.invoke(main, ["check", "--index", str(index)])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(damaged) and "Traceback" not in result.stderr
    assert "DAMAGED: rebuild it with `arsearch index --rebuild`" in result.stdout


def test_index_without_checksums_is_checked_by_reading_it(index, runner):
    """An index written before arsearch recorded checksums: sound, with a warning."""
    (index / integrity.MANIFEST).unlink()
    result = runner.invoke(main, ["check", "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "warning: no checksums were recorded" in result.stderr
    assert "no checksums, every byte decoded" in result.stdout


def test_full_read_finds_garbled_postings_that_only_reading_can_see(index):
    (index / integrity.MANIFEST).unlink()  # nothing to compare the bytes with
    pst = next(index.glob("*.pst"))
    data = bytearray(pst.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 40):
        data[i] ^= 0xFF
    pst.write_bytes(bytes(data))
    assert check_index(index, quick=True).ok  # opening alone does not decode postings
    report = check_index(index)
    assert [f.file for f in report.errors] == [pst.name], report.errors
    assert "posting" in report.errors[0].message or "decoded" in report.errors[0].message


@pytest.mark.parametrize("where", ["missing", "a file"])
def test_check_where_there_is_no_index(tmp_path, runner, where):
    folder = tmp_path / "ix"
    if where == "a file":
        folder.write_text("not an index")
    result = runner.invoke(main, ["check", "--index", str(folder)])
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    with pytest.raises(arsearch.IndexNotFoundError):
        check_index(folder)


def test_check_of_an_older_format_refuses_it_with_the_rebuild_hint_not_damaged(index, runner):
    """An index of an older format is not damaged: its files are another format's, whose
    lengths and positions this arsearch would misread as damage. The check refuses it in
    one line, as every other command does, naming the folder and the rebuild."""
    meta = json.loads((index / "arsearch.json").read_text("utf-8"))
    meta["format"] -= 1
    (index / "arsearch.json").write_text(json.dumps(meta), "utf-8")
    for args in ([], ["--json"], ["--quick"]):
        result = runner.invoke(main, ["check", "--index", str(index), *args])
        assert result.exit_code == 1, result.output
        assert "DAMAGED" not in result.output and result.stdout == ""
        assert result.stderr.strip().splitlines() == [
            f"error: the index in {index} has format {meta['format']}, this arsearch reads "
            f"format {meta['format'] + 1}: rebuild it with `arsearch index --rebuild`"]
    with pytest.raises(arsearch.IndexVersionError):
        check_index(index)


def test_segments_whoosh_merged_check_sound(tmp_path, sample_dir):
    """A merged segment totals its documents' rounded (one-byte) lengths, not the exact
    ones its postings add up to: that is Whoosh's format, not damage."""
    folder = tmp_path / "ix"
    arsearch.index_paths(folder, [sample_dir], commit_every=4)  # small segments, merged
    report = check_index(folder)
    assert report.ok, report.errors
    assert report.decoded and report.documents == 37
