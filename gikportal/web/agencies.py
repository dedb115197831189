"""An agency over the years: its reports, a chart of the headline figures, the carry-over chain.

An agency is a body, not a spelling: its page gathers the reports of every name it printed
(parse/agency.py canonical_key), headed by the latest one; the reports that name no body have a
page too (（机关不详）), without the chain, which only means something for one body."""
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


def printed_names(hits):
    """[(name, [years])] of the names the body printed, the latest first."""
    years = {}
    for h in hits:
        if h.get("agency"):
            years.setdefault(h["agency"], []).append(h.get("year"))
    return sorted(years.items(), key=lambda item: -max((y or 0) for y in item[1]))


@bp.get("/<name>")
def agency(name):
    hits = common.agency_hits(name)
    if not hits:
        abort(404)
    unknown = common.is_unknown_agency(name)
    bodies = {} if unknown else {h.get("agency_key") or h["agency"]: h for h in hits}
    if len(bodies) > 1:  # one printed name, several bodies (朝阳区人民政府 of two cities): choose
        return render_template("agency.html", name=name, choices=sorted(bodies), hits=hits, unknown=False)
    names = printed_names(hits)
    key = None if unknown else (hits[-1].get("agency_key") or hits[-1].get("agency"))
    display = common.UNKNOWN_AGENCY if unknown else names[0][0]
    years = sorted({h["year"] for h in hits if h.get("year")})
    chart = {"labels": [str(h.get("year")) for h in hits],
             "series": [{"label": HEADLINE_LABELS[f], "data": [h["figures"].get(f) for h in hits]}
                        for f in CHART_FIGURES]}
    return render_template("agency.html", name=display, key=key, unknown=unknown, names=names, hits=hits,
                           chart=chart, chain=[] if unknown else carry_chain(hits),
                           compare_years=years[-2:] if len(years) >= 2 else None,
                           figures=CHART_FIGURES, headline_labels=HEADLINE_LABELS)
