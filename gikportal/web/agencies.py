"""An agency over the years: its reports, a chart of the headline figures, the carry-over chain."""
from flask import Blueprint, abort, render_template

from ..figures import HEADLINE_LABELS
from . import common

bp = Blueprint("agencies", __name__, url_prefix="/agencies")

CHART_FIGURES = ("requests_new", "granted", "denied", "reviews", "lawsuits")


def carry_chain(hits):
    """Consecutive years side by side: carried forward in year N vs carried over in year N+1,
    with the carry_chain check the index derived for year N+1 (crossyear.py)."""
    rows = []
    for before, after in zip(hits, hits[1:]):
        if (before.get("year") or 0) + 1 != (after.get("year") or 0):
            continue
        check = after.get("carry_chain") or {}
        rows.append({"before": before, "after": after, "forward": before["figures"].get("carried_forward"),
                     "over": after["figures"].get("requests_carried_over"), "ok": check.get("ok"),
                     "detail": check.get("detail")})
    return rows


@bp.get("/<name>")
def agency(name):
    hits = common.agency_hits(name)
    if not hits:
        abort(404)
    chart = {"labels": [str(h.get("year")) for h in hits],
             "series": [{"label": HEADLINE_LABELS[f], "data": [h["figures"].get(f) for h in hits]}
                        for f in CHART_FIGURES]}
    return render_template("agency.html", name=name, hits=hits, chart=chart,
                           chain=carry_chain(hits),
                           figures=CHART_FIGURES, headline_labels=HEADLINE_LABELS)
