"""Load test of the web front end under its production server (gunicorn).

    python bench/web_load.py INDEX_DIR [--workers 2] [--clients 4] [--seconds 60]

Starts ``gunicorn -w WORKERS 'arsearch.web.app:create_app()'`` on a free port over
INDEX_DIR, builds two-word queries from the index's own titles (so they have results),
measures the median server time (the API's ``took_ms``) and client time of single HTML
result pages, then runs CLIENTS concurrent clients for SECONDS and reports requests,
errors and p50/p95 latency. Standard library only, so it measures the server, not a
client library. Linux/macOS (gunicorn does not run on Windows).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.measure import tree_rss_kb  # noqa: E402 - run as a script


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 30.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start_gunicorn(index: Path, port: int, workers: int) -> subprocess.Popen:
    exe = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
    env = {**os.environ, "ARSEARCH_INDEX": str(index)}
    cmd = [exe, "-w", str(workers), "--threads", "2", "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "arsearch.web.app:create_app()"]
    return subprocess.Popen(cmd, env=env)


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {proc.returncode}")
        try:
            status, body = get(base + "/healthz", timeout=2)
            if status == 200:
                return json.loads(body)
            if status == 503:
                raise SystemExit(f"no index: {body.decode()}")
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


def two_word_queries(base: str, n: int = 200, seed: int = 1) -> list[str]:
    """Adjacent word pairs from the titles of the newest articles."""
    status, body = get(base + "/api/search?" + urllib.parse.urlencode(
        {"q": "", "sort": "date", "per_page": 100}))
    titles = [h["title"] for h in json.loads(body)["hits"]] if status == 200 else []
    pairs = []
    for title in titles:
        words = [w for w in title.split() if len(w) >= 3 and w.isalpha()]
        pairs += [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    if not pairs:
        raise SystemExit("could not build queries from the index titles")
    rng = random.Random(seed)
    return [rng.choice(pairs) for _ in range(n)]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure_single(base: str, queries: list[str]) -> dict:
    took, client = [], []
    for q in queries[:100]:
        status, body = get(base + "/api/search?" + urllib.parse.urlencode({"q": q}))
        if status == 200:
            took.append(json.loads(body)["took_ms"])
        started = time.perf_counter()
        get(base + "/?" + urllib.parse.urlencode({"q": q}))
        client.append((time.perf_counter() - started) * 1000)
    return {"server_median_ms": statistics.median(took),
            "page_median_ms": statistics.median(client)}


def load(base: str, queries: list[str], clients: int, seconds: float,
         server_pid: int | None = None) -> dict:
    """CLIENTS threads for SECONDS; latency of the first and last third shows steadiness,
    the server's RSS (gunicorn and its workers) before and after shows memory growth."""
    rss_before = tree_rss_kb(server_pid) if server_pid else None
    timed: list[tuple[float, float]] = []
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        rng = random.Random(k)
        mine, bad = [], 0
        while time.monotonic() < stop:
            q = rng.choice(queries)
            url = base + "/?" + urllib.parse.urlencode({"q": q, "page": 1})
            started = time.perf_counter()
            try:
                status, _ = get(url)
            except OSError:
                status = 0
            mine.append((started, (time.perf_counter() - started) * 1000))
            bad += status != 200
        with lock:
            timed.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    timed.sort()
    latencies = [ms for _, ms in timed]
    third = max(1, len(latencies) // 3)
    rss_after = tree_rss_kb(server_pid) if server_pid else None
    return {"requests": len(latencies), "errors": errors[0],
            "rps": len(latencies) / seconds,
            "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
            "p50_first_third_ms": percentile(latencies[:third], 50),
            "p50_last_third_ms": percentile(latencies[-third:], 50),
            "server_rss_mb_before": rss_before and rss_before / 1024,
            "server_rss_mb_after": rss_after and rss_after / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index", type=Path, help="index folder (built with arsearch index)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the load run")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    args = ap.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_gunicorn(args.index, port, args.workers)
    try:
        health = wait_ready(base, proc)
        queries = two_word_queries(base)
        # warm up first: the workers' first requests read posting lists and the index's
        # vocabulary, and each worker builds its suggestions dictionary in a background
        # thread after it starts (a one-off at start, not a query's cost)
        load(base, queries, args.clients, min(args.seconds, 5.0), proc.pid)
        single = measure_single(base, queries)
        loaded = load(base, queries, args.clients, args.seconds, proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    report = {"documents": health["documents"], "workers": args.workers,
              "clients": args.clients, "seconds": args.seconds, **single, **loaded}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['documents']:,} documents, gunicorn -w {args.workers}")
    print(f"single two-word query page: server median {single['server_median_ms']:.1f} ms "
          f"(took_ms), client median {single['page_median_ms']:.1f} ms")
    print(f"{args.clients} clients x {args.seconds:.0f} s: {loaded['requests']} requests "
          f"({loaded['rps']:.1f}/s), {loaded['errors']} errors, "
          f"p50 {loaded['p50_ms']:.1f} ms, p95 {loaded['p95_ms']:.1f} ms")
    print(f"steadiness: p50 {loaded['p50_first_third_ms']:.1f} ms in the first third, "
          f"{loaded['p50_last_third_ms']:.1f} ms in the last; server RSS "
          f"{loaded['server_rss_mb_before']:.0f} -> {loaded['server_rss_mb_after']:.0f} MB")


if __name__ == "__main__":
    main()
