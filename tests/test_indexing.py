"""Indexing: counts, incremental updates, pruning, rebuilds, failures, locking, procs."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import arsearch
from arsearch.backends.whoosh import generations as storage
from arsearch.errors import ArsearchError, IndexLockedError
from arsearch.indexing import index_documents, index_paths
from arsearch.ingest import Document

ROOT = Path(__file__).resolve().parents[1]


class Boom(RuntimeError):
    pass


def synth(n: int, prefix: str = "doc", word: str = "خبر") -> list[Document]:
    return [Document(id=f"{prefix}-{i:04d}", title=f"عنوان {word} رقم {i}",
                     body=f"{word} نص المقال رقم {i} عن مدينة إدلب والمستشفى")
            for i in range(n)]


def failing(docs, after: int):
    """Yield ``after`` documents, then fail like a crashing reader would."""
    for i, doc in enumerate(docs):
        if i == after:
            raise Boom("reader crashed")
        yield doc


def all_ids(folder: Path) -> set[str]:
    with arsearch.open_index(folder) as engine:
        gen = engine.reader
        return {gen.ids[d] for d in range(len(gen.ids)) if gen.live[d]}


def doc_count(folder: Path) -> int:
    with arsearch.open_index(folder) as engine:
        return engine.doc_count


@pytest.fixture
def sample_copy(tmp_path, sample_dir) -> Path:
    dest = tmp_path / "sample"
    shutil.copytree(sample_dir, dest)
    return dest


def test_index_sample_counts_every_document(tmp_path, sample_dir, sample_docs):
    report = index_paths(tmp_path / "ix", [sample_dir], id_root=sample_dir)
    assert report.added == len(sample_docs) == report.documents
    assert (report.updated, report.unchanged, report.deleted, report.skipped) == (0, 0, 0, 0)
    assert all_ids(tmp_path / "ix") == {d.id for d in sample_docs}


def test_rerun_leaves_everything_unchanged(tmp_path, sample_dir, sample_docs):
    index_paths(tmp_path / "ix", [sample_dir])
    report = index_paths(tmp_path / "ix", [sample_dir])
    assert report.unchanged == len(sample_docs)
    assert (report.added, report.updated, report.deleted) == (0, 0, 0)
    assert report.documents == len(sample_docs)


def test_modified_file_is_updated(tmp_path, sample_copy, sample_docs):
    ix = tmp_path / "ix"
    index_paths(ix, [sample_copy])
    article = sample_copy / "txt" / "05_hospital_health.txt"
    article.write_text(article.read_text("utf-8") + "\nفقرة جديدة عن البطريق.\n", "utf-8")
    report = index_paths(ix, [sample_copy])
    assert report.updated == 1
    assert report.unchanged == len(sample_docs) - 1
    assert report.added == 0 and report.documents == len(sample_docs)
    with arsearch.open_index(ix) as engine:
        # the id root is the folder holding the index folder: tmp_path
        assert [h.id for h in engine.search("البطريق").hits] == \
            ["sample/txt/05_hospital_health.txt"]


def test_deleted_file_pruned(tmp_path, sample_copy, sample_docs):
    ix = tmp_path / "ix"
    index_paths(ix, [sample_copy])
    (sample_copy / "txt" / "05_hospital_health.txt").unlink()
    report = index_paths(ix, [sample_copy])  # without prune: kept
    assert report.deleted == 0 and report.documents == len(sample_docs)
    report = index_paths(ix, [sample_copy], prune=True)
    assert report.deleted == 1
    assert report.documents == len(sample_docs) - 1
    assert "sample/txt/05_hospital_health.txt" not in all_ids(ix)
    assert "sample/txt/01_idlib_politics.txt" in all_ids(ix)


def test_prune_only_touches_given_roots(tmp_path, sample_copy):
    ix = tmp_path / "ix"
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("عنوان آخر\n\nنص المقال الآخر\n", "utf-8")
    index_paths(ix, [sample_copy, other])
    report = index_paths(ix, [other / "a.txt"], prune=True)
    assert report.deleted == 0  # the sample's files still exist and lie outside the root


def test_rebuild_switches_generation_and_removes_old(tmp_path, sample_dir, sample_docs):
    ix = tmp_path / "ix"
    index_paths(ix, [sample_dir], id_root=sample_dir)
    old = storage.read_meta(ix)["indexname"]
    seen_mid_way = []

    def docs_checking_old_index():
        for i, doc in enumerate(sample_docs):
            if i == len(sample_docs) // 2:  # mid-way: searchers still see the old index
                with arsearch.open_index(ix) as engine:
                    seen_mid_way.append((engine.reader.indexname, engine.doc_count))
            yield doc

    report = index_documents(ix, docs_checking_old_index(), rebuild=True, commit_every=5)
    assert seen_mid_way == [(old, len(sample_docs))]
    assert report.added == len(sample_docs) and report.unchanged == 0
    new = storage.read_meta(ix)["indexname"]
    assert new != old
    assert not any(p.name.startswith((f"_{old}_", f"{old}_")) for p in ix.iterdir())
    assert doc_count(ix) == len(sample_docs)


def test_failed_rebuild_keeps_old_generation(tmp_path, sample_dir, sample_docs):
    ix = tmp_path / "ix"
    index_paths(ix, [sample_dir], id_root=sample_dir)
    before = sorted(p.name for p in ix.iterdir())
    meta = storage.read_meta(ix)
    engine = arsearch.open_index(ix)
    with pytest.raises(Boom):
        index_documents(ix, failing(synth(20), after=10), rebuild=True)
    # the open engine and a fresh one still see the complete old index
    assert engine.search("إدلب").total > 0
    engine.close()
    assert storage.read_meta(ix)["indexname"] == meta["indexname"]
    assert all_ids(ix) == {d.id for d in sample_docs}
    # no files of the half-built generation are left behind
    after = sorted(p.name for p in ix.iterdir() if p.name != storage.LOCK)
    assert after == [n for n in before if n != storage.LOCK]


def test_exception_mid_update_keeps_last_commit(tmp_path):
    ix = tmp_path / "ix"
    index_documents(ix, synth(10))
    changed = synth(10, word="تغيير")  # same ids, new content
    with pytest.raises(Boom):
        index_documents(ix, failing(changed + synth(5, prefix="new"), after=12))
    assert all_ids(ix) == {d.id for d in synth(10)}
    with arsearch.open_index(ix) as engine:
        assert engine.search("تغيير").total == 0
        assert engine.search("خبر").total == 10


def test_intermediate_commits_survive_a_crash_and_resume(tmp_path):
    ix = tmp_path / "ix"
    index_documents(ix, synth(2, prefix="base"))
    docs = synth(10)
    with pytest.raises(Boom):
        index_documents(ix, failing(docs, after=7), commit_every=3)
    assert doc_count(ix) == 2 + 6  # two commits of three
    report = index_documents(ix, docs, commit_every=3)
    assert (report.unchanged, report.added, report.documents) == (6, 4, 12)


def test_intermediate_commits_survive_a_crash_of_the_first_build(tmp_path):
    ix = tmp_path / "ix"
    docs = synth(10)
    with pytest.raises(Boom):
        index_documents(ix, failing(docs, after=7), commit_every=3)
    assert doc_count(ix) == 6


def test_second_writer_gets_index_locked_error(tmp_path):
    ix = tmp_path / "ix"
    index_documents(ix, synth(3))
    with storage.write_lock(ix):
        with pytest.raises(IndexLockedError):
            index_documents(ix, synth(5))
        with pytest.raises(IndexLockedError):
            index_documents(ix, synth(5), wait=0.3)
    assert doc_count(ix) == 3
    assert index_documents(ix, synth(5)).documents == 5  # released


def test_indexing_time_and_rate_leave_out_the_wait_for_the_lock(tmp_path):
    import threading
    import time

    ix = tmp_path / "ix"
    index_documents(ix, synth(3))
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with storage.write_lock(ix):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    threading.Timer(1.5, release.set).start()
    started = time.monotonic()
    report = index_documents(ix, synth(5), wait=30)
    waited = time.monotonic() - started
    holder.join()
    assert waited >= 1.5 and report.documents == 5
    assert report.seconds < waited - 1.0  # the 1.5 s wait is not indexing time


def test_lock_held_by_another_process(tmp_path):
    ix = tmp_path / "ix"
    index_documents(ix, synth(3))
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from arsearch.backends.whoosh import generations as storage
        with storage.write_lock(Path({str(ix)!r})):
            print("locked", flush=True)
            sys.stdin.readline()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True,
                            env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLockedError):
            index_documents(ix, synth(5))
    finally:
        proc.communicate("\n", timeout=10)
    assert proc.returncode == 0
    assert index_documents(ix, synth(5)).documents == 5


def test_procs_2_indexes_every_document(tmp_path):
    ix = tmp_path / "ix"
    docs = synth(600)
    report = index_documents(ix, docs, procs=2)
    assert report.added == 600 and report.documents == 600
    assert all_ids(ix) == {d.id for d in docs}
    with arsearch.open_index(ix) as engine:
        assert engine.search("خبر", per_page=5).total == 600
        assert engine.search('"عنوان خبر رقم 599"').hits[0].id == "doc-0599"


def test_duplicate_ids_reported_first_kept(tmp_path):
    docs = [Document(id="x", title="الأول", body="نص أول"),
            Document(id="x", title="الثاني", body="نص ثان")]
    report = index_documents(tmp_path / "ix", docs)
    assert report.documents == 1 and report.added == 1
    assert any("duplicate id" in p.message for p in report.problems)


def test_bad_files_reported_with_file_and_line_others_indexed(tmp_path, sample_copy,
                                                             sample_docs):
    bad = sample_copy / "jsonl" / "broken.jsonl"
    bad.write_text('{"id": "ok-1", "title": "عنوان", "body": "نص جيد"}\n{not json\n',
                   "utf-8")
    (sample_copy / "empty.txt").write_text("", "utf-8")
    seen = []
    report = index_paths(tmp_path / "ix", [sample_copy], on_problem=seen.append)
    assert report.documents == len(sample_docs) + 1
    assert report.skipped == 2
    problems = {(Path(p.path).name, p.line) for p in report.problems}
    assert ("broken.jsonl", 2) in problems
    assert ("empty.txt", None) in problems
    assert any(str(p).startswith(f"{bad}:2:") for p in report.problems)
    assert len(seen) == 2


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(arsearch.ArsearchError, match="no such file"):
        index_paths(tmp_path / "ix", [tmp_path / "nope"])


def test_progress_counts_documents(tmp_path):
    calls = []
    progress = arsearch.Progress(lambda done, elapsed: calls.append(done), every=0)
    index_documents(tmp_path / "ix", synth(7), progress=progress)
    assert progress.done == 7 and calls[-1] == 7


def test_merged_segments_keep_twins_inlined_lists_and_columns(tmp_path):
    """Whoosh merges small segments on commit: every kind of posting must survive it.

    Exact-form twins carry no positions, one-document words are inlined into the term
    table, and dates live in a column only (postings.py, fastwriter.py, schema.py).
    """
    from datetime import datetime

    ix = tmp_path / "ix"
    for i in range(12):  # one commit each: Whoosh's merge policy folds them together
        index_documents(ix, [Document(
            id=f"m{i}", title=f"خبر {i}", body=f"للمدارس في مدينة فريدة{i} والمستشفى الكبير",
            date=datetime(2018, 1 + i, 5))])
    with arsearch.open_index(ix) as engine:
        gen = engine.reader
        assert len(list(gen.searcher.reader().leaf_readers())) < 12  # merged
        assert "date" not in set(gen.searcher.reader().indexed_field_names())
        assert engine.doc_count == 12
        assert [h.id for h in engine.search("فريدة7").hits] == ["m7"]  # inlined list
        assert engine.search('"المستشفى الكبير"').total == 12
        assert engine.search("للمدارس").hits[0].score > 0
        june = engine.search("المستشفى", date_from=datetime(2018, 6, 1),
                             date_to=datetime(2018, 6, 30))
        assert [h.id for h in june.hits] == ["m5"]


# --------------------------------------------------------------------------- ids of files

ARTICLE = "عنوان {n}\n١٥ فبراير ٢٠١٨\nرؤية - كاتب\nنص المقال رقم {n} عن مدينة إدلب.\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(path: Path, *records: dict) -> Path:
    return write(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


@pytest.fixture
def archive(tmp_path, monkeypatch) -> Path:
    """``arch/2018/01.txt`` and ``arch/2019/01.txt``; the current folder holds ``arch``."""
    write(tmp_path / "arch" / "2018" / "01.txt", ARTICLE.format(n=2018))
    write(tmp_path / "arch" / "2019" / "01.txt", ARTICLE.format(n=2019))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_same_file_name_in_two_folders_indexed_in_two_runs_keeps_both(archive):
    assert index_paths("index", ["arch/2018"]).added == 1
    report = index_paths("index", ["arch/2019"])
    assert (report.added, report.updated, report.documents) == (1, 0, 2)
    assert all_ids(archive / "index") == {"arch/2018/01.txt", "arch/2019/01.txt"}


def test_sibling_folders_in_one_run_keep_both(archive):
    report = index_paths("index", sorted(str(p) for p in Path("arch").glob("*")))  # arch/*
    assert (report.added, report.documents, report.problems) == (2, 2, [])


def test_a_subfolder_of_an_indexed_folder_adds_no_duplicates(archive):
    index_paths("index", ["arch"])
    report = index_paths("index", ["arch/2019", str(archive / "arch" / "2018" / "01.txt")])
    assert (report.unchanged, report.added, report.documents) == (2, 0, 2)


def test_ids_survive_moving_the_archive_with_its_index(archive):
    index_paths("index", ["arch"])
    shutil.move(archive / "arch", archive / "proj" / "arch")
    shutil.move(archive / "index", archive / "proj" / "index")
    report = index_paths(archive / "proj" / "index", [archive / "proj" / "arch"], prune=True)
    assert (report.unchanged, report.added, report.deleted) == (2, 0, 0)
    meta = storage.read_meta(archive / "proj" / "index")
    assert (meta["id_root"], meta["id_root_abs"]) == ("..", str((archive / "proj").resolve()))


def test_ids_survive_moving_the_index_alone(archive, tmp_path_factory):
    index_paths("index", ["arch"])
    moved = tmp_path_factory.mktemp("fast-disk") / "index"
    shutil.move(archive / "index", moved)
    report = index_paths(moved, ["arch"], prune=True)
    assert (report.unchanged, report.added, report.deleted) == (2, 0, 0)
    assert all_ids(moved) == {"arch/2018/01.txt", "arch/2019/01.txt"}


def test_a_copy_of_archive_and_index_keeps_ids_relative_to_the_copy(archive):
    index_paths("index", ["arch"])
    (archive / "copy").mkdir()
    shutil.copytree(archive / "arch", archive / "copy" / "arch")
    shutil.copytree(archive / "index", archive / "copy" / "index")
    write(archive / "copy" / "arch" / "2020" / "01.txt", ARTICLE.format(n=2020))
    report = index_paths(archive / "copy" / "index", [archive / "copy" / "arch"])
    assert (report.unchanged, report.added) == (2, 1)
    assert all_ids(archive / "copy" / "index") == {
        "arch/2018/01.txt", "arch/2019/01.txt", "arch/2020/01.txt"}


def test_id_root_is_recorded_and_another_one_is_refused_unless_rebuilding(archive):
    index_paths("index", ["arch"], id_root="arch")
    assert all_ids(archive / "index") == {"2018/01.txt", "2019/01.txt"}
    assert index_paths("index", ["arch"]).unchanged == 2  # the recorded root is used
    with pytest.raises(arsearch.ArsearchError, match="--rebuild --id-root"):
        index_paths("index", ["arch"], id_root=".")
    with pytest.raises(arsearch.ArsearchError, match="not a folder"):
        index_paths("index", ["arch"], id_root="arch/nowhere")
    assert all_ids(archive / "index") == {"2018/01.txt", "2019/01.txt"}
    index_paths("index", ["arch"], id_root=".", rebuild=True)
    assert all_ids(archive / "index") == {"arch/2018/01.txt", "arch/2019/01.txt"}


def test_files_outside_the_id_root_have_absolute_ids(archive, tmp_path_factory):
    elsewhere = write(tmp_path_factory.mktemp("elsewhere") / "x.txt", ARTICLE.format(n=1))
    index_paths("index", [elsewhere])
    assert all_ids(archive / "index") == {str(elsewhere.resolve())}


def test_a_record_with_a_text_articles_id_is_reported_not_overwriting_it(archive):
    index_paths("index", ["arch"])
    jsonl(archive / "feed.jsonl", {"id": "arch/2018/01.txt", "title": "آخر", "body": "نص آخر"})
    report = index_paths("index", ["feed.jsonl"])
    assert (report.added, report.updated, report.skipped) == (0, 0, 1)
    assert "already the id of the article from arch/2018/01.txt" in report.problems[0].message
    with arsearch.open_index("index") as engine:
        assert engine.document("arch/2018/01.txt")["title"] == "عنوان 2018"


def test_a_record_reexported_in_another_file_replaces_it_with_a_warning(archive):
    jsonl(archive / "a.jsonl", {"id": "x", "title": "أ", "body": "النص الأول"},
          {"id": "y", "title": "ب", "body": "نص ثابت"})
    index_paths("index", ["a.jsonl"])
    jsonl(archive / "b.jsonl", {"id": "x", "title": "أ", "body": "النص المصحح"},
          {"id": "y", "title": "ب", "body": "نص ثابت"})
    report = index_paths("index", ["b.jsonl"])
    assert (report.updated, report.unchanged, report.skipped) == (1, 1, 0)
    [warning] = report.problems
    assert not warning.skipped and "1 article(s) indexed from a.jsonl replaced" in str(warning)
    with arsearch.open_index("index") as engine:
        assert engine.document("x")["body"] == "النص المصحح"


def test_two_files_with_one_id_in_a_run_keep_the_first_and_report_the_second(archive):
    jsonl(archive / "in" / "a.jsonl", {"id": "x", "title": "أ", "body": "النص الأول"})
    jsonl(archive / "in" / "b.jsonl", {"id": "x", "title": "ب", "body": "النص الثاني"})
    jsonl(archive / "in" / "c.jsonl", {"id": "x", "title": "أ", "body": "النص الأول"})
    report = index_paths("index", ["in"])
    assert (report.added, report.skipped) == (1, 1)
    assert ["duplicate id 'x' (first met in in/a.jsonl)" in p.message for p in report.problems] \
        == [True, False]
    assert "same content" in report.problems[1].message and not report.problems[1].skipped
    with arsearch.open_index("index") as engine:
        assert engine.document("x")["title"] == "أ"


# --------------------------------------------------------------------------- prune


def test_prune_never_touches_documents_from_elsewhere(archive):
    write(archive / "other" / "b.txt", ARTICLE.format(n=2))
    index_paths("index", ["arch", "other"])
    shutil.rmtree(archive / "other")  # gone, but not under the paths pruned now
    report = index_paths("index", ["arch"], prune=True)
    assert report.deleted == 0 and "other/b.txt" in all_ids(archive / "index")


def test_prune_from_another_working_folder(archive, monkeypatch):
    index_paths("index", ["arch"])
    (archive / "arch" / "2019" / "01.txt").unlink()
    monkeypatch.chdir(archive / "arch")
    report = index_paths(archive / "index", ["2018"], prune=True)
    assert report.deleted == 0  # 2019 lies outside the pruned path
    report = index_paths(archive / "index", ["."], prune=True)
    assert report.deleted == 1
    assert all_ids(archive / "index") == {"arch/2018/01.txt"}


def test_prune_keeps_documents_of_files_that_could_not_be_read(archive):
    jsonl(archive / "arch" / "feed.jsonl", {"id": "f1", "title": "أ", "body": "نص"})
    with gzip.open(archive / "arch" / "old.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "g1", "title": "ب", "body": "نص"}) + "\n")
    index_paths("index", ["arch"])
    (archive / "arch" / "old.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00damaged on disk")
    # a file disappearing while the run reads the others
    progress = arsearch.Progress(
        lambda done, elapsed: (archive / "arch" / "feed.jsonl").unlink(missing_ok=True), every=0)
    report = index_paths("index", ["arch"], prune=True, progress=progress)
    assert report.deleted == 0 and report.skipped == 2
    assert {"f1", "g1"} <= all_ids(archive / "index")


def test_prune_deletes_records_gone_from_a_file_given_by_name(archive):
    feed = jsonl(archive / "feed.jsonl", {"id": "f1", "title": "أ", "body": "نص"},
                 {"id": "f2", "title": "ب", "body": "نص"})
    index_paths("index", ["arch", feed])
    jsonl(feed, {"id": "f2", "title": "ب", "body": "نص"})
    report = index_paths("index", [feed], prune=True)
    assert report.deleted == 1 and "f1" not in all_ids(archive / "index")
    assert len(all_ids(archive / "index")) == 3


# --------------------------------------------------------------------------- the index folder


def test_an_index_inside_its_input_folder_is_never_read(archive):
    for _ in range(2):
        report = index_paths("index", ["."])
        assert report.problems == [] and report.documents == 2


def test_an_index_is_not_created_among_other_files(archive):
    with pytest.raises(arsearch.ArsearchError, match="already holds other files"):
        index_paths("arch/2018", ["arch/2019"])
    assert sorted(p.name for p in (archive / "arch" / "2018").iterdir()) == ["01.txt"]
    (archive / "ix").mkdir()
    (archive / "ix" / "synonyms.txt").write_text("قطار, سكة الحديد\n", "utf-8")
    assert index_paths("ix", ["arch"]).documents == 2  # its own synonyms are fine



def test_an_index_is_created_beside_a_readme_and_vcs_litter(archive):
    """A checkout ships ``index/README.md`` (and VCS keep files): the Quick start builds
    its index there; a real file among them is still refused."""
    folder = archive / "index"
    folder.mkdir()
    litter = {"README.md": "Default index folder.\n", ".gitkeep": "", ".gitignore": "*\n",
              "readme.txt": "x"}
    for name, text in litter.items():
        (folder / name).write_text(text, "utf-8")
    assert index_paths("index", ["arch"]).documents == 2
    assert index_paths("index", ["arch"]).documents == 2  # and updates it
    assert index_paths("index", ["arch"], rebuild=True).documents == 2
    assert all((folder / name).read_text("utf-8") == text for name, text in litter.items())
    other = archive / "other"
    other.mkdir()
    (other / "README.md").write_text("x", "utf-8")
    (other / "notes.txt").write_text("مقال", "utf-8")
    with pytest.raises(arsearch.ArsearchError, match=r"already holds other files \(notes.txt\)"):
        index_paths("other", ["arch"])


def test_an_index_without_its_arsearch_json_is_refused_not_discarded(archive):
    """A copy that lost arsearch.json still holds documents: an update that took the
    folder for a new index would discard them; it refuses (restore it, or --rebuild)."""
    index_paths("index", ["arch/2018"])
    (archive / "index" / storage.META).unlink()
    before = {p.name: p.read_bytes() for p in (archive / "index").iterdir()}
    for attempt in (lambda: index_paths("index", ["arch/2019"]),
                    lambda: arsearch.open_index("index")):
        with pytest.raises(arsearch.IndexDamagedError,
                           match=r"holds index files \(.*\) but no arsearch.json: restore "
                                 r"arsearch.json, or rebuild the index with `arsearch index "
                                 r"--rebuild`"):
            attempt()
    assert {p.name: p.read_bytes() for p in (archive / "index").iterdir()
            if p.name != storage.LOCK} == {n: b for n, b in before.items() if n != storage.LOCK}
    assert index_paths("index", ["arch"], rebuild=True).documents == 2


def test_a_first_build_killed_before_arsearch_json_is_simply_started_again(archive):
    """Whoosh's empty first state (and its lock file) hold no documents: nothing to lose."""
    (archive / "index").mkdir()
    (archive / "index" / "_gen1_0.toc").write_bytes(b"whoosh")
    (archive / "index" / "gen1_WRITELOCK").write_bytes(b"")
    assert index_paths("index", ["arch"]).documents == 2

