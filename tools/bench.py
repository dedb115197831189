"""Benchmark: the portal's pipeline and search against a naive Whoosh + jieba baseline.

`python -m tools.bench --reports 1000,10000,100000` takes N generated reports in the formats
offices publish (tools/corpus.py: the mix of --mix, PDFs from LibreOffice and reportlab, DOCX,
HTML, text; cached on disk by seed and size), ingests them end to end (parse + archive + index)
into a throw-away archive, and prints one table per size: ingest reports/s for the mix and for
each kind of file (the first --kind-sample files of each kind ingested alone into an archive of
their own), the main process's share of the ingest's CPU time (the rest is the extraction
workers'), index size against the reports' texts, search and
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
from . import corpus as _corpus

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


def cpu_seconds():
    """(this process, its ended children): user + system CPU seconds so far."""
    return tuple(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                            resource.RUSAGE_CHILDREN)))


def in_child(fn, *args):
    """Run fn(*args) in a fresh spawned process: its own imports, caches and peak RSS."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


# --- the portal -------------------------------------------------------------------------------

def ingest_ours(cfg, paths, cpu=None):
    """End-to-end ingest (parse in workers, archive, index) of every path; returns (records,
    seconds, failed). cpu, a dict, gets the CPU seconds of this (the main) process and of the
    worker processes, which have ended (and so are counted in RUSAGE_CHILDREN) when ingest returns."""
    from gikportal.ingest import ingest_paths

    before, start = cpu_seconds(), time.perf_counter()
    summary = ingest_paths(cfg, paths)
    seconds = time.perf_counter() - start
    if cpu is not None:
        main, workers = (a - b for a, b in zip(cpu_seconds(), before))
        cpu.update(main=main, workers=workers, share=main / ((main + workers) or 1))
    records = [r.record for r in summary.results if r.status == "added" and r.record]
    return records, seconds, summary.count("failed")


def ingest_by_kind(backend, workdir, files, sample):
    """{kind: reports/s}: the first `sample` files of each kind ingested alone into a fresh archive."""
    rates = {}
    for kind in dict.fromkeys(k for _, k, _ in files):
        paths = [p for p, k, _ in files if k == kind][:sample]
        cpu = {}
        with backend_config(backend, Path(workdir) / f"kind-{kind}") as cfg:
            records, seconds, _ = ingest_ours(cfg, paths, cpu)
        rates[kind] = {"files": len(paths), "rate": len(records) / seconds,
                       "rate_cpu": len(records) / ((cpu["main"] + cpu["workers"]) or 1)}
    return rates


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


# --- first runs and start-up (issue 19) ------------------------------------------------------

DROP_CACHES = Path("/proc/sys/vm/drop_caches")
COLD_OS = {"enabled": True,  # --no-drop-caches: skip the pass with the page cache dropped
           "first_runs": True}  # --no-first-runs (with --archive): skip the fresh processes' first runs


def drop_os_cache():
    """Empty the operating system's page cache (root only); False when not allowed."""
    try:
        os.sync()
        DROP_CACHES.write_text("3\n")
        return True
    except OSError:
        return False


def measure_start(cfg):
    """In a fresh process: how long the first search takes when nothing was opened before
    (opening the index and jieba's dictionary are in it), then how long warming takes and the
    first search of another word after it, as a served process (/healthz) meets them."""
    from gikportal import create_app
    from gikportal.backend import for_config
    from gikportal.query import SearchParams

    start = time.perf_counter()
    app = create_app(dict(cfg, RATELIMIT_ENABLED=False, TESTING=True))
    app_ms = (time.perf_counter() - start) * 1000
    engine = for_config(app.config)
    start = time.perf_counter()
    engine.search(SearchParams.from_args({"q": "行政诉讼"}))
    unwarmed_ms = (time.perf_counter() - start) * 1000
    return {"app_ms": app_ms, "first_unwarmed_ms": unwarmed_ms}


def measure_warm_start(cfg):
    """In a fresh process: warming at start (what a served process does before /healthz says
    ready), then the first search of a word warming did not read."""
    from gikportal import create_app
    from gikportal.backend import for_config
    from gikportal.query import SearchParams
    from gikportal.web.health import start_warming

    app = create_app(dict(cfg, RATELIMIT_ENABLED=False, TESTING=True))
    start = time.perf_counter()
    start_warming(app, background=False)
    warm_ms = (time.perf_counter() - start) * 1000
    engine = for_config(app.config)
    start = time.perf_counter()
    engine.search(SearchParams.from_args({"q": "行政诉讼"}))
    return {"warm_ms": warm_ms, "first_after_warm_ms": (time.perf_counter() - start) * 1000}


