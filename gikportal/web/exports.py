"""The filtered list as CSV (UTF-8 with BOM, so Excel reads the Chinese) and JSON; stable URLs."""
import csv
import io
import threading

from cachetools import TTLCache
from flask import Blueprint, Response, jsonify, request

from ..figures import HEADLINE_LABELS
from ..labels import FIELDS
from . import common

bp = Blueprint("exports", __name__)

COLUMNS = list(FIELDS.items())


def rows(hits):
    for hit in hits:
        region = hit.get("region") or {}
        flat = dict(hit, **{k: region.get(k) for k in ("province", "city", "county")})
        yield ([flat.get(k) for k, _ in COLUMNS] + [hit["figures"].get(n) for n in HEADLINE_LABELS]
               + ["；".join(hit.get("failed_checks") or []), common.report_url(hit["id"], external=True)])


def sanitize(value):
    """Keep spreadsheet formulas out: a cell starting with = + - @ is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


MAX_AGE = 60
# Exports are whole filtered lists (a common word at 100,000 reports is megabytes); the same one
# asked again of the same index generation within MAX_AGE -- what the Cache-Control header already allows any proxy -- is
# served from memory, up to CACHE_BYTES in all.
CACHE_BYTES = 64 * 1024 * 1024
_cache = TTLCache(maxsize=CACHE_BYTES, ttl=MAX_AGE, getsizeof=len)
_cache_lock = threading.Lock()


def _cached_body(kind, params, build):
    engine = common.backend()
    key = (kind, engine.name, engine.location, engine.generation(), request.host_url, tuple(params.to_args()))
    with _cache_lock:
        body = _cache.get(key)
    if body is None:
        body = build()
        if len(body) <= CACHE_BYTES // 4:
            with _cache_lock:
                _cache[key] = body
    return body


def _csv_body(params):
    hits = common.search_all(params)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([label for _, label in COLUMNS] + list(HEADLINE_LABELS.values()) + ["未通过的校验", "链接"])
    for row in rows(hits):
        writer.writerow([sanitize(v) for v in row])
    return out.getvalue().encode("utf-8")


@bp.get("/export.csv")
def export_csv():
    params = common.request_params()
    body = _cached_body("csv", params, lambda: _csv_body(params))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=gikportal-export.csv",
                             "Cache-Control": f"public, max-age={MAX_AGE}"})


@bp.get("/export.json")
def export_json():
    params = common.request_params()
    hits = common.search_all(params)
    response = jsonify({"query": common.query_text(params), "filters": params.to_args(),
                        "total": len(hits), "reports": hits})
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response
