"""JSON API: the same functions as the pages, with caching headers and open CORS for GET."""
from flask import Blueprint, jsonify, request

from . import common

bp = Blueprint("api", __name__, url_prefix="/api")


def cached(response, seconds):
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/search")
def search():
    result = common.search(common.request_params(), endpoint="api.search")
    return cached(jsonify(result), 60)


@bp.get("/reports/<rid>")
def report(rid):
    record, meta = common.record_or_404(rid)
    if record is None:
        return jsonify({"id": rid, "status": meta.get("status"), "error": meta.get("error")}), 404
    return cached(jsonify(record), 300)
