"""JSON API: the same functions as the pages, with caching headers and open CORS for GET."""
from flask import Blueprint, jsonify, request, url_for

from .. import labels
from ..figures import HEADLINE_LABELS
from . import common
from .scorecard import card_of

bp = Blueprint("api", __name__, url_prefix="/api")


def cached(response, seconds):
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/")
def endpoints():
    """What the API offers, so a journalist's script can start from one URL."""
    return cached(jsonify({
        "search": {"url": url_for("api.search"), "params": ["q", "year", "province", "city", "county", "agency",
                   "kind", "format", "finding", "<figure>_min", "<figure>_max", "sort", "page", "per_page"]},
        "report": {"url": url_for("api.report", rid="0" * 16).replace("0" * 16, "<id>")},
        "figures": HEADLINE_LABELS,
        "exports": [url_for("exports.export_csv"), url_for("exports.export_json")],
        "feed": url_for("feeds.feed"),
        "dictionary": url_for("api.dictionary"),
    }), 3600)


@bp.get("/dictionary")
def dictionary():
    """The data dictionary: what every key of a record and of a search is called (labels.py)."""
    return cached(jsonify(labels.dictionary()), 3600)


@bp.get("/search")
def search():
    result = common.search(common.request_params(), endpoint="api.search")
    return cached(jsonify(result), 60)


@bp.get("/reports/<rid>")
def report(rid):
    record, meta = common.record_or_404(rid)
    if record is None:
        return jsonify({"id": rid, "status": meta.get("status"), "error": meta.get("error")}), 404
    return cached(jsonify(dict(record, scorecard=card_of(record)[0])), 300)