def measure_first_runs(cfg, queries, cold_os):
    """In a fresh, warmed process: the first run of each query (search + facets + snippets),
    the process's cached postings forgotten before each; cold_os also empties the OS page cache
    before each, so every page a query reads comes from the disk."""
    from gikportal import create_app
    from gikportal.backend import for_config
    from gikportal.query import SearchParams
    from gikportal.web.health import start_warming

    app = create_app(dict(cfg, RATELIMIT_ENABLED=False, TESTING=True))
    start_warming(app, background=False)
    engine = for_config(app.config)
    forget = getattr(engine, "forget_cached", lambda: None)
    times, cpu, dropped = [], [], True
    for args in queries:
        params = SearchParams.from_args(args)
        forget()
        if cold_os:
            dropped = drop_os_cache() and dropped
        start, start_cpu = time.perf_counter(), time.process_time()
        engine.search(params)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    # CPU time beside wall time: on a shared machine the wall clock also counts other programs
    return {"ms": times, "cpu_ms": cpu, "os_cache_dropped": bool(cold_os and dropped)}


def measure_cold(cfg, queries):
    """First runs warm and cold, start-up unwarmed and warmed, each in its own fresh process."""
    out = {"start": in_child(measure_start, cfg), "warm_start": in_child(measure_warm_start, cfg),
           "first_warm_os": in_child(measure_first_runs, cfg, queries, False),
           "first_cold_os": in_child(measure_first_runs, cfg, queries, COLD_OS["enabled"])}
    return out


@contextlib.contextmanager
def timed_settle(cfg):
    """Within the block, time the final merge (settle) of a bulk ingest in this process: yields
    the list the seconds of each settle are appended to."""
    from gikportal.backend import for_config

    cls = type(for_config(cfg))
    original, seconds = cls.settle, []

    def timed(self):
        start = time.perf_counter()
        try:
            return original(self)
        finally:
            seconds.append(time.perf_counter() - start)

    cls.settle = timed
    try:
        yield seconds
    finally:
        cls.settle = original


def run_existing(workdir, reps=3, seed=0, backend="whoosh", cfg=None):
    """Search figures on an archive an earlier run left in workdir (workdir/archive and
    workdir/index, e.g. built once with tools.generate and `flask ingest`; for postgres cfg's
    database, e.g. filled by `existing_postgres`): repeated runs, first runs warm and cold,
    start-up; nothing is generated or ingested."""
    import itertools

    from gikportal.archive import Archive

    if cfg is None:
        cfg = _config.from_env()
        cfg.update(ARCHIVE_DIR=str(Path(workdir) / "archive"), INDEX_DIR=str(Path(workdir) / "index"), BACKEND=backend)
    records = [r for r in itertools.islice(Archive(cfg["ARCHIVE_DIR"]).records(), QUERY_SAMPLE) if r]
    queries = fill_queries(records, seed)
    page_ids = random.Random(seed).sample([r["id"] for r in records], min(PAGE_SAMPLE, len(records)))
    n = in_child(_doc_count, cfg)
    src = Path(workdir) / "src"  # the generated originals, when they were kept
    result = {"n": n, "backend": f"{backend} (existing archive)", "failed": 0,
              "texts_bytes": dir_bytes(src) if src.is_dir() else originals_bytes(cfg["ARCHIVE_DIR"]),
              "ingest_rate": 0.0, "index_bytes": in_child(_index_bytes, cfg), "queries": len(queries),
              "_queries": queries}
    result["ours"] = in_child(measure_ours, cfg, queries, page_ids, reps)
    result["cold"] = measure_cold(cfg, queries) if COLD_OS["first_runs"] else None
    return result


def originals_bytes(archive_dir):
    """What the archived originals weigh (their sizes in meta.json): the texts of an all-text
    archive, without the records and metadata beside them."""
    from gikportal.archive import Archive

    archive = Archive(archive_dir)
    return sum((archive.meta(rid) or {}).get("size") or 0 for rid in archive.ids())


