"""A hostile environment: read-only, missing or damaged index folders, a full disk.

Every case must end with one clear line on stderr, a non-zero exit, no traceback, and
the existing index exactly as it was (the writer's lock file aside).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from arsearch.backends.whoosh import generations as storage
from tests.reliability.support import check_committed, child_env, cli, synthetic_docs, write_jsonl

N_BASE = 300


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of the folder (but the lock) with a digest of its content."""
    return {p.name: hashlib.blake2b(p.read_bytes(), digest_size=8).hexdigest()
            for p in sorted(folder.iterdir())
            if p.is_file() and p.name != storage.LOCK}


def assert_clean_failure(run: subprocess.CompletedProcess, *words: str) -> None:
    """Non-zero exit, no traceback, one error line: ours (exit 1) or click's (usage, 2)."""
    assert run.returncode in (1, 2), (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    if run.returncode == 2:  # click's usage error: "Usage: ...", then "Error: ..."
        lines = [line for line in lines if line.startswith("Error: ")]
    assert len(lines) == 1, run.stderr
    assert lines[0].lower().startswith("error: "), run.stderr
    for word in words:
        assert word in lines[0], run.stderr


@pytest.fixture()
def built(tmp_path):
    """An index of N_BASE documents and a folder of 600 more (the first N_BASE again)."""
    docs = synthetic_docs(N_BASE + 600, seed=7)
    write_jsonl(tmp_path / "base" / "a.jsonl", docs[:N_BASE])
    write_jsonl(tmp_path / "more" / "a.jsonl", docs)
    run = cli("index", str(tmp_path / "base"), "--index", str(tmp_path / "ix"))
    assert run.returncode == 0, run.stderr
    return tmp_path, {d["id"] for d in docs}


def search_ok(folder: Path, expected: int) -> None:
    run = cli("stats", "--json", "--index", str(folder))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["documents"] == expected
    run = cli("search", "الحكومة", "--json", "--index", str(folder))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["total"] > 0


# ----------------------------------------------------------------- missing and misplaced


@pytest.mark.parametrize("command", [["search", "داعش"], ["stats"], ["search", "--topics"]])
def test_missing_index_folder(tmp_path, command):
    if command[-1] == "--topics":
        topics = tmp_path / "topics.tsv"
        topics.write_text("q1\tداعش\n", encoding="utf-8")
        command = ["search", "--topics", str(topics), "--output", str(tmp_path / "run")]
    run = cli(*command, "--index", str(tmp_path / "nowhere"))
    assert_clean_failure(run, "no index folder")
    assert not (tmp_path / "nowhere").exists()


def test_empty_folder_is_not_an_index(tmp_path):
    (tmp_path / "ix").mkdir()
    assert_clean_failure(cli("stats", "--index", str(tmp_path / "ix")), "holds no arsearch")


@pytest.mark.parametrize("command", ["search", "stats", "index"])
def test_a_file_where_the_index_folder_should_be(built, command):
    root, _ = built
    target = root / "not-a-folder"
    target.write_bytes(b"precious data\n")
    args = {"search": ["search", "داعش"], "stats": ["stats"],
            "index": ["index", str(root / "base")]}[command]
    assert_clean_failure(cli(*args, "--index", str(target)))
    assert target.read_bytes() == b"precious data\n"


def test_index_of_a_missing_path(built):
    root, _ = built
    before = snapshot(root / "ix")
    run = cli("index", str(root / "gone"), "--index", str(root / "ix"))
    assert_clean_failure(run, "no such file or folder")
    assert snapshot(root / "ix") == before


# ----------------------------------------------------------------- damaged arsearch.json

DAMAGED = {
    "future format": json.dumps({"format": 999, "indexname": "gen1"}),
    "not json": "garbage{",
    "truncated": '{"format": 1, "indexn',
    "not utf-8": b"\xff\xfe\x00garbage",
    "a list": "[]",
    "empty": "",
    "no indexname": json.dumps({"format": 1}),
    "indexname not a string": json.dumps({"format": 1, "indexname": 5}),
    "indexname outside": json.dumps({"format": 1, "indexname": "../x"}),
    "missing generation": json.dumps({"format": 1, "indexname": "gen9"}),
}


@pytest.mark.parametrize("damage", DAMAGED, ids=list(DAMAGED))
def test_damaged_or_incompatible_pointer(built, damage):
    root, ids = built
    folder = root / "ix"
    content = DAMAGED[damage]
    meta = folder / storage.META
    if isinstance(content, bytes):
        meta.write_bytes(content)
    else:
        meta.write_text(content, encoding="utf-8")
    before = snapshot(folder)
    for args in (["search", "داعش"], ["stats"], ["index", str(root / "more")],
                 ["index", str(root / "more"), "--prune"]):
        run = cli(*args, "--index", str(folder))
        assert_clean_failure(run)
        assert snapshot(folder) == before, f"{args} modified the index"
    # the messages advise --rebuild: it must work, and leave one generation
    run = cli("index", str(root / "more"), "--index", str(folder), "--rebuild")
    assert run.returncode == 0, run.stderr
    check_committed(folder, ids, {N_BASE + 600})
    indexname = storage.require_meta(folder)["indexname"]
    assert {p.name.lstrip("_").split("_")[0].split(".")[0] for p in folder.iterdir()
            if p.name.lstrip("_").startswith("gen")} == {indexname}


# ----------------------------------------------------------------------------- read-only


@contextlib.contextmanager
def read_only(folder: Path):
    """Make ``folder`` read-only: chmod, or for root a read-only tmpfs; else skip."""
    probe = folder / ".probe"
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            try:
                probe.write_text("x")
            except OSError:
                yield
                return
            probe.unlink()
            pytest.skip("chmod 0o555 does not stop this user from writing")
        finally:
            folder.chmod(0o755)
    # root ignores permissions: move the index onto a tmpfs and remount it read-only
    mnt = folder.with_name(folder.name + "-ro")
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("running as root and cannot mount a tmpfs: no way to make a read-only folder")
    try:
        for p in folder.iterdir():
            (mnt / p.name).write_bytes(p.read_bytes())
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        with pytest.raises(OSError):
            (mnt / ".probe").write_text("x")
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_read_only_index_folder(built):
    root, _ = built
    with read_only(root / "ix") as folder:
        folder = folder or root / "ix"
        before = snapshot(folder)
        run = cli("index", str(root / "more"), "--index", str(folder))
        assert_clean_failure(run, "not writable")
        run = cli("index", str(root / "more"), "--index", str(folder), "--rebuild")
        assert_clean_failure(run, "not writable")
        # a read-only index still answers searches
        search_ok(folder, N_BASE)
        assert snapshot(folder) == before


def test_read_only_parent_of_a_new_index(tmp_path):
    write_jsonl(tmp_path / "c" / "a.jsonl", synthetic_docs(10))
    parent = tmp_path / "parent"
    parent.mkdir()
    with read_only(parent) as folder:
        run = cli("index", str(tmp_path / "c"), "--index", str((folder or parent) / "ix"))
        assert_clean_failure(run, "cannot create the index folder")


# ----------------------------------------------------------------------------- disk full

#: Run the CLI with a maximum file size: writes beyond it fail with EFBIG (SIGXFSZ is
#: ignored so it becomes an OSError), like a disk that fills up during a run.
LIMITED = textwrap.dedent("""
    import resource, runpy, signal, sys
    limit = int(sys.argv.pop(1))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    sys.argv[0] = "arsearch"
    runpy.run_module("arsearch", run_name="__main__", alter_sys=True)
""")


def cli_limited(limit: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LIMITED, str(limit), *args],
                          capture_output=True, text=True, env=child_env(), timeout=120)


