"""Benchmark: the portal's pipeline and search against a naive Whoosh + jieba baseline.

`python -m tools.bench --reports 1000,10000,100000` generates N reports with the project's
generator, ingests them end to end (parse + archive + index) into a throw-away archive, and
prints one table per size: ingest reports/s, index size against the original texts, search and
search+facets p50/p95 over a fixed mix of realistic queries, report and search pages through
the Flask app, and the portal process's peak RSS. The same reports and queries then go through
the naive baseline — plain Whoosh, jieba's own `ChineseAnalyzer`, one text field, `groupedby`
facets, top 20 stored fields (no highlights, which made each naive search take seconds; the
portal's figures include its snippets) — and a last column gives the ratio. `--load-seconds S` adds a
loopback load test of the built archive under waitress, driven by Debian's `wrk`.

Measurements of searching run in a fresh child process each, so RSS is the portal's own and no
run warms another's caches. Numbers are printed, never asserted (the test suite runs N=200 once).
"""
import argparse
import concurrent.futures
import contextlib
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from gikportal import config as _config
from .generate import write_files

ROOT = Path(__file__).resolve().parent.parent
PAGE_SAMPLE = 200
FACET_FIELDS = ("year", "province", "agency", "format")  # what the baseline groups by
BASELINE_FIGURES = ("requests_new", "denied", "reviews", "lawsuits", "fees_10k_yuan")

# The fixed query mix: URL arguments of the portal's search. {province}, {city}, {county} and
# {agency} are filled from the generated corpus so filters and rare terms really match.
QUERIES = [
    {"q": "行政复议"}, {"q": "政府信息"}, {"q": "依申请公开"}, {"q": "主动公开"}, {"q": "信息处理费"},
    {"q": "查阅终端"}, {"q": "行政诉讼"}, {"q": "政务公开"}, {"q": "政策解读"}, {"q": "培训"},
    {"q": "网站"}, {"q": "惠企政策"}, {"q": "数字政府"},
    {"q": '"政府信息公开工作年度报告"'}, {"q": '"统一信息资源库"'}, {"q": '"存在的主要问题"'},
    {"q": "行政复议 行政诉讼"}, {"q": "行政复议 OR 行政诉讼"}, {"q": "政府信息 NOT 收费"},
    {"q": "{agency}"}, {"q": "{county}"},
    {"q": "行政复议", "province": "{province}"}, {"q": "依申请公开", "agency": "{agency}"},
    {"q": "政务公开", "sort": "-year"}, {"q": "政府信息", "denied_min": "10"},
    {"q": "收费", "fees_10k_yuan_min": "0.5"},
    {"q": ""}, {"q": "", "year": "2023"}, {"q": "", "province": "{province}", "year": "2022"},
    {"q": "", "city": "{city}"}, {"q": "", "reviews_min": "1"}, {"q": "", "lawsuits_min": "1"},
    {"q": "", "requests_new_min": "100"}, {"q": "", "finding": "sued"},
]


# --- corpus -----------------------------------------------------------------------------------

def fill_queries(records, seed=0):
    """The mix with placeholders taken from real records (the most common province, one agency...)."""
    rng = random.Random(seed)
    regions = [r.get("region") or {} for r in records]
    common = statistics.mode([g.get("province") for g in regions if g.get("province")] or ["河南省"])
    cities = sorted({g["city"] for g in regions if g.get("city")}) or ["郑州市"]
    counties = sorted({g["county"] for g in regions if g.get("county")}) or ["中原区"]
    agencies = sorted({r["agency"] for r in records if r.get("agency")}) or ["郑州市人民政府"]
    values = {"province": common, "city": rng.choice(cities), "county": rng.choice(counties),
              "agency": rng.choice(agencies)}
    return [{k: v.format(**values) for k, v in q.items()} for q in QUERIES]


def dir_bytes(path):
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def percentiles(ms):
    ms = sorted(ms)
    if not ms:
        return 0.0, 0.0
    if len(ms) == 1:
        return ms[0], ms[0]
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return q[49], q[94]


def _timed(fn, reps, budget_ms=2000):
    """Up to reps timings of fn, fewer once they add up to budget_ms (the naive baseline's facet
    searches take seconds each at 10,000 reports and more)."""
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        if sum(times) > budget_ms:
            break
    return times


