"""Per-segment data is read once and reused when the engine picks up a new commit."""

from __future__ import annotations

from datetime import datetime

import numpy as np

import arsearch
from arsearch.backends.whoosh.segments import SegmentCache
from arsearch.search.facets import Column, date_key, years


def doc(i: int, **kw) -> arsearch.Document:
    return arsearch.Document(id=f"d{i}", title=f"عنوان {i}", body=f"خبر رقم {i} عن المدينة",
                             date=datetime(2015 + i, 3, 1), **kw)


def test_refresh_reads_only_new_segments_and_rebuild_forgets_old(tmp_path):
    folder = tmp_path / "ix"
    arsearch.index_documents(folder, [doc(0), doc(1)])
    with arsearch.open_index(folder, refresh_every=3600) as engine:
        first = engine.reader
        first.lengths("body")
        cache = first.segments
        kept = dict(cache._data)
        assert kept and all(isinstance(k, tuple) for k in kept)

        arsearch.index_documents(folder, [doc(2, source="وكالة")])
        engine.refresh()
        second = engine.reader
        assert second is not first and second.segments is cache
        for key, value in kept.items():  # the old segment's arrays were not read again
            assert cache._data[key] is value
        assert sorted(second.ids) == ["d0", "d1", "d2"]
        assert second.docnum_of["d2"] == second.ids.index("d2")
        assert engine.search("خبر", source="وكالة").hits[0].id == "d2"
        year_column = Column([str(y) for y in years(second.dates).tolist()])
        assert year_column.counts(second.live) == {"2015": 1, "2016": 1, "2017": 1}

        arsearch.index_documents(folder, [doc(0), doc(1), doc(2)], rebuild=True)
        engine.refresh()
        third = engine.reader
        current = {leaf._segment.segment_id() for leaf, _ in
                   third.searcher.reader().leaf_readers()}
        assert {segment for segment, _ in cache._data} <= current
        assert not set(kept) & set(cache._data)


def test_segment_cache_loads_once_per_segment():
    class Leaf:
        class _segment:  # noqa: N801 - stands in for a Whoosh segment
            @staticmethod
            def segment_id():
                return "s1"

    calls = []
    cache = SegmentCache()
    for _ in range(3):
        assert cache.get(Leaf, "x", lambda: calls.append(1) or [1, 2]) == [1, 2]
    assert len(calls) == 1 and len(cache) == 1
    cache.keep([])
    assert len(cache) == 0


def test_years_from_whoosh_longs():
    from whoosh.util.times import datetime_to_long

    when = [datetime(1999, 12, 31, 23, 59), datetime(2000, 1, 1), datetime(2018, 6, 5)]
    dates = np.asarray([datetime_to_long(d) for d in when] + [-1], dtype=np.int64)
    assert [date_key(d) for d in when] == dates[:-1].tolist()  # the readers' unit
    assert years(dates).tolist() == [1999, 2000, 2018, 0]
    assert years(np.zeros(0, np.int64)).tolist() == []
