"""OCR benchmark: what scans cost and whether the portal keeps serving while they are read.

`python -m tools.ocrbench --scans 10 --batch 100 --load-seconds 0` prints three things:

1. **Accuracy and seconds per page** of the chosen engine on generated 2019+ reports printed to
   PDF (reportlab, and a DOCX through LibreOffice headless when `soffice` is installed), rendered
   by pdftoppm at 300 dpi, turned, greyed, speckled and rebuilt as image-only PDFs (tools/scans.py):
   agency, year, region and ten table totals against the generator's ground truth, whether all six
   sections were found, and CPU seconds per page on one core (gikportal/extract/ocr.py limits
   Tesseract's OpenMP threads to one; the process's and its children's CPU are both counted).
2. **Ingest of a batch of scans against the same number of text PDFs**: archived and searchable by
   file name at once, OCR left to the queue — reports/s of each.
3. **The OCR backlog drained under load**: the portal under waitress on the scans and some text
   reports, `flask --app app ocr` in a second process, loopback clients (tools/loadtest's mix)
   until the queue is empty: failed requests (must be 0), p95, and how long the backlog took.

Figures are printed, never asserted.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from gikportal import config as _config

from . import loadtest, scans
from .generate import generate, write_files

ROOT = Path(__file__).resolve().parent.parent
TOTALS = [("requests", "new_received", "total"), ("requests", "carried_over", "total"),
          ("requests", "outcome_total", "total"), ("requests", "carried_forward", "total"),
          ("requests", "granted", "total"), ("appeals", "review", "total"),
          ("appeals", "litigation_direct", "total"), ("appeals", "litigation_after_review", "total"),
          ("active", "licensing", "decisions"), ("active", "penalty", "decisions")]


def _dig(d, path):
    for k in path:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def fields_of(record, expected):
    """(name, got, want) for the fields the OCR targets are stated on."""
    out = [(n, record.get(n), expected.get(n)) for n in ("agency", "year", "region")]
    return out + [("/".join(p), _dig(record.get("stats") or {}, p), _dig(expected["stats"], p)) for p in TOTALS]


def printed_scans(n, seed=7, workdir=None):
    """n generated 2021+ reports as (ground truth, image-only PDF): every other one printed by
    LibreOffice from an office DOCX when soffice is installed, the others by reportlab."""
    import shutil

    from gikportal.extract import extract
    from .formats import office_pdf, to_office_docx, to_pdf

    office = shutil.which("soffice") is not None
    out = []
    with tempfile.TemporaryDirectory(prefix="gikportal-ocrbench-", dir=workdir) as tmp:
        for k, rep in enumerate(generate(n, seed=seed, layouts=("tsv", "docx"), years=range(2021, 2025))):
            doc = extract(rep.data, rep.filename)
            if office and k % 2:
                folder = Path(tmp) / str(k)
                folder.mkdir()
                pdf = office_pdf(to_office_docx(doc), folder)
            else:
                pdf = to_pdf(doc)
            out.append((rep.expected, scans.scan_pdf(pdf, seed=k), "libreoffice" if office and k % 2 else "reportlab"))
    return out


def _cpu():
    """(this process's CPU seconds, its children's: Tesseract's) so far."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def accuracy(items):
    """Read every scan in this process: fields right, sections found, CPU and wall seconds per page."""
    from gikportal.extract import extract
    from gikportal.parse import parse_document

    right = total = six = pages = 0
    wrong = []
    cpu = tesseract = wall = 0.0
    for k, (expected, data, how) in enumerate(items):
        (me0, kids0), w0 = _cpu(), time.perf_counter()
        doc = extract(data, "scan.pdf", {"ocr": True})
        me1, kids1 = _cpu()
        cpu += me1 - me0 + kids1 - kids0
        tesseract += kids1 - kids0
        wall += time.perf_counter() - w0
        pages += len(doc.ocr["pages"])
        record = parse_document(doc)
        fields = fields_of(record, expected)
        right += sum(got == want for _, got, want in fields)
        total += len(fields)
        wrong += [(k, how) + f for f in fields if f[1] != f[2]]
        six += [s["n"] for s in record["sections"]] == [1, 2, 3, 4, 5, 6]
    return {"right": right, "total": total, "sections": six, "scans": len(items), "pages": pages,
            "cpu_per_page": cpu / pages if pages else 0.0, "tesseract_per_page": tesseract / pages if pages else 0.0,
            "wall_per_page": wall / pages if pages else 0.0,
            "wrong": wrong}


def _distinct(data, k):
    """The k-th copy of a file, byte-distinct (a PDF comment after %%EOF), so the archive keeps each."""
    return data + f"\n% copy {k}\n".encode()


def ingest_rate(files, workdir):
    """Ingest (name, bytes) files into a fresh archive; returns reports/s."""
    from gikportal.ingest import ingest_paths

    with tempfile.TemporaryDirectory(prefix="gikportal-ocrbench-", dir=workdir) as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        paths = []
        for name, data in files:
            path = src / name
            path.write_bytes(data)
            paths.append(path)
        cfg = _config.from_env()
        cfg.update(ARCHIVE_DIR=str(Path(tmp) / "archive"), INDEX_DIR=str(Path(tmp) / "index"))
        start = time.perf_counter()
        summary = ingest_paths(cfg, paths)
        elapsed = time.perf_counter() - start
        added = sum(1 for r in summary.results if r.status == "added")
    return {"added": added, "seconds": elapsed, "rate": added / elapsed if elapsed else 0.0}


def batches(items, batch):
    """`batch` scans and `batch` text PDFs of the same reports (reportlab's print of each)."""
    from gikportal.extract import extract
    from .formats import to_pdf

    texts = [to_pdf(extract(rep.data, rep.filename))
             for rep in generate(len(items), seed=7, layouts=("tsv", "docx"), years=range(2021, 2025))]
    scans_ = [(f"scan-{k:04d}.pdf", _distinct(items[k % len(items)][1], k)) for k in range(batch)]
    pdfs = [(f"text-{k:04d}.pdf", _distinct(texts[k % len(texts)], k)) for k in range(batch)]
    return scans_, pdfs


def drain_under_load(items, text_reports=20, clients=8, max_seconds=900, workdir=None):
    """Serve an archive of scans (pending) and text reports; drain the queue in a second process
    while clients load the portal. Returns the load rows, errors, scans read and the drain time."""
    from gikportal.archive import Archive
    from gikportal.ingest import ingest_paths
    from gikportal.ocrqueue import pending

    with tempfile.TemporaryDirectory(prefix="gikportal-ocrload-", dir=workdir) as tmp:
        cfg = _config.from_env()
        cfg.update(ARCHIVE_DIR=str(Path(tmp) / "archive"), INDEX_DIR=str(Path(tmp) / "index"))
        paths = write_files(Path(tmp) / "src", text_reports, seed=1)
        for k, (_, data, _) in enumerate(items):
            path = Path(tmp) / "src" / f"scan-{k:04d}.pdf"
            path.write_bytes(data)
            paths.append(path)
        summary = ingest_paths(cfg, paths)
        records = [r.record for r in summary.results if r.status == "added" and r.record and r.record.get("sections")]
        archive = Archive(cfg["ARCHIVE_DIR"])
        waiting = len(pending(archive))
        proc, port = loadtest.start_server(cfg)
        env = dict(os.environ, GIKPORTAL_ARCHIVE_DIR=cfg["ARCHIVE_DIR"], GIKPORTAL_INDEX_DIR=cfg["INDEX_DIR"],
                   PYTHONPATH=str(ROOT))
        try:
            results, lock = [], threading.Lock()
            start = time.monotonic()
            drainer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "ocr", "--workers", "1"],
                                       env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            until = start + max_seconds
            pick = loadtest.request_paths(records)
            threads = [threading.Thread(target=_load_until, daemon=True,
                                        args=(drainer, port, pick, i, until, results, lock)) for i in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(max_seconds + loadtest.REQUEST_TIMEOUT + 10)
            drained = time.monotonic() - start
            if drainer.poll() is None:
                drainer.kill()
            drainer.wait(10)
        finally:
            loadtest.stop_server(proc)
        left = len(pending(archive))
    with lock:
        results = list(results)
    return {"rows": loadtest.summarise(results, drained), "errors": [(k, p, e) for k, _, e, p in results if e],
            "waiting": waiting, "left": left, "seconds": drained, "drainer": drainer.returncode}


def _load_until(drainer, port, pick, i, until, results, lock):
    """One client: loadtest's client in short turns, until the drainer has finished."""
    while time.monotonic() < until and drainer.poll() is None:
        loadtest._client(port, pick, 1000 + i, min(until, time.monotonic() + 2), results, lock)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=10, help="distinct generated scans to read")
    parser.add_argument("--batch", type=int, default=100, help="scans (and text PDFs) in the ingest comparison; 0 skips")
    parser.add_argument("--load-scans", type=int, default=4, help="scans drained under load; 0 skips")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args(argv)
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    from gikportal.extract import ocr

    if not ocr.available():
        print("tesseract-ocr with chi_sim is not installed (tests/run.sh installs it)", file=sys.stderr)
        return 2
    print(f"engine: {ocr.engine_name()}, {scans.DPI} dpi, one Tesseract thread")
    items = printed_scans(args.scans, workdir=args.workdir)
    acc = accuracy(items)
    print(f"accuracy: {acc['right']}/{acc['total']} fields ({acc['right'] / acc['total']:.1%}) on {acc['scans']} scans, "
          f"six sections on {acc['sections']}/{acc['scans']}")
    print(f"seconds per page: {acc['cpu_per_page']:.2f} CPU (one core; {acc['tesseract_per_page']:.2f} of it Tesseract's own), "
          f"{acc['wall_per_page']:.2f} wall, over {acc['pages']} pages")
    for k, how, name, got, want in acc["wrong"]:
        print(f"  scan {k} ({how}) {name}: read {got!r}, printed {want!r}")
    if args.batch:
        scan_files, pdf_files = batches(items, args.batch)
        s, t = ingest_rate(scan_files, args.workdir), ingest_rate(pdf_files, args.workdir)
        print(f"ingest of {args.batch}: scans {s['rate']:.1f} reports/s ({s['seconds']:.1f} s), "
              f"text PDFs {t['rate']:.1f} reports/s ({t['seconds']:.1f} s), ratio {s['rate'] / t['rate']:.2f}")
    if args.load_scans:
        out = drain_under_load(items[:args.load_scans], clients=args.clients, workdir=args.workdir)
        print(f"drain under load: {out['waiting']} scans waiting, {out['left']} left after {out['seconds']:.1f} s, "
              f"{len(out['errors'])} failed requests")
        print(loadtest.format_table(out["rows"]))
        for kind, path, error in out["errors"][:10]:
            print(f"error {kind} {path}: {error}", file=sys.stderr)
        return 1 if out["errors"] or out["left"] else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
