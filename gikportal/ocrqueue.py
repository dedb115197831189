"""Scans wait here for OCR, so ingest never does: a scan is archived and indexed at once with the
record records.scan_record makes (「扫描件，文字识别中」), and this queue machine-reads it later.

The queue is the archive itself — every record whose "ocr" state is "pending" — so it survives
restarts and needs no other store. It drains through `flask --app app ocr` or a background thread
of the portal process (start_worker); a file lock in the archive lets only one drainer run at a
time across processes (waitress, every gunicorn worker, a CLI run).
"""
import logging
import threading

from filelock import FileLock, Timeout

from . import ingest
from .archive import Archive
from .backend import for_config as backend_for

log = logging.getLogger(__name__)


def pending(archive):
    """Ids of archived scans still waiting for OCR, oldest first."""
    waiting = []
    for rid in archive.ids():
        record = archive.record(rid)
        if record is not None and (record.get("ocr") or {}).get("state") == "pending":
            waiting.append(((archive.meta(rid) or {}).get("ingested_at") or "", rid))
    return [rid for _, rid in sorted(waiting)]


def _limits(config):
    limits = dict(ingest.limits_of(config), ocr=True)
    limits["timeout"] = config["OCR_TIMEOUT"]          # OCR takes seconds a page, parsing milliseconds
    return limits


def _lock(config):
    return FileLock(str(Archive(config["ARCHIVE_DIR"]).root / ".ocr.lock"))


def drain(config, limit=None, progress=None, workers=1):
    """OCR up to `limit` pending scans; returns (read, failed). A scan OCR cannot read keeps its
    original and gets a record saying why, with state "failed", so it leaves the queue."""
    archive = Archive(config["ARCHIVE_DIR"])
    ids = pending(archive)[:limit] if limit else pending(archive)
    if not ids:
        return 0, 0
    items = ((rid, archive.original_bytes(rid), (archive.meta(rid) or {}).get("filename") or rid) for rid in ids)
    read = failed = 0
    for rid, record, error in ingest.parse_many(items, _limits(config), workers=workers):
        if record is None:
            record = archive.record(rid)
            record["ocr"] = {"state": "failed", "error": error}
            record["warnings"] = [f"扫描件文字识别失败：{error}"]
            failed += 1
        else:
            read += 1
        with ingest.writer_lock(config):
            archive.write_record(rid, record)
        ingest.index_records(config, archive, [record])
        if progress:
            progress(1)
    return read, failed


def drain_once(config, limit=1):
    """One turn of the background worker: drain a few scans if no other process is draining
    (none on a read-only archive: its scans wait until it can be written again)."""
    if not Archive(config["ARCHIVE_DIR"]).writable():
        return 0, 0
    try:
        with _lock(config).acquire(timeout=0):
            return drain(config, limit=limit)
    except Timeout:
        return 0, 0


class Worker(threading.Thread):
    """The portal's background drainer: polls the archive, OCRs a scan at a time, never raises."""

    def __init__(self, config, interval=30.0):
        super().__init__(name="gikportal-ocr", daemon=True)
        self.config, self.interval = config, interval
        self.stopped = threading.Event()

    def run(self):
        idle_at = None      # the index generation at which the archive held no scan to read
        while not self.stopped.is_set():
            try:
                # finding the queue reads every record of the archive; a new scan is indexed as
                # it is archived, so while the index has not changed there is nothing new to find
                generation = backend_for(self.config).generation()
                if generation is not None and generation == idle_at:
                    self.stopped.wait(self.interval)
                    continue
                read, failed = drain_once(self.config)
                if not (read or failed):
                    idle_at = generation
            except Exception:       # a broken scan or a full disk must not kill the thread
                log.exception("OCR worker turn failed")
                read = failed = 0
            if not (read or failed):
                self.stopped.wait(self.interval)

    def stop(self):
        self.stopped.set()


def start_worker(config, interval=30.0):
    """Start the background drainer when OCR is installed; returns the thread or None."""
    from .extract import ocr

    if not ocr.available():
        log.warning("tesseract-ocr (chi_sim) is not installed: scans stay 「扫描件，文字识别中」")
        return None
    worker = Worker(config, interval)
    worker.start()
    return worker