def test_an_index_of_an_older_format_asks_for_a_rebuild(archive):
    index_paths("index", ["arch"])
    meta = json.loads((archive / "index" / storage.META).read_text("utf-8"))
    meta["format"] = storage.FORMAT_VERSION - 1
    (archive / "index" / storage.META).write_text(json.dumps(meta), "utf-8")
    with pytest.raises(arsearch.IndexVersionError,
                       match=r"rebuild it with `arsearch index --rebuild`"):
        index_paths("index", ["arch"])
    assert index_paths("index", ["arch"], rebuild=True).documents == 2
    assert storage.read_meta(archive / "index")["format"] == storage.FORMAT_VERSION


def test_an_interrupted_rebuild_of_an_older_format_index_leaves_it_refused_not_empty(tmp_path):
    """Upgrading: a rebuild of an index of an older format that dies midway (after some
    intermediate commits) must leave arsearch.json naming the old index, refused with the
    rebuild hint: never pointing at the half-built generation, which would search as a
    sound index missing most documents. The next rebuild completes it."""
    ix = tmp_path / "ix"
    index_documents(ix, synth(20))
    meta = storage.read_meta(ix)
    (ix / storage.META).write_text(json.dumps({**meta, "format": storage.FORMAT_VERSION - 1}),
                                   "utf-8")
    with pytest.raises(Boom):
        index_documents(ix, failing(synth(20), after=12), rebuild=True, commit_every=5)
    with pytest.raises(arsearch.IndexVersionError, match=r"rebuild it with `arsearch index "
                                                         r"--rebuild`"):
        arsearch.open_index(ix)
    assert index_documents(ix, synth(20), rebuild=True).documents == 20
    assert all_ids(ix) == {d.id for d in synth(20)}
    assert not any(p.name.startswith((f"_{meta['indexname']}_", f"{meta['indexname']}_"))
                   for p in ix.iterdir())


