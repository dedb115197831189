"""Figures a journalist can publish (issue 14): one meaning per total on every surface, section
permalinks that carry their table and row anchors, citations with date and source, exports a
spreadsheet opens as is, help pages, and suggestions that lead to hits."""
import csv
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from _web_helpers import SAMPLES, export_id, ingest, ingest_seeds, make_app

BACKENDS = ("whoosh", "postgres")
pytestmark = pytest.mark.usefixtures("backend")
REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "real" / "files"
# seed 001's table 4 as printed, and as an office that totals wrongly prints it: 总计 0 under a
# review of 维持 1 + 纠正 1, and 总计 0 under lawsuits of 纠正 2 + 尚未审结 3
TABLE4 = "1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0"
TABLE4_WRONG = "1\t1\t0\t0\t0\t0\t2\t0\t3\t0\t0\t0\t0\t0\t0"


def contradicting_report():
    text = sorted(SAMPLES.glob("001_*.txt"))[0].read_text("utf-8")
    assert TABLE4 in text
    return text.replace(TABLE4, TABLE4_WRONG).replace("焦作市城乡一体化示范区管委会", "焦作市示范区测试局").encode("utf-8")


@pytest.fixture(scope="module")
def portal(tmp_path_factory, backend):
    app = make_app(tmp_path_factory.mktemp("newsroom"))
    seeds = ingest_seeds(app)
    wrong = ingest(app, contradicting_report(), "wrong.txt", source_url="https://www.example.gov.cn/wrong.html").record
    legacy = ingest(app, (REAL / "006_pingtan_county_2013.txt").read_bytes(), "legacy.txt").record
    return {"app": app, "client": app.test_client(), "seeds": seeds, "wrong": wrong, "legacy": legacy}


def api(portal, **args):
    return portal["client"].get("/api/search", query_string=dict(args, per_page=100)).get_json()


def html(portal, url):
    response = portal["client"].get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_a_total_contradicting_its_cells_counts_the_cells_everywhere(portal):
    wrong = portal["wrong"]
    assert wrong["stats"]["appeals"]["litigation_direct"]["total"] == 0  # the record keeps what is printed
    group = next(c for c in wrong["checks"] if c["rule"] == "group_total")
    assert group["ok"] is False and "＝5，总计为0" in group["detail"]  # and the check says so
    for q in ("finding:sued", "lawsuits:>0", "finding:reviewed", "reviews:>=2"):
        assert wrong["id"] in {h["id"] for h in api(portal, q=q)["hits"]}, q
    hit = next(h for h in api(portal, q="finding:sued")["hits"] if h["id"] == wrong["id"])
    assert (hit["figures"]["reviews"], hit["figures"]["reviews_corrected"], hit["figures"]["lawsuits"]) == (2, 1, 5)
    assert hit["figure_notes"]["lawsuits"] == {"printed": 0, "cells": 5, "figure": 5}
    # the facet counts the same reports the filter finds
    sued = {f["value"]: f["count"] for f in api(portal)["facets"]["finding"]}["sued"]
    assert sued == api(portal, q="finding:sued")["total"]
    card = html(portal, "/search?q=finding:sued")
    assert "行政复议 2" in card and "行政复议 0" not in card
    page = html(portal, f"/reports/{wrong['id']}")
    note = page.split('id="figure-notes"')[1].split("</div>")[0]
    assert "行政诉讼：报告印制的总计为 0，各项之和为 5" in note and "按 5 计" in note
    rows = list(csv.DictReader(io.StringIO(portal["client"].get("/export.csv").data.decode("utf-8-sig"))))
    row = next(r for r in rows if export_id(r["编号"]) == wrong["id"])
    assert (row["行政复议"], row["行政诉讼"]) == ("2", "5") and "行政诉讼 印制0/各项之和5" in row["总计与各项不符"]


def _table(page, table_id):
    body = page.split(f'id="{table_id}"')[1].split("</table>")[0]
    cells = re.findall(r'<th scope="row">([^<]+)</th><td>([\d,—]+)</td>', body)
    return {label: int(v.replace(",", "")) for label, v in cells if v != "—"}


def test_stats_rows_add_up_and_say_which_reports_they_cover(portal):
    page = html(portal, "/stats")
    applicants = _table(page, "applicants")
    total = applicants.pop("合计")
    assert sum(applicants.values()) == total and len(applicants) == 6
    with_table3 = [r for r in list(portal["seeds"].values()) + [portal["wrong"]] if r["stats"].get("requests")]
    assert f"{len(with_table3)} 份有表三分类的报告" in page
    legacy = portal["legacy"]["stats"]["legacy"]
    assert legacy.get("requests_received") is not None
    assert "另有 <strong>1</strong> 份报告（2019 年以前的旧格式）" in page and "未计入上表" in page
    # 复议纠正 comes from table 4 only: the legacy report is not among the reports it covers
    corrected = page.split('id="stat-reviews_corrected"')[1].split("</tr>")[0]
    assert f"{len(with_table3)} / {len(with_table3) + 1}" in corrected
    assert "其中 1 份总计与各项之和不符" in page.split('id="stat-lawsuits"')[1].split("</tr>")[0]


