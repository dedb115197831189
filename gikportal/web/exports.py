"""The filtered list as CSV (UTF-8 with BOM, so Excel reads the Chinese) and JSON; stable URLs."""
import csv
import io
import os
import re
import threading
from functools import lru_cache
from urllib.parse import quote

from cachetools import TTLCache
from flask import Blueprint, Response, current_app, jsonify, request, url_for

from .. import labels
from ..archive import Archive

from ..figures import HEADLINE_LABELS
from ..labels import CHECKS, EXPORT_COLUMNS, EXPORT_TAIL_COLUMNS, FORMATS, YES
from . import common

bp = Blueprint("exports", __name__)

COLUMNS = list(EXPORT_COLUMNS)
HEADER = ([EXPORT_COLUMNS[k][0] for k in COLUMNS] + list(HEADLINE_LABELS.values())
          + [label for label, _, _ in EXPORT_TAIL_COLUMNS.values()])


def _notes(hit):
    notes = hit.get("figure_notes") or {}
    return "；".join(f"{HEADLINE_LABELS.get(k, k)} 印制{n.get('printed')}/各项之和{n.get('cells')}"
                    for k, n in notes.items())


def rows(hits):
    """One list per hit, in HEADER order: checks and format by their Chinese labels."""
    for hit in hits:
        region = hit.get("region") or {}
        flat = dict(hit, **{k: region.get(k) for k in ("province", "city", "county")})
        flat["format"] = FORMATS.get(hit.get("format"), hit.get("format"))
        yield ([flat.get(k) for k in COLUMNS] + [hit["figures"].get(n) for n in HEADLINE_LABELS]
               + [_notes(hit), "；".join(CHECKS.get(r, r) for r in hit.get("failed_checks") or []),
                  YES if hit.get("doubtful") else "", source_url(hit["id"]),
                  common.report_url(hit["id"], external=True)])


def sanitize(value):
    """Keep spreadsheet formulas out: a cell starting with = + - @ is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def as_text(value):
    """A cell a spreadsheet keeps as typed: ="4760772568637508" (Excel and LibreOffice Calc both
    evaluate it to the text, where the bare digits would become 4.76077E+15). Only for our own ids,
    never for text from a report, which stays formula-free (sanitize)."""
    return '="' + value.replace('"', '""') + '"'


def source_url(rid):
    """The URL the original was collected from (meta.json), or ""."""
    root = current_app.config["ARCHIVE_DIR"]
    try:
        mtime = os.stat(os.path.join(root, rid[:2], rid, "meta.json")).st_mtime_ns
    except OSError:
        return ""
    return _source_url(root, rid, mtime)


@lru_cache(maxsize=50_000)
def _source_url(root, rid, mtime):
    meta = Archive(root).meta(rid) or {}
    return meta.get("source_url") or ""


# the filters a file name names, most telling first; the query text and figure bounds follow
NAME_ORDER = ("agency", "province", "city", "county", "year", "kind", "format", "finding")
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


def file_name(params, ext):
    """年报-河南省-2024.csv: what was filtered, in the name, safe on every file system."""
    args = params.to_args()
    parts = []
    for name in NAME_ORDER:
        parts += [labels.finding(v) if name == "finding" else FORMATS.get(v, v) if name == "format" else v
                  for k, v in args if k == name]
    parts += [v for k, v in args if k == "q"]
    for k, v in args:
        for suffix, sign in (("_min", "≥"), ("_max", "≤")):
            if k.endswith(suffix) and k[:-4] in HEADLINE_LABELS:
                parts.append(f"{HEADLINE_LABELS[k[:-4]]}{sign}{v}")
    name = "-".join(p for p in (UNSAFE.sub("_", re.sub(r"\s+", "", str(p))).strip("._") for p in ["年报"] + parts) if p)
    return name[:100] + "." + ext


def disposition(filename):
    """attachment with an ASCII fallback and the UTF-8 name (RFC 5987/6266 filename*)."""
    fallback = "gikportal-export." + filename.rsplit(".", 1)[-1]
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def dictionary_link():
    return f'<{url_for("help.data_dictionary", _external=True)}>; rel="describedby"'


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
    writer.writerow(HEADER)
    for row in rows(hits):
        writer.writerow([as_text(row[0])] + [sanitize(v) for v in row[1:]])
    return out.getvalue().encode("utf-8")


@bp.get("/export.csv")
def export_csv():
    params = common.request_params()
    body = _cached_body("csv", params, lambda: _csv_body(params))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": disposition(file_name(params, "csv")),
                             "Link": dictionary_link(), "Cache-Control": f"public, max-age={MAX_AGE}"})


@bp.get("/export.json")
def export_json():
    params = common.request_params()
    hits = common.search_all(params)
    for hit in hits:
        hit["source_url"] = source_url(hit["id"]) or None
    response = jsonify({"query": common.query_text(params), "filters": params.to_args(),
                        "dictionary": url_for("help.data_dictionary_json", _external=True),
                        "total": len(hits), "reports": hits})
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Content-Disposition"] = f'inline; filename*=UTF-8\'\'{quote(file_name(params, "json"), safe="")}'
    response.headers["Link"] = dictionary_link()
    return response
