"""One body under several names (issue 14): the canonical agency key, the agency page that
gathers its years, compare by agency and years, the page of reports that name no body.

Names are built from the gazetteer (a district that is unique nationally, inside a prefecture
city), not taken from any real report; the reports are a seed rewritten the way a body's two
years really differ (the parent place printed one year, left out the next)."""
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from _web_helpers import SAMPLES, district, ingest, ingest_seeds, make_app, renamed_seed
from gikportal.parse import region
from gikportal.parse.agency import canonical_key
from gikportal.rates import change, rates

BACKENDS = ("whoosh", "postgres")
pytestmark = pytest.mark.usefixtures("backend")


def shared_district():
    """A 区 name two cities share (朝阳区-like), and the two places."""
    g = region.gazetteer()
    by_name = {}
    for p in g.by_code.values():
        if p.level == 3 and p.name.endswith("区") and not p.placeholder:
            by_name.setdefault(p.name, []).append(p)
    name, places = next((n, ps) for n, ps in sorted(by_name.items()) if len(ps) == 2)
    return name, places


# --- the key --------------------------------------------------------------------------------

def test_key_joins_a_name_with_and_without_its_parent_place():
    city, place = district()
    province = region.gazetteer().parent(city)
    forms = [city.name + place.name + "人民政府", place.name + "人民政府", province.name + place.name + "人民政府",
             province.name + city.name + place.name + "人民政府", f" {city.name} {place.name}人民政府",
             city.name + place.name + "政府"]
    keys = {canonical_key(f) for f in forms}
    assert keys == {province.name + city.name + place.name + "人民政府"}


def test_key_gives_a_town_and_a_street_the_one_form_of_their_body():
    city, place = district()
    town = place.name + "新兴镇"
    assert canonical_key(town) == canonical_key(town + "人民政府") == canonical_key(city.name + town + "人民政府")
    street = "新兴街道"
    forms = [place.name + street, place.name + street + "办事处", place.name + "人民政府" + street + "办事处"]
    assert len({canonical_key(f) for f in forms}) == 1 and canonical_key(forms[0]).endswith(street + "办事处")
    assert canonical_key(town + "人民政府") != canonical_key(place.name + "人民政府")


def test_key_keeps_the_kind_of_body():
    city, place = district()
    gov = canonical_key(place.name + "人民政府")
    office = canonical_key(city.name + place.name + "人民政府办公室")
    assert office == canonical_key(place.name + "人民政府办公室") != gov
    assert canonical_key(place.name + "人民政府办公厅") not in (gov, office)
    dept = canonical_key(place.name + "财政局")
    assert dept.endswith(place.name + "财政局") and dept == canonical_key(city.name + place.name + "财政局")
    assert len({gov, office, dept}) == 3


def test_key_never_merges_what_the_gazetteer_cannot_tell_apart():
    name, (a, b) = shared_district()
    g = region.gazetteer()
    assert canonical_key(name + "人民政府") == name + "人民政府"  # which city's? unknown: its own key
    for p in (a, b):
        parent = g.parent(p)
        assert canonical_key(name + "人民政府", g.region(p)).endswith(parent.name + name + "人民政府")
    assert canonical_key(name + "人民政府", g.region(a)) != canonical_key(name + "人民政府", g.region(b))
    assert canonical_key(None) is None and canonical_key("") is None
    # a short form that is a word of the name (not followed by a place) names no place
    city, _ = district()
    short = city.name[:-1]
    assert canonical_key(short + "大学") == short + "大学"


def test_rates_are_blank_not_zero_when_the_base_is_zero():
    r = rates({"granted": 3, "partially_granted": 1, "denied": 4, "unavailable": 0, "not_processed": 0,
               "other_handled": 0, "reviews": 0, "reviews_corrected": 0})
    assert r["granted_rate"]["value"] == 0.5 and r["granted_rate"]["denominator"] == 8
    assert r["review_corrected_rate"]["value"] is None and r["review_corrected_rate"]["denominator"] == 0
    assert rates({})["granted_rate"]["value"] is None
    assert change(0, 5) == (5, None) and change(4, 5) == (1, 0.25) and change(None, 5) == (None, None)


# --- the portal -------------------------------------------------------------------------------

def _variant(name, year):
    return renamed_seed(sorted(SAMPLES.glob("*.txt"))[0], name, year)


NO_BODY = ("2024年政府信息公开工作年度报告\n\n一、总体情况\n\n本年度依法做好政府信息公开工作。\n\n"
           "五、存在的主要问题及改进情况\n\n公开内容还不够丰富。\n").encode("utf-8")


