"""The index lost or damaged under a running portal: a clear 503, never a traceback, and the
portal comes back by itself once `reindex` or `check --repair` has run, or at the next start
(ensure_samples rebuilds it from the archive)."""
import os
import shutil
from pathlib import Path

import pytest

from _web_helpers import ingest_seeds, make_app
from gikportal.ingest import check, ensure_samples, reindex

PAGES = ("/search?q=政府信息公开", "/", "/stats", "/export.csv")


@pytest.fixture
def portal(tmp_path):
    app = make_app(tmp_path)
    records = ingest_seeds(app)
    client = app.test_client()
    for url in PAGES:
        assert client.get(url).status_code == 200
    return app, client, records


def assert_unavailable(client, records):
    for url in PAGES + (f"/agencies/{next(iter(records.values()))['agency']}",):
        response = client.get(url)
        assert response.status_code == 503, url
        page = response.get_data(as_text=True)
        assert "检索暂时不可用" in page and "reindex" in page and "Traceback" not in page
        assert response.headers["Retry-After"]
    api = client.get("/api/search?q=政府")
    assert api.status_code == 503 and api.get_json()["status"] == 503


def assert_serving(client):
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    assert "政府信息公开" in client.get("/search?q=政府信息公开").get_data(as_text=True)


def test_deleted_index_is_a_503_until_reindex(portal):
    app, client, records = portal
    shutil.rmtree(app.config["INDEX_DIR"])
    assert_unavailable(client, records)
    # the archive is intact: a report page that needs no search still shows
    rid = next(iter(records.values()))["id"]
    assert client.get(f"/reports/{rid}.json").status_code == 200
    assert reindex(app.config) == 5
    assert_serving(client)


def index_files(app):
    return [p for p in Path(app.config["INDEX_DIR"]).iterdir() if p.is_file() and p.name.startswith("MAIN_")
            and p.stat().st_size]


@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_damaged_segment_files_are_a_503_until_check_repair(portal, damage):
    app, client, records = portal
    for path in index_files(app):
        if damage == "truncate":
            os.truncate(path, path.stat().st_size // 3)
        else:
            path.unlink()
    assert_unavailable(client, records)
    problems, _ = check(app.config)
    assert any("索引无法读取" in p for p in problems)
    assert check(app.config, repair=True) == ([], [])
    assert_serving(client)


def test_the_next_start_rebuilds_a_damaged_index_from_the_archive(portal):
    app, client, records = portal
    for path in index_files(app):
        os.truncate(path, 0)
    assert_unavailable(client, records)
    assert ensure_samples(app.config) == 5  # what `python app.py` runs before serving
    assert_serving(client)
    restarted = make_app(Path(app.config["ARCHIVE_DIR"]).parent)
    assert_serving(restarted.test_client())


def test_an_empty_archive_without_an_index_is_no_error(tmp_path):
    """A fresh clone before its first ingest: nothing to search is not a lost index."""
    client = make_app(tmp_path).test_client()
    assert client.get("/search?q=政府").status_code == 200
    assert client.get("/stats").status_code == 200
