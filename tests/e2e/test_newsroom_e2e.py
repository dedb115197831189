"""A journalist's journeys in headless Chromium at desktop and phone widths (issue 14): cite one
figure of table 3 from its section permalink, download a CSV named after its filters, find /about
from the footer, follow a suggestion to hits, and see a legacy report's 不适用 checks folded.

Skipped cleanly when /usr/bin/chromium or the playwright package is missing."""
import csv
import io
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _web_helpers import export_id, ingest, ingest_seeds, make_app  # noqa: E402
from test_web_e2e import CHROMIUM, browser, serious_violations  # noqa: E402,F401 (the shared Chromium, and its skips)
from test_web_newsroom import REAL, contradicting_report  # noqa: E402

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")
WIDTHS = (1280, 360)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from waitress.server import create_server

    app = make_app(tmp_path_factory.mktemp("newsroom-e2e"), WTF_CSRF_ENABLED=True)
    seeds = ingest_seeds(app)
    wrong = ingest(app, contradicting_report(), "wrong.txt", source_url="https://www.example.gov.cn/wrong.html").record
    legacy = ingest(app, (REAL / "006_pingtan_county_2013.txt").read_bytes(), "legacy.txt").record
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.effective_port}", "seeds": seeds, "wrong": wrong, "legacy": legacy}
    server.close()


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def page(request, browser):
    width = request.param
    context = browser.new_context(viewport={"width": width, "height": 800 if width > 400 else 740},
                                  accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.width = width
    page.csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
    yield page
    assert not page.csp_errors, page.csp_errors
    context.close()


def test_one_figure_of_table_3_is_cited_from_its_section_permalink(page, site):
    rid = site["wrong"]["id"]
    page.goto(f"{site['base']}/reports/{rid}/s/3#t3-granted")
    row = page.locator("#t3-granted")
    assert row.is_visible() and page.locator("table caption", has_text="表三").is_visible()
    top = page.evaluate("document.getElementById('t3-granted').getBoundingClientRect().top")
    assert -5 <= top <= 60, top  # the browser scrolled to the cited row
    row.locator("a.row-anchor").click()
    assert page.evaluate("location.hash") == "#t3-granted"
    citation = page.input_value("#citation")
    assert site["wrong"]["agency"] in citation and "https://www.example.gov.cn/wrong.html" in citation
    assert f"/reports/{rid}/s/3" in citation


def test_csv_download_is_named_after_its_filters_and_keeps_ids(page, site):
    page.goto(site["base"] + "/search?province=河南省&year=2024")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    download = info.value
    assert download.suggested_filename == "年报-河南省-2024.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    ids = {export_id(r[0]) for r in rows[1:]}
    assert site["wrong"]["id"] in ids and rows[0][rows[0].index("未通过的校验")] == "未通过的校验"


def test_about_is_reached_from_the_footer(page, site):
    page.goto(f"{site['base']}/reports/{site['seeds'][sorted(site['seeds'])[0]]['id']}")
    link = page.locator("footer.site").get_by_role("link", name="关于本站")
    link.scroll_into_view_if_needed()
    assert link.is_visible()
    link.click()
    page.wait_for_url("**/about")
    assert page.get_by_role("heading", name="各项校验").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.width + 1
    page.locator("footer.site").get_by_role("link", name="网站地图").click()
    page.wait_for_url("**/sitemap")
    assert page.get_by_role("heading", name="网站地图").is_visible()


def test_a_suggestion_leads_to_hits(page, site):
    page.goto(site["base"] + "/search?q=依申请公干")
    assert page.locator(".hit").count() == 0
    page.locator(".suggestion a").click()
    page.wait_for_url("**q=*")
    assert page.locator(".hit").count() > 0


def test_a_legacy_report_folds_its_not_applicable_checks(page, site):
    page.goto(f"{site['base']}/reports/{site['legacy']['id']}")
    folded = page.locator("details.checks-na")
    assert folded.count() == 1 and not folded.evaluate("d => d.open")
    assert page.locator(".check.na").first.is_hidden()
    toc = page.locator("#toc-title").bounding_box()["y"]
    checks = page.locator("#checks-title").bounding_box()["y"]
    assert toc - checks < 400  # the contents follow the checks closely, not after seven grey rows
    folded.locator("summary").click()
    assert page.locator(".check.na").first.is_visible()


def test_new_pages_have_no_serious_accessibility_violations(browser, site):
    """axe-core on the pages this work adds or changes: about, data dictionary, sitemap, a section
    permalink with its table, a legacy report, a report whose totals contradict their cells."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    rid = site["wrong"]["id"]
    problems = serious_violations(page, site["base"], (
        "/about", "/data-dictionary", "/sitemap", f"/reports/{rid}/s/3", f"/reports/{rid}",
        f"/reports/{site['legacy']['id']}", "/stats"))
    context.close()
    assert not problems, problems