def _peak_rss():
    """This process's own peak RSS (VmHWM): ru_maxrss would carry the parent's peak over the
    fork and exec that start a spawned child."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def in_child(fn, *args):
    """Run fn(*args) in a fresh spawned process: its own imports, caches and peak RSS."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


# --- the portal -------------------------------------------------------------------------------

def ingest_ours(cfg, paths):
    """End-to-end ingest (parse in workers, archive, index) of every path; returns (records, seconds)."""
    from gikportal.ingest import ingest_paths

    start = time.perf_counter()
    summary = ingest_paths(cfg, paths)
    seconds = time.perf_counter() - start
    records = [r.record for r in summary.results if r.status == "added" and r.record]
    return records, seconds, summary.count("failed")


def measure_ours(cfg, queries, page_ids, reps):
    """In the portal process: backend searches, search and report pages through Flask, peak RSS."""
    from gikportal import create_app
    from gikportal.backend import for_config
    from gikportal.query import SearchParams

    app = create_app(dict(cfg, RATELIMIT_ENABLED=False, TESTING=True))
    engine = for_config(app.config)
    start = time.perf_counter()
    engine.search(SearchParams.from_args({"q": "政府信息"}))
    first_ms = (time.perf_counter() - start) * 1000
    out = {"first_query_ms": first_ms, "cold": [], "search": [], "facets": [], "search_page": [],
           "report_page": []}
    totals = []
    for args in queries:
        params = SearchParams.from_args(args)
        start = time.perf_counter()
        totals.append(engine.search(params)["total"])  # this query's postings not yet cached
        out["cold"].append((time.perf_counter() - start) * 1000)
        out["search"] += _timed(lambda: engine.search(params, facets=False), reps)
        out["facets"] += _timed(lambda: engine.search(params), reps)
    client = app.test_client()
    for args in queries:
        url = "/search?" + urlencode(args)
        out["search_page"] += _timed(lambda: _get_ok(client, url), 1)
    for rid in page_ids:
        out["report_page"] += _timed(lambda: _get_ok(client, f"/reports/{rid}"), 1)
    out["totals"] = totals
    out["rss"] = _peak_rss()
    return out


def _get_ok(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response


# --- the naive baseline -----------------------------------------------------------------------

def _baseline_schema():
    from jieba.analyse import ChineseAnalyzer
    from whoosh import fields

    schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                           title=fields.TEXT(stored=True, analyzer=ChineseAnalyzer()),
                           content=fields.TEXT(stored=True, analyzer=ChineseAnalyzer()),
                           **{f: fields.ID(stored=True) for f in FACET_FIELDS},
                           city=fields.ID(stored=True),
                           **{f: fields.NUMERIC(float, stored=True) for f in BASELINE_FIGURES})
    return schema


def baseline_build(index_dir, paths):
    """What a first attempt looks like: parse, then one Whoosh writer with jieba's analyzer."""
    import jieba
    from whoosh import index as windex

    from gikportal.figures import headline
    from gikportal.records import build_record

    jieba.setLogLevel(60)
    jieba.initialize()
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    start, cpu = time.perf_counter(), time.process_time()
    ix = windex.create_in(index_dir, _baseline_schema())
    writer = ix.writer(limitmb=256)
    count = 0
    for path in paths:
        try:
            record = build_record(Path(path).read_bytes(), Path(path).name)
        except Exception:  # the baseline just skips what it cannot parse
            continue
        region = record.get("region") or {}
        figures = headline(record)
        doc = {"id": record["id"], "title": record.get("title") or "",
               "content": "\n".join(s.get("text") or "" for s in record.get("sections") or []),
               "year": str(record.get("year") or ""), "province": region.get("province") or "",
               "city": region.get("city") or "", "agency": record.get("agency") or "",
               "format": record.get("format") or ""}
        doc.update({f: float(figures[f]) for f in BASELINE_FIGURES if figures.get(f) is not None})
        writer.add_document(**doc)
        count += 1
    writer.commit()
    return count, time.perf_counter() - start, time.process_time() - cpu


