"""A scan never blocks ingest: it is archived and indexed at once as 「扫描件，文字识别中」, findable by
its file name, and the OCR queue (the archive's pending records) machine-reads it later; the record
and the index are then replaced, and the page says the text was machine-read."""
import json
import subprocess
import sys

import pytest

from tools.formats import to_pdf
from _web_helpers import make_app
from tools.scans import image_pdf, render_pages, scan_pdf
from gikportal import ocrqueue
from gikportal.archive import Archive
from gikportal.extract import extract, ocr
from gikportal.ingest import ingest_paths, reindex
from tools.generate import generate

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr with chi_sim is installed by tests/run.sh")]


@pytest.fixture(scope="module")
def scan():
    rep = next(iter(generate(1, seed=11, layouts=("tsv",), years=(2023,))))
    return rep.expected, scan_pdf(to_pdf(extract(rep.data, rep.filename)), seed=3)


def _search(client, q):
    return client.get("/api/search", query_string={"q": q}).get_json()


def test_scan_is_indexed_at_once_then_read_by_the_queue(tmp_path, scan):
    expected, data = scan
    app = make_app(tmp_path)
    path = tmp_path / "incoming" / "扫描年报2023.pdf"
    path.parent.mkdir()
    path.write_bytes(data)
    summary = ingest_paths(app.config, [str(path)], workers=1)
    assert summary.count("added") == 1, summary.line()
    archive = Archive(app.config["ARCHIVE_DIR"])
    [rid] = ocrqueue.pending(archive)
    record = archive.record(rid)
    assert record["ocr"] == {"state": "pending"} and record["warnings"][0].startswith("扫描件，文字识别中")
    client = app.test_client()
    found = _search(client, "扫描年报")
    assert [h["id"] for h in found["hits"]] == [rid]
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert "文字识别中" in page and "扫描年报2023.pdf" in page
    assert _search(client, expected["agency"])["total"] == 0

    assert ocrqueue.drain(app.config) == (1, 0)
    assert ocrqueue.pending(archive) == []
    record = archive.record(rid)
    assert record["ocr"]["state"] == "done" and record["ocr"]["engine"].startswith("tesseract")
    assert record["year"] == expected["year"]
    assert record["stats"]["requests"]["new_received"]["total"] == \
        expected["stats"]["requests"]["new_received"]["total"]
    assert rid in [h["id"] for h in _search(client, "政府信息公开")["hits"]]
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert "机器识别" in page and "文字识别中" not in page

    # the OCR'd record is kept as the archive's record: a reindex reads it back unchanged
    before = (archive.dir_for(rid) / "record.json").read_bytes()
    reindex(app.config)
    assert (archive.dir_for(rid) / "record.json").read_bytes() == before
    assert rid in [h["id"] for h in _search(client, "政府信息公开")["hits"]]


def test_ocr_command_drains_the_queue_and_says_what_is_left(tmp_path, scan, cli_env):
    _, data = scan
    path = tmp_path / "scan.pdf"
    path.write_bytes(data)
    run = lambda *args: subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], env=cli_env,
                                       capture_output=True, text=True, timeout=600, cwd=cli_env["PYTHONPATH"])
    added = run("ingest", str(path))
    assert added.returncode == 0, added.stderr
    out = run("ocr")
    assert out.returncode == 0, out.stderr
    assert "完成 1 份，失败 0 份；仍在等待 0 份" in out.stdout
    again = run("ocr")
    assert "完成 0 份" in again.stdout


def test_a_scan_ocr_cannot_read_leaves_the_queue_with_its_reason(tmp_path, monkeypatch):
    from gikportal import ingest

    app = make_app(tmp_path)
    path = tmp_path / "blank.pdf"
    path.write_bytes(image_pdf(render_pages(to_pdf(extract("一、总体情况\n无。".encode(), "a.txt")))[:1]))
    ingest_paths(app.config, [str(path)], workers=1)
    archive = Archive(app.config["ARCHIVE_DIR"])
    [rid] = ocrqueue.pending(archive)
    monkeypatch.setattr(ingest, "parse_many", lambda items, limits, workers=None: [
        (key, None, "文字识别超时（超过 1 秒）") for key, _, _ in items])
    assert ocrqueue.drain(app.config) == (0, 1)
    record = archive.record(rid)
    assert record["ocr"]["state"] == "failed" and "超时" in record["ocr"]["error"]
    assert ocrqueue.pending(archive) == []
    page = app.test_client().get(f"/reports/{rid}").get_data(as_text=True)
    assert "文字识别失败" in page
    assert json.loads((archive.dir_for(rid) / "meta.json").read_text())["status"] == "parsed"


def test_the_worker_looks_for_scans_again_only_when_the_index_changed(tmp_path, monkeypatch):
    """Finding the queue reads every record: an idle worker does not repeat it every turn."""
    import time

    app = make_app(tmp_path)
    turns = []
    monkeypatch.setattr(ocrqueue, "drain_once", lambda config: turns.append(1) or (0, 0))
    generation = ["g1"]

    class Engine:
        def generation(self):
            return generation[0]

    monkeypatch.setattr(ocrqueue, "backend_for", lambda config: Engine())
    worker = ocrqueue.Worker(app.config, interval=0.01)
    worker.start()
    time.sleep(0.3)
    assert len(turns) == 1
    generation[0] = "g2"          # something was ingested
    time.sleep(0.3)
    worker.stop()
    worker.join(2)
    assert len(turns) == 2
