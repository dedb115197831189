"""The one-way pipeline: original bytes -> archive -> record -> index.

Parsing runs in worker processes (pebble) so a hostile file that hangs or eats memory is
killed after PARSE_TIMEOUT seconds and one bad report never stops a batch. Writes to the
archive and the index are serialised by a file lock, so two ingests at once both complete.
"""
import hashlib
import os
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock
from pebble import ProcessPool

from . import continuity, crossyear
from .backend import for_config as backend_for
from .archive import Archive, is_disk_full, report_id
from .document import ExtractionError
from .extract import media_type_for
from .records import build_record
from .searching import IndexUnavailable

EXTENSIONS = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
BATCH = 2000  # new reports per index commit (and per carry-chain relink) ...
MAX_BATCH = 4000  # ... growing to 4% of the index, so reopening the index after a commit, which
# costs time in proportion to its size, stays a small share of the work per report; with the
# writer's cost per report small, a commit's own cost and the segments settle() merges at the
# end matter: 2,000 at once leaves 10,000 reports in 5 segments, which settle leaves unmerged
WINDOW = 2 * BATCH  # jobs in flight
WINDOW_BYTES = 256 * 1024 * 1024
MAX_TASKS = 2000  # a worker is replaced after this many files, bounding any slow leak
RESERVE_BYTES = 1024 * 1024  # the archive stops taking originals with less free, so the index of
# what it took can still be written; a write that fails anyway is taken back (no report unfindable)
NO_SPACE = "没有足够的磁盘空间"


@dataclass
class IngestResult:
    """What happened to one file: added, exists (same bytes already archived and searchable),
    healed (archived but not searchable, now indexed), nospace (not kept: the disk is full) or
    failed."""
    filename: str
    status: str
    id: str | None = None
    record: dict | None = None
    error: str | None = None


@dataclass
class Summary:
    results: list = field(default_factory=list)
    full: str | None = None  # the disk-full error that stopped the batch, if one did

    def count(self, status):
        return sum(1 for r in self.results if r.status == status)

    def line(self):
        failed = [r for r in self.results if r.status == "failed"]
        text = f"新增 {self.count('added')} 份，已存在 {self.count('exists')} 份，失败 {len(failed)} 份"
        if self.count("healed"):
            text += f"，补入索引 {self.count('healed')} 份（已存档但此前无法检索）"
        if self.full:
            kept = self.count("added") + self.count("exists") + self.count("healed")
            text = (f"没有足够的磁盘空间：已保存并可检索 {kept} 份（{text}），未保存 {self.count('nospace')} 份，"
                    f"没有留下不完整的报告；腾出空间后再运行同一命令即可继续")
        if failed:
            text += "：" + "；".join(f"{r.filename}（{r.error}）" for r in failed)
        return text


def limits_of(config):
    return {
        "max_bytes": config["MAX_FILE_BYTES"],
        "max_pages": config["MAX_PDF_PAGES"],
        "max_unzipped_bytes": config["MAX_UNZIPPED_BYTES"],
        "timeout": config["PARSE_TIMEOUT"],
    }


@contextmanager
def writer_lock(config, timeout=600):
    """One writer at a time across processes: ingest, reindex, reparse and upload share it."""
    root = Path(config["ARCHIVE_DIR"])
    archive = Archive(root)
    if archive.writable():
        root.mkdir(parents=True, exist_ok=True)
        path = root / ".writer.lock"
    else:  # a read-only archive (reindex still reads it): the lock lives in the temp folder
        key = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"gikportal-{key}.writer.lock"
    with FileLock(str(path), timeout=timeout):
        yield


