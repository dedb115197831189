"""Content-addressed store of original report files and their parsed records.

Layout: <root>/<id[:2]>/<id>/original<.ext>, meta.json, record.json, where id is the first 16
hex digits of the SHA-256 of the original bytes. A report directory is assembled in
<root>/.tmp and renamed into place in one step, so a crash never leaves half a report; the
original is never rewritten once it is in place, only its record and meta may be replaced.
"""
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

ID_RE = re.compile(r"^[0-9a-f]{16}$")
# what a crash can leave: a report folder being assembled (<id>-xxxxxxxx, in .tmp or, written by
# earlier versions, in a shard folder) and a file being replaced (.w-xxxxxxxx beside it)
LEFTOVER_RE = re.compile(r"^(?:[0-9a-f]{16}-[0-9a-z_]{8}|\.w-[0-9a-z_]{8})$")
NO_SPACE_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/html": ".html",
    "text/markdown": ".md",
    "text/plain": ".txt",
}


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def report_id(data):
    """The stable id of an original: derived from its bytes, so the same file always gets it."""
    return sha256_hex(data)[:16]


def is_report_id(value):
    return bool(ID_RE.match(value or ""))


def safe_filename(name, limit=200):
    """The original's base name, without directories, control characters or excessive length."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: limit - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:limit]
    return name or "report"


class DiskFull(OSError):
    """The archive's disk (or quota) has no room for a write; nothing half-written was kept."""

    def __init__(self, detail=""):
        super().__init__(errno.ENOSPC, "没有足够的磁盘空间" + (f"（{detail}）" if detail else ""))


def is_disk_full(exc):
    return isinstance(exc, OSError) and exc.errno in NO_SPACE_ERRNOS


class ReadOnly(OSError):
    """The archive cannot be written (a read-only mount): reading goes on, writes are refused."""

    def __init__(self, root):
        super().__init__(errno.EROFS, f"存档是只读的（{root}），不能写入；没有改动任何内容")


def is_read_only(exc):
    return isinstance(exc, OSError) and exc.errno == errno.EROFS


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path, data):
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _json_bytes(obj):
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")


def _same_file(a, b):
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except FileNotFoundError:
        return False


