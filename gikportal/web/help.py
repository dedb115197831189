"""Help that answers: /about (what the archive holds, where reports come from, how figures are
read, what each check means and which rule it comes from, the known limits), /help, the data
dictionary of the exports (page and JSON) and an HTML sitemap for people (sitemap.xml is for robots)."""
from flask import Blueprint, jsonify, redirect, render_template, url_for

from .. import labels
from ..query import SearchParams
from . import common

bp = Blueprint("help", __name__)

SEARCH_EXAMPLES = (
    ("依申请公开 (复议 OR 诉讼) -信访", "词语之间是“且”；OR 表示“或”；- 或 NOT 排除"),
    ('"行政复议"', "引号内为短语"),
    ("agency:卫生健康 province:河南省 year:2020-2024", "按机关、地区、年度筛选"),
    ("lawsuits:>0 requests_new:>=100", "按数字筛选（名称见数据字典）"),
    ("finding:sued  check:narrative  failed:any", "被诉、某项校验未通过、任一校验未通过"),
    ("-finding:doubtful", "排除数据存疑的报告"),
)


def holdings():
    """What the archive holds: reports, by format and year (one facet search)."""
    if not common.backend().exists():
        return {"total": 0, "formats": [], "years": []}
    result = common.search(SearchParams(per_page=1))
    facets = result.get("facets") or {}
    return {"total": result["total"], "formats": facets.get("format") or [],
            "years": sorted((v for v in facets.get("year") or [] if v["value"].isdigit()), key=lambda v: v["value"])}


@bp.get("/about")
def about():
    checks = [{"rule": r, "label": labels.CHECKS[r], "meaning": labels.CHECK_MEANINGS.get(r, ""),
               "source": labels.CHECK_SOURCES.get(r, "")} for r in labels.CHECK_RULES]
    return render_template("about.html", holdings=holdings(), checks=checks, totals_rule=labels.TOTALS_RULE,
                           examples=SEARCH_EXAMPLES, figures=labels.FIGURES, findings=labels.FINDINGS)


@bp.get("/help")
def help_page():
    return redirect(url_for("help.about", _anchor="help"))


@bp.get("/data-dictionary")
def data_dictionary():
    return render_template("data_dictionary.html", columns=labels.export_dictionary(),
                           totals_rule=labels.TOTALS_RULE)


@bp.get("/data-dictionary.json")
def data_dictionary_json():
    response = jsonify({"columns": labels.export_dictionary(), "totals_rule": labels.TOTALS_RULE,
                        "labels": labels.dictionary()})
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/sitemap")
def sitemap():
    """The site for people: the main pages, then every body by province (its key, shown by its latest
    printed name, as the agency facet shows it) with its report count."""
    names = common.backend().agency_labels() if common.index_or_none() is not None else {}
    by_province = {}
    for hit in common.search_all(SearchParams()):
        province = (hit.get("region") or {}).get("province") or "地区不详"
        key = hit.get("agency_key") or hit.get("agency") or ""
        body = by_province.setdefault(province, {}).setdefault(key, {"key": key, "name": names.get(key, key), "n": 0})
        body["n"] += 1
    groups = [(p, sorted(bodies.values(), key=lambda b: (b["name"], b["key"])))
              for p, bodies in sorted(by_province.items(), key=lambda kv: (kv[0] == "地区不详", kv[0]))]
    return render_template("sitemap.html", groups=groups, unknown=common.UNKNOWN_AGENCY)