@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "rebuild"])
def test_file_size_limit_keeps_previous_index(built, rebuild):
    root, ids = built
    folder = root / "ix"
    before = snapshot(folder)
    run = cli_limited(20_000, "index", str(root / "more"), "--index", str(folder),
                      *(["--rebuild"] if rebuild else []))
    assert_clean_failure(run, "File too large")
    search_ok(folder, N_BASE)
    with contextlib.suppress(AssertionError):
        assert snapshot(folder) == before  # leftovers of the failed writer are allowed
    check_committed(folder, ids, {N_BASE})
    # once there is room again the next run completes
    run = cli("index", str(root / "more"), "--index", str(folder))
    assert run.returncode == 0, run.stderr
    check_committed(folder, ids, {N_BASE + 600})


def test_full_tmpfs_keeps_previous_index(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (the RLIMIT_FSIZE test covers a full disk)")
    try:
        docs = synthetic_docs(3000, seed=8)
        write_jsonl(tmp_path / "base" / "a.jsonl", docs[:200])
        write_jsonl(tmp_path / "more" / "a.jsonl", docs)
        folder = mnt / "ix"
        run = cli("index", str(tmp_path / "base"), "--index", str(folder))
        assert run.returncode == 0, run.stderr
        for extra in ([], ["--rebuild"]):
            run = cli("index", str(tmp_path / "more"), "--index", str(folder), *extra)
            assert_clean_failure(run, "No space left")
            search_ok(folder, 200)
            check_committed(folder, {d["id"] for d in docs}, {200})
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
