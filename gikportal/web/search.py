"""The search page: the portal's front door and a browsable archive when the query is empty.

Hits show as cards or, with `view=table`, as a table of the headline figures whose column
headers sort it (most first, then fewest first: `sort=-denied` / `sort=denied`), with the rates a
journalist computes beside their counts (rates.py: blank, not 0%, when the base is 0). The
figure a page is sorted by is always shown, on cards too.
"""
from flask import Blueprint, render_template

from ..figures import HEADLINE_LABELS
from ..labels import SORT_DIRECTIONS, VIEWS
from ..query import sort_parts
from ..rates import rates
from . import common

bp = Blueprint("search", __name__)

SORTS = [("relevance", "相关度"), ("-year", "年度（新→旧）"), ("year", "年度（旧→新）")] + [
    (f"{sign}{name}", f"{label}（{SORT_DIRECTIONS[way]}）")
    for name, label in HEADLINE_LABELS.items() for sign, way in (("-", "desc"), ("", "asc"))]
CARD_FIGURES = ("requests_new", "granted", "reviews", "lawsuits")
CARD_RATES = {"granted": "granted_rate", "reviews": "review_corrected_rate"}  # shown beside their count
# the table's columns: headline figures, each rate after the counts it is computed from
TABLE_COLUMNS = (("figure", "requests_new"), ("figure", "granted"), ("figure", "partially_granted"),
                 ("rate", "granted_rate"), ("figure", "denied"), ("figure", "unavailable"),
                 ("figure", "reviews"), ("figure", "reviews_corrected"), ("rate", "review_corrected_rate"),
                 ("figure", "lawsuits"))


def table_columns(params):
    """The table's columns with, for a figure, the URL its header sorts by (most first; again:
    fewest first) and its aria-sort; the sorted figure is a column even when not one by default."""
    figure, descending = sort_parts(params.sort)
    columns = list(TABLE_COLUMNS)
    if figure in HEADLINE_LABELS and ("figure", figure) not in columns:
        columns.append(("figure", figure))
    out = []
    for kind, name in columns:
        column = {"kind": kind, "name": name}
        if kind == "figure":
            current = figure == name
            column.update(label=HEADLINE_LABELS[name],
                          sort=("descending" if descending else "ascending") if current else None,
                          url=common.params_url("search.search", params.with_(
                              sort=name if current and descending else f"-{name}", page=1)))
        out.append(column)
    return out


@bp.get("/")
@bp.get("/search")
def search():
    params = common.request_params()
    result = common.search(params)
    q = common.query_text(params)
    page, pages = result.get("page") or 1, result.get("pages") or 0
    for hit in result["hits"]:
        hit["rates"] = rates(hit.get("figures"))
    sorted_by, _ = sort_parts(params.sort)
    page_links = [(n, common.params_url("search.search", params.with_(page=n)))
                  for n in range(max(1, page - 3), min(pages, page + 3) + 1)]
    hidden = [(k, v) for k, v in params.to_args() if k not in ("q", "page", "sort")]
    return render_template(
        "search.html", params=params, q=q, result=result, sorts=SORTS, hidden=hidden,
        page_links=page_links, view=params.view, views=VIEWS,
        view_urls={v: common.params_url("search.search", params.with_(view=v)) for v in VIEWS},
        columns=table_columns(params), card_figures=CARD_FIGURES, card_rates=CARD_RATES,
        sorted_figure=sorted_by if sorted_by in HEADLINE_LABELS else None,
        prev_url=common.params_url("search.search", params.with_(page=page - 1)) if page > 1 else None,
        next_url=common.params_url("search.search", params.with_(page=page + 1)) if page < pages else None,
        suggestion_url=(common.params_url("search.search", params.with_(q=result["suggestion"], page=1))
                        if result.get("suggestion") else None),
        clear_url=common.params_url("search.search", type(params).from_args({"q": q, "view": params.view}))
        if any(k not in ("q", "sort", "view") for k, _ in params.to_args()) else None,
        export_args=[(k, v) for k, v in params.to_args() if k not in ("page", "per_page", "view")],
        headline_labels=HEADLINE_LABELS, facet_label=common.facet_label)