def atomic_write(path, data):
    """Replace path with data so that readers see the old or the new file, never a mix."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".w-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


class Archive:
    """The archive on disk. Reading is free; writing goes through put() and write_record()."""

    def __init__(self, root, reserve=0):
        self.root = Path(root)
        self.reserve = reserve  # bytes put() leaves free on the disk (room for the index)

    # --- reading -----------------------------------------------------------------
    def dir_for(self, rid):
        if not is_report_id(rid):
            raise KeyError(rid)
        return self.root / rid[:2] / rid

    def has(self, rid):
        return is_report_id(rid) and (self.dir_for(rid) / "meta.json").is_file()

    def ids(self):
        """Every archived id, sorted, skipping anything that is not a complete report."""
        if not self.root.is_dir():
            return []
        found = []
        for shard in self.root.iterdir():
            if len(shard.name) != 2 or not shard.is_dir():
                continue
            for entry in shard.iterdir():
                if is_report_id(entry.name) and (entry / "meta.json").is_file():
                    found.append(entry.name)
        return sorted(found)

    def writable(self):
        """Whether writes can go in (False on a read-only mount: the portal then only reads)."""
        path = self.root
        while not path.exists() and path != path.parent:
            path = path.parent
        return os.access(path, os.W_OK)

    def check_writable(self):
        if not self.writable():
            raise ReadOnly(self.root)

    def is_empty(self):
        """No report archived yet (stops at the first one, unlike ids())."""
        if not self.root.is_dir():
            return True
        for shard in self.root.iterdir():
            if len(shard.name) == 2 and shard.is_dir():
                if any(is_report_id(e.name) and (e / "meta.json").is_file() for e in shard.iterdir()):
                    return False
        return True

    def meta(self, rid):
        try:
            return json.loads((self.dir_for(rid) / "meta.json").read_text("utf-8"))
        except (KeyError, FileNotFoundError):
            return None

    def record(self, rid):
        try:
            return json.loads((self.dir_for(rid) / "record.json").read_text("utf-8"))
        except (KeyError, FileNotFoundError):
            return None

    def original_path(self, rid):
        meta = self.meta(rid)
        if meta is None:
            return None
        return self.dir_for(rid) / meta["stored_as"]

    def original_bytes(self, rid):
        path = self.original_path(rid)
        return path.read_bytes() if path else None

    def records(self):
        for rid in self.ids():
            record = self.record(rid)
            if record is not None:
                yield record

    # --- writing -----------------------------------------------------------------
    def put(self, data, filename, media_type, record=None, error=None, source_url=None):
        """Store an original (and its record, if it parsed) in one atomic step.

        Returns (id, created). Storing bytes that are already archived changes nothing.
        """
        rid = report_id(data)
        if self.has(rid):
            return rid, False
        final = self.dir_for(rid)
        tmp_root = self.root / ".tmp"
        tmp_root.mkdir(parents=True, exist_ok=True)
        record_bytes = _json_bytes(record) if record is not None else b""
        self._make_room(len(data) + len(record_bytes))
        work = Path(tempfile.mkdtemp(prefix=rid + "-", dir=tmp_root))
        try:
            stored_as = "original" + EXTENSIONS.get(media_type, ".bin")
            _write_file(work / stored_as, data)
            meta = {
                "id": rid,
                "sha256": sha256_hex(data),
                "filename": safe_filename(filename),
                "stored_as": stored_as,
                "media_type": media_type,
                "size": len(data),
                "ingested_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "source_url": source_url,
                "status": "parsed" if record is not None else "unparsed",
                "error": error,
            }
            if record is not None:
                _write_file(work / "record.json", record_bytes)
            _write_file(work / "meta.json", _json_bytes(meta))
            _fsync_dir(work)
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(work, final)
            except OSError:
                if self.has(rid):
                    return rid, False
                raise
            _fsync_dir(final.parent)
            return rid, True
        except OSError as exc:
            if is_disk_full(exc):
                raise DiskFull(f"存档 {self.root}") from exc
            raise
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)

    def _make_room(self, size):
        """Refuse a write that would leave less than the reserve free (DiskFull), before writing."""
        if not self.reserve:
            return
        free = shutil.disk_usage(self.root).free
        if free - size - 3 * 4096 < self.reserve:  # three files, each at least a block
            raise DiskFull(f"存档 {self.root} 剩余 {free // 1024} KB，需为索引保留 {self.reserve // 1024} KB")

    def remove(self, rid):
        """Take back a report this process has just added (its index write failed), so the
        archive keeps no report that cannot be found. Never used on a report that was indexed."""
        folder = self.dir_for(rid)
        if folder.is_dir():
            trash = self.root / ".tmp" / f"{rid}-removing"
            shutil.rmtree(trash, ignore_errors=True)
            os.rename(folder, trash)  # one step: the report is there whole or not at all
            shutil.rmtree(trash, ignore_errors=True)

    def write_record(self, rid, record, error=None):
        """Replace the parsed record (after reparse or a carry-chain update); the original stays."""
        folder = self.dir_for(rid)
        meta = self.meta(rid)
        if meta is None:
            raise KeyError(rid)
        if record is not None:
            atomic_write(folder / "record.json", _json_bytes(record))
            meta.update(status="parsed", error=None)
        else:
            meta.update(status="unparsed", error=error)
            try:
                os.unlink(folder / "record.json")
            except FileNotFoundError:
                pass
        atomic_write(folder / "meta.json", _json_bytes(meta))

    def clean_tmp(self):
        """Drop the leftovers of writes a crash interrupted (never a complete report)."""
        if not self.writable():
            return
        shutil.rmtree(self.root / ".tmp", ignore_errors=True)
        for path in self.leftovers():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def leftovers(self):
        """Temporary folders and partial files a killed write left ([Path]): everything in .tmp,
        and <id>-xxxxxxxx folders or .w-xxxxxxxx files in the shard and report folders."""
        if not self.root.is_dir():
            return []
        found = sorted((self.root / ".tmp").iterdir()) if (self.root / ".tmp").is_dir() else []
        for shard in sorted(self.root.iterdir()):
            if len(shard.name) != 2 or not shard.is_dir():
                continue
            for entry in sorted(shard.iterdir()):
                if LEFTOVER_RE.match(entry.name):
                    found.append(entry)
                elif is_report_id(entry.name) and entry.is_dir():
                    found += [f for f in sorted(entry.iterdir()) if LEFTOVER_RE.match(f.name)]
        return found

    def copy_to(self, dest):
        """Copy every report DEST lacks, or whose record or meta changed, into the archive at
        dest (a backup, or back from one): each original's SHA-256 is checked on arrival, each
        report lands whole (assembled in dest/.tmp, then renamed). Returns (copied, unchanged)."""
        target = Archive(dest)
        copied = unchanged = 0
        for rid in self.ids():
            folder, there = self.dir_for(rid), target.dir_for(rid)
            meta = self.meta(rid)
            names = [meta["stored_as"], "meta.json"] + (["record.json"] if (folder / "record.json").is_file() else [])
            if target.has(rid):
                changed = [n for n in names[1:] if not _same_file(folder / n, there / n)]
                for name in changed:
                    atomic_write(there / name, (folder / name).read_bytes())
                if not (folder / "record.json").is_file() and (there / "record.json").is_file():
                    os.unlink(there / "record.json")
                    changed.append("record.json")
                if changed:
                    copied += 1
                else:
                    unchanged += 1
                continue
            data = (folder / meta["stored_as"]).read_bytes()
            if sha256_hex(data) != meta["sha256"] or report_id(data) != rid:
                raise ValueError(f"{rid}: 原始文件的 SHA-256 与编号不符，未复制")
            (target.root / ".tmp").mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=rid + "-", dir=target.root / ".tmp"))
            try:
                _write_file(work / meta["stored_as"], data)
                for name in names[1:]:
                    _write_file(work / name, (folder / name).read_bytes())
                if report_id((work / meta["stored_as"]).read_bytes()) != rid:  # what arrived
                    raise ValueError(f"{rid}: 复制后的原件与编号不符")
                _fsync_dir(work)
                there.parent.mkdir(parents=True, exist_ok=True)
                os.rename(work, there)
                _fsync_dir(there.parent)
            finally:
                if work.exists():
                    shutil.rmtree(work, ignore_errors=True)
            copied += 1
        return copied, unchanged

    def verify(self, rid):
        """Problems with one archived report, as plain sentences (empty when it is sound)."""
        problems = []
        meta = self.meta(rid)
        if meta is None:
            return ["缺少 meta.json"]
        path = self.dir_for(rid) / meta.get("stored_as", "")
        if not path.is_file():
            return ["原始文件缺失"]
        if report_id(path.read_bytes()) != rid:
            problems.append("原始文件的 SHA-256 与编号不符")
        if meta.get("status") == "parsed" and self.record(rid) is None:
            problems.append("缺少 record.json")
        return problems
