"""A report's scorecard: the record's own criteria and those the index derived from other reports
(the previous year of the agency, the nearest other agency's section 5), computed once by
parse/scorecard.card for the page, the report page's summary and the JSON API."""
from flask import Blueprint, render_template

from ..labels import SCORECARD as LABELS
from ..parse import scorecard
from . import common

bp = Blueprint("scorecard", __name__)


def own_hit(record):
    """The index's hit of this report (what it derived: previous_id, copy), or {}."""
    return next((h for h in common.agency_hits(record.get("agency")) if h["id"] == record["id"]), {})


def card_of(record, hit=None):
    """(card, previous record or None, the copy match or None) of an archived record."""
    hit = own_hit(record) if hit is None else hit
    previous = common.archive().record(hit["previous_id"]) if hit.get("previous_id") else None
    copy = hit.get("copy")
    return scorecard.card(record, previous, copy), previous, copy


@bp.app_template_global("scorecard_summary")
def scorecard_summary(record):
    """The card for the report page's summary (templates/_scorecard_summary.html)."""
    card, _previous, copy = card_of(record)
    return dict(card, match=copy)


@bp.get("/reports/<rid>/scorecard")
def page(rid):
    record, meta = common.record_or_404(rid)
    if record is None:
        return render_template("unparsed.html", meta=meta), 200
    card, previous, copy = card_of(record)
    return render_template("scorecard.html", record=record, card=card, previous=previous, copy=copy,
                           weights=scorecard.WEIGHTS, labels=LABELS, version=scorecard.VERSION,
                           limit=round(100 * scorecard.REPEAT_LIMIT))