@pytest.fixture(scope="module")
def portal(tmp_path_factory, backend):
    app = make_app(tmp_path_factory.mktemp("agency"))
    city, place = district()
    long_name, short_name = city.name + place.name + "人民政府", place.name + "人民政府"
    old = ingest(app, _variant(long_name, 2023), "a2023.txt").record
    new = ingest(app, _variant(short_name, 2024), "a2024.txt").record
    office = ingest(app, _variant(short_name[:-2] + "政府办公室", 2024), "office.txt").record
    nobody = ingest(app, NO_BODY, "nobody.txt").record
    seeds = ingest_seeds(app)
    return {"client": app.test_client(), "seeds": seeds, "old": old, "new": new, "office": office, "nobody": nobody,
            "long": long_name, "short": short_name}


def page(portal, url, status=200):
    response = portal["client"].get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:300])
    return response.get_data(as_text=True)


def test_the_record_keeps_the_name_as_printed_beside_the_key(portal):
    old, new = portal["old"], portal["new"]
    assert old["agency"] == portal["long"] and new["agency"] == portal["short"]
    assert old["agency_key"] == new["agency_key"] != portal["office"]["agency_key"]
    assert portal["nobody"]["agency"] is None and portal["nobody"]["agency_key"] is None


@pytest.mark.parametrize("which", ["long", "short", "key"])
def test_one_agency_page_for_both_names(portal, which):
    name = portal["old"]["agency_key"] if which == "key" else portal[which]
    html = page(portal, "/agencies/" + quote(name))
    assert f"<h1>{portal['short']}</h1>" in html  # headed by the latest printed name
    assert portal["old"]["id"] in html and portal["new"]["id"] in html
    assert portal["office"]["id"] not in html
    assert "2023 → 2024" in html  # the carry chain is checked across the two names
    assert portal["long"] in html and "2023" in html
    assert "/compare?agency=" in html and "years=2023,2024" in html


def test_report_page_links_the_previous_year_and_lists_it(portal):
    html = page(portal, f"/reports/{portal['new']['id']}")
    assert "与上一年对比" in html and portal["old"]["id"] in html
    assert "暂未收录该机关其他年度的报告" not in html
    assert "与上一年对比" not in page(portal, f"/reports/{portal['old']['id']}")


@pytest.mark.parametrize("years", ["2023,2024", "2024，2023", "2023、2024", "2023 2024", "２０２３，２０２４"])
def test_compare_by_agency_and_years(portal, years):
    html = page(portal, f"/compare?agency={quote(portal['short'])}&years={quote(years)}")
    head = html[html.index("<thead>"):html.index("</thead>")]
    assert "None" not in head
    assert head.index(portal["long"] + " 2023") < head.index(portal["short"] + " 2024")
    assert "变化" in head and "变化率" in head
    assert "予以公开率" in html and "第五部分" in html


def test_compare_by_ids_tolerates_full_width_commas(portal):
    a, b = portal["new"]["id"], portal["old"]["id"]
    html = page(portal, f"/compare?ids={a}%EF%BC%8C%20{b}")
    head = html[html.index("<thead>"):html.index("</thead>")]
    assert head.index(" 2023") < head.index(" 2024")


@pytest.mark.parametrize("query, says", [
    ("ids=../../etc", "不是报告编号"), ("ids=0000000000000000,0000000000000001", "没有编号为"),
    ("agency=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E6%9C%BA%E5%85%B3&years=2023", "没有找到发布机关"),
])
def test_compare_says_what_is_wrong(portal, query, says):
    html = page(portal, "/compare?" + query, status=400)
    assert says in html and 'name="agency"' in html


def test_compare_names_the_years_an_agency_has(portal):
    html = page(portal, f"/compare?agency={quote(portal['short'])}&years=2019,abc", status=400)
    assert "2019" in html and "不是年度" in html and "已收录的年度" in html and ">2023<" in html


def test_agency_facet_counts_the_body_once_with_its_latest_name(portal):
    html = page(portal, "/search")
    facet = html[html.index("发布机关"):]
    label = re.search(r">\s*" + re.escape(portal["short"]) + r"\s*<.*?(\d+)", facet, re.S)
    assert label and label.group(1) == "2", facet[:2000]
    assert ">" + portal["long"] + "<" not in facet[:facet.index("</details>") if "</details>" in facet else 3000]
    # a printed name (an older link) selects the body: one entry, selected, counted, deselectable
    html = page(portal, "/search?agency=" + quote(portal["long"]))
    assert portal["old"]["id"] in html and portal["new"]["id"] in html and portal["office"]["id"] not in html
    facet = html[html.index("发布机关"):]
    facet = facet[:facet.index("</details>")]
    assert re.search(r'class="selected">\s*<a href="/search"[^>]*>.*?' + re.escape(portal["short"])
                     + r'</span>\s*<span class="n">2<', facet, re.S), facet
    assert '<span class="n">0<' not in facet and portal["long"] not in facet


