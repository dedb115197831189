"""The archive on a read-only mount (a real read-only bind mount; needs root): the portal starts
and serves every page, the OCR worker and the start-up rebuild only read, and every write is
refused with a clear message, changing nothing."""
import io
import shutil

import pytest

from _faults import bind_read_only, flask, run, tree_digest, unmount
from _web_helpers import ingest_seeds, make_app
from gikportal import ocrqueue
from gikportal.archive import ReadOnly
from gikportal.ingest import check, ensure_samples, ingest_bytes, ingest_paths, reindex


@pytest.fixture
def read_only(tmp_path):
    """(config overrides, records): seeds archived and indexed, then the archive mounted read-only."""
    app = make_app(tmp_path / "src")
    records = ingest_seeds(app)
    target = tmp_path / "ro"
    bind_read_only(tmp_path / "src" / "archive", target)
    yield {"ARCHIVE_DIR": str(target), "INDEX_DIR": app.config["INDEX_DIR"]}, records
    unmount(target)


def pages(records):
    a, b = [r["id"] for r in records.values()][:2]
    agency = next(iter(records.values()))["agency"]
    return ["/", "/search?q=政府信息公开", "/search?q=year:2022", f"/reports/{a}", f"/reports/{a}/s/1",
            f"/reports/{a}/original", f"/reports/{a}.json", f"/agencies/{agency}", f"/compare?ids={a},{b}",
            "/stats", "/export.csv", "/export.json", "/feed.atom", "/opensearch.xml", "/sitemap.xml",
            "/api/search?q=政府", f"/api/reports/{a}", "/api/dictionary", "/admin/upload", "/admin/unparsed"]


def test_a_read_only_archive_serves_every_page_and_refuses_writes(tmp_path, read_only, seed_paths):
    overrides, records = read_only
    before = tree_digest(overrides["ARCHIVE_DIR"])
    app = make_app(tmp_path, **overrides)
    assert ensure_samples(app.config) is None  # the start: the index is there, nothing to write
    assert ocrqueue.drain_once(app.config) == (0, 0)  # the OCR worker's turn only reads
    client = app.test_client()
    for url in pages(records):
        assert client.get(url).status_code == 200, url

    new = seed_paths[0].read_bytes() + "\n附：另一份\n".encode("utf-8")
    response = client.post("/admin/upload", data={"token": "t", "report": (io.BytesIO(new), "n.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 503
    assert "存档是只读的" in response.get_data(as_text=True)
    with pytest.raises(ReadOnly):
        ingest_bytes(app.config, new, "n.txt")
    with pytest.raises(ReadOnly):
        ingest_paths(app.config, seed_paths)
    assert check(app.config) == ([], [])
    assert tree_digest(overrides["ARCHIVE_DIR"]) == before


def test_the_index_is_rebuilt_from_a_read_only_archive(tmp_path, read_only):
    """A lost index beside a read-only archive: the start (or reindex) rebuilds it by reading."""
    overrides, records = read_only
    shutil.rmtree(overrides["INDEX_DIR"])
    app = make_app(tmp_path, **overrides)
    assert ensure_samples(app.config) == 5
    assert reindex(app.config) == 5
    client = app.test_client()
    for url in pages(records)[:8]:
        assert client.get(url).status_code == 200, url


def test_the_ingest_command_on_a_read_only_archive_says_so_in_one_line(tmp_path, read_only, seed_paths, cli_env):
    overrides, _ = read_only
    cli_env.update(GIKPORTAL_ARCHIVE_DIR=overrides["ARCHIVE_DIR"], GIKPORTAL_INDEX_DIR=overrides["INDEX_DIR"])
    refused = run(flask("ingest", str(seed_paths[0].parent)), cli_env)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr + refused.stdout
    assert refused.stderr.strip().endswith("存档未完成：存档是只读的（%s），不能写入；没有改动任何内容" % overrides["ARCHIVE_DIR"])
    assert run(flask("check"), cli_env).returncode == 0
