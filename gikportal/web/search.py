"""The search page: the portal's front door and a browsable archive when the query is empty."""
from flask import Blueprint, render_template

from ..figures import HEADLINE_LABELS
from . import common

bp = Blueprint("search", __name__)

SORTS = [("relevance", "相关度"), ("-year", "年度（新→旧）"), ("year", "年度（旧→新）")] + [
    (f"-{name}", f"{label}（多→少）") for name, label in HEADLINE_LABELS.items()]


@bp.get("/")
@bp.get("/search")
def search():
    params = common.request_params()
    result = common.search(params)
    q = common.query_text(params)
    page, pages = result.get("page") or 1, result.get("pages") or 0
    page_links = [(n, common.params_url("search.search", params.with_(page=n)))
                  for n in range(max(1, page - 3), min(pages, page + 3) + 1)]
    hidden = [(k, v) for k, v in params.to_args() if k not in ("q", "page", "sort")]
    return render_template(
        "search.html", params=params, q=q, result=result, sorts=SORTS, hidden=hidden,
        page_links=page_links,
        prev_url=common.params_url("search.search", params.with_(page=page - 1)) if page > 1 else None,
        next_url=common.params_url("search.search", params.with_(page=page + 1)) if page < pages else None,
        suggestion_url=(common.params_url("search.search", params.with_(q=result["suggestion"], page=1))
                        if result.get("suggestion") else None),
        clear_url=common.params_url("search.search", type(params).from_args({"q": q}))
        if any(k not in ("q", "sort") for k, _ in params.to_args()) else None,
        export_args=[(k, v) for k, v in params.to_args() if k not in ("page", "per_page")],
        headline_labels=HEADLINE_LABELS, facet_label=common.facet_label)
