"""The portal in a real headless Chromium (Debian's package, driven by Playwright) over waitress.

Skipped cleanly when /usr/bin/chromium or the playwright package is missing.
"""
import csv
import io
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _web_helpers import SAMPLES, ingest, ingest_seeds, make_app, next_year_variant  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SCREENSHOT = Path("/tmp/gikportal-360.png")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from waitress.server import create_server

    app = make_app(tmp_path_factory.mktemp("e2e"), WTF_CSRF_ENABLED=True)
    seeds = ingest_seeds(app)
    ingest(app, next_year_variant(sorted(SAMPLES.glob("*.txt"))[0]), "later.txt")
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.effective_port}", "seeds": seeds, "app": app}
    server.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site["base"])
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
    yield page
    assert not page.csp_errors, page.csp_errors
    context.close()


def test_search_facet_and_snippet_scroll(page, site):
    page.goto(site["base"] + "/")
    page.fill("#q", "主动公开")
    page.press("#q", "Enter")
    page.wait_for_url("**/search?q=*")
    assert "主动公开" in page.input_value("#q")
    assert page.locator(".hit").count() >= 5
    years = page.locator("details.facet", has=page.locator("summary", has_text="年度"))
    facet = years.locator("a", has_text="2024").first
    facet.click()
    page.wait_for_url("**year=2024*")
    assert page.locator(".facet li.selected").count() == 1
    link = page.locator("a.section-link").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url("**/reports/**")
    anchor = href.split("#")[1]
    assert page.evaluate("location.hash") == "#" + anchor
    top = page.evaluate(f"document.getElementById('{anchor}').getBoundingClientRect().top")
    assert -5 <= top <= 60, top


def test_keyboard_reaches_content_first(page, site):
    page.goto(site["base"] + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"


def test_copy_permalink(page, site):
    record = next(iter(site["seeds"].values()))
    page.goto(f"{site['base']}/reports/{record['id']}")
    page.get_by_role("button", name="复制链接").click()
    page.wait_for_function("document.querySelector('.actions .js-copy').textContent === '已复制'")
    assert page.evaluate("navigator.clipboard.readText()") == f"{site['base']}/reports/{record['id']}"


def test_csv_download_reads_back(page, site):
    page.goto(site["base"] + "/search?year=2024")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][1] == "标题"
    assert {r[3] for r in rows[1:]} == {"2024"} and len(rows) > 1


def test_agency_chart_draws(page, site):
    record = next(iter(site["seeds"].values()))
    page.goto(f"{site['base']}/agencies/{record['agency']}")
    page.wait_for_function("window.Chart && Chart.getChart(document.querySelector('canvas.js-chart'))")


def test_upload_with_and_without_token(page, site):
    data = sorted(SAMPLES.glob("*.txt"))[3].read_bytes().replace("2022".encode(), "2021".encode())
    page.goto(site["base"] + "/admin/upload")
    page.fill("#token", "wrong")
    page.set_input_files("#report", files=[{"name": "x.txt", "mimeType": "text/plain", "buffer": data}])
    page.click("button[type=submit]")
    assert "管理令牌不正确" in page.content()
    page.fill("#token", "t")
    page.set_input_files("#report", files=[{"name": "x.txt", "mimeType": "text/plain", "buffer": data}])
    page.click("button[type=submit]")
    page.wait_for_selector(".upload-result")
    assert "已收录" in page.inner_text(".upload-result")


def test_readable_at_360px(browser, site):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    page.goto(site["base"] + "/search?q=主动公开")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    results = page.locator(".results").bounding_box()
    facets = page.locator(".facets").bounding_box()
    assert facets["y"] > results["y"], "facets collapse below the results on a phone"
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    record = next(iter(site["seeds"].values()))
    page.goto(f"{site['base']}/reports/{record['id']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def serious_violations(page, base, urls):
    """{url: [(rule, help, nodes)]} of axe-core's serious and critical violations on each page."""
    problems = {}
    for url in urls:
        page.goto(base + url)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [(v["id"], v["help"], len(v["nodes"])) for v in result["violations"]
                   if v["impact"] in ("serious", "critical")]
        if serious:
            problems[url] = serious
    return problems


def test_pages_have_no_serious_accessibility_violations(browser, site):
    """axe-core (vendored from npm, injected only in the test) on the main page types."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    record = next(iter(site["seeds"].values()))
    problems = serious_violations(page, site["base"], (
        "/search?q=主动公开", f"/reports/{record['id']}", f"/agencies/{record['agency']}", "/stats",
        "/admin/upload", f"/reports/{record['id']}/s/1"))
    context.close()
    assert not problems, problems