def test_the_index_pickles_exactly_the_classes_the_format_names(tmp_path):
    """Whoosh pickles analyzer and format classes into the table of contents by module
    path: a move or rename of one of them must be a deliberate FORMAT_VERSION bump."""
    import pickletools

    from arsearch.backends.whoosh.schema import PICKLED

    folder = tmp_path / "ix"
    arsearch.index_documents(folder, [arsearch.Document(id="a", title="ع", body="نص")])
    (toc,) = folder.glob("_gen*_*.toc")
    named: set[str] = set()
    strings: list[str] = []
    for op, arg, _ in pickletools.genops(_pickle_in(toc.read_bytes())):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL":
            named.add(".".join(strings[-2:]))
        elif op.name == "GLOBAL":
            named.add(arg.replace(" ", "."))
    ours = {n for n in named if n.startswith("arsearch.")}
    assert ours == set(PICKLED)
    for path in PICKLED:  # and each still exists where the pickle says
        module, _, name = path.rpartition(".")
        assert getattr(__import__(module, fromlist=[name]), name)


def _pickle_in(toc: bytes) -> bytes:
    """The schema pickle inside a Whoosh table of contents (it starts at the first
    pickle protocol marker)."""
    return toc[toc.index(b"\x80"):]


@pytest.mark.parametrize("bad, message", [
    (None, "document 2 of the input: NoneType is not an arsearch Document"),
    ({"id": "b", "title": "t", "body": "b"}, "dict is not an arsearch Document"),
    (Document(id="b", title=None, body="x"), "its title is NoneType, not text"),  # type: ignore[arg-type]
    (Document(id="b", title="t", body="x", date="2018"), "its date is str"),  # type: ignore[arg-type]
])
def test_index_documents_rejects_what_is_not_a_document_in_one_line(tmp_path, bad, message):
    folder = tmp_path / "ix"
    good = Document(id="a", title="داعش", body="داعش في إدلب")
    with pytest.raises(ArsearchError, match=re.escape(message)):
        arsearch.index_documents(folder, [good, bad])
    arsearch.index_documents(folder, [good])  # the aborted run left a usable index
    with arsearch.open_index(folder) as engine:
        assert engine.search("داعش").total == 1