# --- PostgreSQL beside Whoosh on an existing archive (issue 17) ---------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stats():
    """{pid: (ppid, own CPU s, reaped children's CPU s)} of every process /proc shows."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rindex(")") + 2:].split()
        utime, stime, cutime, cstime = (int(f) / CLOCK_TICKS for f in fields[11:15])
        stats[int(entry.name)] = (int(fields[1]), utime + stime, cutime + cstime)
    return stats


def tree_cpu(pid, stats=None, skip=None):
    """CPU seconds of a process and all its descendants but skip's, living and ended (an ended
    child's are in its parent's reaped-children times once waited for): a server's or a pool's
    cost so far."""
    stats = _proc_stats() if stats is None else stats
    if pid not in stats or pid == skip:
        return 0.0
    children = [p for p, (ppid, _, _) in stats.items() if ppid == pid]
    return stats[pid][1] + stats[pid][2] + sum(tree_cpu(c, stats, skip) for c in children)


class CpuClock:
    """Marks of wall time, load average and CPU seconds of this process, its workers (its
    descendants) and a server process tree, named by phase."""

    def __init__(self, server=None):
        self.server, self.marks, self.loads = server, [], []

    def mark(self, name):
        stats = _proc_stats()
        own = stats.get(os.getpid(), (0, 0.0, 0.0))[1]
        total = tree_cpu(os.getpid(), stats, skip=self.server)  # a throw-away server is our child
        self.marks.append({"name": name, "t": time.perf_counter(), "main": own, "workers": total - own,
                           "server": tree_cpu(self.server, stats) if self.server else None,
                           "load": os.getloadavg()[0]})

    def phases(self):
        """[{phase, seconds, main, workers, server}] between consecutive marks (named by the first)."""
        out = []
        for a, b in zip(self.marks, self.marks[1:]):
            out.append({"phase": a["name"], "seconds": b["t"] - a["t"], "main": b["main"] - a["main"],
                        "workers": b["workers"] - a["workers"],
                        "server": None if a["server"] is None else b["server"] - a["server"]})
        return out


@contextlib.contextmanager
def _patched(module, name, before=None, after=None):
    """module.name wrapped so before() runs before each call and after() after it."""
    original = getattr(module, name)

    def wrapped(*args, **kwargs):
        if before:
            before()
        try:
            return original(*args, **kwargs)
        finally:
            if after:
                after()

    setattr(module, name, wrapped)
    try:
        yield
    finally:
        setattr(module, name, original)


def _every(n, clock):
    """A reindex progress callback printing a line every n records (rate so far, load average)."""
    seen = [0]

    def progress(step):
        seen[0] += step
        if n and seen[0] % n == 0:
            seconds = time.perf_counter() - clock.marks[0]["t"]
            print(f"  reindex: {seen[0]:,} records streamed in {seconds:,.0f} s, load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)

    return progress


def timed_reindex(cfg, sample_seconds=10.0, progress_every=10_000):
    """`reindex` of cfg's archive into cfg's PostgreSQL database, timed by phase (ingest.reindex:
    the cross-report facts from the archive, then pgindex.rebuild: text analysed in worker
    processes and COPYed into shadow tables, their indexes built, VACUUM ANALYZE, the swap):
    wall and CPU seconds of this process, of its worker processes and of the server (when it
    runs here), the time this process spent inside COPY, and the load average sampled meanwhile."""
    import threading

    from gikportal import ingest, pgindex

    from .pgserver import postmaster_pid

    clock = CpuClock(postmaster_pid(cfg["DATABASE_URL"]))
    inside_copy = {"seconds": 0.0, "cpu": 0.0, "calls": 0}
    started = []

    def copy_began():
        started.append((time.perf_counter(), time.process_time()))

    def copy_ended():
        wall, cpu = started.pop()
        inside_copy["seconds"] += time.perf_counter() - wall
        inside_copy["cpu"] += time.process_time() - cpu
        inside_copy["calls"] += 1

    done = threading.Event()

    def sample():
        while not done.wait(sample_seconds):
            clock.loads.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(_patched(pgindex, "rebuild", lambda: clock.mark("analysis in workers + COPY")))
            stack.enter_context(_patched(pgindex, "_copy", copy_began, copy_ended))
            stack.enter_context(_patched(pgindex, "_index_shadows", lambda: clock.mark("index builds"),
                                         lambda: clock.mark("VACUUM ANALYZE")))
            stack.enter_context(_patched(pgindex, "_swap", lambda: clock.mark("swap"),
                                         lambda: clock.mark("after the swap")))
            clock.mark("cross-report facts (archive read twice)")
            count = ingest.reindex(cfg, progress=_every(progress_every, clock))
            clock.mark("end")
    finally:
        done.set()
        sampler.join()
    phases = clock.phases()
    total = {key: sum(p[key] or 0 for p in phases) for key in ("seconds", "main", "workers", "server")}
    loads = clock.loads or [m["load"] for m in clock.marks]
    timing = {"count": count, "phases": phases, "total": total, "inside_copy": inside_copy,
            "server_measured": clock.server is not None,
            "load": {"min": min(loads), "mean": statistics.fmean(loads), "max": max(loads)}}
    print(format_reindex(timing), flush=True)  # before the searches are measured, which take long at 100,000
    return timing


@contextlib.contextmanager
def existing_postgres(archive_dir, scratch, database_url=None, reindex=True):
    """Config for the PostgreSQL backend over archive_dir's reports, and the reindex's timing:
    the database at database_url (reindexed unless reindex=False: it already holds them) or a
    fresh one on a throw-away tools.pgserver server. The archive is only read; what reindex
    keeps beside the index (the copy index) goes to scratch."""
    cfg = _config.from_env()
    cfg.update(ARCHIVE_DIR=str(archive_dir), INDEX_DIR=str(Path(scratch) / "pg-index"), BACKEND="postgres")
    with contextlib.ExitStack() as stack:
        if database_url is None:
            from .pgserver import temporary_server

            server = stack.enter_context(temporary_server(tcp=True))
            database_url = server.create_database("gikbench")
        cfg["DATABASE_URL"] = database_url
        yield cfg, (timed_reindex(cfg) if reindex else None)


def run_existing_both(workdir, backends, reps=3, seed=0, database_url=None, reindex=True, scratch=None,
                      each=None):
    """Each backend in turn on the same existing archive, queries and report pages: Whoosh from
    workdir/index, PostgreSQL from a database reindexed from workdir/archive (existing_postgres).
    each(name, result), if given, gets each backend's result as soon as it is measured."""
    done = {}
    with contextlib.ExitStack() as stack:
        scratch = scratch or stack.enter_context(tempfile.TemporaryDirectory(prefix="gikportal-bench-pg-"))
        for name in sorted(backends, key=lambda b: b != "postgres"):  # the long reindex first
            if name != "postgres":
                done[name] = run_existing(workdir, reps, seed, name)
                if each:
                    each(name, done[name])
                continue
            with existing_postgres(Path(workdir) / "archive", scratch, database_url, reindex) as (cfg, timing):
                done[name] = run_existing(workdir, reps, seed, name, cfg)
            done[name]["reindex"] = timing
            if each:
                each(name, done[name])
    results = [done[name] for name in backends]
    queries = [r.pop("_queries") for r in results]
    for result in results:
        result["same_queries"] = all(q == queries[0] for q in queries)
    return results


