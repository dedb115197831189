"""Loopback load test: the portal under waitress in a subprocess, N clients for S seconds.

`python -m tools.loadtest --reports 200 --clients 32 --seconds 60` builds a throw-away
archive and index, serves it with the production WSGI server (waitress, threads=8) on
127.0.0.1, replays a fixed mix of searches, facet filters, report and section pages, the
search API and the CSV export, and prints requests, errors, requests/s and p50/p95/p99 per
kind. Exit status 1 when any request failed. Only loopback traffic; every loop is bounded.
"""
import argparse
import http.client
import json
import logging
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from gikportal import config as _config

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("行政复议", "政府信息", "依申请公开", "行政诉讼", "主动公开", "年度报告", "收费", "解放区")
KINDS = ("search", "facet", "report", "section", "api", "export")
MAX_REQUESTS_PER_CLIENT = 1_000_000
REQUEST_TIMEOUT = 30


def build_corpus(workdir, reports, seed=0):
    """Archive + index under workdir with `reports` reports; returns (config, records)."""
    from gikportal.ingest import ingest_paths

    workdir = Path(workdir)
    cfg = _config.from_env()
    cfg.update(ARCHIVE_DIR=str(workdir / "archive"), INDEX_DIR=str(workdir / "index"))
    if reports <= 5:
        paths = sorted((ROOT / "samples").glob("*.txt"))[:max(reports, 1)]
    else:
        from .generate import write_files
        paths = write_files(workdir / "src", reports, seed)
    summary = ingest_paths(cfg, paths)
    records = [r.record for r in summary.results if r.status == "added" and r.record]
    if not records:
        raise RuntimeError("no report could be ingested: " + summary.line())
    return cfg, records


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(archive_dir, index_dir, port, threads=8):
    """Run in the server subprocess: the real app under waitress, rate limits raised out of the way."""
    from waitress import serve as waitress_serve
    from gikportal import create_app

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # 32 clients > 8 threads queue by design

    app = create_app({"ARCHIVE_DIR": archive_dir, "INDEX_DIR": index_dir, "WARM_INDEX": True,
                      "RATELIMIT_API": "100000000 per minute"})
    waitress_serve(app, host="127.0.0.1", port=port, threads=threads,
                   connection_limit=1000, channel_timeout=60, _quiet=True)


def gunicorn_app():
    """The app for gunicorn's workers (`tools.loadtest:gunicorn_app()`), configured from the
    environment like any deployment, rate limits raised out of the way of the load."""
    from gikportal import create_app

    return create_app({"RATELIMIT_API": "100000000 per minute", "WARM_INDEX": True})


