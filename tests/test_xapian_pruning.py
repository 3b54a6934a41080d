"""Pruning a query with a word's synonyms (``OP_MAX``) on Xapian 1.4.

Xapian 1.4.22 dies (SIGSEGV in ``MaxPostList::recalc_maxweight``) pruning some such
queries: the seven articles below, found by a random search over small corpora and cut
down, are one. The searcher prunes them in the form ``Compiled.for_pruning`` gives,
which must rank as the query weighed whole. Each search runs in a child process, so a
crash fails its test instead of killing the test run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.xapian_support import require_xapian

require_xapian()

import arsearch  # noqa: E402
from arsearch.ingest import Document  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

#: الولايات المتحدة is one of its synonym group's entries (أمريكا, أميركا, واشنطن)
QUERY = "السوق النفط الولايات المتحدة"
BODIES = ["أمريكا خبر 84 الرئيس", "النفط الولايات المتحدة خبر 86", "الحكومة النفط خبر 88",
          "خبر 89", "السوق خبر 94 أمريكا", "خبر 95 المدينة واشنطن الانتخابات الحكومة",
          "السوق النفط خبر 96"]
PAGES = (1, 3, 10)

#: argv: index folder, form ("bare", "guarded": pruned to each page; "whole": every
#: match weighed). Prints [[docid, weight], ...] for each page size.
RUN_FORM = """
import json, sys, xapian
import arsearch
from arsearch.backends.xapian.compile import compile_query, weighting
engine = arsearch.open_index(sys.argv[1])
searcher = engine._current()
parsed, _ = engine._parse(searcher, sys.argv[3])
compiled = compile_query(parsed, searcher.weights, searcher._stats())
assert compiled.best_of, "the query has no OP_MAX"
form = sys.argv[2]
query = compiled.for_pruning() if form == "guarded" else compiled.query
pages = []
for size in json.loads(sys.argv[4]):
    enquire = xapian.Enquire(searcher.db)
    enquire.set_query(query)
    enquire.set_weighting_scheme(weighting(searcher.weights))
    check = searcher.db.get_doccount() if form == "whole" else size
    pages.append([[m.docid, round(m.weight, 9)] for m in enquire.get_mset(0, size, check)])
print(json.dumps(pages))
"""

#: argv: index folder, exact_counts (0/1). Prints each page's ids and scores, and
#: whether the searcher prunes the query.
RUN_SEARCH = """
import json, sys
import arsearch
from arsearch.backends.xapian.compile import compile_query
with arsearch.open_index(sys.argv[1], exact_counts=sys.argv[2] == "1") as engine:
    searcher = engine._current()
    parsed, _ = engine._parse(searcher, sys.argv[3])
    prunes = searcher._prunable(compile_query(parsed, searcher.weights, searcher._stats()))
    pages = [[[h.id, round(h.score, 9)] for h in engine.search(sys.argv[3], per_page=size).hits]
             for size in json.loads(sys.argv[4])]
print(json.dumps({"prunes": prunes, "pages": pages}))
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pruning") / "x"
    docs = [Document(id=f"d{i:04d}", title="", body=body) for i, body in enumerate(BODIES)]
    arsearch.index_documents(folder, docs, backend="xapian")
    return folder


def child(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script, *args, QUERY, json.dumps(PAGES)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_xapian_1_4_dies_pruning_the_bare_op_max_query(index):
    """Why the guard exists: if this fails, the installed Xapian no longer has the
    defect, and ``pruning_safe`` may go (docs/xapian.md)."""
    assert child(RUN_FORM, str(index), "bare").returncode == -signal.SIGSEGV


def test_xapian_guarded_op_max_query_prunes_to_the_pages_it_ranks_whole(index):
    guarded, whole = child(RUN_FORM, str(index), "guarded"), child(RUN_FORM, str(index), "whole")
    assert guarded.returncode == 0, guarded.stderr[-500:]
    assert whole.returncode == 0, whole.stderr[-500:]
    pages, every = json.loads(guarded.stdout), json.loads(whole.stdout)
    assert pages == every
    assert [len(p) for p in pages] == [1, 3, 6]  # six articles hold a query word


def test_xapian_synonym_search_is_pruned_and_pages_as_counted_whole(index):
    pruned, counted = child(RUN_SEARCH, str(index), "0"), child(RUN_SEARCH, str(index), "1")
    assert pruned.returncode == 0, pruned.stderr[-500:]
    assert counted.returncode == 0, counted.stderr[-500:]
    got, want = json.loads(pruned.stdout), json.loads(counted.stdout)
    assert got["prunes"] and not want["prunes"]
    assert got["pages"] == want["pages"]
    assert got["pages"][0][0][0] == "d0001"  # النفط الولايات المتحدة: two query words
