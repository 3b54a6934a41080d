"""Which files a run reads: regular files only, each once, no index folders, no escape
through links, unreadable things reported, any depth; and the ids of plain-text files."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import arsearch
from arsearch.ingest.sources import SourceFile, find_files, path_id
from tests.reliability.support import child_env

ARTICLE = "عنوان {n}\n١٥ فبراير ٢٠١٨\nرؤية - كاتب\nنص المقال رقم {n} عن إدلب.\n"


def write(path: Path, text: str = ARTICLE.format(n=1)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def found(*paths: Path, exclude=()) -> tuple[list[SourceFile], list[tuple[str, str, bool]]]:
    problems: list[tuple[str, str, bool]] = []
    files = find_files(paths, lambda *p: problems.append(p), exclude=exclude)
    return files, problems


def rel(files: list[SourceFile], root: Path) -> list[str]:
    return [path_id(f.real, os.path.realpath(root)) for f in files]


#: Read a folder in a child: a regression to a blocking open must fail, not hang pytest.
READ_CHILD = textwrap.dedent("""
    import sys, arsearch
    problems = []
    docs = list(arsearch.read_documents(sys.argv[2:], problems.append, id_root=sys.argv[1]))
    print([d.id for d in docs])
    for p in problems:
        print(p.skipped, p, file=sys.stderr)