def iter_paths(paths):
    """Files named directly are taken as they are; folders are searched for report files."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for sub in sorted(path.rglob("*")):
                if sub.is_file() and sub.suffix.lower() in EXTENSIONS and not sub.name.startswith("."):
                    yield sub
        else:
            yield path


def _parse_job(data, filename, limits):
    """Runs in a worker process; returns (record, None) or (None, reason)."""
    try:
        return build_record(data, filename, limits), None
    except ExtractionError as exc:
        return None, str(exc)


def _ingest_job(data, filename, limits, archive_root, source_url, engine, reserve=0):
    """Runs in a worker process: parse, archive the original (atomic on its own, whatever the
    outcome) and prepare the index document and what the scorecard's cross-report criteria read
    of the record (continuity.facts), so the main process only writes the index and compares.
    created is None when the disk had no room (error says so), False when already archived."""
    record, error = _parse_job(data, filename, limits)
    archive = Archive(archive_root, reserve=reserve)
    rid, created = _put(archive, data, filename, record, error, source_url)
    if created is None:
        return rid, None, None, NO_SPACE, None, None
    if record is None:
        return rid, created, record, error, None, None
    return rid, created, record, error, backend_for(engine).prepare(record), continuity.facts(record)


def _reason(exc, timeout):
    from concurrent.futures import TimeoutError as FutureTimeout

    if isinstance(exc, FutureTimeout):
        return f"解析超时（超过 {timeout} 秒）"
    if type(exc).__name__ == "ProcessExpired":
        return "解析进程异常退出（可能超出内存限制）"
    return f"解析失败：{type(exc).__name__}: {exc}"


def parse_many(items, limits, workers=None, warm=False):
    """items: iterable of (key, data, filename). Yields (key, record, error) in input order."""
    jobs = ((key, (data, filename, limits), len(data)) for key, data, filename in items)
    for key, result, reason in run_jobs(_parse_job, jobs, limits, workers, warm):
        yield (key, None, reason) if result is None else (key, *result)


def run_jobs(job, items, limits, workers=None, warm=False):
    """items: (key, args, size). Runs job(*args) in worker processes, each killed after the
    timeout; yields (key, result, None) or (key, None, reason) in input order. Up to WINDOW jobs
    (and WINDOW_BYTES of input) are in flight, so the workers go on while the caller indexes.
    warm: build the tables every worker needs here first (see _warm)."""
    timeout = limits.get("timeout") or None
    workers = workers or max(1, min(os.cpu_count() or 1, 4))
    if warm:
        _warm()
    with ProcessPool(max_workers=workers, max_tasks=MAX_TASKS) as pool:
        pending, in_flight = [], 0
        for key, args, size in items:
            pending.append((key, pool.schedule(job, args=args, timeout=timeout), size))
            in_flight += size
            while len(pending) > WINDOW or (in_flight > WINDOW_BYTES and len(pending) > 1):
                key0, fut, size0 = pending.pop(0)
                in_flight -= size0
                yield _collect(key0, fut, timeout)
        for key0, fut, _ in pending:
            yield _collect(key0, fut, timeout)


def _warm():
    """Build the tables each worker would build on its first file (the parser's gazetteer of
    places, the analyser's dictionary: ~0.3 s of CPU) once, before the pool forks its workers,
    which then share them, as do the workers that replace them every MAX_TASKS files. Only
    where workers are forked (they start with a copy of this process)."""
    import multiprocessing

    if (multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_all_start_methods()[0]) != "fork":
        return
    from . import segment
    from .parse import region

    region.gazetteer()
    segment.engine()


def _collect(key, future, timeout):
    try:
        return key, future.result(), None
    except Exception as exc:  # timeout, crashed worker: the caller keeps the file, unparsed
        return key, None, _reason(exc, timeout)


def _read(path, max_bytes):
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError("空文件，没有内容可以存档")
    if size > max_bytes:
        raise ExtractionError(f"文件过大（{size} 字节，上限 {max_bytes} 字节）")
    return path.read_bytes()


def ingest_paths(config, paths, source_url=None, progress=None, workers=None):
    """Ingest files and folders; returns a Summary. progress(n) is called once per file.

    「已存在」 means archived and searchable: an original that is archived but not in the index
    (its index write was lost, or it was left unparsed) is parsed again and indexed. When the disk
    fills, no new file is started, what was archived is indexed (or taken back if even that
    fails), and summary.full says why the batch stopped."""
    archive = Archive(config["ARCHIVE_DIR"], reserve=RESERVE_BYTES)
    archive.check_writable()
    limits = limits_of(config)
    summary = Summary()
    engine_now = backend_for(config)
    searchable = engine_now.ids() if engine_now.exists() else set()

    def candidates():
        for path in iter_paths(paths):
            if summary.full:
                summary.results.append(IngestResult(path.name, "nospace"))
                _tick(progress)
                continue
            try:
                data = _read(path, limits["max_bytes"])
            except (OSError, ExtractionError) as exc:
                summary.results.append(IngestResult(path.name, "failed", error=_short(exc)))
                _tick(progress)
                continue
            rid = report_id(data)
            if rid in searchable and archive.has(rid):
                summary.results.append(IngestResult(path.name, "exists", id=rid))
                _tick(progress)
                continue
            yield (path.name, data), data, path.name

    engine = {k: config.get(k) for k in ("BACKEND", "INDEX_DIR", "DATABASE_URL")}
    jobs = (((name, data), (data, name, limits, str(archive.root), source_url, engine, archive.reserve), len(data))
            for (name, data), data, name in candidates())
    batch, prepared, facts, bulk = [], {}, {}, False
    indexed = len(searchable)
    for (name, data), done, reason in run_jobs(_ingest_job, jobs, limits, workers, warm=True):
        if done is None:  # the worker died or timed out: archive the original here, unparsed
            result = _archive_one(archive, name, data, None, reason, source_url)
        else:
            rid, created, record, error, doc, fact = done
            if created is None:
                result = IngestResult(name, "nospace", id=rid, error=error)
            elif created:
                result = _result(name, rid, created, record, error)
            else:
                result = _heal(config, archive, name, rid, record, error)
            if doc is not None and result.status in ("added", "healed"):
                prepared[rid], facts[rid] = doc, fact
        summary.results.append(result)
        if result.status == "nospace" and not summary.full:
            summary.full = result.error
        if result.status in ("added", "healed"):
            batch.append(result)
        if len(batch) >= min(MAX_BATCH, max(BATCH, indexed // 25)):
            _index_batch(config, archive, summary, batch, prepared, bulk=True, facts=facts)
            indexed += len(batch)
            batch, prepared, facts, bulk = [], {}, {}, True
        _tick(progress)
    if batch:
        _index_batch(config, archive, summary, batch, prepared, facts=facts)
    if bulk:
        try:
            with writer_lock(config):
                backend_for(config).settle()
        except OSError as exc:  # merging needs room too; the unmerged segments stay searchable
            if not is_disk_full(exc):
                raise
            summary.full = summary.full or str(exc)
    return summary


def _index_batch(config, archive, summary, batch, prepared, bulk=False, facts=None):
    """Index a batch of added or healed results. When the disk has no room for the index, the
    newest half of the originals this run added is taken back out of the archive (so none stays
    unfindable, and their room goes to the index) and the rest is tried again."""
    while batch:
        try:
            if _index_fresh(config, archive, [r.record for r in batch], prepared, bulk=bulk, facts=facts):
                summary.full = NO_SPACE     # indexed, but the disk is full: start no new file
            return
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            summary.full = NO_SPACE
            added = [r for r in batch if r.status == "added"]
            if not added:
                _take_back(archive, batch, summary.full)
                return
            dropped = added[len(added) // 2:]
            _take_back(archive, dropped, summary.full)
            batch = [r for r in batch if r.status != "nospace"]


def _take_back(archive, results, reason):
    for result in results:
        if result.status == "added":
            archive.remove(result.id)
        result.status, result.record, result.error = "nospace", None, reason


def _heal(config, archive, name, rid, record, error):
    """An original that is archived but not searchable: the current parser's record replaces
    the archived one when they differ, and it is indexed ("healed"). One that still does not
    parse stays archived, unparsed, as it was ("exists")."""
    if record is None:
        record = archive.record(rid)
        if record is None:
            return IngestResult(name, "exists", id=rid)
    elif record != archive.record(rid):
        try:
            with writer_lock(config):
                archive.write_record(rid, record)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            return IngestResult(name, "nospace", id=rid, error=NO_SPACE)
    return IngestResult(name, "healed", id=rid, record=record)


def _tick(progress):
    if progress:
        progress(1)


def _short(exc):
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:300]


def _put(archive, data, name, record, error, source_url):
    """archive.put(); (id, None) when the disk had no room for it (nothing of it is kept)."""
    try:
        return archive.put(data, name, media_type_for(data, name), record=record, error=error, source_url=source_url)
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        return report_id(data), None


def _archive_one(archive, name, data, record, error, source_url):
    """Archive one original at once (atomic on its own), whether or not it parsed."""
    rid, created = _put(archive, data, name, record, error, source_url)
    if created is None:
        return IngestResult(name, "nospace", id=rid, error=NO_SPACE)
    return _result(name, rid, created, record, error)


def _result(name, rid, created, record, error):
    if not created:
        return IngestResult(name, "exists", id=rid)
    if record is None:
        return IngestResult(name, "failed", id=rid, error=error + "（原件已存档，标记为未解析）")
    return IngestResult(name, "added", id=rid, record=record)


def _index_fresh(config, archive, fresh, prepared=None, bulk=False, facts=None):
    """Index a batch of new records with the facts that need other years (crossyear.py): each
    new report's carry_chain, and that of the agency's neighbouring years already indexed, which
    a new report can change. The archive is not written: derived facts live in the index only.
    A prepared document whose record gains a derived check is made again, unless the engine
    completes prepared documents with the derived facts itself (Whoosh: only its meta column
    changes). facts: {id: continuity.facts(record)} the workers made of the fresh records.
    Returns True when the batch was indexed but the copy index beside it could not be saved for
    lack of room: the batch must then stay (the index has it), and the saved copy index stays the
    one before it (the batch's reports are sources of copies again after the next reindex)."""
    with writer_lock(config):
        derived, again = link_agencies(config, archive, fresh)
        cards, more, copy_index = _scorecards(config, archive, fresh + again, facts)
        records = {r["id"]: r for r in fresh + again}
        records.update((rid, archive.record(rid)) for rid in more if rid not in records)
        for rid in more:  # another agency's report re-indexed for its copy match keeps its chain
            if rid not in derived and (cards[rid].get("chain") or {}).get("rule"):
                derived[rid] = cards[rid]["chain"]
        engine = backend_for(config)
        completes = getattr(engine, "completes_prepared", False)  # adds the derived facts itself
        prepared = {rid: doc for rid, doc in (prepared or {}).items()
                    if (completes or rid not in derived) and (records.get(rid) or {}).get("title")}
        try:
            engine.add([_for_index(archive, r, derived.get(rid), cards.get(rid))
                                     for rid, r in records.items() if r is not None], prepared=prepared, bulk=bulk)
        except BaseException:   # the batch is not indexed (a full disk takes it back): nor is it in the copy index
            continuity.forget(config["INDEX_DIR"])
            raise
        try:
            continuity.keep(config["INDEX_DIR"], copy_index)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            continuity.forget(config["INDEX_DIR"])
            return True
        return False


def _scorecards(config, archive, records, facts=None):
    """({id: derived scorecard}, ids of other indexed reports it changes, the copy index with the
    batch in it): continuity.py; the caller keeps the copy index beside the index once the batch
    is indexed."""
    index = continuity.copy_index(config["INDEX_DIR"])
    cards, more = continuity.derive_batch(records, archive.record, backend_for(config).agency_years, index, facts)
    return cards, more, index


def _for_index(archive, record, derived, card=None):
    """What the engines index for a record: crossyear's copy with the scorecard continuity.py
    derived, and for a report with no title of its own (a scan before OCR) the original's file
    name, so it can be found and listed by it."""
    out = continuity.attach(crossyear.indexed(record, derived), card)
    if not out.get("title"):
        meta = archive.meta(record["id"]) or {}
        name = meta.get("filename") or meta.get("source_url")
        if name:
            out["title"] = name
    return out


def index_records(config, archive, records):
    """Index records that replace what the index holds for their ids (the OCR queue's results)."""
    _index_fresh(config, archive, list(records))


def ingest_bytes(config, data, filename, source_url=None):
    """Ingest one uploaded file (the admin upload page); same rules as the command. On a full
    disk the result is "nospace" and nothing of the file is kept."""
    archive = Archive(config["ARCHIVE_DIR"], reserve=RESERVE_BYTES)
    limits = limits_of(config)
    if not data:
        return IngestResult(filename, "failed", error="空文件，没有内容可以存档")
    if len(data) > limits["max_bytes"]:
        return IngestResult(filename, "failed", error=f"文件过大（上限 {limits['max_bytes']} 字节）")
    rid = report_id(data)
    if archive.has(rid) and _searchable(config, rid):
        return IngestResult(filename, "exists", id=rid, record=archive.record(rid))
    archive.check_writable()
    [(_, record, error)] = list(parse_many([(filename, data, filename)], limits, workers=1))
    result = _archive_one(archive, filename, data, record, error, source_url)
    if result.status == "exists":
        result = _heal(config, archive, filename, rid, record, error)
    if result.status in ("added", "healed"):
        summary = Summary([result])
        _index_batch(config, archive, summary, [result], {})
        if result.status != "nospace":
            result.record = archive.record(result.id)
    return result


def _searchable(config, rid):
    engine = backend_for(config)
    return engine.exists() and rid in engine.ids()


# --- carry_chain across an agency's years: derived at index time ---------------------

def link_agencies(config, archive, fresh):
    """({id: carry_chain check}, indexed records to index again) for a batch of new reports.
    An agency is its key (crossyear.agency_key), so its years link across the names it printed.

    A new report of year y takes its check from year y - 1 and can change the check of year
    y + 1 (and which report of year y counts): only those indexed reports are read back from
    the archive, and those whose check the batch changes are indexed again."""
    by_agency = defaultdict(dict)
    for record in fresh:
        key = crossyear.agency_key(record)
        if key:
            by_agency[key][record["id"]] = record
    indexed = backend_for(config).agency_years(list(by_agency))
    derived, again = {}, []
    for agency, new in by_agency.items():
        known = dict(new)
        years = {r.get("year") for r in new.values()}
        targets = years | {y + 1 for y in years if isinstance(y, int)}
        near = targets | {y - 1 for y in years if isinstance(y, int)}
        for rid, year in indexed.get(agency, ()):
            if rid not in known and year in near:
                record = archive.record(rid)
                if record is not None:
                    known[rid] = record
        before = crossyear.chain_checks([r for rid, r in known.items() if rid not in new], targets)
        after = crossyear.chain_checks(list(known.values()), targets)
        derived.update(after)
        again += [r for rid, r in known.items() if rid not in new and after.get(rid) != before.get(rid)]
    return derived, again


def derived_checks(archive):
    """{id: carry_chain check} over the whole archive, from a slim summary of each record."""
    groups = defaultdict(list)
    for rid in archive.ids():
        record = archive.record(rid)
        summary = crossyear.chain_summary(record) if record is not None else None
        if summary is not None and summary["agency_key"]:
            groups[summary["agency_key"]].append(summary)
    derived = {}
    for summaries in groups.values():
        derived.update(crossyear.chain_checks(summaries))
    return derived


# --- rebuilding --------------------------------------------------------------------

def reindex(config, progress=None):
    """Rebuild the index from the archive alone (new directory, then swap). Returns the count.
    The archive is only read: every record.json stays byte for byte what the parser wrote."""
    archive = Archive(config["ARCHIVE_DIR"])
    with writer_lock(config):
        archive.clean_tmp()
        derived = derived_checks(archive)
        cards, copies = continuity.derive_all(archive.records())

        def stream():
            for record in archive.records():
                _tick(progress)
                yield _for_index(archive, record, derived.get(record["id"]), cards.get(record["id"]))

        count = backend_for(config).rebuild(stream())
        continuity.keep(config["INDEX_DIR"], copies)
        return count


def reparse(config, progress=None, workers=None):
    """Parse every archived original again with the current parser, then reindex."""
    archive = Archive(config["ARCHIVE_DIR"])
    limits = limits_of(config)
    counts = {"parsed": 0, "unparsed": 0}

    def originals():
        for rid in archive.ids():
            meta = archive.meta(rid)
            yield rid, archive.original_bytes(rid), meta.get("filename") or rid

    for rid, record, error in parse_many(originals(), limits, workers, warm=True):
        with writer_lock(config):
            archive.write_record(rid, record, error=error)
        counts["parsed" if record is not None else "unparsed"] += 1
        _tick(progress)
    total = reindex(config)
    return counts, total


def check(config, repair=False):
    """Verify the archive and its agreement with the index. Returns (problems, unparsed ids)."""
    archive = Archive(config["ARCHIVE_DIR"])
    problems, unparsed, parsed_ids = [], [], set()
    for rid in archive.ids():
        for problem in archive.verify(rid):
            problems.append(f"{rid}: {problem}")
        meta = archive.meta(rid) or {}
        if meta.get("status") == "unparsed":
            unparsed.append((rid, meta.get("filename"), meta.get("error")))
        elif archive.record(rid) is not None:
            parsed_ids.add(rid)
    engine = backend_for(config)
    try:
        indexed = engine.ids() if engine.exists() else set()
    except IndexUnavailable as exc:
        problems.append(f"索引无法读取（{exc}）")
        indexed = None
    missing, extra = parsed_ids - (indexed or set()), (indexed or set()) - parsed_ids
    if missing and indexed is not None:
        problems.append(f"索引缺少 {len(missing)} 份已解析的报告：" + "、".join(sorted(missing)[:10]))
    if extra:
        problems.append(f"索引中有 {len(extra)} 份存档里没有的报告：" + "、".join(sorted(extra)[:10]))
    leftovers = archive.leftovers()
    if leftovers:
        names = "、".join(str(p.relative_to(archive.root)) for p in leftovers[:10])
        problems.append(f"存档中有 {len(leftovers)} 个中断的写入留下的临时文件或文件夹（不是完整的报告）：{names}")
    if repair and (missing or extra or indexed is None):
        reindex(config)  # also drops the leftovers
        return check(config, repair=False)
    if repair and leftovers:
        with writer_lock(config):
            archive.clean_tmp()
        return check(config, repair=False)
    return problems, unparsed


def backup(config, dest):
    """Copy the archive to dest incrementally (only what dest lacks or what changed); the index
    is not copied: it is rebuilt from the archive. Returns (copied, unchanged)."""
    with writer_lock(config):
        return Archive(config["ARCHIVE_DIR"]).copy_to(dest)


def restore(config, src):
    """Bring back the archive from a backup made by backup(), then rebuild the index from it.
    Returns (copied, unchanged, indexed)."""
    with writer_lock(config):
        copied, unchanged = Archive(src).copy_to(config["ARCHIVE_DIR"])
    return copied, unchanged, reindex(config)


def ensure_samples(config):
    """First start on a fresh clone: ingest the bundled samples, or rebuild a missing index."""
    archive = Archive(config["ARCHIVE_DIR"])
    engine = backend_for(config)
    try:
        if engine.exists() and engine.doc_count() > 0:
            return None
    except IndexUnavailable:  # lost or damaged: rebuilt from the archive, the source of truth
        return reindex(config)
    if archive.ids():
        return reindex(config)
    summary = ingest_paths(config, [config["SAMPLES_DIR"]])
    if not engine.exists():
        engine.rebuild([])
    return summary
