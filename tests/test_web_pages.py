"""The portal's pages on the five seeds (plus a hostile report and a second year of one agency)."""
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from markupsafe import escape

from _web_helpers import (HOSTILE, SAMPLES, export_id, hostile_variant, ids_in, ingest, ingest_seeds, make_app,
                          next_year_variant)

BACKENDS = ("whoosh", "postgres")  # every page test runs on both search backends
pytestmark = pytest.mark.usefixtures("backend")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


@pytest.fixture(scope="module")
def portal(tmp_path_factory, backend):
    app = make_app(tmp_path_factory.mktemp("portal"))
    seeds = ingest_seeds(app)
    seed0 = sorted(SAMPLES.glob("*.txt"))[0]
    hostile = ingest(app, hostile_variant(), "hostile.txt", source_url="javascript:alert(3)").record
    later = ingest(app, next_year_variant(seed0), "later.txt").record
    return {"app": app, "client": app.test_client(), "seeds": seeds, "hostile": hostile, "later": later,
            "first": seeds[seed0.name]}


def get(portal, url, status=200):
    response = portal["client"].get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:500])
    return response


def page(portal, url, status=200):
    return get(portal, url, status).get_data(as_text=True)


def all_records(portal):
    return list(portal["seeds"].values()) + [portal["hostile"], portal["later"]]


# --- search ---------------------------------------------------------------------------

def test_empty_query_browses_every_report(portal):
    html = page(portal, "/")
    assert {r["id"] for r in all_records(portal)} <= ids_in(html)
    assert "<label for=\"q\">" in html and "共 <strong>7</strong> 份报告" in html
    assert page(portal, "/search") == html


def test_query_is_kept_in_url_form_and_exports(portal):
    html = page(portal, "/search?q=主动公开")
    assert 'value="主动公开"' in html
    assert "/export.csv?q=%E4%B8%BB%E5%8A%A8%E5%85%AC%E5%BC%80" in html


def test_snippets_link_to_existing_section_anchors(portal):
    html = page(portal, "/search?q=主动公开")
    links = re.findall(r'class="section-link" href="/reports/([0-9a-f]{16})#(s\d+(?:-\d+)?)"', html)
    assert links
    assert "<mark>" in html
    for rid, anchor in links:
        assert f'id="{anchor}"' in page(portal, f"/reports/{rid}")


def test_facet_value_toggles_on_and_off(portal):
    html = page(portal, "/search")
    href = re.search(r'href="(/search\?[^"]*year=2024[^"]*)"', html).group(1).replace("&amp;", "&")
    selected = page(portal, href)
    expected = {r["id"] for r in all_records(portal) if r["year"] == 2024}
    assert ids_in(selected.split('<aside')[0]) == expected
    assert f"共 <strong>{len(expected)}</strong> 份报告" in selected
    link = re.search(r'<a href="([^"]*)" aria-current="true"', selected)
    assert link, "the selected value is marked"
    off = urlsplit(link.group(1).replace("&amp;", "&"))
    assert "year" not in parse_qs(off.query)
    assert "清除全部筛选" in selected


def test_pagination_and_sort(portal):
    html = page(portal, "/search?per_page=2&sort=-year")
    assert 'rel="next"' in html and "第 1/4 页" in html
    assert '<option value="-year" selected>' in html
    second = page(portal, "/search?per_page=2&sort=-year&page=2")
    assert 'rel="prev"' in second and ids_in(second.split("<aside")[0]).isdisjoint(ids_in(html.split("<aside")[0]))


def test_suggestion_and_notice_are_shown(portal, monkeypatch):
    from gikportal import backend

    real_for = backend.for_config

    def with_hint_for(config):
        engine = real_for(config)
        real = engine.search

        def with_hint(params):
            result = real(params)
            result.update(suggestion="行政复议<b>", notice="查询语法有误，已按普通检索处理。")
            return result

        engine.search = with_hint
        return engine

    monkeypatch.setattr(backend, "for_config", with_hint_for)
    html = page(portal, "/search?q=xyzzy")
    assert "您是不是要找" in html and "行政复议&lt;b&gt;" in html
    assert "查询语法有误" in html


def test_hostile_text_is_escaped_everywhere(portal):
    rid = portal["hostile"]["id"]
    for url in (f"/reports/{rid}", "/search?q=行政复议", f"/reports/{rid}/s/5", "/search?q=<script>alert(1)</script>",
                f"/compare?ids={rid},{portal['first']['id']}"):
        html = page(portal, url)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "onerror=alert(1)>" not in html.replace("&gt;", "")
    html = page(portal, f"/reports/{rid}")
    assert "&lt;script&gt;alert(" in html
    assert 'href="javascript:' not in html


