"""A full disk, made for real: archive and index on a tmpfs of a few MB (needs root).

ingest of a batch larger than the space stops with one clear line saying how many reports were
kept, leaves no partial report and no half-written index segment, and searches go on; once
space is freed the same command completes and `check` is clean. reindex leaves the live index
untouched when the new one cannot be written; an upload gets a clear error page and nothing of
it is kept.
"""
import errno
import io
from pathlib import Path

import pytest

from _faults import (fill, flask, half_written_segments, mount_tmpfs, resize_tmpfs, run, tree_digest,
                     unmount)
from _web_helpers import make_app
from gikportal import backend, copies, index, whoosh_store
from gikportal.archive import Archive
from gikportal.ingest import check, ingest_paths, reindex
from gikportal.query import SearchParams
from tools.generate import write_files

N = 300  # generated reports, ~2.2 MB of originals: more than a 3 MB disk holds with its index


@pytest.fixture
def disk(tmp_path):
    """A 3 MB tmpfs, unmounted at the end whatever happened."""
    path = tmp_path / "disk"
    mount_tmpfs(path, "3m")
    yield path
    unmount(path)


@pytest.fixture
def on_disk(disk, portal_config, cli_env):
    portal_config.update(ARCHIVE_DIR=str(disk / "archive"), INDEX_DIR=str(disk / "index"))
    cli_env.update(GIKPORTAL_ARCHIVE_DIR=portal_config["ARCHIVE_DIR"], GIKPORTAL_INDEX_DIR=portal_config["INDEX_DIR"])
    return portal_config, cli_env


def searchable(config, q="政府信息公开"):
    return index.search(config["INDEX_DIR"], SearchParams.from_args({"q": q}))["total"]


def assert_whole(config):
    """No partial report, no leftover, no half-written segment, archive and index agree."""
    archive = Archive(config["ARCHIVE_DIR"])
    assert archive.leftovers() == []
    assert all(archive.verify(rid) == [] for rid in archive.ids())
    assert half_written_segments(config["INDEX_DIR"]) == []
    assert check(config) == ([], [])


def test_ingest_on_a_full_disk_stops_cleanly_and_the_same_command_completes(tmp_path, seed_paths, disk, on_disk):
    config, env = on_disk
    assert ingest_paths(config, seed_paths).count("added") == 5
    write_files(tmp_path / "batch", N)

    full = run(flask("ingest", str(tmp_path / "batch")), env)
    assert full.returncode == 1
    assert "Traceback" not in full.stderr + full.stdout
    [line] = full.stdout.splitlines()
    assert line.startswith("没有足够的磁盘空间：已保存并可检索 ")
    kept = int(line.split("已保存并可检索 ")[1].split(" 份")[0])
    assert 0 < kept < N and f"未保存 {N - kept} 份" in line
    assert_whole(config)
    assert index.doc_count(config["INDEX_DIR"]) == 5 + kept  # what it says it kept is searchable
    assert searchable(config) == 5 + kept

    resize_tmpfs(disk, "40m")  # space freed
    again = run(flask("ingest", str(tmp_path / "batch")), env)
    assert again.returncode == 0, again.stderr
    assert f"新增 {N - kept} 份，已存在 {kept} 份，失败 0 份" in again.stdout
    assert_whole(config)
    assert index.doc_count(config["INDEX_DIR"]) == 5 + N