""")


def read_in_child(root: Path, *paths: Path, user: list[str] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*user, sys.executable, "-c", READ_CHILD, str(root), *map(str, paths)],
                          capture_output=True, text=True, env=child_env(), timeout=60)


# --------------------------------------------------------------------------- ids


def test_path_ids_are_relative_inside_the_root_and_absolute_outside() -> None:
    assert path_id("/a/b/c.txt", "/a") == "b/c.txt"
    assert path_id("/a/b/c.txt", "/a/") == "b/c.txt"
    assert path_id("/ab/c.txt", "/a") == "/ab/c.txt"  # a sibling that shares a prefix
    assert path_id("/x/c.txt", "/a") == "/x/c.txt"
    assert path_id("/c.txt", "/") == "c.txt"


# --------------------------------------------------------------------------- special files


def test_pipes_sockets_and_devices_are_reported_never_opened(tmp_path: Path) -> None:
    write(tmp_path / "arch" / "a.txt")
    os.mkfifo(tmp_path / "arch" / "pipe.txt")  # opening it would wait for a writer forever
    os.mkfifo(tmp_path / "given.jsonl")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "arch" / "sock"))
        run = read_in_child(tmp_path, tmp_path / "arch", tmp_path / "given.jsonl",
                            Path("/dev/zero"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "['arch/a.txt']"
    problems = run.stderr.splitlines()
    assert any(p.startswith("False") and "pipe.txt: a named pipe" in p for p in problems)
    assert any(p.startswith("False") and "sock: a socket" in p for p in problems)
    # given by name, they are skipped (exit 3), not just ignored
    assert any(p.startswith("True") and "given.jsonl: a named pipe" in p for p in problems)
    assert any(p.startswith("True") and "/dev/zero: a character device" in p for p in problems)


def test_a_file_swapped_for_a_pipe_after_the_walk_is_not_opened_blocking(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import os, arsearch
        from arsearch.ingest.sources import SourceFile
        os.mkfifo({str(tmp_path / "late.txt")!r})
        problems = []
        src = SourceFile("late.txt", {str(tmp_path / "late.txt")!r})
        print(list(arsearch.ingest.read_sources([src], None, problems.append)), problems)
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=child_env(), timeout=60)
    assert run.returncode == 0, run.stderr
    assert "[] [Problem(path='late.txt'" in run.stdout and "not a regular file" in run.stdout


# --------------------------------------------------------------------------- links


def test_links_inside_read_once_outside_not_followed_broken_reported(tmp_path: Path) -> None:
    write(tmp_path / "secret" / "id_rsa.txt", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANB\n")
    write(tmp_path / "arch" / "real" / "a.txt")
    (tmp_path / "arch" / "b.txt").symlink_to(tmp_path / "secret" / "id_rsa.txt")
    (tmp_path / "arch" / "link").symlink_to("real")  # a folder inside: read there
    (tmp_path / "arch" / "a-again.txt").symlink_to("real/a.txt")
    (tmp_path / "arch" / "loop").symlink_to("loop")
    (tmp_path / "arch" / "up").symlink_to("..")
    (tmp_path / "arch" / "dangling.txt").symlink_to("nowhere.txt")
    files, problems = found(tmp_path / "arch")
    assert rel(files, tmp_path) == ["arch/real/a.txt"]
    messages = {Path(p).name: (m, skipped) for p, m, skipped in problems}
    assert "outside" in messages["b.txt"][0] and "not followed" in messages["b.txt"][0]
    assert "outside" in messages["up"][0]
    assert "broken" in messages["loop"][0] and "broken" in messages["dangling.txt"][0]
    assert not any(skipped for _, skipped in messages.values())  # warnings: exit 0
    assert set(messages) == {"b.txt", "up", "loop", "dangling.txt"}


def test_a_link_given_as_argument_is_followed(tmp_path: Path) -> None:
    write(tmp_path / "data" / "2018" / "a.txt")
    (tmp_path / "latest").symlink_to(tmp_path / "data" / "2018")
    files, problems = found(tmp_path / "latest")
    assert problems == []
    assert rel(files, tmp_path) == ["data/2018/a.txt"]  # its real path: the same id


def test_each_file_is_read_once_however_it_is_reached(tmp_path: Path) -> None:
    a = write(tmp_path / "arch" / "a.txt")
    write(tmp_path / "arch" / "sub" / "b.txt")
    files, problems = found(a, tmp_path / "arch", tmp_path / "arch" / "sub",
                            tmp_path / "arch" / ".." / "arch" / "a.txt", a)
    assert problems == []
    assert rel(files, tmp_path) == ["arch/a.txt", "arch/sub/b.txt"]


# --------------------------------------------------------------------------- index folders


def test_index_folders_are_never_walked_into(tmp_path: Path) -> None:
    write(tmp_path / "a.txt")
    arsearch.index_paths(tmp_path / "index", [tmp_path / "a.txt"])
    arsearch.index_paths(tmp_path / "old" / "ix", [tmp_path / "a.txt"])
    write(tmp_path / "old" / "ix" / "article.txt")  # a user's file inside an index folder
    files, problems = found(tmp_path, exclude=[tmp_path / "index"])
    assert rel(files, tmp_path) == ["a.txt"]
    [(path, message, skipped)] = problems
    assert path.endswith("old/ix") and "1 other file" in message and skipped



def test_an_index_folder_with_a_readme_is_passed_over_quietly(tmp_path: Path) -> None:
    """A README (or a .gitkeep) beside an index is documentation, not an article left
    unread: walking the tree that holds a checkout's ``index/`` reports nothing."""
    write(tmp_path / "a.txt")
    arsearch.index_paths(tmp_path / "old" / "ix", [tmp_path / "a.txt"])
    write(tmp_path / "old" / "ix" / "README.md", "Default index folder.\n")
    write(tmp_path / "old" / "ix" / ".gitkeep", "")
    files, problems = found(tmp_path)
    assert rel(files, tmp_path) == ["a.txt"] and problems == []

def test_a_link_to_the_index_being_written_is_passed_over_quietly(tmp_path: Path) -> None:
    write(tmp_path / "news" / "a.txt")
    (tmp_path / "fast-disk" / "index").mkdir(parents=True)
    (tmp_path / "news" / "index").symlink_to(tmp_path / "fast-disk" / "index")
    report = arsearch.index_paths(tmp_path / "news" / "index", [tmp_path / "news"])
    assert report.problems == [] and report.documents == 1
    files, problems = found(tmp_path / "news")  # any other link out is reported
    assert len(files) == 1 and "not followed" in problems[0][1]


def test_an_index_folder_or_its_files_given_as_input_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "a.txt")
    arsearch.index_paths(tmp_path / "ix", [tmp_path / "a.txt"])
    toc = next((tmp_path / "ix").glob("*.toc"))
    files, problems = found(tmp_path / "ix", toc, tmp_path / "other")
    assert files == []
    assert [(Path(p).name, skipped) for p, _, skipped in problems] == [
        ("ix", True), (toc.name, True), ("other", True)]
    assert "index folder" in problems[0][1] and "of the arsearch index" in problems[1][1]
    _, problems = found(tmp_path / "ix" / "arsearch.json", exclude=[tmp_path / "ix"])
    assert "index folder being written" in problems[0][1]