def test_too_long_query_is_a_clear_error(portal):
    html = page(portal, "/search?q=" + "字" * 600, status=400)
    assert "检索词过长" in html


# --- report ---------------------------------------------------------------------------

def test_report_page_metadata_toc_sections_tables(portal):
    record = portal["first"]
    html = page(portal, f"/reports/{record['id']}")
    assert record["title"] in html and record["sha256"] in html
    assert f'/agencies/{record["agency"]}' in unquote(html)
    assert "https://example.gov.cn/000_818e14e45a5bbb4f.html" in html
    for section in record["sections"]:
        assert f'id="{section["anchor"]}"' in html and f'href="#{section["anchor"]}"' in html
    assert 'id="s1-1"' in html and 'href="#s1-1"' in html
    assert "一、本年新收政府信息公开申请数量" in html and "自然人" in html and "商业企业" in html
    assert "表四 政府信息公开行政复议、行政诉讼情况" in html and "结果维持" in html
    assert "复制链接" in html and 'class="js-copy' in html
    assert f'/reports/{record["id"]}/original' in html and f'/reports/{record["id"]}.json' in html


def test_failed_check_is_shown_with_its_detail(portal):
    record = next(r for r in all_records(portal) if any(c["ok"] is False for c in r["checks"]))
    html = page(portal, f"/reports/{record['id']}")
    failed = [c for c in record["checks"] if c["ok"] is False]
    assert f"本报告有 {len(failed)} 项校验未通过" in html
    for check in failed:
        assert str(escape(check["detail"])) in html


def test_a_rule_has_one_name_on_report_page_hit_and_facet(portal):
    """The report page, the hit's flags and the finding facet name a failed rule alike (labels.py)."""
    from gikportal import labels

    record = next(r for r in all_records(portal) if any(c["ok"] is False for c in r["checks"]))
    rule = next(c["rule"] for c in record["checks"] if c["ok"] is False)
    name = labels.CHECKS[rule]
    assert f"<strong>{escape(name)}</strong>" in page(portal, f"/reports/{record['id']}")
    assert f'<span class="flag">{escape(name)}</span>' in page(portal, f"/search?q=check:{rule}")
    facet = get(portal, "/api/search").get_json()["facets"]["finding"]
    assert any(v["value"] == f"check:{rule}" and v["label"] == labels.FAILED_CHECK_PREFIX + name for v in facet)
    dictionary = get(portal, "/api/dictionary").get_json()
    assert dictionary["checks"][rule] == name and dictionary["requests"]["columns"]["total"] == "总计"


def test_parser_warnings_are_listed(portal):
    record = next((r for r in all_records(portal) if r.get("warnings")), None)
    if record is None:
        pytest.skip("no seed produced parser warnings")
    html = page(portal, f"/reports/{record['id']}")
    assert "解析提示" in html


