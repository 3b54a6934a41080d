"""Fuzzing the readers: whatever the files hold, the rest of the batch is indexed.

Random bytes under every supported name, truncated gzip, JSON nested 100,000 deep, huge
lines, broken ``<DOC>`` markup, empty files and 100 MB files go into one batch beside
good documents: the good ones are all indexed, each bad file is reported as a Problem
naming it (or yields documents), nothing raises, and memory stays bounded. The number
of cases tried is printed at the end.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

import arsearch
from arsearch.backends.whoosh import generations as storage
from tests.reliability.support import child_env, synthetic_docs, write_jsonl
from tests.summaries import summary

#: random and huge inputs: the full lane (.ci/run) runs them, not the edit loop
pytestmark = pytest.mark.slow

CASES: dict[str, int] = {}
SEED = 4242


def case(kind: str) -> None:
    CASES[kind] = CASES.get(kind, 0) + 1


def good_batch(folder: Path) -> set[str]:
    """Valid documents in each format: all of them must end up in the index."""
    docs = synthetic_docs(40, seed=9, prefix="good")
    write_jsonl(folder / "good" / "a.jsonl", docs[:20])
    with gzip.open(folder / "good" / "b.jsonl.gz", "wt", encoding="utf-8") as f:
        for d in docs[20:30]:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    trec = "".join(f"<DOC>\n<DOCNO>{d['id']}</DOCNO>\n<TITLE>{d['title']}</TITLE>\n"
                   f"<TEXT>\n{d['body']}\n</TEXT>\n</DOC>\n" for d in docs[30:39])
    (folder / "good" / "c.xml").write_text(trec, encoding="utf-8")
    (folder / "good" / "good000039.txt").write_text(
        f"{docs[39]['title']}\n\n{docs[39]['body']}\n", encoding="utf-8")
    return {d["id"] for d in docs[:39]} | {"good/good000039.txt"}  # id root: folder/


def run_batch(root: Path, bad: Path, expect_reported: set[Path]) -> arsearch.IndexReport:
    """Index good + bad files; the good all arrive, the named bad files are reported."""
    good_ids = good_batch(root)
    problems: list[arsearch.Problem] = []
    report = arsearch.index_paths(root / "ix", [root / "good", bad],
                                  on_problem=problems.append)
    with arsearch.open_index(root / "ix") as engine:
        for doc_id in good_ids:
            assert engine.document(doc_id) is not None, f"good document {doc_id} lost"
        assert engine.stats()["documents"] == report.documents
    reported = {Path(p.path) for p in problems}
    missing = {p for p in expect_reported if p not in reported}
    assert not missing, f"not reported: {sorted(missing)}; problems: {problems[:5]}"
    assert not any(Path(p.path).parent == root / "good" for p in problems), problems
    return report


def test_random_bytes(tmp_path):
    rng = random.Random(SEED)
    bad = tmp_path / "bad"
    bad.mkdir()
    names = ["", ".txt", ".jsonl", ".ndjson", ".jsonl.gz", ".xml", ".gz", ".json", ".TXT"]
    prefixes = [b"", b"<DOC>", b"<DOC>\n<DOCNO>x", b"\x1f\x8b\x08\x00", b'{"id": "r", ',
                b"\xef\xbb\xbf", "عنوان\n".encode()]
    for i in range(60):
        size = rng.choice([1, 10, 100, 1000, 10_000, 100_000])
        data = rng.choice(prefixes) + rng.randbytes(size)
        if rng.random() < 0.5:  # no NUL: not recognised as binary, goes to the parsers
            data = data.replace(b"\x00", b"\x01")
        (bad / f"r{i:03d}{rng.choice(names)}").write_bytes(data)
        case("random bytes")
    report = run_batch(tmp_path, bad, set())
    # every random file either was reported or produced documents
    produced = {Path(p) for p in _paths_in_index(tmp_path / "ix")}
    reported = {Path(p.path) for p in report.problems}
    silent = [p for p in bad.iterdir() if p not in produced | reported]
    assert not silent, f"neither indexed nor reported: {silent}"


def _paths_in_index(folder: Path) -> list[str]:
    """The files the index's documents came from (stored relative to its id root, by
    default the folder holding the index)."""
    ix = whoosh_index.open_dir(str(folder), indexname=storage.require_meta(folder)["indexname"])
    try:
        with ix.reader() as reader:
            return [str(folder.parent / reader.stored_fields(n)["path"])
                    for n in reader.all_doc_ids()]
    finally:
        ix.close()


def test_truncated_gzip(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    expected = set()
    for cut in (0.1, 0.3, 0.5, 0.7, 0.9, 0.99):
        docs = synthetic_docs(200, seed=int(cut * 100), prefix=f"gz{int(cut * 100):02d}-")
        raw = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs).encode()
        blob = gzip.compress(raw)
        path = bad / f"cut{int(cut * 100):02d}.jsonl.gz"
        path.write_bytes(blob[: int(len(blob) * cut)])
        expected.add(path)
        case("truncated gzip")
    # gzip magic then garbage, and a valid gzip followed by garbage
    (bad / "magic.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 5000)
    (bad / "trailing.jsonl.gz").write_bytes(gzip.compress(b'{"id": "t"}\n') + b"garbage")
    expected |= {bad / "magic.jsonl.gz", bad / "trailing.jsonl.gz"}
    case("truncated gzip")
    case("truncated gzip")
    report = run_batch(tmp_path, bad, expected)
    assert report.added > 40  # the documents before each cut were kept


def test_deep_and_huge_json(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    valid = json.dumps({"id": "after", "title": "ت", "body": "نص صحيح بعد السطر"},
                       ensure_ascii=False)
    lines = {
        "lists": "[" * 100_000 + "]" * 100_000,
        "objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
        "body": '{"id": "deep", "title": "t", "body": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "unclosed": "[" * 1_000_000,
        "huge-invalid": '{"id": "h", "body": "' + "ب" * 5_000_000,
        "huge-token": json.dumps({"id": "huge-token", "title": "t", "body": "ب" * 2_000_000}),
        "huge-words": json.dumps({"id": "huge-words", "title": "t",
                                  "body": "كتاب مدرسة " * 100_000}, ensure_ascii=False),
        "huge-number": '{"id": 1' + "0" * 100_000 + ', "title": "t", "body": "ب"}',
        "nan": '{"id": NaN, "title": "t", "body": "ب"}',
    }
    expected = set()
    for name, line in lines.items():
        path = bad / f"{name}.jsonl"
        path.write_text(f"{line}\n{valid.replace('after', 'after-' + name)}\n",
                        encoding="utf-8")
        if not name.startswith("huge-token") and not name.startswith("huge-words"):
            expected.add(path)
        case("deep or huge JSON")
    run_batch(tmp_path, bad, expected)
    with arsearch.open_index(tmp_path / "ix") as engine:
        for name in lines:
            assert engine.document(f"after-{name}") is not None, name
        assert engine.document("huge-words") is not None
        assert engine.search("مدرسة").total >= 1


TREC_CASES = {
    "no-docno": "<DOC>\n<TEXT>نص</TEXT>\n</DOC>\n",
    "empty-docno": "<DOC>\n<DOCNO>  </DOCNO>\n<TEXT>نص</TEXT>\n</DOC>\n",
    "no-text": "<DOC>\n<DOCNO>t-notext</DOCNO>\n<TITLE>عنوان</TITLE>\n</DOC>\n",
    "repeated": "<DOC>\n<DOCNO>t-rep</DOCNO><DOCNO>t-rep2</DOCNO>\n<TEXT>أ</TEXT>"
                "<TEXT>ب</TEXT><TITLE>١</TITLE><TITLE>٢</TITLE>\n</DOC>\n",
    "unclosed-tags": "<DOC>\n<DOCNO>t-open\n<TITLE>عنوان\n<TEXT>نص بلا إغلاق\n</DOC>\n",
    "unclosed-doc": "<DOC>\n<DOCNO>t-eof</DOCNO>\n<TEXT>نص حتى النهاية\n",
    "stray-close": "<DOC>\n<DOCNO>t-ok</DOCNO><TEXT>نص</TEXT></DOC>\n</DOC>\n</TEXT>\n",
    "nested": "<DOC>\n<DOCNO>t-outer</DOCNO>\n<DOC>\n<DOCNO>t-inner</DOCNO>\n"
              "<TEXT>نص</TEXT>\n</DOC>\n</DOC>\n",
    "many-empty": "<DOC>" * 20_000 + "\n",
    "only-tags": "<DOC><DOCNO></DOCNO><TEXT></TEXT></DOC>" * 1000,
    "bad-time": "<DOC>\n<DOCNO>t-time</DOCNO>\n<TIME>غدا 99:99</TIME>\n<TEXT>نص</TEXT>\n</DOC>\n",
    "cp1256": "<DOC>\n<DOCNO>t-cp</DOCNO>\n<TEXT>نص قديم</TEXT>\n</DOC>\n",
    "huge-text": "<DOC>\n<DOCNO>t-huge</DOCNO>\n<TEXT>" + "خبر " * 200_000 + "</TEXT>\n</DOC>\n",
    "mixed-case": "<doc>\n<docno>t-lower</docno>\n<text>نص</text>\n</doc>\n",
    "binary-inside": "<DOC>\n<DOCNO>t-bin</DOCNO>\n<TEXT>نص\x00\x01</TEXT>\n</DOC>\n",
}


def test_broken_doc_markup(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    expected = set()
    for name, text in TREC_CASES.items():
        path = bad / f"{name}.xml"
        if name == "cp1256":
            path.write_bytes(text.encode("cp1256"))
        else:
            path.write_text(text, encoding="utf-8")
        if name in ("no-docno", "empty-docno", "no-text", "many-empty", "only-tags",
                    "bad-time", "binary-inside"):
            expected.add(path)
        case("broken <DOC> markup")
    run_batch(tmp_path, bad, expected)
    with arsearch.open_index(tmp_path / "ix") as engine:
        for doc_id in ("t-rep", "t-open", "t-eof", "t-ok", "t-inner", "t-cp", "t-huge",
                       "t-lower", "t-time"):
            assert engine.document(doc_id) is not None, doc_id


def test_empty_files(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    names = ["empty.txt", "empty.jsonl", "empty.ndjson", "empty.jsonl.gz", "empty", "empty.xml",
             "blank.txt", "blank.jsonl"]
    for name in names:
        content = b"\n \n\t\n" if name.startswith("blank") else b""
        (bad / name).write_bytes(content)
        case("empty file")
    (bad / "gz-of-nothing.jsonl.gz").write_bytes(gzip.compress(b""))
    case("empty file")
    run_batch(tmp_path, bad, set(bad.iterdir()))


#: Index a folder in a child and print its peak memory: the readers must stream.
MEASURED = textwrap.dedent("""
    import resource, sys
    import arsearch
    problems = []
    report = arsearch.index_paths(sys.argv[1], sys.argv[2:], on_problem=problems.append)
    print(report.documents, len(problems), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    for p in problems:
        print(p.path, file=sys.stderr)
""")
MAX_RSS_MB = 400


def test_100_megabyte_files(tmp_path):
    if shutil.disk_usage(tmp_path).free < 1_000_000_000:
        pytest.skip("less than 1 GB free for the 100 MB files")
    big = tmp_path / "big"
    big.mkdir()
    size = 100 * 1024 * 1024
    for name in ("sparse.bin", "sparse.jsonl", "sparse.txt", "sparse"):
        with open(big / name, "wb") as f:  # all NUL bytes, written as a hole
            f.truncate(size)
        case("100 MB file")
    # a 100 MB JSON Lines file: valid documents at both ends, blank padding between
    first, last = synthetic_docs(2, seed=11, prefix="big")
    pad = (" " * 1023 + "\n").encode()
    with open(big / "padded.jsonl", "wb") as f:
        f.write((json.dumps(first, ensure_ascii=False) + "\n").encode())
        for _ in range(size // len(pad)):
            f.write(pad)
        f.write((json.dumps(last, ensure_ascii=False) + "\n").encode())
    case("100 MB file")
    # a 100 MB plain-text article (too big for one) and a 100 MB TREC file of repeats
    with open(big / "article.txt", "wb") as f:
        f.write("عنوان\n".encode())
        f.truncate(size)
    case("100 MB file")
    run = subprocess.run([sys.executable, "-c", MEASURED, str(tmp_path / "ix"), str(big)],
                         capture_output=True, text=True, env=child_env(), timeout=600)
    assert run.returncode == 0, run.stderr
    documents, problems, maxrss_kb = map(int, run.stdout.split())
    assert documents == 2
    reported = {Path(line) for line in run.stderr.splitlines() if line.startswith("/")}
    expected = {big / n for n in ("sparse.bin", "sparse.jsonl", "sparse.txt", "sparse",
                                  "article.txt")}
    assert expected <= reported, reported
    assert maxrss_kb / 1024 < MAX_RSS_MB, f"peak memory {maxrss_kb / 1024:.0f} MB"
    print(f"100 MB files: peak memory {maxrss_kb / 1024:.0f} MB")


def test_a_200_megabyte_json_line_is_cut_in_bounded_memory(tmp_path):
    """One 200 MB article (a JSON line) is cut to the cap: it used to take 2.9 GB."""
    if shutil.disk_usage(tmp_path).free < 1_000_000_000:
        pytest.skip("less than 1 GB free for the 200 MB file")
    big = tmp_path / "big"
    big.mkdir()
    with open(big / "huge.jsonl", "wb") as f:
        f.write('{"id": "huge", "title": "مقال ضخم", "body": "'.encode())
        chunk = ("نص المقال الطويل عن مدينة إدلب " * 10_000).encode()
        for _ in range(200 * 1024 * 1024 // len(chunk)):
            f.write(chunk)
        f.write(b'", "date": "2018-02-15"}\n')
        f.write((json.dumps(synthetic_docs(1, seed=12, prefix="after")[0]) + "\n").encode())
    case("200 MB line")
    run = subprocess.run([sys.executable, "-c", MEASURED, str(tmp_path / "ix"), str(big)],
                         capture_output=True, text=True, env=child_env(), timeout=600)
    assert run.returncode == 0, run.stderr
    documents, problems, maxrss_kb = map(int, run.stdout.split())
    assert (documents, problems) == (2, 1)  # the warning that it was cut
    assert maxrss_kb / 1024 < MAX_RSS_MB, f"peak memory {maxrss_kb / 1024:.0f} MB"
    with arsearch.open_index(tmp_path / "ix") as engine:
        doc = engine.document("huge")
        assert len(doc["body"].encode()) <= arsearch.ingest.DEFAULT_MAX_DOC_BYTES
        assert doc["date"].year == 2018
    print(f"200 MB JSON line: peak memory {maxrss_kb / 1024:.0f} MB")


def test_cli_exit_status_on_a_bad_batch(tmp_path):
    """The command line indexes the rest, names the bad files and exits with 3."""
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.jsonl").write_text("[" * 100_000 + "\n", encoding="utf-8")
    (bad / "y.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (bad / "z.xml").write_text("<DOC>\n<TEXT>نص</TEXT>\n", encoding="utf-8")
    good = good_batch(tmp_path)
    run = subprocess.run([sys.executable, "-m", "arsearch", "index", str(tmp_path / "good"),
                          str(bad), "--index", str(tmp_path / "ix")],
                         capture_output=True, text=True, env=child_env(), timeout=120)
    case("CLI batch")
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr
    for name in ("x.jsonl", "y.jsonl.gz", "z.xml"):
        assert name in run.stderr
    assert f"{len(good)} documents" in run.stdout


def test_every_kind_of_fuzz_case_ran():
    """(Runs last in this module.) The counts go to pytest's terminal summary."""
    if not CASES:
        pytest.skip("no fuzz case ran")
    summary("fuzzed readers", ["fuzz cases tried: " + ", ".join(
        f"{k}: {v}" for k, v in CASES.items()) + f"; total {sum(CASES.values())}"])
    assert sum(CASES.values()) >= 100