def format_reindex(t):
    """The reindex into PostgreSQL, whole and by phase (timed_reindex)."""
    total, n = t["total"], t["count"]
    server = f", the server {total['server']:,.0f} s" if t["server_measured"] else " (the server is not on this machine)"
    lines = [f"  reindex into PostgreSQL: {n:,} reports in {total['seconds']:,.0f} s wall ({n / (total['seconds'] or 1):,.1f}"
             f" reports/s); CPU: this process {total['main']:,.0f} s, its workers {total['workers']:,.0f} s{server}; "
             f"load average {t['load']['min']:.1f}-{t['load']['max']:.1f} (mean {t['load']['mean']:.1f})",
             f"    {'phase':<42} {'wall s':>9} {'main CPU':>9} {'workers':>9} {'server':>9}"]
    for p in t["phases"]:
        cpu = "" if p["server"] is None else f"{p['server']:,.1f}"
        lines.append(f"    {p['phase']:<42} {p['seconds']:>9,.1f} {p['main']:>9,.1f} {p['workers']:>9,.1f} {cpu:>9}")
    c = t["inside_copy"]
    lines.append(f"    this process inside COPY: {c['seconds']:,.1f} s wall, {c['cpu']:,.1f} s CPU, {c['calls']:,} batches")
    return "\n".join(lines)


def format_side_by_side(results):
    """An existing archive, one column per engine (issue 17): the same queries and report pages."""
    mb, first = 1024 * 1024, results[0]
    lines = [f"{first['n']:,} reports side by side ({first['texts_bytes'] / mb:,.1f} MB of original texts, "
             f"{first['queries']} queries{'' if first['same_queries'] else ', NOT the same in every column'})"]

    def row(label, cells):
        lines.append(f"  {label:<60}" + "".join(f"{c:>20}" for c in cells))

    def pct(values):
        return "{:,.1f} / {:,.1f}".format(*percentiles(values))

    row("", [r["backend"].split()[0] for r in results])
    row("reports in the index", [f"{r['n']:,}" for r in results])
    row("on disk, MB / original texts", [f"{r['index_bytes'] / mb:,.0f} / {r['index_bytes'] / r['texts_bytes']:.2f}"
                                          for r in results])
    def cold(key, fn):
        return [fn(r["cold"][key]) if r.get("cold") else "—" for r in results]

    row("first run in a fresh process, search + facets p50 / p95, ms", cold("first_warm_os", lambda c: pct(c["ms"])))
    row("  the same in the portal's CPU time (not the server's), ms", cold("first_warm_os", lambda c: pct(c["cpu_ms"])))
    row("  page cache dropped before each query, ms",
        cold("first_cold_os", lambda c: pct(c["ms"]) + ("" if c["os_cache_dropped"] else " (not dropped)")))
    row("first run in the measuring process p50 / p95, ms", [pct(r["ours"]["cold"]) for r in results])
    row("search p50 / p95 (repeated), ms", [pct(r["ours"]["search"]) for r in results])
    row("search + all facets p50 / p95 (repeated), ms", [pct(r["ours"]["facets"]) for r in results])
    row("search page (Flask) p50 / p95, ms", [pct(r["ours"]["search_page"]) for r in results])
    row("report page (Flask) p50 / p95, ms", [pct(r["ours"]["report_page"]) for r in results])
    row("first query after start, unwarmed, ms", cold("start", lambda c: f"{c['first_unwarmed_ms']:,.0f}"))
    row("warming at start / first query after, ms",
        cold("warm_start", lambda c: f"{c['warm_ms']:,.0f} / {c['first_after_warm_ms']:,.0f}"))
    row("peak RSS of the portal process, MB", [f"{r['ours']['rss'] / mb:,.0f}" for r in results])
    same = [sum(a == b for a, b in zip(r["ours"]["totals"], first["ours"]["totals"])) for r in results]
    row(f"queries with {first['backend'].split()[0]}'s hit count", [f"{s}/{first['queries']}" for s in same])
    lines += [format_reindex(r["reindex"]) for r in results if r.get("reindex")]
    return "\n".join(lines)