def test_sitemaps_list_the_body_once_under_its_latest_name(portal):
    html = page(portal, "/sitemap")
    key = quote(portal["old"]["agency_key"])
    assert html.count(f'href="/agencies/{key}"') == 1
    assert f'href="/agencies/{key}">{portal["short"]}</a>（2 份）' in html
    assert f'/agencies/{quote(portal["long"])}"' not in html and f'/agencies/{quote(portal["short"])}"' not in html
    assert f'href="/agencies/{quote("（机关不详）")}"' in html
    xml = page(portal, "/sitemap.xml")
    assert xml.count(f"/agencies/{key}<") == 1 and f"/agencies/{quote(portal['long'])}<" not in xml


def test_unknown_agency_has_a_page(portal):
    html = page(portal, "/agencies/" + quote("（机关不详）"))
    assert portal["nobody"]["id"] in html and portal["old"]["id"] not in html
    assert "跨年度结转衔接" not in html


# --- results as a table, sorted both ways -----------------------------------------------------

def _row_ids(html):
    body = html[html.index('class="figures-table wide hits-table'):]
    body = body[:body.index("</table>")]
    return re.findall(r"/reports/([0-9a-f]{16})", body)


def test_table_view_sorts_both_ways(portal):
    seeds = portal["seeds"].values()
    from gikportal.figures import headline

    figure = {r["id"]: headline(r)["requests_new"] for r in seeds}
    assert len({v for v in figure.values() if v is not None}) >= 2  # the seeds differ, so order is tested
    down = page(portal, "/search?view=table&sort=-requests_new&per_page=100")
    up = page(portal, "/search?view=table&sort=requests_new&per_page=100")
    order_down = [i for i in _row_ids(down) if i in figure and figure[i] is not None]
    order_up = [i for i in _row_ids(up) if i in figure and figure[i] is not None]
    assert [figure[i] for i in order_down] == sorted(figure[i] for i in order_down)[::-1]
    assert [figure[i] for i in order_up] == sorted(figure[i] for i in order_up)
    assert 'aria-sort="descending"' in down and 'aria-sort="ascending"' in up
    head = down[down.index("<thead>", down.index("hits-table")):]
    assert "sort=requests_new" in head[:head.index("</thead>")]  # the sorted header sorts the other way
    assert "予以公开率" in down and "复议纠错率" in down
    assert "view=table" in down[down.index('id="facets"'):]  # facet links keep the view


def test_rates_are_blank_when_the_base_is_zero_in_the_table(portal):
    html = page(portal, "/search?view=table&per_page=100&q=" + quote(portal["short"]))
    row = html[html.index(portal["new"]["id"]):]
    row = row[:row.index("</tr>")]
    assert "0.0%" not in row and "/0<" in row  # the denominator is shown, the rate left blank


def test_cards_show_the_figure_they_are_sorted_by(portal):
    html = page(portal, "/search?sort=-not_processed")
    assert re.search(r'<span class="sorted">不予处理 ', html)
    html = page(portal, "/search?sort=requests_new")
    assert re.search(r'<span class="sorted">本年新收申请 ', html)
    assert "本年新收申请（少→多）" in html and "本年新收申请（多→少）" in html


def test_one_printed_name_of_two_bodies_stays_two(tmp_path, backend):
    """Two reports print the same ambiguous district government name; their regions place them
    in different cities: two keys, two facet values (same label), and the name selects both."""
    from _search_helpers import make_record
    from conftest import backend_settings
    from gikportal import backend as backends
    from gikportal.query import SearchParams

    name, (a, b) = shared_district()
    g = region.gazetteer()
    records = [make_record(f"shared-{p.code}", agency=name + "人民政府", year=2023,
                           region=tuple(g.region(p)[k] for k in ("province", "city", "county"))) for p in (a, b)]
    settings = backend_settings(backend)
    engine = backends.engine(backend, settings.get("DATABASE_URL") or str(tmp_path / "index"))
    engine.rebuild(records)
    result = engine.search(SearchParams.from_args({}))
    values = result["facets"]["agency"]
    assert len(values) == 2 and {v["label"] for v in values} == {name + "人民政府"}
    assert all(v["count"] == 1 for v in values)
    both = engine.search_all(SearchParams.from_args({"agency": name + "人民政府"}))
    assert len(both) == 2
    one = engine.search_all(SearchParams.from_args({"agency": values[0]["value"]}))
    assert len(one) == 1 and one[0]["agency_key"] == values[0]["value"]
    assert set(engine.agency_years([values[0]["value"]])) == {values[0]["value"]}
