"""Discovery: an Atom feed of newly archived reports for any search, OpenSearch, a sitemap."""
from flask import Blueprint, render_template, request, url_for

from ..query import SearchParams
from . import common

bp = Blueprint("feeds", __name__)

FEED_SIZE = 50


def xml(body, mimetype):
    return body, 200, {"Content-Type": f"{mimetype}; charset=utf-8", "Cache-Control": "public, max-age=300"}


@bp.get("/feed.atom")
def feed():
    params = common.request_params()
    entries = [dict(hit, ingested_at=common.ingested_at(hit["id"]) or "1970-01-01T00:00:00Z")
               for hit in common.search_all(params)]
    entries.sort(key=lambda e: (e["ingested_at"], e["id"]), reverse=True)
    entries = entries[:FEED_SIZE]
    self_url = request.url
    search_url = request.host_url.rstrip("/") + common.params_url("search.search", params)
    return xml(render_template("feed.atom.xml", entries=entries, self_url=self_url, search_url=search_url,
                               q=common.query_text(params),
                               updated=entries[0]["ingested_at"] if entries else "1970-01-01T00:00:00Z"),
               "application/atom+xml")


@bp.get("/opensearch.xml")
def opensearch():
    return xml(render_template("opensearch.xml"), "application/opensearchdescription+xml")


@bp.get("/sitemap.xml")
def sitemap():
    urls, agencies = [url_for("search.search", _external=True)], set()
    for hit in common.search_all(SearchParams()):
        urls.append(common.report_url(hit["id"], external=True))
        if hit.get("agency_key") or hit.get("agency"):
            agencies.add(hit.get("agency_key") or hit["agency"])  # one URL per body, whatever it printed
    urls += [url_for("agencies.agency", name=a, _external=True) for a in sorted(agencies)]
    return xml(render_template("sitemap.xml", urls=urls), "application/xml")