def _doc_count(cfg):
    from gikportal.backend import for_config

    return for_config(cfg).doc_count()


def format_cold(c, merge_seconds=None, ingest_seconds=None):
    """The first-run lines of issue 19, beside their targets."""
    warm = percentiles(c["first_warm_os"]["ms"])
    cold = percentiles(c["first_cold_os"]["ms"])
    cold_note = "" if c["first_cold_os"]["os_cache_dropped"] else " (page cache NOT dropped: not root, or --no-drop-caches)"
    warm_cpu, cold_cpu = percentiles(c["first_warm_os"]["cpu_ms"]), percentiles(c["first_cold_os"]["cpu_ms"])
    lines = ["  first runs (a fresh warmed process, each query's postings not yet read):",
             f"    {'first run, search + facets p50 / p95, ms':<44} warm OS cache {warm[0]:,.1f} / {warm[1]:,.1f}"
             f" (target p95 <= 100)   cold OS cache {cold[0]:,.1f} / {cold[1]:,.1f}{cold_note}",
             f"    {'  the same in CPU time, ms':<44} warm OS cache {warm_cpu[0]:,.1f} / {warm_cpu[1]:,.1f}"
             f"                      cold OS cache {cold_cpu[0]:,.1f} / {cold_cpu[1]:,.1f}",
             f"    {'first query after start, unwarmed, ms':<44} {c['start']['first_unwarmed_ms']:,.1f}"
             " (opening the index, jieba's dictionary, first imports)",
             f"    {'warming at start (before /healthz 200), ms':<44} {c['warm_start']['warm_ms']:,.1f}",
             f"    {'first query after warming, ms':<44} {c['warm_start']['first_after_warm_ms']:,.1f} (target <= 500)"]
    if merge_seconds is not None:
        share = f" ({merge_seconds / ingest_seconds:.0%} of ingest)" if ingest_seconds else ""
        lines.append(f"    {'final merge (settle) of the bulk ingest, s':<44} {merge_seconds:,.1f}{share}")
    return "\n".join(lines)


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


def baseline_build(index_dir, files):
    """What a first attempt looks like: each library's plain text (tools/naive.py), the fields
    parsed from that text, one Whoosh writer with jieba's analyzer. files: [(path, kind)].
    Returns (count, seconds, cpu seconds, {kind: (reports/s, reports per CPU second)}), the last
    from the time spent on each file of the kind (reading, parsing, adding it), the final commit
    shared out by count."""
    import jieba
    from whoosh import index as windex

    from gikportal.archive import report_id
    from gikportal.figures import headline
    from gikportal.records import build_record

    from .naive import text_of

    jieba.setLogLevel(60)
    jieba.initialize()
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    start, cpu = time.perf_counter(), time.process_time()
    ix = windex.create_in(index_dir, _baseline_schema())
    writer = ix.writer(limitmb=256)
    count, per_kind = 0, {}
    for path, kind in files:
        begun, begun_cpu = time.perf_counter(), time.process_time()
        try:
            data = Path(path).read_bytes()
            record = build_record(text_of(data, Path(path).name).encode("utf-8"), "report.txt")
        except Exception:  # the baseline just skips what it cannot parse
            continue
        region = record.get("region") or {}
        figures = headline(record)
        doc = {"id": report_id(data), "title": record.get("title") or "",
               "content": "\n".join(s.get("text") or "" for s in record.get("sections") or []),
               "year": str(record.get("year") or ""), "province": region.get("province") or "",
               "city": region.get("city") or "", "agency": record.get("agency") or "",
               "format": record.get("format") or ""}
        doc.update({f: float(figures[f]) for f in BASELINE_FIGURES if figures.get(f) is not None})
        writer.add_document(**doc)
        count += 1
        done = per_kind.setdefault(kind, [0, 0.0, 0.0])
        done[0] += 1
        done[1] += time.perf_counter() - begun
        done[2] += time.process_time() - begun_cpu
    committing, committing_cpu = time.perf_counter(), time.process_time()
    writer.commit()
    share = (time.perf_counter() - committing) / (count or 1)
    share_cpu = (time.process_time() - committing_cpu) / (count or 1)
    rates = {kind: (n, n / (seconds + n * share), n / (cpu_s + n * share_cpu))
             for kind, (n, seconds, cpu_s) in per_kind.items()}
    return count, time.perf_counter() - start, time.process_time() - cpu, rates


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


