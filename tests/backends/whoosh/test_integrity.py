"""A damaged index: checksums recorded at commit, `arsearch check`, and what every part
of the product does when index files are truncated, garbled, deleted or replaced.

Every test damages a real index (the bundled sample) on disk. Whatever the damage, the
CLI prints one line and exits 1 (never a traceback), the web answers 503 (never 500),
/healthz says 503 once the damage is visible to it, an update refuses to build on the
damaged state (never "unchanged"), and `arsearch index --rebuild` recovers.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

import arsearch
from arsearch import IndexDamagedError, check_index
from arsearch.backends.whoosh import generations as storage
from arsearch.backends.whoosh import integrity
from arsearch.cli import main
from arsearch.web.app import create_app
from tests.reliability.support import child_env

QUERIES = ("إدلب", "سوريا", "الحكومة", "داعش", "النفط", '"الجيش الحر"', "ترامب", "الأردن")

#: The kinds of files of a segment (one of each per segment), and the table of contents.
KINDS = (".toc", ".trm", ".pst", "._stored.col", ".id.col", ".hash.col", ".path.col",
         ".date.col", "._body_len.col", "._title_len.col", ".source.col", ".category.col",
         ".author.col")


def _truncate(path: Path) -> None:
    path.write_bytes(b"")


def _halve(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble(path: Path) -> None:
    """Flip bits in the middle third: same size, different bytes."""
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 3, max(len(data) * 2 // 3, len(data) // 3 + 1)):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def _delete(path: Path) -> None:
    path.unlink()


DAMAGES = {"emptied": _truncate, "halved": _halve, "garbled": _garble, "deleted": _delete}
#: Damages that change a file's size or existence: seen by opening (sizes are compared).
VISIBLE = {"emptied", "halved", "deleted"}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, sample_dir) -> Path:
    folder = tmp_path_factory.mktemp("pristine") / "ix"
    arsearch.index_paths(folder, [sample_dir])
    assert check_index(folder).ok
    return folder


@pytest.fixture()
def index(pristine, tmp_path) -> Path:
    """A fresh copy of the sample index, for one test to damage."""
    folder = tmp_path / "ix"
    shutil.copytree(pristine, folder)
    return folder


def file_of_kind(folder: Path, kind: str) -> Path:
    """The one file of the index whose name ends with ``kind`` after its first dot."""
    found = [p for p in folder.iterdir() if p.name.lstrip("_").startswith("gen")
             and "." in p.name and p.name.split(".", 1)[1] == kind[1:]]
    assert len(found) == 1, (kind, found)
    return found[0]


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.blake2b(p.read_bytes(), digest_size=8).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file() and p.name != storage.LOCK}


def one_error_line(result) -> str:
    """The CLI failed cleanly: exit 1, no traceback, exactly one ``error:`` line."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit), result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return errors[0]


def web_statuses(folder: Path) -> dict[str, int]:
    app = create_app({"TESTING": True, "ARSEARCH_INDEX": str(folder)})
    try:
        client = app.test_client()
        out = {}
        for url in ("/healthz", "/", *[f"/api/search?q={q}" for q in QUERIES],
                    *[f"/?q={q}" for q in QUERIES], "/doc/txt/01.txt", "/api/documents/x"):
            response = client.get(url)
            out[url] = response.status_code
            if response.status_code == 503 and url.startswith(("/api/", "/healthz")):
                message = response.json["error"]["message"]
                assert "rebuild" in message and "\n" not in message, message
            if response.status_code == 503 and not url.startswith(("/api/", "/healthz")):
                assert "--rebuild" in response.get_data(as_text=True)
        return out
    finally:
        app.extensions["arsearch"].close()


# --- checksums at commit -----------------------------------------------------------------


def test_commit_records_size_and_checksum_of_every_file_of_the_state(index):
    states, problem = integrity.read_manifest(index)
    assert problem is None
    indexname = storage.require_meta(index)["indexname"]
    state = states[indexname]
    assert state.toc == storage.toc_number(index, indexname)
    files = {p.name for p in index.iterdir() if p.name.lstrip("_").startswith(indexname)
             and not p.name.endswith("WRITELOCK")}
    assert set(state.files) == files
    for name, (size, crc) in state.files.items():
        assert (index / name).stat().st_size == size
        assert integrity.checksum(index / name) == crc


