"""数据存疑: a record that misses what a whole report must have is marked on its page and its card,
is a finding facet value, and can be left out of search, /stats and the exports (-finding:doubtful)."""
import csv
import io
from pathlib import Path

import pytest

from _web_helpers import export_id, ingest, ingest_seeds, make_app
from gikportal.figures import doubts

BACKENDS = ("whoosh", "postgres")
REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "real" / "files"
# a page that stops after part 1: no tables, no parts 2-6, no body named
TRUNCATED = "2023年，全面推进政务公开工作。\n一、总体情况\n全年受理政府信息公开申请123457件，均按时答复。\n".encode()


@pytest.fixture(scope="module")
def portal(tmp_path_factory, backend):
    app = make_app(tmp_path_factory.mktemp("doubtful"))
    ingest_seeds(app)
    whole = ingest(app, (REAL / "010_pingtan_zone_2021.txt").read_bytes(), "whole.txt").id
    cut = ingest(app, TRUNCATED, "cut.txt")
    return app, whole, cut.id, cut.record


def _ids(client, q):
    return {h["id"] for h in client.get("/api/search", query_string={"q": q, "per_page": 50}).get_json()["hits"]}


def test_the_rule_names_what_is_missing(portal):
    _, _, _, record = portal
    reasons = doubts(record)
    assert "section 5: not found" in reasons and "table 3: not found" in reasons
    assert doubts({"warnings": ["row granted: first cell missing, shifted"]}) == []
    assert doubts({"ocr": {"state": "pending"}}) == ["扫描件文字尚未识别"]


def test_only_the_incomplete_report_is_doubtful_and_it_can_be_left_out(portal):
    app, whole, cut, _ = portal
    client = app.test_client()
    every = _ids(client, "")
    assert {whole, cut} <= every and len(every) == 7
    assert _ids(client, "finding:doubtful") == {cut}
    assert _ids(client, "-finding:doubtful") == every - {cut}
    facets = client.get("/api/search").get_json()["facets"]["finding"]
    assert {"value": "doubtful", "count": 1} in [{"value": f["value"], "count": f["count"]} for f in facets]


def test_pages_mark_it_and_stats_and_exports_leave_it_out(portal):
    app, whole, cut, _ = portal
    client = app.test_client()
    page = client.get(f"/reports/{cut}").get_data(as_text=True)
    assert "数据存疑" in page and "section 3: not found" in page
    assert "数据存疑" not in client.get(f"/reports/{whole}").get_data(as_text=True)
    assert "数据存疑" in client.get("/search?q=123457").get_data(as_text=True)
    stats = client.get("/stats").get_data(as_text=True)
    assert "其中 <strong>1</strong> 份数据存疑" in stats and "/stats?q=-finding%3Adoubtful" in stats
    assert "<strong>7</strong> 份报告" in stats
    leaving = client.get("/stats?q=-finding:doubtful").get_data(as_text=True)
    assert "已排除数据存疑的报告" in leaving and "<strong>6</strong> 份报告" in leaving
    rows = list(csv.reader(io.StringIO(client.get("/export.csv?q=-finding:doubtful").data.decode("utf-8-sig"))))
    ids = {export_id(r[0]) for r in rows[1:]}
    assert cut not in ids and whole in ids