def make_corpus(n, seed, opts=None):
    """The corpus (tools/corpus.py) and what it cost: ([(path, kind, text bytes)], facts)."""
    opts = dict(opts or {})
    before, start = cpu_seconds(), time.perf_counter()
    files, cached = _corpus.build(n, seed, mix=opts.get("mix"), pdf_pool=opts.get("pdf_pool", _corpus.PDF_POOL),
                                  root=opts.get("root"), log=lambda line: print("  " + line, flush=True))
    cpu = sum(a - b for a, b in zip(cpu_seconds(), before))
    mix = {kind: sum(1 for _, k, _ in files if k == kind) for kind in dict.fromkeys(k for _, k, _ in files)}
    return files, {"seconds": time.perf_counter() - start, "cpu_seconds": cpu, "cached": cached, "mix": mix,
                   "dir": str(files[0][0].parent) if files else None,
                   "originals_bytes": sum(p.stat().st_size for p, _, _ in files)}


def run_size(n, workdir, reps=3, baseline=True, load_seconds=0, seed=0, backend="whoosh", ours=True,
             corpus_opts=None):
    """One size: the portal on `backend` (unless ours=False), then the naive baseline, on the
    same corpus."""
    workdir = Path(workdir)
    files, made = make_corpus(n, seed, corpus_opts)
    paths = [p for p, _, _ in files]
    gen_seconds = made["seconds"]
    texts = sum(size for _, _, size in files)
    if ours:
        with backend_config(backend, workdir / backend) as cfg:
            result = _run_ours(cfg, n, paths, texts, gen_seconds, reps, load_seconds, seed, backend)
        queries = result.pop("_queries")
        if backend == "whoosh":  # extraction is the engines' common part; one engine shows it
            result["by_kind"] = ingest_by_kind(backend, workdir, files, (corpus_opts or {}).get("sample", 500))
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
    result["corpus"] = made
    if baseline or not ours:
        base_dir = str(workdir / "baseline")
        count, seconds, cpu, by_kind = in_child(baseline_build, base_dir, [(str(p), k) for p, k, _ in files])
        result["baseline"] = in_child(measure_baseline, base_dir, queries, reps)
        # one process on one core: its CPU time is its ingest time on an otherwise idle machine
        result["baseline"].update(ingest_rate=count / seconds, ingest_rate_cpu=count / cpu, by_kind=by_kind,
                                  index_bytes=dir_bytes(base_dir), load=os.getloadavg()[0])
    return result


def _run_ours(cfg, n, paths, texts, gen_seconds, reps, load_seconds, seed, backend):
    cpu = {}
    with timed_settle(cfg) as settles:
        records, ingest_seconds, failed = ingest_ours(cfg, paths, cpu)
    queries = fill_queries(records[:QUERY_SAMPLE], seed)
    page_ids = random.Random(seed).sample([r["id"] for r in records], min(PAGE_SAMPLE, len(records)))
    result = {"n": n, "backend": backend, "generated_seconds": gen_seconds, "texts_bytes": texts,
              "failed": failed, "ingest_rate": len(records) / ingest_seconds, "ingest_cpu": cpu,
              "index_bytes": in_child(_index_bytes, cfg), "queries": len(queries), "_queries": queries}
    result["ours"] = in_child(measure_ours, cfg, queries, page_ids, reps)
    result["cold"] = measure_cold(cfg, queries)
    result["merge_seconds"], result["ingest_seconds"] = sum(settles), ingest_seconds
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


def format_corpus(r):
    """The corpus line: the mix as counted, what the originals weigh, what making them cost."""
    c, n, mb = r["corpus"], r["n"], 1024 * 1024
    mix = ", ".join(f"{count / n:.0%} {kind}" for kind, count in c["mix"].items())
    made = ("from the cache" if c["cached"] else
            f"made in {c['seconds']:,.1f} s ({c['cpu_seconds']:,.1f} s CPU)")
    return f"  corpus: {mix}; originals {c['originals_bytes'] / mb:,.1f} MB; {made}; {c['dir']}"


def format_by_kind(r):
    """Ingest reports/s of each kind of file, the portal's (each kind alone) against the naive's."""
    ours, base = r.get("by_kind") or {}, (r.get("baseline") or {}).get("by_kind") or {}
    if not (ours or base):
        return []
    sample = max((v["files"] for v in ours.values()), default=0)
    lines = [f"  ingest by kind (portal: up to {sample} of each kind alone; naive: its time on each kind in its run)",
             f"  {'reports/s':<18} {'portal':>8} {'naive':>8} {'gain':>6}   {'per CPU second':<14} {'portal':>8} "
             f"{'naive':>8} {'gain':>6}"]

    def cells(ours_rate, base_rate):
        gain = f"{ours_rate / base_rate:.1f}×" if ours_rate and base_rate else ""
        return f"{ours_rate or 0:>8.1f} {f'{base_rate:.1f}' if base_rate else '—':>8} {gain:>6}"

    for kind in dict.fromkeys([*ours, *base]):
        o, b = ours.get(kind) or {}, base.get(kind) or (None, None, None)
        lines.append(f"    {kind:<16} {cells(o.get('rate'), b[1])}   {'':<14} {cells(o.get('rate_cpu'), b[2])}")
    return lines