def test_recording_again_reads_no_file_already_recorded(index, monkeypatch):
    """Segment files never change: a commit checksums only what it wrote."""
    read = []
    real = integrity.checksum
    monkeypatch.setattr(integrity, "checksum", lambda path: read.append(path) or real(path))
    indexname = storage.require_meta(index)["indexname"]
    with storage.write_lock(index):
        integrity.record(index, indexname)
    assert read == []


def test_update_and_rebuild_keep_the_manifest_on_the_current_state(index, sample_dir,
                                                                    tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text("عنوان جديد\n15 مارس 2018\nمصدر - كاتب\nنص عن إدلب.\n",
                                   encoding="utf-8")
    arsearch.index_paths(index, [extra])
    report = check_index(index)
    assert report.ok and report.checksums and report.decoded, report.errors
    before = storage.require_meta(index)["indexname"]
    arsearch.index_paths(index, [sample_dir, extra], rebuild=True)
    after = storage.require_meta(index)["indexname"]
    assert after != before
    states, _ = integrity.read_manifest(index)
    assert set(states) == {after}
    assert check_index(index).checksums


# --- every file, every damage -----------------------------------------------------------


@pytest.mark.slow  # the full matrix runs in .ci/run
@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_damaged_file_is_named_refused_and_rebuilt(index, sample_dir, runner, kind, damage):
    target = file_of_kind(index, kind)
    DAMAGES[damage](target)
    named = target.name if kind != ".toc" or damage != "deleted" else "no committed state"

    # check: exit 1, the file named, the rebuild advised
    result = runner.invoke(main, ["check", "--index", str(index)])
    assert result.exit_code == 1, result.output
    assert named in result.stderr and "--rebuild" in result.stdout
    assert check_index(index, quick=True).errors

    # an update refuses and leaves every file as it was; never "unchanged"
    before = snapshot(index)
    result = runner.invoke(main, ["index", str(sample_dir), "--index", str(index)])
    line = one_error_line(result)
    assert named in line and "arsearch index --rebuild" in line
    assert "unchanged" not in result.stdout
    assert snapshot(index) == before

    # searching: one line naming the file, or results when the damage lies elsewhere
    for query in QUERIES:
        result = runner.invoke(main, ["search", query, "--index", str(index)])
        if result.exit_code:
            assert "damaged" in one_error_line(result)
    if damage in VISIBLE:
        assert named in one_error_line(runner.invoke(main, ["search", "إدلب", "--index",
                                                            str(index)]))

    # the web: 503 with the reason, never 500; /healthz 503 when sizes differ
    statuses = web_statuses(index)
    assert set(statuses.values()) <= {200, 404, 503}, statuses
    if damage in VISIBLE:
        assert statuses["/healthz"] == 503 and statuses["/api/search?q=إدلب"] == 503

    # --rebuild recovers
    result = runner.invoke(main, ["index", str(sample_dir), "--index", str(index),
                                  "--rebuild"])
    assert result.exit_code == 0, result.output
    assert check_index(index).ok
    assert web_statuses(index)["/healthz"] == 200


@pytest.mark.parametrize("damage", ["drop the last value", "drop half"])
@pytest.mark.parametrize("kind", [".date.col", "._body_len.col", "._title_len.col"])
def test_truncated_date_or_length_column_is_detected_without_checksums(index, kind, damage):
    """Whoosh reads a short fixed-width column as "no value": caught anyway."""
    (index / integrity.MANIFEST).unlink()  # an index from before checksums
    target = file_of_kind(index, kind)
    width = 8 if kind == ".date.col" else 1
    data = target.read_bytes()
    target.write_bytes(data[:-width] if damage == "drop the last value"
                       else data[: len(data) // 2 // width * width])
    report = check_index(index)
    assert not report.ok and target.name in {f.file for f in report.errors}, report.errors
    assert target.name in {f.file for f in check_index(index, quick=True).errors}
    with pytest.raises(IndexDamagedError, match=target.name):
        arsearch.open_index(index)


def test_garbled_postings_found_by_a_search_name_the_file(index):
    target = file_of_kind(index, ".pst")
    data = bytearray(target.read_bytes())
    for i in range(200, len(data) - 200, 3):
        data[i] ^= 0x5A
    target.write_bytes(bytes(data))
    engine = arsearch.open_index(index)  # sizes are right: it opens
    try:
        failed = []
        for query in QUERIES:
            try:
                engine.search(query)
            except IndexDamagedError as exc:
                failed.append(str(exc))
        assert failed and all(target.name in m and "checksum" in m for m in failed)
        # what a search found, /healthz reports
        with pytest.raises(IndexDamagedError, match=target.name):
            engine.health()
    finally:
        engine.close()


def test_unverified_index_still_names_the_file_it_could_not_read(index):
    (index / integrity.MANIFEST).unlink()
    target = file_of_kind(index, ".pst")
    data = bytearray(target.read_bytes())
    for i in range(200, len(data) - 200, 3):
        data[i] ^= 0x5A
    target.write_bytes(bytes(data))
    with arsearch.open_index(index) as engine:
        errors = []
        for query in QUERIES:
            try:
                engine.search(query)
            except IndexDamagedError as exc:
                errors.append(str(exc))
        assert errors and all(target.name in e for e in errors), errors
    report = check_index(index)
    assert target.name in {f.file for f in report.errors}
    assert not report.checksums and any("no checksums" in w for w in report.warnings)


# --- the manifest itself ----------------------------------------------------------------


def _edit_manifest(folder: Path, change) -> None:
    path = folder / integrity.MANIFEST
    data = json.loads(path.read_text())
    change(next(iter(data["generations"].values()))["files"])
    path.write_text(json.dumps(data))


def test_manifest_listing_a_missing_file_is_damage(index, sample_dir):
    ghost = f"{storage.require_meta(index)['indexname']}_zzzzzzzz.pst"
    _edit_manifest(index, lambda files: files.update({ghost: [10, 1]}))
    assert [f.file for f in check_index(index).errors] == [ghost]
    with pytest.raises(IndexDamagedError, match=f"{ghost}: missing"):
        arsearch.index_paths(index, [sample_dir])


def test_manifest_with_a_wrong_size_is_damage(index):
    name = file_of_kind(index, ".trm").name
    _edit_manifest(index, lambda files: files[name].__setitem__(0, files[name][0] + 1))
    with pytest.raises(IndexDamagedError, match=f"{name}: has"):
        arsearch.open_index(index)


@pytest.mark.parametrize("junk", ["junk", "{}", '{"format": 1, "generations": []}',
                                  '{"format": 1, "generations": {"gen1": {"toc": 1, '
                                  '"files": {"../../etc/passwd": [1, 1]}}}}'])
def test_junk_manifest_is_a_warning_and_the_next_update_rewrites_it(index, sample_dir,
                                                                    junk):
    (index / integrity.MANIFEST).write_text(junk)
    report = check_index(index)
    assert report.ok and not report.checksums, report.errors
    assert any(integrity.MANIFEST in w for w in report.warnings)
    with arsearch.open_index(index) as engine:
        assert engine.search("إدلب").total > 0 and engine.health()["documents"] == 37
    arsearch.index_paths(index, [sample_dir])
    assert check_index(index).checksums


def test_commit_interrupted_before_its_manifest_is_unverified_not_damaged(index, sample_dir,
                                                                         tmp_path):
    """kill -9 between Whoosh's TOC rename and the manifest: the next writer records it."""
    old = (index / integrity.MANIFEST).read_bytes()
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "a.txt").write_text("عنوان\n15 مارس 2018\nمصدر - كاتب\nنص جديد.\n", "utf-8")
    arsearch.index_paths(index, [extra])
    (index / integrity.MANIFEST).write_bytes(old)  # the state before the last commit
    report = check_index(index)
    assert report.ok and not report.checksums and report.decoded, report.errors
    with arsearch.open_index(index) as engine:
        assert engine.health()["documents"] == 38
    arsearch.index_paths(index, [extra])  # the next writer
    assert check_index(index).checksums


# --- bugs are not damage ----------------------------------------------------------------


def test_an_error_inside_whoosh_on_intact_files_is_not_blamed_on_the_index(index):
    """Every byte verifies: the error is a bug and must surface as itself."""
    ix = whoosh_index.open_dir(str(index), indexname=storage.require_meta(index)["indexname"])
    with ix.reader() as reader:
        try:
            reader.stored_fields(10**9)  # a wrong document number: a caller's bug
        except Exception as exc:  # noqa: BLE001
            error = exc
    assert integrity.raised_while_decoding(error)
    assert integrity.blame(index, error) is None
    # without checksums nothing vouches for the files: then it is reported
    (index / integrity.MANIFEST).unlink()
    assert isinstance(integrity.blame(index, error), IndexDamagedError)


def test_an_error_outside_the_readers_is_never_blamed_on_the_index(index):
    (index / integrity.MANIFEST).unlink()
    try:
        {}["missing"]
    except KeyError as exc:
        assert integrity.blame(index, exc) is None


# --- hostile folders ----------------------------------------------------------------------


def test_symlinked_index_file_with_the_same_bytes_is_sound(index, tmp_path):
    target = file_of_kind(index, ".pst")
    moved = tmp_path / "elsewhere.pst"
    shutil.move(target, moved)
    target.symlink_to(moved)
    report = check_index(index)
    assert report.ok and any("symbolic link" in w for w in report.warnings)
    moved.write_bytes(b"x" * moved.stat().st_size)  # the link now points at other bytes
    assert target.name in {f.file for f in check_index(index).errors}


def test_a_folder_where_an_index_file_should_be(index, runner):
    target = file_of_kind(index, "._stored.col")
    target.unlink()
    target.mkdir()
    assert "not a regular file" in one_error_line(
        runner.invoke(main, ["search", "إدلب", "--index", str(index)]))
    assert "not a regular file" in str(check_index(index).errors[0])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_index_file(index, runner):
    target = file_of_kind(index, ".trm")
    target.chmod(0)
    try:
        result = runner.invoke(main, ["check", "--index", str(index)])
        assert result.exit_code == 1 and "permission denied" in result.stderr
    finally:
        target.chmod(0o644)


def test_arsearch_json_that_is_a_fifo_fails_at_once(index):
    (index / storage.META).unlink()
    os.mkfifo(index / storage.META)
    run = subprocess.run([sys.executable, "-m", "arsearch", "search", "إدلب", "--index",
                          str(index)], capture_output=True, text=True, timeout=60,
                         env=child_env())
    assert run.returncode == 1 and "not a regular file" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_a_foreign_whoosh_index_is_not_ours_and_is_left_alone(tmp_path, sample_dir, runner):
    from whoosh.fields import TEXT, Schema

    folder = tmp_path / "foreign"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), Schema(body=TEXT(stored=True)))
    with ix.writer() as writer:
        writer.add_document(body="hello")
    foreign = snapshot(folder)
    assert "holds no arsearch index" in one_error_line(
        runner.invoke(main, ["check", "--index", str(folder)]))
    # building an index among another program's files is refused, and touches nothing
    with pytest.raises(arsearch.ArsearchError, match="already holds other files"):
        arsearch.index_paths(folder, [sample_dir])
    assert snapshot(folder) == foreign