def _baseline_query(ix, args):
    from whoosh import query as wq
    from whoosh.qparser import QueryParser

    text = args.get("q", "").strip()
    clauses = [QueryParser("content", ix.schema).parse(text)] if text else []
    for name in FACET_FIELDS + ("city",):
        if args.get(name):
            clauses.append(wq.Term(name, args[name]))
    for key, value in args.items():
        if key.endswith("_min") and key[:-4] in BASELINE_FIGURES:
            clauses.append(wq.NumericRange(key[:-4], float(value), None))
    if args.get("finding") == "sued":
        clauses.append(wq.NumericRange("lawsuits", 1.0, None))
    return wq.And(clauses) if clauses else wq.Every()


def _baseline_search(searcher, q, args, facets):
    from whoosh import sorting

    kwargs = {"limit": 20}
    if args.get("sort") == "-year":
        kwargs.update(sortedby="year", reverse=True)
    if facets:
        groups = sorting.Facets()
        for name in FACET_FIELDS:
            groups.add_field(name, maptype=sorting.Count)
        kwargs["groupedby"] = groups
    results = searcher.search(q, **kwargs)
    page = [hit.fields() for hit in results]  # no highlights: jieba re-segments each hit's text
    if facets:
        counts = {name: results.groups(name) for name in FACET_FIELDS}
        return len(results), page, counts
    return len(results), page, None


def measure_baseline(index_dir, queries, reps):
    import jieba
    from whoosh import index as windex

    jieba.setLogLevel(60)
    ix = windex.open_dir(index_dir)
    out = {"cold": [], "search": [], "facets": [], "totals": []}
    with ix.searcher() as searcher:
        for args in queries:
            q = _baseline_query(ix, args)
            start = time.perf_counter()
            out["totals"].append(_baseline_search(searcher, q, args, True)[0])
            out["cold"].append((time.perf_counter() - start) * 1000)
            out["search"] += _timed(lambda: _baseline_search(searcher, q, args, False), reps)
            out["facets"] += _timed(lambda: _baseline_search(searcher, q, args, True), reps)
    out["rss"] = _peak_rss()
    return out


# --- load -------------------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def load_with_wrk(cfg, records, seconds, connections=32, threads=4):
    """Debian's wrk against the portal under gunicorn (a worker process per core, `threads`
    threads each) on loopback, replaying loadtest's mix of search, facet, report, section, API
    and CSV export requests."""
    from .loadtest import KINDS, request_paths, start_server, stop_server

    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    pick, rng = request_paths(records), random.Random(0)
    with tempfile.TemporaryDirectory(prefix="gikportal-wrk-") as tmp:
        paths_file, script = Path(tmp) / "paths.txt", Path(tmp) / "mix.lua"
        paths_file.write_text("\n".join(pick(rng, KINDS[i % len(KINDS)]) for i in range(5000)) + "\n")
        script.write_text(WRK_SCRIPT % paths_file)
        workers = os.cpu_count() or 1
        proc, port = start_server(cfg, threads, server="gunicorn", workers=workers)
        try:
            run = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency",
                                  "--timeout", "30s", "-s", str(script), f"http://127.0.0.1:{port}"],
                                 capture_output=True, text=True, timeout=seconds + 120)
        finally:
            stop_server(proc)
    text = run.stdout
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors += int(non2xx.group(1)) if non2xx else 0
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    return {"requests": requests, "errors": errors, "server": f"gunicorn {workers}×{threads} threads", "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
            "p50": latency.get("50"), "p99": latency.get("99"), "raw": text}


# --- the run ----------------------------------------------------------------------------------

@contextlib.contextmanager
def backend_config(name, workdir):
    """Config for a fresh archive and an empty index of the named backend (PostgreSQL: a
    throw-away Debian server of tools.pgserver, loopback TCP, stopped afterwards)."""
    cfg = _config.from_env()
    cfg.update(ARCHIVE_DIR=str(Path(workdir) / "archive"), INDEX_DIR=str(Path(workdir) / "index"), BACKEND=name)
    if name != "postgres":
        yield cfg
        return
    from .pgserver import temporary_server

    with temporary_server(tcp=True) as server:
        cfg["DATABASE_URL"] = server.create_database("gikbench")
        cfg["DATABASE_REPLICA_URLS"] = [server.start_replica().url_for("gikbench") for _ in range(PG_REPLICAS)]
        yield cfg