def start_server(cfg, threads=8, ready_timeout=300, server="waitress", workers=1, admin_token=None):
    """Start the server subprocess and wait (bounded) until /healthz says ready, its index open
    and warm (with gunicorn, until every worker has answered ready); returns (process, port).

    server="waitress": one process, `threads` threads (what `python app.py` runs);
    server="gunicorn": `workers` processes of `threads` threads each, so every core serves."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               GIKPORTAL_ARCHIVE_DIR=cfg["ARCHIVE_DIR"], GIKPORTAL_INDEX_DIR=cfg["INDEX_DIR"])
    if admin_token:
        env["GIKPORTAL_ADMIN_TOKEN"] = admin_token
    if cfg.get("BACKEND"):
        env.update(GIKPORTAL_BACKEND=cfg["BACKEND"], DATABASE_URL=cfg.get("DATABASE_URL") or "",
                   GIKPORTAL_DATABASE_REPLICA_URLS=" ".join(cfg.get("DATABASE_REPLICA_URLS") or ()))
    if server == "gunicorn":
        args = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
                "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120",
                "tools.loadtest:gunicorn_app()"]
    else:
        code = ("import sys; from tools.loadtest import serve; "
                "serve(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))")
        args = [sys.executable, "-c", code, cfg["ARCHIVE_DIR"], cfg["INDEX_DIR"], str(port), str(threads)]
    proc = subprocess.Popen(args, env=env, cwd=str(ROOT))
    try:
        wait_ready(port, ready_timeout, proc, workers if server == "gunicorn" else 1)
    except BaseException:
        stop_server(proc)
        raise
    return proc, port


def wait_ready(port, timeout, proc=None, workers=1):
    """Poll GET /healthz until `workers` different processes (the pid in its answer) said ready:
    each connection may land on any gunicorn worker; returns the seconds waited."""
    start = time.monotonic()
    ready = set()
    while time.monotonic() < start + timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200:
                ready.add(json.loads(body).get("pid"))
        except (OSError, ValueError):
            pass
        if len(ready) >= max(1, workers):
            return time.monotonic() - start
        time.sleep(0.05 if ready else 0.2)
    raise RuntimeError("server was not ready within %ss" % timeout)


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def request_paths(records):
    """The fixed mix: one generator of (kind, path) per kind, drawn from the ingested records."""
    years = sorted({r["year"] for r in records if r.get("year")}) or [2024]
    provinces = sorted({(r.get("region") or {}).get("province") for r in records} - {None}) or ["河南省"]
    sections = [(r["id"], s["n"]) for r in records for s in r.get("sections") or []]
    ids = [r["id"] for r in records]

    def q(params):
        return "?" + urlencode(params, doseq=True)

    def pick(rng, kind):
        word = rng.choice(WORDS)
        if kind == "search":
            return "/search" + q({"q": word if rng.random() < 0.7 else f"{word} {rng.choice(WORDS)}"})
        if kind == "facet":
            params = [("year", str(rng.choice(years))), ("province", rng.choice(provinces))]
            params.append(rng.choice([("format", "2019"), ("finding", "sued"), ("finding", "failed"),
                                      ("q", word), ("sort", "-year")]))
            return "/search" + q(params)
        if kind == "report":
            return "/reports/" + quote(rng.choice(ids))
        if kind == "section":
            rid, n = rng.choice(sections) if sections else (rng.choice(ids), 1)
            return f"/reports/{quote(rid)}/s/{n}"
        if kind == "api":
            return "/api/search" + q({"q": word, "year": str(rng.choice(years))})
        return "/export.csv" + q({"q": word})

    return pick


def _client(port, pick, seed, until, results, lock):
    rng = random.Random(seed)
    conn = None
    local = []
    for i in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= until:
            break
        kind = KINDS[(seed + i) % len(KINDS)]
        path = pick(rng, kind)
        start = time.perf_counter()
        error = None
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                error = f"HTTP {response.status}"
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
            if conn is not None:
                conn.close()
            conn = None
        local.append((kind, (time.perf_counter() - start) * 1000, error, path))
    if conn is not None:
        conn.close()
    with lock:
        results.extend(local)


def percentile(values, p):
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def summarise(results, seconds):
    """Rows of (kind, requests, errors, req/s, p50, p95, p99) per kind and overall."""
    rows = []
    writes = ("upload",) if any(r[0] == "upload" for r in results) else ()
    for kind in KINDS + writes + ("all",):
        sel = [r for r in results if kind == "all" or r[0] == kind]
        ms = sorted(r[1] for r in sel)
        rows.append({"kind": kind, "requests": len(sel), "errors": sum(1 for r in sel if r[2]),
                     "rps": len(sel) / seconds if seconds else 0.0,
                     "p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99)})
    return rows


def format_table(rows):
    head = f"{'kind':<8} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['kind']:<8} {r['requests']:>9} {r['errors']:>7} {r['rps']:>8.1f} "
                     f"{r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f}")
    return "\n".join(lines)


def run(reports=200, clients=32, seconds=60, threads=8, seed=0, workdir=None, server="waitress", workers=1,
        writes=False):
    """Build, serve, load, stop. Returns {"rows", "errors": [(kind, path, error)], "elapsed", "reports"}.

    writes=True: during the load an operator uploads reports through /admin/upload (form, CSRF,
    token) and an `ingest` of another batch runs in a second process; afterwards every report
    written is looked up on the server ("unsearchable" lists those it cannot find)."""
    with tempfile.TemporaryDirectory(prefix="gikportal-load-", dir=workdir) as tmp:
        cfg, records = build_corpus(tmp, reports, seed)
        token = secrets.token_urlsafe(16) if writes else None
        proc, port = start_server(cfg, threads, server=server, workers=workers, admin_token=token)
        writing = []
        try:
            pick = request_paths(records)
            results, lock = [], threading.Lock()
            start = time.monotonic()
            until = start + seconds
            workers = [threading.Thread(target=_client, args=(port, pick, seed * 1000 + i, until, results, lock),
                                        daemon=True) for i in range(clients)]
            if writes:
                writing = _start_writes(cfg, Path(tmp), port, token, until, seed, results, lock)
            for w in workers + [t for t in writing if isinstance(t, threading.Thread)]:
                w.start()
            for w in workers:
                w.join(seconds + REQUEST_TIMEOUT + 10)
            elapsed = time.monotonic() - start
            written = _finish_writes(writing, seconds) if writes else {}
            unsearchable = [rid for rid in written.get("ids", ()) if not _found(port, rid)]
        finally:
            stop_server(proc)
    with lock:
        results = list(results)
    return {"rows": summarise(results, elapsed), "elapsed": elapsed, "reports": len(records),
            "errors": [(k, p, e) for k, _, e, p in results if e],
            "hung_clients": sum(1 for w in workers if w.is_alive()),
            "written": len(written.get("ids", ())), "write_errors": written.get("errors", []),
            "unsearchable": unsearchable}


WRITE_BATCH = 40           # reports the background ingest adds; uploads take what the time allows
UPLOAD_EVERY = 2.5         # seconds between uploads: under the upload rate limit (30 a minute)


def _start_writes(cfg, tmp, port, token, until, seed, results, lock):
    """The uploader thread and the background ingest process (started here, the thread by run)."""
    from .generate import write_files

    uploads = write_files(tmp / "uploads", 200, seed + 101)
    batch = write_files(tmp / "batch", WRITE_BATCH, seed + 202)
    env = dict(os.environ, PYTHONPATH=str(ROOT), GIKPORTAL_ARCHIVE_DIR=cfg["ARCHIVE_DIR"],
               GIKPORTAL_INDEX_DIR=cfg["INDEX_DIR"])
    ingest = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "ingest", str(tmp / "batch")],
                              env=env, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    done = {"ids": [], "errors": []}
    uploader = threading.Thread(target=_uploader, args=(port, token, uploads, until, done, results, lock), daemon=True)
    return [uploader, ingest, batch, done]


def _finish_writes(writing, seconds):
    """Wait for the uploader and the ingest; the ids of every report written and what failed."""
    uploader, ingest, batch, done = writing
    uploader.join(seconds + REQUEST_TIMEOUT + 10)
    try:
        output = ingest.communicate(timeout=600)[0].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        ingest.kill()
        output = ingest.communicate()[0].decode("utf-8", "replace")
    if ingest.returncode != 0:
        done["errors"].append(f"ingest exited {ingest.returncode}: {output[-300:]}")
    from gikportal.archive import report_id

    done["ids"] += [report_id(path.read_bytes()) for path in batch]
    return done


def _uploader(port, token, files, until, done, results, lock):
    """Upload reports as an operator does: the form (its CSRF token and session cookie), then the
    file with the admin token; each upload is one request of kind "upload" in the results."""
    for path in files:
        if time.monotonic() >= until:
            break
        start = time.perf_counter()
        error = None
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            conn.request("GET", "/admin/upload")
            form = conn.getresponse()
            page = form.read().decode("utf-8")
            cookie = (form.getheader("Set-Cookie") or "").split(";")[0]
            csrf = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            body, content_type = _multipart({"csrf_token": csrf, "token": token}, "report", path.name,
                                            path.read_bytes())
            conn.request("POST", "/admin/upload", body, {"Content-Type": content_type, "Cookie": cookie})
            answer = conn.getresponse()
            answer.read()
            conn.close()
            if answer.status != 200:
                error = f"HTTP {answer.status}"
            else:
                from gikportal.archive import report_id

                done["ids"].append(report_id(path.read_bytes()))
        except (OSError, http.client.HTTPException, AttributeError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        with lock:
            results.append(("upload", (time.perf_counter() - start) * 1000, error, "/admin/upload"))
        if error:
            done["errors"].append(f"upload {path.name}: {error}")
        time.sleep(UPLOAD_EVERY)


def _multipart(fields, name, filename, data):
    """(body, content type) of a multipart/form-data POST with text fields and one file."""
    boundary = "gikportal" + secrets.token_hex(8)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _found(port, rid):
    """Whether the report is archived and searchable: its record, and its hit when its agency's
    name is searched for in its year."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", f"/api/reports/{rid}")
        response = conn.getresponse()
        record = json.loads(response.read())
        if response.status != 200 or not record.get("agency"):
            return response.status == 200 and record.get("title") is not None
        query = {"q": record["agency"], "per_page": 100}
        if record.get("year"):
            query["year"] = record["year"]
        conn.request("GET", "/api/search?" + urlencode(query))
        response = conn.getresponse()
        hits = json.loads(response.read()).get("hits") or []
        return response.status == 200 and any(h.get("id") == rid for h in hits)
    except (OSError, http.client.HTTPException, ValueError):
        return False
    finally:
        conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--server", choices=("waitress", "gunicorn"), default="waitress")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn worker processes")
    parser.add_argument("--writes", action="store_true",
                        help="uploads through /admin/upload and a background ingest during the load")
    args = parser.parse_args(argv)
    out = run(args.reports, args.clients, args.seconds, args.threads, args.seed, server=args.server,
              workers=args.workers, writes=args.writes)
    shape = f"gunicorn workers={args.workers}" if args.server == "gunicorn" else "waitress"
    print(f"{out['reports']} reports, {args.clients} clients, {out['elapsed']:.1f} s, "
          f"{shape} threads={args.threads}")
    print(format_table(out["rows"]))
    for kind, path, error in out["errors"][:10]:
        print(f"error {kind} {path}: {error}", file=sys.stderr)
    if args.writes:
        print(f"written during the load: {out['written']} reports (uploads and a background ingest), "
              f"{len(out['unsearchable'])} not found afterwards, {len(out['write_errors'])} write errors")
        for error in out["write_errors"][:10]:
            print(f"write error: {error}", file=sys.stderr)
    failed = bool(out["errors"]) or out["hung_clients"] or out["unsearchable"] or out["write_errors"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