def test_rebuild_recovers_a_running_web_app_without_restart(index, sample_dir):
    _halve(file_of_kind(index, ".trm"))
    app = create_app({"TESTING": True, "ARSEARCH_INDEX": str(index)})
    try:
        client = app.test_client()
        assert client.get("/healthz").status_code == 503
        assert client.get("/api/search?q=إدلب").status_code == 503
        page = client.get("/?q=إدلب")
        assert page.status_code == 503 and "--rebuild" in page.get_data(as_text=True)
        arsearch.index_paths(index, [sample_dir], rebuild=True)
        assert client.get("/healthz").json == {"ok": True, "documents": 37}
        assert client.get("/api/search?q=إدلب").status_code == 200
    finally:
        app.extensions["arsearch"].close()


def test_file_deleted_under_a_running_engine_fails_health(index):
    with arsearch.open_index(index) as engine:
        assert engine.health() == {"documents": 37}
        file_of_kind(index, ".pst").unlink()  # the engine still holds it open
        with pytest.raises(IndexDamagedError, match=r"\.pst: missing"):
            engine.health()


def cli_run(*args: str) -> subprocess.CompletedProcess:
    """``arsearch ARGS`` in a child with a timeout: a hang fails the test, not the suite."""
    return subprocess.run([sys.executable, "-m", "arsearch", *args], capture_output=True,
                          text=True, timeout=60, env=child_env())