PG_REPLICAS = 0  # --pg-replicas: streaming replicas of the PostgreSQL server that the portal reads from
QUERY_SAMPLE = 2000  # the first reports fill the query placeholders, the same in every run


def run_size(n, workdir, reps=3, baseline=True, load_seconds=0, seed=0, backend="whoosh", ours=True):
    """One size: the portal on `backend` (unless ours=False), then the naive baseline."""
    workdir = Path(workdir)
    start = time.perf_counter()
    paths = write_files(workdir / "src", n, seed)
    gen_seconds = time.perf_counter() - start
    texts = sum(p.stat().st_size for p in paths)
    if ours:
        with backend_config(backend, workdir / backend) as cfg:
            result = _run_ours(cfg, n, paths, texts, gen_seconds, reps, load_seconds, seed, backend)
        queries = result.pop("_queries")
    else:  # the baseline alone, on the same reports and the same filled-in queries
        from gikportal.records import build_record
        records = []
        for path in paths[:QUERY_SAMPLE]:
            try:
                records.append(build_record(path.read_bytes(), path.name))
            except Exception:  # noqa: BLE001 - a report that fails is left out, as ingest leaves it
                continue
        queries = fill_queries(records, seed)
        result = {"n": n, "backend": "baseline only", "texts_bytes": texts, "queries": len(queries)}
    if baseline or not ours:
        base_dir = str(workdir / "baseline")
        count, seconds, cpu = in_child(baseline_build, base_dir, [str(p) for p in paths])
        result["baseline"] = in_child(measure_baseline, base_dir, queries, reps)
        # one process on one core: its CPU time is its ingest time on an otherwise idle machine
        result["baseline"].update(ingest_rate=count / seconds, ingest_rate_cpu=count / cpu,
                                  index_bytes=dir_bytes(base_dir), load=os.getloadavg()[0])
    return result


def _run_ours(cfg, n, paths, texts, gen_seconds, reps, load_seconds, seed, backend):
    records, ingest_seconds, failed = ingest_ours(cfg, paths)
    queries = fill_queries(records[:QUERY_SAMPLE], seed)
    page_ids = random.Random(seed).sample([r["id"] for r in records], min(PAGE_SAMPLE, len(records)))
    result = {"n": n, "backend": backend, "generated_seconds": gen_seconds, "texts_bytes": texts,
              "failed": failed, "ingest_rate": len(records) / ingest_seconds,
              "index_bytes": in_child(_index_bytes, cfg), "queries": len(queries), "_queries": queries}
    result["ours"] = in_child(measure_ours, cfg, queries, page_ids, reps)
    if load_seconds:
        result["load"] = load_with_wrk(cfg, records, load_seconds)
    return result


def _index_bytes(cfg):
    from gikportal.backend import for_config

    return for_config(cfg).size_bytes()


def _row(label, ours, base=None, unit="", better="lower", fmt="{:,.1f}"):
    ratio = ""
    if base is not None and ours:
        ratio = f"{(base / ours if better == 'lower' else ours / base):.1f}×"
    base_text = (fmt.format(base) + unit) if base is not None else "—"
    return f"  {label:<34} {fmt.format(ours) + unit:>14} {base_text:>14} {ratio:>8}"


def format_baseline_only(r):
    b, mb = r["baseline"], 1024 * 1024
    lines = [f"{r['n']:,} reports, naive baseline only ({r['texts_bytes'] / mb:,.1f} MB of original text, "
             f"{r['queries']} queries; load average {b['load']:.1f} while it searched)",
             f"  ingest, reports/s: {b['ingest_rate']:.1f} wall, {b['ingest_rate_cpu']:.1f} by its CPU time",
             f"  index on disk: {b['index_bytes'] / mb:,.1f} MB ({b['index_bytes'] / r['texts_bytes']:.2f} of the texts)"]
    for key, label in (("cold", "first run, search + facets"), ("search", "search"), ("facets", "search + all facets")):
        p50, p95 = percentiles(b[key])
        lines.append(f"  {label} p50 / p95, ms: {p50:,.1f} / {p95:,.1f}")
    lines.append(f"  peak RSS, MB: {b['rss'] / mb:,.1f}")
    lines.append("  hit counts: " + " ".join(str(t) for t in b["totals"]))
    return "\n".join(lines)


