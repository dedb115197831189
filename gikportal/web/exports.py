"""The filtered list as CSV (UTF-8 with BOM, so Excel reads the Chinese) and JSON; stable URLs."""
import csv
import io

from flask import Blueprint, Response, jsonify

from ..figures import HEADLINE_LABELS
from . import common

bp = Blueprint("exports", __name__)

COLUMNS = [("id", "编号"), ("title", "标题"), ("agency", "发布机关"), ("year", "年度"),
           ("published", "发布日期"), ("province", "省份"), ("city", "城市"), ("county", "区县"),
           ("format", "格式")]


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


@bp.get("/export.csv")
def export_csv():
    hits = common.search_all(common.request_params())
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([label for _, label in COLUMNS] + list(HEADLINE_LABELS.values()) + ["未通过的校验", "链接"])
    for row in rows(hits):
        writer.writerow([sanitize(v) for v in row])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=gikportal-export.csv",
                             "Cache-Control": "public, max-age=60"})


@bp.get("/export.json")
def export_json():
    params = common.request_params()
    hits = common.search_all(params)
    response = jsonify({"query": common.query_text(params), "filters": params.to_args(),
                        "total": len(hits), "reports": hits})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