@pytest.mark.slow  # the full matrix runs in .ci/run
@pytest.mark.parametrize("checksums", [True, False], ids=["verified", "unverified"])
def test_a_fifo_in_place_of_an_index_file_fails_instead_of_hanging(index, sample_dir,
                                                                    checksums):
    if not checksums:
        (index / integrity.MANIFEST).unlink()
    target = file_of_kind(index, ".pst")
    target.unlink()
    os.mkfifo(target)
    for args in (["search", "إدلب"], ["check"], ["index", str(sample_dir)], ["stats"]):
        run = cli_run(*args, "--index", str(index))
        assert run.returncode == 1, (args, run.stdout, run.stderr)
        assert target.name in run.stderr and "Traceback" not in run.stderr, run.stderr


@pytest.mark.parametrize("content", [b"[" * 100_000 + b"]" * 100_000, b" " * (5 << 20)],
                         ids=["deeply nested", "huge"])
@pytest.mark.parametrize("name", [storage.META, integrity.MANIFEST])
def test_hostile_bookkeeping_files(index, name, content):
    (index / name).write_bytes(content)
    if name == storage.META:
        run = cli_run("search", "إدلب", "--index", str(index))
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert "unreadable" in run.stderr and "--rebuild" in run.stderr
    else:  # a manifest is only bookkeeping: the index still works, unverified
        report = check_index(index)
        assert report.ok and not report.checksums
        with arsearch.open_index(index) as engine:
            assert engine.health()["documents"] == 37