def test_offending_rows_are_marked():
    from gikportal.web.tables import report_tables

    columns = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other")
    row = lambda n, total=None: dict(dict.fromkeys(columns, 0), natural_person=n, total=n if total is None else total)  # noqa: E731
    record = {"stats": {"requests": {"new_received": row(5), "carried_over": row(0), "granted": row(3, total=4),
                                     "outcome_total": row(4), "carried_forward": row(0)},
                        "appeals": {"review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 2}}},
              }
    from gikportal.parse import checks

    requests, appeals = record["stats"]["requests"], record["stats"]["appeals"]
    record["checks"] = [checks.balance(requests), checks.outcome_sum(requests), checks.row_total(requests),
                        checks.group_total(appeals)]
    # the checks say where they failed; the view only lays it out
    assert [c["ok"] for c in record["checks"]] == [False, None, False, False]
    assert {m["row"] for c in record["checks"] for m in c.get("marks", [])} == {"carried_forward", "granted", "review"}
    tables = report_tables(record)
    problems = {r["key"]: r["problems"] for r in tables["requests"]["rows"]}
    assert problems["granted"] and "3 ≠ 总计 4" in problems["granted"][0]
    assert problems["carried_forward"] and not problems["new_received"]
    assert tables["appeals"]["rows"][0]["problems"]
    record["checks"] = [{"rule": "balance", "ok": True, "detail": ""}]
    assert not any(r["problems"] for r in report_tables(record)["requests"]["rows"])


def test_original_is_a_download_with_its_type_and_name(portal):
    seed = sorted(SAMPLES.glob("*.txt"))[2]
    record = portal["seeds"][seed.name]
    response = get(portal, f"/reports/{record['id']}/original")
    assert response.data == seed.read_bytes()
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert seed.name in response.headers["Content-Disposition"]
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_record_json_and_api(portal):
    record = portal["first"]
    assert get(portal, f"/reports/{record['id']}.json").get_json() == record
    response = get(portal, f"/api/reports/{record['id']}")
    data = response.get_json()
    assert data.pop("scorecard")["criteria"] and data == record  # the record, and its scorecard
    assert "max-age" in response.headers["Cache-Control"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert get(portal, "/api/reports/0000000000000000", 404).get_json()["status"] == 404


def test_section_permalink_has_citation(portal):
    record = portal["first"]
    section = next(s for s in record["sections"] if s["n"] == 5)
    html = page(portal, f"/reports/{record['id']}/s/5")
    citation = re.search(r'<textarea id="citation"[^>]*>([^<]*)</textarea>', html).group(1)
    for part in (record["agency"], record["title"], str(record["year"]), section["heading"],
                 f"http://localhost/reports/{record['id']}/s/5"):
        assert part in citation


@pytest.mark.parametrize("path", [
    "/reports/ABCDEF0123456789", "/reports/0123", "/reports/0123456789abcdef0", "/reports/0000000000000000",
    "/reports/..%2F..%2Fetc%2Fpasswd", "/reports/%2e%2e", "/reports/0000000000000000/original",
    "/reports/..%2Fmeta.json/original", "/reports/0000000000000000.json", "/reports/0000000000000000/s/1",
    "/agencies/%2e%2e", "/api/reports/..%2Fx", "/static/../gikportal/config.py",
])
def test_path_tricks_are_404(portal, path):
    assert portal["client"].get(path).status_code == 404


def test_unknown_section_is_404(portal):
    get(portal, f"/reports/{portal['first']['id']}/s/99", 404)


# --- agency, compare, stats -------------------------------------------------------------

def test_same_agency_other_years_and_agency_page(portal):
    first, later = portal["first"], portal["later"]
    assert later["agency"] == first["agency"] and later["year"] == first["year"] + 1
    html = page(portal, f"/reports/{first['id']}")
    assert f'/reports/{later["id"]}' in html and 'rel="next"' in html
    html = page(portal, f"/agencies/{first['agency']}")
    data = json.loads(re.search(r'<script type="application/json" class="chart-data">(.*?)</script>', html, re.S).group(1))
    assert data["labels"] == [str(first["year"]), str(later["year"])]
    assert {s["label"] for s in data["series"]} >= {"本年新收申请", "行政复议", "行政诉讼"}
    assert f"{first['year']} → {later['year']}" in html
    assert "vendor/chart.umd.min.js" in html and "<script>" not in html
    get(portal, "/agencies/不存在的机关", 404)


def test_compare_highlights_differences_and_diffs_section_5(portal):
    a, b = portal["seeds"][sorted(portal["seeds"])[1]], portal["hostile"]
    html = page(portal, f"/compare?ids={a['id']},{b['id']}")
    assert a["title"] in html or a["agency"] in html
    assert "第五部分" in html and "的文字逐句相同" in html
    assert 'class="ins"' in html
    other = portal["seeds"][sorted(portal["seeds"])[0]]
    html = page(portal, f"/compare?ids={a['id']},{other['id']}")
    assert 'class="differs"' in html


def test_compare_marks_a_copied_paragraph_with_the_year_changed(portal):
    first, later = portal["first"], portal["later"]
    html = page(portal, f"/compare?ids={first['id']},{later['id']}")
    assert 'class="near"' in html and "<del>4</del>" in html and "<ins>5</ins>" in html


def test_stats_totals_and_ranking(portal):
    from gikportal.figures import headline

    html = page(portal, "/stats?figure=requests_new")
    total = sum(headline(r)["requests_new"] or 0 for r in all_records(portal))
    assert re.search(r"合计</th><td>" + re.escape(f"{total:,}") + "</td>", html)
    assert "自然人" in html and "机关排名：本年新收申请" in html
    filtered = page(portal, "/stats?year=2025&lawsuits_min=0")
    assert "<strong>1</strong> 份报告" in filtered and "年度：2025" in filtered and "行政诉讼下限：0" in filtered


# --- exports, feeds, API -----------------------------------------------------------------

def test_csv_export_has_bom_and_one_row_per_report(portal):
    response = get(portal, "/export.csv")
    assert response.data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "标题", "发布机关", "年度"] and "本年新收申请" in rows[0]
    assert {export_id(r[0]) for r in rows[1:]} == {r["id"] for r in all_records(portal)}
    filtered = list(csv.reader(io.StringIO(get(portal, "/export.csv?year=2025").data.decode("utf-8-sig"))))
    assert [export_id(r[0]) for r in filtered[1:]] == [portal["later"]["id"]]


def test_json_export_uses_search_filters(portal):
    data = get(portal, "/export.json?year=2024").get_json()
    assert data["total"] == len(data["reports"]) == sum(1 for r in all_records(portal) if r["year"] == 2024)
    assert all(r["url"].startswith("/reports/") for r in data["reports"])


def test_api_search_adds_urls(portal):
    response = get(portal, "/api/search?q=主动公开")
    data = response.get_json()
    assert data["total"] >= 5 and data["hits"]
    for hit in data["hits"]:
        assert hit["url"] == f"/reports/{hit['id']}"
        for snippet in hit["snippets"]:
            assert snippet["url"].startswith(f"/reports/{hit['id']}#s")
    values = [v for facet in data["facets"].values() for v in facet]
    assert values and all(v["url"].startswith("/api/search?") for v in values)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response.headers["Cache-Control"]


def test_feeds_and_discovery_are_valid_xml(portal):
    atom = ET.fromstring(get(portal, "/feed.atom").data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert len(atom.findall("a:entry", ns)) == 7
    filtered = ET.fromstring(get(portal, "/feed.atom?year=2025").data)
    assert len(filtered.findall("a:entry", ns)) == 1
    osd = ET.fromstring(get(portal, "/opensearch.xml").data)
    assert "{searchTerms}" in osd.find("{http://a9.com/-/spec/opensearch/1.1/}Url").get("template")
    sitemap = get(portal, "/sitemap.xml").get_data(as_text=True)
    assert all(f"/reports/{r['id']}" in sitemap for r in all_records(portal))
    assert 'rel="search"' in page(portal, "/")


# --- headers ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/stats", "/export.csv", "/api/search", "/admin/upload", "/nope", "/feed.atom"])
def test_security_headers_on_every_response(portal, url):
    response = portal["client"].get(url)
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_no_inline_script_or_style_in_pages(portal):
    rid = portal["first"]["id"]
    for url in ("/", f"/reports/{rid}", f"/agencies/{portal['first']['agency']}", "/stats", "/compare", "/admin/upload"):
        html = page(portal, url)
        assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html), url
        assert " style=" not in html and "<style" not in html and " onclick=" not in html, url


def test_every_facet_url_selects_exactly_its_count(portal):
    facets = get(portal, "/api/search").get_json()["facets"]
    assert {"year", "province", "agency"} <= set(facets)
    for name, values in facets.items():
        for value in values:
            chosen = get(portal, value["url"]).get_json()
            assert chosen["total"] == value["count"], (name, value)
            again = next(v for v in chosen["facets"][name] if v["value"] == value["value"])
            assert again["selected"] and get(portal, again["url"]).get_json()["total"] == 7


def test_api_index_and_json_errors(portal):
    data = get(portal, "/api/").get_json()
    assert data["search"]["url"] == "/api/search" and "requests_new" in data["figures"]
    error = get(portal, "/api/search?q=" + "字" * 600, 400).get_json()
    assert error["status"] == 400 and "检索词过长" in error["detail"]
    assert get(portal, "/api/nothing", 404).get_json()["status"] == 404


def test_empty_archive_renders_everything(tmp_path):
    client = make_app(tmp_path).test_client()
    for url in ("/", "/search?q=行政复议", "/stats", "/export.json", "/feed.atom", "/sitemap.xml", "/api/search",
                "/compare", "/opensearch.xml"):
        assert client.get(url).status_code == 200, url
    assert "共 <strong>0</strong> 份报告" in client.get("/").get_data(as_text=True)
    rows = client.get("/export.csv").data.decode("utf-8-sig").splitlines()
    assert len(rows) == 1 and rows[0].startswith("编号,标题")


def test_legacy_and_2019_format_reports_render(tmp_path):
    from tools.generate import generate

    app = make_app(tmp_path)
    client = app.test_client()
    seen = set()
    for report in generate(6, seed=3, years=[2015, 2019]):
        record = ingest(app, report.data, report.filename).record
        html = client.get(f"/reports/{record['id']}").get_data(as_text=True)
        seen.add(record["format"])
        if record["format"] == "legacy":
            assert "报告正文中的数字" in html
            for value in record["stats"].get("legacy", {}).values():
                assert f"<td>{value:,}</td>" in html
        else:
            assert "上一年项目数量" in html or "本年新制作数量" in html
    assert seen == {"legacy", "2019"}


def test_portal_runs_on_the_module_backend(portal, backend):
    """The pages above were served by the backend this run is for, holding the seven reports."""
    from gikportal.backend import for_config

    engine = for_config(portal["app"].config)
    assert engine.name == backend and engine.doc_count() == len(all_records(portal))