def format_result(r):
    if "ours" not in r:
        return format_baseline_only(r)
    o, b = r["ours"], r.get("baseline")
    mb = 1024 * 1024
    lines = [f"{r['n']:,} reports, {r.get('backend', 'whoosh')} backend ({r['texts_bytes'] / mb:,.1f} MB of original text, "
             f"{r['queries']} queries, {r['failed']} failed to parse)",
             f"  {'':<34} {'portal':>14} {'naive':>14} {'gain':>8}",
             _row("ingest, reports/s (end to end)", r["ingest_rate"], b and b["ingest_rate"], better="higher"),
             *([f"  {'  naive by its CPU time':<34} {'':>14} {b['ingest_rate_cpu']:>14,.1f}"] if b else []),
             _row("index on disk, MB", r["index_bytes"] / mb, b and b["index_bytes"] / mb),
             f"  {'index / original texts':<34} {r['index_bytes'] / r['texts_bytes']:>14.2f}"
             + (f" {b['index_bytes'] / r['texts_bytes']:>14.2f}" if b else f" {'—':>14}")]
    for key, label in (("cold", "first run, search + facets"), ("search", "search"),
                       ("facets", "search + all facets")):
        p50, p95 = percentiles(o[key])
        bp = percentiles(b[key]) if b else (None, None)
        lines.append(_row(f"{label} p50, ms", p50, bp[0]))
        lines.append(_row(f"{label} p95, ms", p95, bp[1]))
        if key == "cold":
            lines.append("  repeated runs (up to --reps per query, fewer past 2 s):")
    for key, label in (("search_page", "search page (Flask) p50/p95, ms"), ("report_page", "report page (Flask) p50/p95, ms")):
        p50, p95 = percentiles(o[key])
        lines.append(f"  {label:<34} {f'{p50:.1f} / {p95:.1f}':>14}")
    lines.append(f"  {'first query after start, ms':<34} {o['first_query_ms']:>14.1f}")
    lines.append(_row("peak RSS of the process, MB", o["rss"] / mb, b and b["rss"] / mb))
    if b:
        same = sum(1 for x, y in zip(o["totals"], b["totals"]) if x == y)
        lines.append(f"  queries with equal hit counts: {same}/{len(o['totals'])} "
                     f"(the baseline ANDs jieba's words; the portal also matches phrases by shingles)")
    if r.get("load"):
        ld = r["load"]
        lines.append(f"  load (wrk, 32 connections, {ld.get('server')}): {ld['requests']:,} requests, "
                     f"{ld['rps']:.1f} req/s, p50 {ld['p50']}, p99 {ld['p99']}, errors {ld['errors']}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", default="1000", help="comma-separated sizes, e.g. 1000,10000,100000")
    parser.add_argument("--reps", type=int, default=3, help="timed runs of each query")
    parser.add_argument("--backend", default="whoosh", help="comma-separated: whoosh,postgres (side by side)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive Whoosh + jieba baseline")
    parser.add_argument("--baseline-only", action="store_true", help="run only the naive baseline")
    parser.add_argument("--baseline-max", type=int, default=None, help="run the baseline only up to this size")
    parser.add_argument("--load-seconds", type=int, default=0, help="wrk load test of each size for S seconds")
    parser.add_argument("--workdir", default=None, help="where the throw-away archives go (default: temp)")
    parser.add_argument("--json", default=None, help="also write the raw figures to this file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pg-replicas", type=int, default=0, help="PostgreSQL: streaming replicas to read from")
    args = parser.parse_args(argv)
    global PG_REPLICAS
    PG_REPLICAS = args.pg_replicas
    sizes = [int(s.replace("_", "")) for s in args.reports.split(",") if s.strip()]
    print(f"gikportal benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    results = []
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    if args.baseline_only:
        backends = backends[:1]
    for n in sizes:
        for i, name in enumerate(backends):
            with tempfile.TemporaryDirectory(prefix=f"gikportal-bench-{n}-", dir=args.workdir) as tmp:
                baseline = (i == 0 and not args.no_baseline
                            and (args.baseline_max is None or n <= args.baseline_max))
                result = run_size(n, tmp, args.reps, baseline, args.load_seconds, args.seed, name,
                                  ours=not args.baseline_only)
            results.append(result)
            print(format_result(result), flush=True)
            if args.json:
                Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
