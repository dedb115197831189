"""The scorecard's pages: /reports/<id>/scorecard, its summary on the report page, the record
API, the rankings with denominators and the small-sample guard, the Atom feed of a finding."""
import re

import pytest

from _series import series
from _web_helpers import ingest, ingest_seeds, make_app

BACKENDS = ("whoosh", "postgres")


@pytest.fixture(scope="module")
def portal(tmp_path_factory, backend):
    app = make_app(tmp_path_factory.mktemp("scorecard"))
    ingest_seeds(app)
    agency, other, files = series()
    ids = {}
    for year, name, data in files:
        ids[(other if name.startswith("other") else agency, year)] = ingest(app, data, name).id
    return app, agency, other, ids


def test_scorecard_page_cites_rules_and_shows_the_copied_sentences(portal):
    app, agency, other, ids = portal
    html = app.test_client().get(f"/reports/{ids[(agency, 2023)]}/scorecard").get_data(as_text=True)
    assert "《中华人民共和国政府信息公开条例》第四十九条" in html and "国办公开办函〔2021〕30号" in html
    assert f"与{other}2023年报告第五部分 100% 相同" in re.sub(r"<[^>]+>", "", html)
    assert "与上年相同的 3 句" in html and "一是依申请公开答复的说理还不够充分" in html
    assert "2022年结转下年度3件，2023年上年结转1件" in html
    assert "总分 = 通过项目的分值之和" in html
    assert "/feed.atom?q=scorecard:copied_section5" in html.replace("%3A", ":")


def test_report_page_summary_and_api(portal):
    app, agency, _other, ids = portal
    client = app.test_client()
    rid = ids[(agency, 2022)]
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert f"/reports/{rid}/scorecard" in page and "未通过：按时发布" in page
    data = client.get(f"/api/reports/{rid}").get_json()
    card = {c["key"]: c for c in data["scorecard"]["criteria"]}
    assert card["on_time"]["ok"] is False and card["on_time"]["numbers"]["days_late"] == 38
    assert card["continuity"]["ok"] is True and data["scorecard"]["failed"][0] == "on_time"
    assert data["scorecard"]["version"] and data["scorecard"]["score"] < 100


def test_feed_of_a_finding_lists_the_failing_reports(portal):
    app, agency, other, ids = portal
    xml = app.test_client().get("/feed.atom?q=scorecard:copied_section5").get_data(as_text=True)
    assert set(re.findall(r"/reports/([0-9a-f]{16})", xml)) == {ids[(agency, 2023)], ids[(other, 2023)]}


def test_rankings_show_denominators_and_leave_small_samples_out(portal):
    app, *_ = portal
    client = app.test_client()
    html = client.get("/stats/rankings?rate=granted_rate").get_data(as_text=True)
    assert "办理结果总计" in html and "组内百分位" in html
    # the series' department has hundreds of requests a year; a seed agency with fewer than 30 is left out
    rows = re.findall(r'<tr( class="small-sample")?><td>(\d+|—)</td>', html)
    assert any(not small and rank.isdigit() for small, rank in rows)
    assert all(small for small, rank in rows if rank == "—")
    small = client.get("/stats/rankings?rate=granted_rate&small=1").get_data(as_text=True)
    assert small.count("<td>—</td>") <= html.count("<td>—</td>")
    review = client.get("/stats/rankings?rate=review_corrected_rate").get_data(as_text=True)
    assert "行政复议总计" in review and "分母少于 30 件" in review
    assert "评分的报告数" in client.get("/stats/rankings?rate=score").get_data(as_text=True)
    assert "/stats/rankings" in client.get("/stats").get_data(as_text=True)
