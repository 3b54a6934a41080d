"""The Markdown summary of a benchmark run (the table pasted into the README by hand)."""

from __future__ import annotations


def _f(value, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def _lat(lat: dict | None) -> str:
    if not lat or "ms" not in lat:
        return "–"
    ms = lat["ms"]
    return f"{ms['p50']:.1f} / {ms['p95']:.1f} / {ms['p99']:.1f}"


def _ratio(ours, theirs) -> str:
    if not ours or not theirs:
        return "–"
    return f"{ours / theirs:.2f}×"


def _systems_table(r: dict) -> list[str]:
    q = r.get("quality", {})
    rows = ["| system | build s | docs/s | peak build RSS MB | index MB "
            "| top-100 ms p50 / p95 / p99 | top-100 mean ms | search RSS MB | MRR@10 | R@100 |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for key, label in (("arsearch", f"arsearch ({r['meta'].get('arsearch', 'Whoosh')})"),
                       ("whoosh", "plain Whoosh"),
                       ("lucene", "Lucene (Anserini)"), ("tantivy", "tantivy")):
        s = r.get(key)
        if not s:
            continue
        if "error" in s:
            rows.append(f"| {label} | failed: {s['error'].splitlines()[0][:80]} |")
            continue
        lat = s.get("latency_ids")
        mean = lat["ms"]["mean"] if lat else s.get("ms_mean") or s.get("ms_mean_upper")
        mean_txt = _f(mean) + (" (incl. JVM start)" if key == "lucene" else "")
        docs = s.get("documents") or r["meta"]["corpus_docs"]
        peak = s.get("peak_build_mb", s.get("peak_tree_mb"))
        rows.append(
            f"| {label} | {_f(s['build_s'])} | {_f(docs / s['build_s'], 0)} "
            f"| {_f(peak, 0)} | {_f(s.get('index_mb'), 0)} | {_lat(lat)} "
            f"| {mean_txt} | {_f(s.get('search_rss_mb'), 0)} "
            f"| {_f(q.get(key, {}).get('RR@10'), 3)} | {_f(q.get(key, {}).get('R@100'), 3)} |")
    return rows


def _ratio_table(r: dict) -> list[str]:
    a = r["arsearch"]
    rows = ["| arsearch ÷ reference | build time | index size | top-100 latency (mean) "
            "| MRR@10 |", "| --- | ---: | ---: | ---: | ---: |"]
    for key, label in (("whoosh", "plain Whoosh"), ("lucene", "Lucene"),
                       ("tantivy", "tantivy")):
        s = r.get(key)
        if not s or "error" in s:
            continue
        lat = s.get("latency_ids")
        mean = lat["ms"]["mean"] if lat else s.get("ms_mean") or s.get("ms_mean_upper")
        q = r.get("quality", {})
        mrr = _ratio(q.get("arsearch", {}).get("RR@10"), q.get(key, {}).get("RR@10"))
        rows.append(f"| {label} | {_ratio(a['build_s'], s['build_s'])} "
                    f"| {_ratio(a['index_mb'], s.get('index_mb'))} "
                    f"| {_ratio(a['latency_ids']['ms']['mean'], mean)} | {mrr} |")
    return rows


def _arsearch_details(a: dict, label: str) -> list[str]:
    cold, upd = a["cold"], a["update_1000"]
    tp, tps = a["throughput_ids"], a["throughput_search"]
    nsearch = a["latency_search"]["queries"]
    return [
        f"**{label}** ({a['documents']:,} documents, {a['text_mb']:,.0f} MB of text)",
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| build (median of {len(a['builds'])}) | {a['build_s']:.1f} s, "
        f"{a['docs_per_s']:,.0f} docs/s, {a['mb_per_s']:.2f} MB/s |",
        f"| peak RSS while building (process tree / largest process) "
        f"| {_f(a['peak_build_mb'], 0)} / {_f(a['peak_build_single_mb'], 0)} MB |",
        f"| index size on disk | {a['index_mb']:,.0f} MB |",
        f"| top-10 with snippets, ms p50 / p95 / p99 ({nsearch} topics) "
        f"| {_lat(a['latency_search'])} |",
        *([f"| top-10 with snippets, every word by its root (level=root), ms p50 / p95 / "
            f"p99 | {_lat(a['latency_search_root'])} |"] if "latency_search_root" in a else []),
        f"| top-100 ids, ms p50 / p95 / p99 | {_lat(a['latency_ids'])} |",
        f"| warm-up pass (1st), ms p50 top-10 / top-100 "
        f"| {a['latency_search']['warmup_ms']['p50']:.1f} / "
        f"{a['latency_ids']['warmup_ms']['p50']:.1f} |",
        f"| queries/s, {tp['workers']} worker processes: top-100 ids / top-10 with snippets "
        f"| {tp['qps']:.1f} / {tps['qps']:.2f} |",
        f"| cold open (new process: imports + open_index + first top-100 query) "
        f"| {cold['import_s']:.2f} + {cold['open_s']:.2f} + {cold['first_query_s']:.2f} s |",
        f"| memory while searching (peak RSS of the latency processes) "
        f"| {a['search_rss_mb']:,.0f} MB |",
        f"| update of 1,000 changed articles into the existing index "
        f"| {upd['seconds']:.1f} s ({upd['updated']:,} replaced) |",
    ]


def markdown(r: dict) -> str:
    """Tables of a run's figures, with the conditions they were measured under."""
    m = r["meta"]
    lines = [f"## arsearch benchmark {m['date']} (commit {m['commit']}, {m['cpus']} CPUs, "
             f"Python {m['python']}{', quick' if m['quick'] else ''})", "",
             f"Known-item protocol: {m['corpus_docs']:,} ANT articles with titles removed, "
             "500 title queries; latencies are per-query medians over the passes after "
             "the first (warm-up). Lucene and tantivy time themselves (one process for "
             "build + search: their peak RSS covers both; Lucene's per-query time includes "
             "a JVM start).", ""]
    if "arsearch" in r:  # not in a run of the generated set alone (--only-scale)
        lines += _systems_table(r) + [""] + _ratio_table(r) + [""]
        lines += _arsearch_details(r["arsearch"],
                                   f"arsearch details ({m.get('arsearch', 'Whoosh')})") + [""]
    if "arsearch_scale" in r:
        lines += _arsearch_details(r["arsearch_scale"], "scale set") + [""]
    return "\n".join(lines)
