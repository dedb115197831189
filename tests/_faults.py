"""Helpers for the fault tests: real small disks (tmpfs), read-only bind mounts, filler files.

They need root (mount); without it the tests that use them skip, saying so. Every mount is
undone by the fixture that made it, whatever the test did.
"""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_ROOT = "mounting a small tmpfs or a read-only bind mount needs root (CI runs as root)"


def need_root():
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip(NOT_ROOT)


def mount_tmpfs(path, size):
    need_root()
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)


def resize_tmpfs(path, size):
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def bind_read_only(source, target):
    need_root()
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "--bind", str(source), str(target)], check=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True)


def unmount(path):
    subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def free_bytes(path):
    return shutil.disk_usage(path).free


def fill(path, leave):
    """A filler file that leaves about `leave` bytes free on path's disk; returns it."""
    filler = Path(path) / "filler.bin"
    size = max(0, free_bytes(path) - leave)
    with open(filler, "wb") as fh:
        chunk = b"\0" * (1 << 16)
        while size > 0:
            fh.write(chunk[:min(size, len(chunk))])
            size -= len(chunk)
    return filler


def tree_digest(folder):
    """{relative path: sha256} of every file under folder (to prove it was not touched)."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def flask(*args):
    return [sys.executable, "-m", "flask", "--app", "app", *args]


def run(args, env, timeout=600):
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def half_written_segments(index_dir):
    """Files in a Whoosh index folder that its current TOC does not name (a failed commit's
    segment, a TOC draft, a writer's pool): there must be none."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    toc = TOC.read(FileStorage(str(index_dir)), "MAIN")
    named = {s.segment_id() for s in toc.segments}
    stray = []
    for entry in Path(index_dir).iterdir():
        name = entry.name
        if name in ("GIKPORTAL_INDEX_VERSION", "MAIN_WRITELOCK", f"_MAIN_{toc.generation}.toc"):
            continue
        if entry.is_file() and name.startswith("MAIN_") and name.split(".")[0] in named:
            continue
        stray.append(name)
    return stray
