"""A local Xapian index ends a large run compacted (store.FolderSession, COMPACT_SHARE),
and a searcher that is open follows the folder to the new database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.xapian_support import require_xapian

require_xapian()

import xapian  # noqa: E402

import arsearch  # noqa: E402
from arsearch.backends.xapian import store  # noqa: E402


def _current(index: Path) -> str:
    return json.loads((index / "arsearch.json").read_text(encoding="utf-8"))["database"]


def _databases(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir() if p.name.startswith("db"))




@pytest.fixture
def archive(tmp_path, sample_dir) -> Path:
    folder = tmp_path / "news"
    shutil.copytree(sample_dir / "txt", folder)
    return folder


def test_xapian_first_build_is_compacted_and_searchable(tmp_path, archive):
    index = tmp_path / "index"
    report = arsearch.index_paths(index, [archive], backend="xapian", procs=2)
    assert report.documents == 12
    # the build wrote db1, the compacted copy db2 is current, db1 is gone
    assert _databases(index) == [_current(index)] == ["db2"]
    for part in ("part0", "part1"):
        db = xapian.Database(str(index / "db2" / part))
        assert db.get_metadata("arsearch:layout")  # metadata copied
        db.close()
    with arsearch.open_index(index) as engine:
        assert engine.search("الذهب OR إدلب OR الترجي").total > 0
        assert engine.search("").total == 12


def test_xapian_small_update_is_not_compacted_a_large_one_is(tmp_path, archive):
    index = tmp_path / "index"
    arsearch.index_paths(index, [archive], backend="xapian")
    first = _current(index)
    (archive / "02_oil_economy.txt").write_text("أسعار الذهب\n\nالذهب يرتفع اليوم", "utf-8")
    small = arsearch.index_paths(index, [archive])  # 1 of 12: under COMPACT_SHARE
    assert small.updated == 1 and _current(index) == first
    for i in range(5):
        (archive / f"new{i}.txt").write_text(f"خبر جديد رقم {i}\n\nالذهب والفضة", "utf-8")
    large = arsearch.index_paths(index, [archive])  # 5 of 12
    assert large.added == 5 and _current(index) != first
    assert _databases(index) == [_current(index)]
    with arsearch.open_index(index) as engine:
        assert engine.search("الذهب").total == 6
        assert engine.search("").total == 17


def test_xapian_open_engine_follows_the_switch_to_the_compacted_database(tmp_path, archive):
    index = tmp_path / "index"
    arsearch.index_paths(index, [archive], backend="xapian")
    with arsearch.open_index(index, refresh_every=0.0) as engine:
        assert engine.search("").total == 12
        for i in range(6):
            (archive / f"new{i}.txt").write_text(f"خبر جديد رقم {i}\n\nالفضة", "utf-8")
        before = _current(index)
        arsearch.index_paths(index, [archive])
        assert _current(index) != before
        assert engine.search("").total == 18  # not the old database's 12
        assert engine.search("الفضة").total == 6
        (archive / "new0.txt").write_text("خبر معدل\n\nالنحاس", "utf-8")
        arsearch.index_paths(index, [archive])  # small: same database, reopened
        assert engine.search("النحاس").total == 1


def test_xapian_failed_compaction_keeps_the_written_database(tmp_path, archive, monkeypatch):
    """A compaction that cannot write leaves the complete database current: here its
    target cannot be made (a name under a file), then its copy fails midway (as on a
    full disk), and the partial copy is removed."""
    index = tmp_path / "index"
    real = store.next_database
    names = iter(["db1", "arsearch.json/db2"])  # the run's own database, then the copy's
    monkeypatch.setattr(store, "next_database", lambda folder: next(names))
    report = arsearch.index_paths(index, [archive], backend="xapian")
    assert report.documents == 12
    assert _databases(index) == [_current(index)] == ["db1"]

    monkeypatch.setattr(store, "next_database", real)

    def fails_midway(db, output: str, flags: int = 0) -> None:
        """Fail as a full disk would, leaving a partial copy."""
        Path(output).mkdir()
        (Path(output) / "iamglass").write_bytes(b"partial")
        raise xapian.DatabaseError("No space left on device")

    monkeypatch.setattr(xapian.Database, "compact", fails_midway)
    index = tmp_path / "index2"
    report = arsearch.index_paths(index, [archive], backend="xapian")
    assert report.documents == 12
    assert _databases(index) == [_current(index)] == ["db1"]
    with arsearch.open_index(index) as engine:
        assert engine.search("").total == 12


def test_xapian_engine_refreshed_as_a_rebuild_switches_follows_it(tmp_path, archive,
                                                                   monkeypatch):
    """A refresh that reads arsearch.json just before a writer switches it, then reopens
    the database the writer has just removed, opens the one the folder names now: before,
    it failed ("cannot be read", a 503 for every request of the next refresh interval)."""
    from arsearch.backends.xapian import search as xsearch

    index = tmp_path / "index"
    arsearch.index_paths(index, [archive], backend="xapian")
    real, switched = xsearch.read_meta, []

    def read_then_switch(folder: Path):
        meta = real(folder)
        if not switched:  # the writer's rebuild lands right after this read
            switched.append(arsearch.index_paths(index, [archive / "02_oil_economy.txt"],
                                                 rebuild=True))
        return meta

    with arsearch.open_index(index, refresh_every=0.0) as engine:
        assert engine.search("").total == 12
        before = _current(index)
        monkeypatch.setattr(xsearch, "read_meta", read_then_switch)
        assert engine.search("").total == 1  # the rebuilt index, found at once
        assert switched and _current(index) != before
        assert not (index / before).exists()
        monkeypatch.setattr(xsearch, "read_meta", real)
        assert engine.search("").total == 1


def test_xapian_database_linked_from_elsewhere_is_updated_in_place_not_compacted(
        tmp_path, archive):
    """A current database its owner moved to another disk behind a symbolic link stays
    there: a large run once compacted it into the index folder and left the link and the
    old copy behind for ever (a stale database that nothing removes)."""
    index, elsewhere = tmp_path / "index", tmp_path / "other-disk"
    arsearch.index_paths(index, [archive], backend="xapian")
    name = _current(index)
    elsewhere.mkdir()
    (index / name).rename(elsewhere / name)
    (index / name).symlink_to(elsewhere / name)
    for i in range(6):
        (archive / f"new{i}.txt").write_text(f"خبر جديد رقم {i}\n\nالفضة", "utf-8")
    report = arsearch.index_paths(index, [archive])  # 6 of 12: a large run
    assert report.added == 6
    assert _databases(index) == [_current(index)] == [name]
    assert (index / name).is_symlink()
    db = xapian.Database(str(elsewhere / name / "part0"))
    assert db.get_doccount() == 18
    db.close()
    with arsearch.open_index(index) as engine:
        assert engine.search("الفضة").total == 6


@pytest.mark.parametrize("record", ["{broken", "", '{"backend": "xapian", "format": 1, '
                                    '"database": "db99", "parts": 1}'])
def test_xapian_open_engine_keeps_serving_a_folder_whose_record_breaks_and_says_so(
        tmp_path, archive, record):
    """arsearch.json broken or naming a missing database under a running engine: its
    searches go on over the last database it read, its health says it is stale and
    why, and once the record is good again all is as before."""
    index = tmp_path / "index"
    arsearch.index_paths(index, [archive], backend="xapian")
    good = (index / "arsearch.json").read_text(encoding="utf-8")
    with arsearch.open_index(index, refresh_every=0.0) as engine:
        assert engine.search("").total == 12
        (index / "arsearch.json").write_text(record, encoding="utf-8")
        assert engine.search("").total == 12
        health = engine.health()
        assert health["documents"] == 12 and health["stale"] is True
        assert "serving the last database read" in health["reason"]
        (index / "arsearch.json").write_text(good, encoding="utf-8")
        assert engine.search("").total == 12
        assert "stale" not in engine.health()
