"""Issue 14's journeys in a real headless Chromium (Debian's package, driven by Playwright), at
1280 and 360 px: one body's two years under two names on one agency page and side by side in
compare; search results as a table sorted both ways; the 筛选 button on a phone; wide tables
that scroll with their label column kept in view. Names are built from the gazetteer."""
import re
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _web_helpers import SAMPLES, district, ingest, ingest_seeds, make_app, renamed_seed  # noqa: E402
from test_web_e2e import CHROMIUM, browser  # noqa: E402,F401 (the browser fixture, one Chromium setup)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")]
WIDTHS = (1280, 360)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from waitress.server import create_server

    app = make_app(tmp_path_factory.mktemp("e2e-journalist"))
    seeds = ingest_seeds(app)
    city, place = district()
    seed = sorted(SAMPLES.glob("*.txt"))[1]  # a seed with a table 3 of figures
    long_name, short_name = city.name + place.name + "人民政府", place.name + "人民政府"
    old = ingest(app, renamed_seed(seed, long_name, 2023), "old.txt").record
    new = ingest(app, renamed_seed(seed, short_name, 2024), "new.txt").record
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    yield {"base": f"http://127.0.0.1:{server.effective_port}", "seeds": seeds, "old": old, "new": new,
           "long": long_name, "short": short_name, "seed": seed}
    server.close()


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def page(request, browser):
    width = request.param
    context = browser.new_context(viewport={"width": width, "height": 800 if width > 400 else 740}, locale="zh-CN")
    page = context.new_page()
    page.width = width
    yield page
    context.close()


def _no_page_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.width + 1


def test_one_agency_two_names_compare_side_by_side(page, site):
    page.goto(site["base"] + "/agencies/" + quote(site["long"]))
    assert page.inner_text("h1") == site["short"]  # the latest printed name heads the page
    table = page.locator("table.figures-table").first
    rows = table.locator("tbody tr")
    assert rows.count() == 2 and rows.nth(0).locator("th").inner_text().startswith("2023")
    assert site["long"] in page.inner_text(".names") and site["short"] in page.inner_text(".names")
    assert "2023 → 2024" in page.inner_text("section[aria-labelledby=chain-title]")
    _no_page_overflow(page)
    page.locator("a.compare-link").click()
    page.wait_for_url("**/compare?agency=*")
    heads = page.locator("table.compare thead th").all_inner_texts()
    assert heads[1].startswith(site["long"]) and heads[1].endswith("2023")
    assert heads[2].startswith(site["short"]) and heads[2].endswith("2024")
    assert heads[3:] == ["变化", "变化率"] and not any("None" in h for h in heads)
    _no_page_overflow(page)
    # the compare forms fit a phone: the agency box is most of the width
    box = page.locator("#agency").bounding_box()
    assert box["width"] >= min(page.width * 0.7, 250)
    # and from the report page: 与上一年对比
    page.goto(f"{site['base']}/reports/{site['new']['id']}")
    page.get_by_role("link", name="与上一年对比").click()
    page.wait_for_url("**/compare?**")
    assert page.locator("table.compare thead th").count() == 5


def _column(page, label):
    heads = page.locator("table.hits-table thead th").all_inner_texts()
    index = next(i for i, h in enumerate(heads) if h.startswith(label))
    cells = page.locator(f"table.hits-table tbody tr > :nth-child({index + 1})").all_inner_texts()
    return [float(c.replace(",", "")) if re.fullmatch(r"[\d,.]+", c.strip()) else None for c in cells]


def test_table_view_sorted_both_ways(page, site):
    page.goto(site["base"] + "/search")
    page.locator(".views a", has_text="表格").click()
    page.wait_for_url("**view=table*")
    page.locator("table.hits-table thead a", has_text="本年新收申请").click()
    page.wait_for_url("**sort=-requests_new*")
    down = [v for v in _column(page, "本年新收申请") if v is not None]
    assert len(set(down)) >= 2 and down == sorted(down, reverse=True)
    page.locator("table.hits-table thead a", has_text="本年新收申请").click()
    page.wait_for_url(re.compile(r".*sort=requests_new.*"))
    up = [v for v in _column(page, "本年新收申请") if v is not None]
    assert up == sorted(up) and up[0] < up[-1]
    assert page.locator("th[aria-sort=ascending]").count() == 1
    assert "view=table" in page.url
    rate = page.locator("table.hits-table thead th.rate").first.inner_text()
    assert rate == "予以公开率"
    _no_page_overflow(page)


def test_filter_button_opens_facets_from_the_top(page, site):
    page.goto(site["base"] + "/search?q=" + quote("主动公开"))
    button = page.locator("a.filter-button")
    if page.width > 760:
        assert not button.is_visible()  # the facets are beside the results already
        assert page.locator("#facets").bounding_box()["y"] < 400
        return
    assert button.is_visible() and button.bounding_box()["y"] < 400
    button.click()
    panel = page.locator("#facets")
    box = panel.bounding_box()
    assert abs(box["y"]) < 5 and box["width"] >= page.width - 2  # the panel covers the screen
    year = panel.locator("details.facet", has=page.locator("summary", has_text="年度")).locator("a").first
    assert year.is_visible()
    year.click()
    page.wait_for_url("**year=*")
    assert page.locator("#facets").bounding_box()["y"] > 400  # closed again after choosing


def test_wide_table_scrolls_with_its_labels_in_view(page, site):
    page.goto(f"{site['base']}/reports/{site['new']['id']}")
    wrap = page.locator(".table-wrap", has=page.locator("table.wide")).first
    wrap.scroll_into_view_if_needed()
    sizes = wrap.evaluate("w => [w.scrollWidth, w.clientWidth]")
    label = wrap.locator("tbody th[scope=row]").first
    if page.width > 760:
        assert label.bounding_box()["width"] >= 150
        return
    assert sizes[0] > sizes[1], "table 3 is wider than a phone: it must scroll"
    assert label.bounding_box()["width"] >= 100  # a label, not four characters
    cue = wrap.evaluate("w => getComputedStyle(w, '::before').content")
    assert "滑动" in cue
    left = wrap.bounding_box()["x"]
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    page.wait_for_function("w => w.scrollLeft > 0", arg=wrap.element_handle())
    assert abs(label.bounding_box()["x"] - left) < 2  # the label column stays
    last = wrap.locator("thead th").last
    box = last.bounding_box()
    assert box["x"] + box["width"] <= page.width + 1  # 总计 reachable
    _no_page_overflow(page)
