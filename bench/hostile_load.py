"""Ordinary queries while hostile clients send long junk words: does one client stall all?

    python bench/hostile_load.py INDEX_DIR [--hostile 0 8] [--normal 2] [--seconds 20]
                                 [--threads 8] [--src SRC]

Starts ``arsearch serve`` (waitress, ``--threads`` worker threads) on a free port over
INDEX_DIR, then for each count N of ``--hostile``: NORMAL clients send two-word queries
built from the index's titles to ``/api/search`` while N clients send 500-character
queries (one long junk word, many short junk words, many quoted pairs, a synonym list)
as fast as they can, for SECONDS. Reports p50/p95 of the normal queries' client time and
the hostile requests' count and status codes. ``--src`` runs the server from another
checkout's sources (``--src ../main/src`` gives the "before" figures). Standard library
only, so it measures the server, not a client library.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.web_load import free_port, get, percentile, two_word_queries  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ARABIC = "ءابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def hostile_queries(normal: list[str], seed: int = 7) -> list[str]:
    """500-character queries that used to cost seconds each (did-you-mean, phrases)."""
    rng = random.Random(seed)
    words = sorted({w for q in normal for w in q.split()})

    def junk(n: int) -> str:
        return "".join(rng.choice(ARABIC) for _ in range(n))

    out = []
    for _ in range(20):
        out.append(junk(500))  # one long junk word
        out.append(" ".join(junk(7) for _ in range(62)))  # many rare words
        out.append(" ".join(f'"{rng.choice(words)} {rng.choice(words)}"'
                            for _ in range(40))[:500])  # many phrases
        out.append(" OR ".join(rng.choice(words) for _ in range(60))[:500])
    return out


def start_server(index: Path, port: int, threads: int, src: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "arsearch", "serve", "--index", str(index),
           "--port", str(port), "--threads", str(threads)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            status, body = get(base + "/healthz", timeout=2)
            if status == 200:
                return json.loads(body)["documents"]
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz in time")


def run(base: str, normal: list[str], hostile: list[str], n_normal: int, n_hostile: int,
        seconds: float) -> dict:
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    statuses: Counter = Counter()
    hostile_statuses: Counter = Counter()
    lock = threading.Lock()

    def client(k: int, queries: list[str], hostile_client: bool) -> None:
        rng = random.Random(k)
        mine, codes = [], Counter()
        while time.monotonic() < stop:
            url = base + "/api/search?" + urllib.parse.urlencode({"q": rng.choice(queries)})
            started = time.perf_counter()
            try:
                status, _ = get(url, timeout=120)
            except OSError:
                status = 0
            if not hostile_client:
                mine.append((time.perf_counter() - started) * 1000)
            codes[status] += 1
        with lock:
            latencies.extend(mine)
            (hostile_statuses if hostile_client else statuses).update(codes)

    threads = [threading.Thread(target=client, args=(k, normal, False))
               for k in range(n_normal)]
    threads += [threading.Thread(target=client, args=(100 + k, hostile, True))
                for k in range(n_hostile)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"hostile_clients": n_hostile, "normal_requests": len(latencies),
            "normal_p50_ms": percentile(latencies, 50) if latencies else None,
            "normal_p95_ms": percentile(latencies, 95) if latencies else None,
            "normal_status": dict(statuses), "hostile_requests": sum(hostile_statuses.values()),
            "hostile_status": dict(hostile_statuses)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index", type=Path, help="index folder (built with arsearch index)")
    ap.add_argument("--hostile", type=int, nargs="+", default=[0, 8],
                    help="numbers of hostile clients to run, one run each")
    ap.add_argument("--normal", type=int, default=2, help="clients sending normal queries")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    ap.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    ap.add_argument("--src", type=Path, default=ROOT / "src",
                    help="the arsearch sources to serve (another checkout's src/)")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    args = ap.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(args.index, port, args.threads, args.src.resolve())
    try:
        documents = wait_ready(base, proc)
        normal = two_word_queries(base)
        hostile = hostile_queries(normal)
        run(base, normal, hostile, args.normal, 0, 3.0)  # warm up
        runs = [run(base, normal, hostile, args.normal, n, args.seconds)
                for n in args.hostile]
    finally:
        proc.terminate()
        proc.wait(30)
    if args.json:
        print(json.dumps({"documents": documents, "src": str(args.src), "runs": runs},
                         indent=2))
        return
    print(f"{documents:,} documents, arsearch serve --threads {args.threads} "
          f"from {args.src}; {args.normal} normal clients, {args.seconds:.0f} s a run")
    for r in runs:
        print(f"{r['hostile_clients']:>3} hostile clients: normal queries "
              f"p50 {r['normal_p50_ms']:.0f} ms, p95 {r['normal_p95_ms']:.0f} ms "
              f"({r['normal_requests']} requests, status {r['normal_status']}); "
              f"hostile requests {r['hostile_requests']} (status {r['hostile_status']})")


if __name__ == "__main__":
    main()