def test_section_permalinks_carry_their_table_and_row_anchors(portal):
    record = next(r for r in portal["seeds"].values() if r.get("published"))
    rid = record["id"]
    for n, caption, row in ((2, "表二", "t2-licensing"), (3, "表三", "t3-granted"), (4, "表四", "t4-review")):
        page = html(portal, f"/reports/{rid}/s/{n}")
        assert "<table" in page and caption in page, n
        assert f'id="{row}"' in page and f'href="#{row}"' in page, n
    assert "<table" not in html(portal, f"/reports/{rid}/s/1")
    assert 'id="t3-granted"' in html(portal, f"/reports/{rid}")
    cite = html(portal, f"/reports/{rid}/s/3").split('id="citation"')[1].split("</textarea>")[0]
    for part in (record["agency"], record["title"], f"{record['year']} 年度", f"{record['published']} 发布",
                 "https://example.gov.cn/", f"/reports/{rid}/s/3"):
        assert part in cite, part


def test_the_csv_opens_in_a_spreadsheet_as_is(portal):
    response = portal["client"].get("/export.csv?province=河南省&year=2024")
    disposition = response.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "年报-河南省-2024.csv"
    assert 'filename="gikportal-export.csv"' in disposition  # the ASCII fallback
    assert "/data-dictionary" in response.headers["Link"] and 'rel="describedby"' in response.headers["Link"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert body and all(r[header.index("省份")] == "河南省" and r[header.index("年度")] == "2024" for r in body)
    wrong = next(r for r in body if export_id(r[0]) == portal["wrong"]["id"])
    assert wrong[header.index("格式")] == "2019 年新版格式"
    checks = wrong[header.index("未通过的校验")]
    assert "复议诉讼合计" in checks and not re.search(r"[a-z_]{5,}", checks)
    assert wrong[header.index("来源网址")] == "https://www.example.gov.cn/wrong.html"
    # every column is in the data dictionary, with a meaning and a unit
    columns = portal["client"].get("/data-dictionary.json").get_json()["columns"]
    assert [c["column"] for c in columns] == header and all(c["meaning"] and c["unit"] for c in columns)
    page = html(portal, "/data-dictionary")
    assert all(c["column"] in page for c in columns)
    exported = portal["client"].get("/export.json?province=河南省").get_json()
    assert exported["dictionary"].endswith("/data-dictionary.json")
    assert any(r["source_url"] == "https://www.example.gov.cn/wrong.html" for r in exported["reports"])


def test_help_is_one_click_from_every_page(portal):
    rid = portal["wrong"]["id"]
    for url in ("/", "/stats", f"/reports/{rid}", f"/reports/{rid}/s/3", "/compare", "/about", "/data-dictionary"):
        footer = html(portal, url).split('<footer class="site">')[1]
        assert 'href="/about"' in footer and 'href="/sitemap"' in footer and 'href="/data-dictionary"' in footer, url
    about = html(portal, "/about")
    from gikportal.labels import CHECK_SOURCES, CHECKS
    for rule, label in CHECKS.items():
        assert label in about and CHECK_SOURCES[rule].split("，")[0] in about
    assert 'id="help"' in about and 'id="limits"' in about and 'id="figures"' in about
    moved = portal["client"].get("/help")
    assert moved.status_code in (301, 302) and moved.headers["Location"].endswith("/about#help")
    sitemap = html(portal, "/sitemap")
    assert "<urlset" not in sitemap and portal["wrong"]["agency"] in sitemap
    assert portal["client"].get("/sitemap.xml").data.startswith(b"<?xml")


def test_legacy_reports_fold_their_not_applicable_checks(portal):
    page = html(portal, f"/reports/{portal['legacy']['id']}")
    checks = page.split('id="checks-title"')[1].split("</section>")[0]
    before, folded = checks.split('<details class="checks-na">')
    assert "不适用" not in before.replace("数据校验", "")
    assert folded.count('class="check na"') == sum(1 for c in portal["legacy"]["checks"] if c["ok"] is None)


def test_a_suggestion_is_only_made_when_it_finds_something(portal):
    result = api(portal, q="依申请公干")
    assert result["total"] == 0 and result["suggestion"] == "依申请公开"
    assert result["suggestion_total"] == api(portal, q="依申请公开")["total"] > 0
    # under a filter that leaves the suggestion nothing, there is no suggestion
    assert api(portal, q="依申请公干", year="1999")["suggestion"] is None
    for typed in ("政府資訊公開", "量子计算", "完全无关的词语组合"):
        result = api(portal, q=typed)
        if result["suggestion"]:
            assert result["suggestion_total"] == api(portal, q=result["suggestion"])["total"] > 0


def test_pages_json_and_csv_are_compressed_and_static_files_cached_for_a_year(portal):
    import brotli
    import gzip
    import hashlib

    client = portal["client"]
    for url in ("/search?q=政府信息", "/api/search?q=政府信息", "/export.csv", "/stats"):
        plain = client.get(url)
        for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
            packed = client.get(url, headers={"Accept-Encoding": encoding})
            assert packed.headers.get("Content-Encoding") == encoding, (url, encoding)
            assert "Accept-Encoding" in packed.headers.get("Vary", "")
            assert decode(packed.data) == plain.data and len(packed.data) < len(plain.data) / 2, url
    page = html(portal, "/stats")
    assets = re.findall(r'/static/([\w/.-]+)\?v=([0-9a-f]{12})', page)
    assert {name for name, _ in assets} >= {"css/site.css", "js/site.js", "vendor/chart.umd.min.js"}
    static = Path(portal["app"].static_folder)
    for name, version in assets:
        assert version == hashlib.sha256((static / name).read_bytes()).hexdigest()[:12]
        response = client.get(f"/static/{name}?v={version}")
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", name
    assert client.get("/static/css/site.css").headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/site.css?v=000000000000").headers["Cache-Control"] == "no-cache"