def test_a_newer_junk_table_of_contents_is_named(index, sample_dir, runner):
    indexname = storage.require_meta(index)["indexname"]
    junk = index / storage.toc_name(indexname, 99)
    junk.write_bytes(os.urandom(300))
    assert junk.name in one_error_line(
        runner.invoke(main, ["search", "إدلب", "--index", str(index)]))
    assert junk.name in {f.file for f in check_index(index).errors}
    assert junk.name in one_error_line(
        runner.invoke(main, ["index", str(sample_dir), "--index", str(index)]))
    arsearch.index_paths(index, [sample_dir], rebuild=True)
    assert check_index(index).ok and not junk.exists()


def test_a_folder_in_place_of_the_lock_file(index, sample_dir, runner):
    (index / storage.LOCK).unlink()
    (index / storage.LOCK).mkdir()
    assert "lock file" in one_error_line(
        runner.invoke(main, ["index", str(sample_dir), "--index", str(index)]))


def test_a_folder_in_place_of_the_manifest(index, sample_dir, runner):
    (index / integrity.MANIFEST).unlink()
    (index / integrity.MANIFEST).mkdir()
    with arsearch.open_index(index) as engine:  # bookkeeping only: searching works
        assert engine.search("إدلب").total > 0
    line = one_error_line(runner.invoke(main, ["index", str(sample_dir), "--index",
                                               str(index), "--rebuild"]))
    assert f"{integrity.MANIFEST} is a folder" in line and ".tmp" not in line
    (index / integrity.MANIFEST).rmdir()
    result = runner.invoke(main, ["index", str(sample_dir), "--index", str(index),
                                  "--rebuild"])
    assert result.exit_code == 0, result.output
    assert check_index(index).checksums