def test_reindex_on_a_full_disk_leaves_the_live_index_untouched(tmp_path, seed_paths, disk, on_disk):
    config, env = on_disk
    assert ingest_paths(config, seed_paths).count("added") == 5
    live = tree_digest(config["INDEX_DIR"])
    filler = fill(disk, leave=16 * 1024)  # less than a new index of five reports needs

    failed = run(flask("reindex"), env)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr + failed.stdout
    assert failed.stderr.strip().startswith("没有足够的磁盘空间：重建索引未完成")
    # the index's data is untouched; its postings and words files (derived from the segments,
    # searches read through Whoosh without them) may have been dropped to make room for the second index
    derived = (f".{whoosh_store.POSTINGS_FILE_EXT}", f".{whoosh_store.WORDS_FILE_EXT}")
    assert {k: v for k, v in tree_digest(config["INDEX_DIR"]).items() if not k.endswith(derived)} == \
        {k: v for k, v in live.items() if not k.endswith(derived)}
    # the copy index the ingest keeps beside the index (continuity.py) is there as before
    assert sorted(p.name for p in disk.iterdir()) == [".index.copies.pickle", ".index.lock", "archive", "filler.bin",
                                                      "index"]
    assert searchable(config) == 5

    filler.unlink()
    assert run(flask("reindex"), env).returncode == 0
    assert_whole(config)


def upload(client, data, name):
    return client.post("/admin/upload", data={"token": "t", "report": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("full", ["archive", "index"])
def test_an_upload_to_a_full_disk_is_refused_whole(tmp_path, seed_paths, full):
    """archive: the archive's disk is full; index: the index lives on its own disk, which is."""
    disks = {name: tmp_path / name for name in ("archive", "index")}
    for path in disks.values():
        mount_tmpfs(path, "3m")
    try:
        app = make_app(tmp_path, ARCHIVE_DIR=str(disks["archive"] / "a"), INDEX_DIR=str(disks["index"] / "i"))
        for path in seed_paths[:4]:
            assert upload(app.test_client(), path.read_bytes(), path.name).status_code == 200
        before = {name: tree_digest(path) for name, path in disks.items()}
        fill(disks[full], leave=8 * 1024)
        response = upload(app.test_client(), seed_paths[4].read_bytes(), seed_paths[4].name)
        assert response.status_code == 507
        page = response.get_data(as_text=True)
        assert "磁盘空间不足，未保存" in page and "没有留下它的任何部分" in page
        for name, path in disks.items():  # nothing of it kept: the trees are as before, plus the filler
            now = tree_digest(path)
            now.pop("filler.bin", None)
            assert {k: v for k, v in now.items() if "WRITELOCK" not in k} == \
                {k: v for k, v in before[name].items() if "WRITELOCK" not in k}
        assert backend.for_config(app.config).doc_count() == 4
        assert app.test_client().get("/search?q=政府信息公开").status_code == 200
        (disks[full] / "filler.bin").unlink()
        assert upload(app.test_client(), seed_paths[4].read_bytes(), seed_paths[4].name).status_code == 200
        assert check(app.config) == ([], [])
        assert backend.for_config(app.config).doc_count() == 5
    finally:
        for path in disks.values():
            unmount(path)


def test_reindex_helper_agrees_after_a_disk_full_batch(tmp_path, disk, on_disk):
    """The in-process pipeline says the same as the command: nothing half, kept = searchable."""
    config, _ = on_disk
    write_files(tmp_path / "batch", N)
    summary = ingest_paths(config, [tmp_path / "batch"])
    assert summary.full and summary.count("added") + summary.count("nospace") == N
    assert index.doc_count(config["INDEX_DIR"]) == summary.count("added")
    assert reindex(config) == summary.count("added")
    assert_whole(config)


def test_a_full_disk_after_the_index_commit_keeps_the_batch(portal_config, seed_paths, monkeypatch):
    """The disk fills between the index commit and saving the copy index beside it (seen in
    test_ingest_on_a_full_disk_stops_cleanly about one run in eight): the batch is in the index,
    so it stays in the archive too (taking it back left the index with reports the archive had
    not), the batch stops as on any full disk, and no half-written copy index is left."""
    tmp = copies.state_path(portal_config["INDEX_DIR"]).with_suffix(".tmp")
    write_bytes = Path.write_bytes

    def filling(path, data):
        if path == tmp:
            write_bytes(path, data[:10])
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", filling)
    summary = ingest_paths(portal_config, seed_paths)
    assert summary.count("added") == 5 and summary.full
    assert index.doc_count(portal_config["INDEX_DIR"]) == 5
    assert check(portal_config) == ([], [])
    assert not tmp.exists()
