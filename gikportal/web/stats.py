"""Totals over the filtered reports and agencies ranked by one figure (same filters as search)."""
from collections import defaultdict

from flask import Blueprint, render_template, request

from ..figures import HEADLINE_LABELS
from . import common
from ..labels import APPLICANTS, REQUEST_COLUMNS

bp = Blueprint("stats", __name__)

OUTCOMES = ("granted", "partially_granted", "denied", "unavailable", "not_processed", "other_handled",
            "carried_forward")
APPEALS = ("reviews", "reviews_corrected", "lawsuits", "lawsuits_corrected")
TOP = 50
EXCLUDE_DOUBTFUL = "-finding:doubtful"  # the query words that leave out 数据存疑 reports (figures.doubts)


def add(a, b):
    return a + b if isinstance(b, (int, float)) else a


def _figure_rows(hits, names):
    """[(name, label, total, reports giving it, reports whose printed 总计 and cells differ)]: each
    figure says how many reports it covers, so a sum over some reports is never read as all."""
    out = []
    for name in names:
        values = [h["figures"].get(name) for h in hits]
        given = [v for v in values if isinstance(v, (int, float))]
        noted = sum(1 for h in hits if name in (h.get("figure_notes") or {}))
        out.append({"name": name, "label": HEADLINE_LABELS[name], "total": sum(given), "reports": len(given),
                    "noted": noted})
    return out


def applicants(hits):
    """本年新收 by applicant over the reports that break it down (table 3), its rows adding up to
    their 合计; the reports that give only a total (legacy prose) are counted apart, never in it."""
    by_applicant = dict.fromkeys(APPLICANTS, 0)
    broken, broken_total, only_total, only_total_sum = 0, 0, 0, 0
    for hit in hits:
        value = hit["figures"].get("requests_new")
        row = common.record_part(hit["id"], "stats", "requests", "new_received")
        if isinstance(row, dict):
            broken += 1
            broken_total += value or 0
            for col in APPLICANTS:
                by_applicant[col] = add(by_applicant[col], row.get(col))
        elif isinstance(value, (int, float)):
            only_total += 1
            only_total_sum += value
    rows_sum = sum(by_applicant.values())
    return {"rows": [(REQUEST_COLUMNS[c], by_applicant[c]) for c in APPLICANTS], "sum": rows_sum,
            "reports": broken, "reports_total": broken_total, "gap": broken_total - rows_sum,
            "only_total": only_total, "only_total_sum": only_total_sum,
            "all_total": broken_total + only_total_sum, "none": len(hits) - broken - only_total}


def totals(hits):
    return {"applicants": applicants(hits), "outcomes": _figure_rows(hits, OUTCOMES),
            "appeals": _figure_rows(hits, APPEALS), "reports": len(hits)}


def ranking(hits, figure):
    sums, counts = defaultdict(float), defaultdict(int)
    for hit in hits:
        value = hit["figures"].get(figure)
        if isinstance(value, (int, float)):
            sums[hit.get("agency") or "（机关不详）"] += value
            counts[hit.get("agency") or "（机关不详）"] += 1
    ranked = sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    return [{"agency": a, "value": int(v) if float(v).is_integer() else round(v, 4), "reports": counts[a]}
            for a, v in ranked]


@bp.get("/stats")
def stats():
    params = common.request_params()
    hits = common.search_all(params)
    figure = request.args.get("figure", "requests_new")
    if figure not in HEADLINE_LABELS:
        figure = "requests_new"
    ranked = ranking(hits, figure)
    chart = {"labels": [r["agency"] for r in ranked[:15]],
             "series": [{"label": HEADLINE_LABELS[figure], "data": [r["value"] for r in ranked[:15]]}]}
    hidden = [(k, v) for k, v in params.to_args() if k not in ("page", "per_page", "sort")]
    q = common.query_text(params)
    excluding = EXCLUDE_DOUBTFUL in q
    toggle_q = " ".join(q.replace(EXCLUDE_DOUBTFUL, " ").split()) if excluding else f"{q} {EXCLUDE_DOUBTFUL}".strip()
    doubtful = {"count": sum(1 for h in hits if h.get("doubtful")), "excluding": excluding,
                "toggle": ([("q", toggle_q)] if toggle_q else []) + [(k, v) for k, v in hidden if k != "q"]}
    return render_template("stats.html", doubtful=doubtful, params=params, hits=hits, totals=totals(hits),
                           ranked=ranked, figure=figure, chart=chart, hidden=hidden,
                           headline_labels=HEADLINE_LABELS, q=common.query_text(params),
                           facet_label=common.facet_label)