# --------------------------------------------------------------------------- odd trees


@pytest.fixture
def deep_tree(tmp_path: Path):
    """A folder nested deeper than Python's recursion limit, removed by ``rm`` afterwards
    (``shutil.rmtree``, and so pytest's own clean-up, recurses and would fail on it)."""
    deep = str(tmp_path / "arch")
    os.mkdir(deep)
    for _ in range(sys.getrecursionlimit() + 100):
        deep += "/d"
        os.mkdir(deep)
    yield tmp_path / "arch", Path(deep)
    subprocess.run(["rm", "-rf", "--", str(tmp_path / "arch")], check=True, timeout=60)


def test_a_tree_deeper_than_the_recursion_limit_is_walked(tmp_path: Path, deep_tree) -> None:
    top, bottom = deep_tree  # os.walk in Python 3.11 recurses: RecursionError
    with open(bottom / "a.jsonl", "w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "deep", "title": "عنوان", "body": "نص عميق"}) + "\n")
    docs = list(arsearch.read_documents([top], id_root=tmp_path))
    assert [d.id for d in docs] == ["deep"]


def test_names_with_control_characters_or_invalid_utf8_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "arch" / "good.txt")
    write(tmp_path / "arch" / "a\nb.txt")
    with open(os.path.join(os.fsencode(tmp_path / "arch"), b"caf\xe9.txt"), "w") as f:
        f.write(ARTICLE.format(n=2))
    (tmp_path / "arch" / "x\u202e.txt").write_text(ARTICLE.format(n=3), "utf-8")  # fine
    files, problems = found(tmp_path / "arch")
    assert rel(files, tmp_path) == ["arch/good.txt", "arch/x\u202e.txt"]
    assert sorted(Path(p).name for p, _, _ in problems) == ["a\\nb.txt", "caf\\xe9.txt"]
    assert all(skipped and "rename it" in m for _, m, skipped in problems)


def test_an_empty_folder_is_mentioned(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    files, problems = found(tmp_path / "empty")
    assert files == [] and problems == [(str(tmp_path / "empty"), "no files in this folder",
                                         False)]


# --------------------------------------------------------------------------- permissions


def unprivileged() -> list[str]:
    """The command prefix that runs a child as ``nobody`` (root ignores permissions)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot test permission errors")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def shared_tmp():
    """A folder ``nobody`` can use (pytest's own is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="arsearch-perm-"))
    folder.chmod(0o777)
    yield folder
    for root, dirs, _ in os.walk(folder):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
    shutil.rmtree(folder)


def test_unreadable_files_and_folders_are_reported(shared_tmp: Path) -> None:
    user = unprivileged()
    write(shared_tmp / "arch" / "a.txt")
    write(shared_tmp / "arch" / "secret.txt").chmod(0)
    write(shared_tmp / "arch" / "closed" / "b.txt")
    (shared_tmp / "arch" / "closed").chmod(0)
    run = read_in_child(shared_tmp, shared_tmp / "arch", user=user)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "['arch/a.txt']"
    lines = run.stderr.splitlines()
    assert any(line.startswith("True") and "closed: cannot read folder: Permission denied"
               in line for line in lines), lines
    assert any(line.startswith("True") and "secret.txt: cannot read file: Permission denied"
               in line for line in lines), lines


@pytest.mark.skipif(not os.path.exists("/proc/cpuinfo"), reason="needs Linux /proc")
def test_kernel_files_are_named_as_such_not_empty(tmp_path):
    problems: list[tuple[str, str, bool]] = []
    found = find_files(["/proc/cpuinfo", "/proc/self"],
                       lambda path, message, skipped: problems.append((path, message, skipped)))
    assert found == []
    assert [(p, s) for p, _, s in problems] == [("/proc/cpuinfo", True), ("/proc/self", True)]
    assert all("kernel's proc file system" in m for _, m, _ in problems)
