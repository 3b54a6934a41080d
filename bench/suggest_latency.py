"""Latency of suggestions as you type (/api/suggest), in the engine and over HTTP.

    python bench/suggest_latency.py INDEX_DIR [--workers 2] [--clients 4] [--keystrokes 2000]

Builds what a reader types from the index's own titles: every prefix, keystroke by
keystroke, of the first two or three words of random titles (``ا``, ``ال``, ``الد``, …),
and some with spelling variants (hamza and ta marbuta folded). Then measures

1. the engine: ``Engine.complete`` in this process (after the dictionary is built; the
   build time is reported too);
2. HTTP: ``/api/suggest`` under gunicorn (``-w WORKERS``), one client typing, then
   CLIENTS clients at once; the median, p95 and p99 of the client's round trip.

Standard library only for the HTTP side (the server, not a client library, is measured).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.web_load import free_port, get, percentile, start_gunicorn, wait_ready  # noqa: E402


def keystrokes(titles: list[str], n: int, seed: int = 7) -> list[str]:
    """What the search box holds after each keystroke, over random titles' first words."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        words = rng.choice(titles).split()[:rng.choice((1, 2, 3))]
        text = " ".join(words)
        if rng.random() < 0.3:  # typed without hamzas, with ه for ة
            text = text.translate(str.maketrans("أإآة", "اااه"))
        out.extend(text[:i] for i in range(1, len(text) + 1))
    return out[:n]


def summary(ms: list[float]) -> dict:
    return {"n": len(ms), "median_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99), "max_ms": max(ms)}


def engine_side(index: Path, typed: list[str]) -> dict:
    import arsearch

    with arsearch.open_index(index) as engine:
        started = time.perf_counter()
        while not engine.complete("ال"):  # the first call starts the build
            time.sleep(0.05)
        build = time.perf_counter() - started
        ms = []
        for text in typed:
            t = time.perf_counter()
            engine.complete(text)
            ms.append((time.perf_counter() - t) * 1000)
        return {"documents": engine.doc_count, "build_s": build, **summary(ms)}


def http_side(index: Path, typed: list[str], workers: int, clients: int) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_gunicorn(index, port, workers)

    def ask(text: str) -> tuple[int, float]:
        t = time.perf_counter()
        status, _ = get(base + "/api/suggest?" + urllib.parse.urlencode({"q": text}))
        return status, (time.perf_counter() - t) * 1000

    try:
        wait_ready(base, proc)
        deadline = time.monotonic() + 120
        ready = 0
        while ready < 20 * workers and time.monotonic() < deadline:  # every worker built
            status, body = get(base + "/api/suggest?q=" + urllib.parse.quote("ال"))
            ready = ready + 1 if status == 200 and json.loads(body)["suggestions"] else 0
            time.sleep(0.02)
        one = [ask(text) for text in typed]
        many: list[tuple[int, float]] = []
        lock = threading.Lock()

        def client(k: int) -> None:
            mine = [ask(text) for text in typed[k::clients]]
            with lock:
                many.extend(mine)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(10)
    return {"one_client": {**summary([ms for _, ms in one]),
                           "errors": sum(s != 200 for s, _ in one)},
            f"{clients}_clients": {**summary([ms for _, ms in many]),
                                   "errors": sum(s != 200 for s, _ in many),
                                   "rps": len(many) / elapsed}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--keystrokes", type=int, default=2000)
    args = ap.parse_args()

    import arsearch

    with arsearch.open_index(args.index) as engine:
        titles = [h.title for h in engine.search("", per_page=100, sort="date",
                                                 snippets=False).hits if h.title]
        titles += [h.title for h in engine.search("", page=50, per_page=100, sort="date",
                                                  snippets=False).hits if h.title]
    typed = keystrokes(titles, args.keystrokes)
    report = {"engine": engine_side(args.index, typed),
              "http": http_side(args.index, typed, args.workers, args.clients)}
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
