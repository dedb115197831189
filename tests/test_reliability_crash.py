"""Kills and races: reindex, reparse and concurrent ingests never lose an original."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gikportal import index
from gikportal.archive import Archive
from gikportal.ingest import check, ingest_paths
from gikportal.query import SearchParams

ROOT = Path(__file__).resolve().parent.parent
N = 150


def flask(*args):
    return [sys.executable, "-m", "flask", "--app", "app", *args]


def variants(seed_paths, folder, start, n):
    folder.mkdir(parents=True, exist_ok=True)
    texts = [p.read_text("utf-8") for p in seed_paths]
    for i in range(start, start + n):
        (folder / f"r{i:04d}.txt").write_text(texts[i % 5] + f"\n\n附：编号 {i}\n", "utf-8")
    return folder


@pytest.fixture
def filled(tmp_path, seed_paths, portal_config):
    folder = variants(seed_paths, tmp_path / "reports", 0, N)
    summary = ingest_paths(portal_config, [folder])
    assert summary.count("added") == N
    archive = Archive(portal_config["ARCHIVE_DIR"])
    return archive, {rid: archive.original_bytes(rid) for rid in archive.ids()}


def assert_intact(archive, originals):
    assert archive.ids() == sorted(originals)
    for rid, data in originals.items():
        assert archive.original_bytes(rid) == data and archive.verify(rid) == []


@pytest.mark.parametrize("command", ["reindex", "reparse"])
@pytest.mark.parametrize("delay", [0.3, 1.0, 2.5])
def test_sigkill_then_repair(filled, cli_env, portal_config, command, delay):
    archive, originals = filled
    proc = subprocess.Popen(flask(command), env=cli_env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert_intact(archive, originals)
    for rid in originals:  # every record is whole JSON: old or new, never torn
        assert archive.record(rid)["id"] == rid
    # searching still works on whatever index is in place
    index.search(portal_config["INDEX_DIR"], SearchParams.from_args({"q": "政府信息公开"}))
    check(portal_config, repair=True)
    assert check(portal_config) == ([], [])
    assert index.ids(portal_config["INDEX_DIR"]) == set(originals)


def test_two_ingests_at_once_both_complete(tmp_path, seed_paths, cli_env, portal_config):
    a = variants(seed_paths, tmp_path / "a", 0, 80)
    b = variants(seed_paths, tmp_path / "b", 60, 80)  # 20 files overlap with a
    procs = [subprocess.Popen(flask("ingest", str(folder)), env=cli_env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for folder in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    archive = Archive(portal_config["ARCHIVE_DIR"])
    assert len(archive.ids()) == 140
    assert index.ids(portal_config["INDEX_DIR"]) == set(archive.ids())
    assert check(portal_config) == ([], [])


def test_a_parse_that_hangs_is_killed_and_the_batch_goes_on(tmp_path, seed_paths, portal_config, monkeypatch):
    """PARSE_TIMEOUT bounds one file; it is archived unparsed with the reason, the rest are added."""
    import gikportal.ingest as pipeline

    real = pipeline.build_record

    def slow_for_one(data, filename, limits=None):
        if filename == "slow.txt":
            time.sleep(60)
        return real(data, filename, limits)

    monkeypatch.setattr(pipeline, "build_record", slow_for_one)  # forked workers inherit it
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "slow.txt").write_bytes(seed_paths[0].read_bytes() + b"\n")
    for path in seed_paths[1:]:
        (folder / path.name).write_bytes(path.read_bytes())
    portal_config["PARSE_TIMEOUT"] = 2
    started = time.time()
    summary = ingest_paths(portal_config, [folder], workers=2)
    assert time.time() - started < 45
    assert summary.count("added") == 4
    [failed] = [r for r in summary.results if r.status == "failed"]
    assert failed.filename == "slow.txt" and "超时" in failed.error
    meta = Archive(portal_config["ARCHIVE_DIR"]).meta(failed.id)
    assert meta["status"] == "unparsed" and "超时" in meta["error"]


def test_a_50_mb_html_page_gives_a_record(seed_paths):
    """Bounded, not refused: a huge saved web page still parses into a record."""
    from gikportal.records import build_record

    lines = seed_paths[2].read_text("utf-8").splitlines()
    body = "".join(f"<p>{line}</p>" for line in lines if "\t" not in line)
    filler = "<div class='nav'><a href='/x'>首页</a></div><p>附录：政务公开工作动态。</p>" * 2000
    page = f"<html><head><meta charset='utf-8'></head><body>{body}"
    while len(page.encode()) < 50 * 1024 * 1024:
        page += filler
    record = build_record((page + "</body></html>").encode(), "big.html")
    assert record["agency"] == "焦作市卫生健康委员会" and record["year"] == 2024