def format_baseline_only(r):
    b, mb = r["baseline"], 1024 * 1024
    lines = [f"{r['n']:,} reports, naive baseline only ({r['texts_bytes'] / mb:,.1f} MB of report text, "
             f"{r['queries']} queries; load average {b['load']:.1f} while it searched)",
             format_corpus(r),
             f"  ingest, reports/s: {b['ingest_rate']:.1f} wall, {b['ingest_rate_cpu']:.1f} by its CPU time",
             *format_by_kind(r),
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
    cpu = r.get("ingest_cpu") or {}
    lines = [f"{r['n']:,} reports, {r.get('backend', 'whoosh')} backend ({r['texts_bytes'] / mb:,.1f} MB of report text, "
             f"{r['queries']} queries, {r['failed']} failed to parse)",
             *([format_corpus(r)] if "corpus" in r else []),  # an --archive run made no corpus
             f"  {'':<34} {'portal':>14} {'naive':>14} {'gain':>8}",
             _row("ingest, reports/s (end to end)", r["ingest_rate"], b and b["ingest_rate"], better="higher"),
             *([_row("  per CPU second (all processes)", (r["n"] - r["failed"]) / ((cpu["main"] + cpu["workers"]) or 1),
                     b and b["ingest_rate_cpu"], better="higher")] if cpu else []),
             *([f"  main process's share of ingest CPU: {cpu['share']:.1%} ({cpu['main']:,.1f} s; "
                f"extraction workers {cpu['workers']:,.1f} s)"] if cpu else []),
             *format_by_kind(r),
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
    if r.get("cold"):
        lines.append(format_cold(r["cold"], r.get("merge_seconds"), r.get("ingest_seconds")))
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


def copies_scaled(records, n, batch=500):
    """The same derivation over n reports cloned from `records` in memory (new ids, agencies
    and section 5 sets as the generator makes them, each clone another agency): seconds per
    report, batch by batch and as reindex does it, at a size whose ingest would not fit here."""
    import hashlib

    from gikportal import continuity
    from gikportal.copies import CopyIndex

    clones = []
    for i in range(n):
        r = records[i % len(records)]
        rid = hashlib.sha256(f"{r['id']}-{i}".encode()).hexdigest()[:16]
        agency = f"{r.get('agency') or ''}{i // len(records) or ''}"
        clones.append(dict(r, id=rid, agency=agency, agency_key=agency))
    index, by_id = CopyIndex(), {r["id"]: r for r in clones}
    start = time.perf_counter()
    for i in range(0, n, batch):
        continuity.derive_batch(clones[i:i + batch], by_id.get, lambda names: {}, index)
    batch_seconds = time.perf_counter() - start
    start = time.perf_counter()
    continuity.derive_all(clones)
    return {"n": n, "batch_ms_per_report": 1000 * batch_seconds / n,
            "reindex_ms_per_report": 1000 * (time.perf_counter() - start) / n}


def copies_cost(n, workdir, seed=0, batch=500, scale=()):
    """What the scorecard's cross-report facts (gikportal/continuity.py: previous year, copied
    section 5 by MinHash LSH) cost against the whole ingest of the same n reports: the ingest is
    timed end to end (it includes them), then the same derivation alone, batch by batch as ingest
    does it (the copy index growing), and once over the whole archive as reindex does it."""
    from gikportal import continuity
    from gikportal.copies import CopyIndex

    workdir = Path(workdir)
    paths = write_files(workdir / "src", n, seed)
    with backend_config("whoosh", workdir / "whoosh") as cfg:
        records, ingest_seconds, _failed = ingest_ours(cfg, paths)
    index, by_id = CopyIndex(), {r["id"]: r for r in records}
    start = time.perf_counter()
    for i in range(0, len(records), batch):
        continuity.derive_batch(records[i:i + batch], by_id.get, lambda names: {}, index)
    batch_seconds = time.perf_counter() - start
    start = time.perf_counter()
    _cards, full = continuity.derive_all(records)
    full_seconds = time.perf_counter() - start
    distinct = sum(len(y.members) for y in full.years.values())
    ingest_ms = 1000 * ingest_seconds / len(records)
    scaled = [copies_scaled(records, size, batch) for size in scale]
    for row in scaled:
        row["share_of_ingest"] = row["batch_ms_per_report"] / ingest_ms
    return {"n": len(records), "ingest_seconds": ingest_seconds, "batch_seconds": batch_seconds,
            "reindex_seconds": full_seconds, "share_of_ingest": batch_seconds / ingest_seconds,
            "compared": len(full.of), "distinct_section5": distinct,
            "with_copy": sum(1 for c in _cards.values() if c["copy"] and c["copy"]["share"] > 0.5),
            "scaled": scaled}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", default="1000", help="comma-separated sizes, e.g. 1000,10000,100000")
    parser.add_argument("--reps", type=int, default=3, help="timed runs of each query")
    parser.add_argument("--backend", default="whoosh", help="comma-separated: whoosh,postgres (side by side)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive Whoosh + jieba baseline")
    parser.add_argument("--baseline-only", action="store_true", help="run only the naive baseline")
    parser.add_argument("--baseline-max", type=int, default=None, help="run the baseline only up to this size")
    parser.add_argument("--load-seconds", type=int, default=0, help="wrk load test of each size for S seconds")
    parser.add_argument("--workdir", default=None, help="where the throw-away archives go (default: temp; made if missing)")
    parser.add_argument("--mix", default=None, help="kinds of file and their shares, e.g. "
                        + ",".join(f"{k}={v}" for k, v in _corpus.MIX.items()) + " (the default)")
    parser.add_argument("--pdf-pool", type=int, default=_corpus.PDF_POOL,
                        help="distinct LibreOffice PDFs; further office-PDF slots are copies of them")
    parser.add_argument("--corpus-dir", default=None, help=f"where corpora are cached (default: {_corpus.CACHE})")
    parser.add_argument("--kind-sample", type=int, default=500, help="files of each kind ingested alone")
    parser.add_argument("--json", default=None, help="also write the raw figures to this file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--archive", default=None,
                        help="measure search on the archive already in DIR (DIR/archive, DIR/index) instead; "
                             "with --backend whoosh,postgres both side by side, PostgreSQL reindexed from DIR/archive "
                             "(timed; --workdir keeps what reindex writes beside the index)")
    parser.add_argument("--database-url", default=None,
                        help="with --archive and postgres: this database instead of a throw-away server's")
    parser.add_argument("--no-reindex", action="store_true",
                        help="with --database-url: it already holds the archive, measure it as it is")
    parser.add_argument("--no-first-runs", action="store_true",
                        help="with --archive: skip the first runs in fresh processes (minutes at 100,000 on PostgreSQL)")
    parser.add_argument("--no-drop-caches", action="store_true",
                        help="first runs with a warm OS page cache only (dropping it needs root)")
    parser.add_argument("--copies", action="store_true", help="only the cost of the scorecard's copy detection")
    parser.add_argument("--copies-scale", default="", help="with --copies: also over N cloned reports, e.g. 20000,100000")
    parser.add_argument("--pg-replicas", type=int, default=0, help="PostgreSQL: streaming replicas to read from")
    args = parser.parse_args(argv)
    global PG_REPLICAS
    PG_REPLICAS = args.pg_replicas
    COLD_OS["enabled"], COLD_OS["first_runs"] = not args.no_drop_caches, not args.no_first_runs
    if args.archive:
        return _main_existing(args)
    sizes = [int(s.replace("_", "")) for s in args.reports.split(",") if s.strip()]
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    corpus_opts = {"mix": _corpus.parse_mix(args.mix) if args.mix else None, "pdf_pool": args.pdf_pool,
                   "root": args.corpus_dir, "sample": args.kind_sample}
    print(f"gikportal benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    results = []
    if args.copies:
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix=f"gikportal-copies-{n}-", dir=args.workdir) as tmp:
                scale = [int(x) for x in args.copies_scale.split(",") if x.strip()]
                print(json.dumps(copies_cost(n, tmp, args.seed, scale=scale)), flush=True)
        return 0
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    if args.baseline_only:
        backends = backends[:1]
    for n in sizes:
        for i, name in enumerate(backends):
            with tempfile.TemporaryDirectory(prefix=f"gikportal-bench-{n}-", dir=args.workdir) as tmp:
                baseline = (i == 0 and not args.no_baseline
                            and (args.baseline_max is None or n <= args.baseline_max))
                result = run_size(n, tmp, args.reps, baseline, args.load_seconds, args.seed, name,
                                  ours=not args.baseline_only, corpus_opts=corpus_opts)
            results.append(result)
            print(format_result(result), flush=True)
            if args.json:
                Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


def _main_existing(args):
    print(f"gikportal benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"existing archive {args.archive}", flush=True)
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    scratch = None
    if args.workdir:
        scratch = Path(args.workdir)
        scratch.mkdir(parents=True, exist_ok=True)
    partial = {}

    def each(name, result):  # a long run keeps what it measured so far
        partial[name] = result
        if args.json and len(backends) > 1:
            Path(args.json).with_suffix(".partial.json").write_text(json.dumps(partial, ensure_ascii=False, indent=1))

    results = run_existing_both(args.archive, backends, args.reps, args.seed, args.database_url,
                                not args.no_reindex, scratch, each)
    if len(results) == 1:
        print(format_result(results[0]), flush=True)
        if results[0].get("reindex"):
            print(format_reindex(results[0]["reindex"]), flush=True)
    else:
        print(format_side_by_side(results), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
