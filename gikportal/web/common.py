"""What every view needs: the archive, the index and URLs built from search parameters.

Views stay thin: they call these helpers, which call archive/index/query, and render.
"""
import os
from dataclasses import replace
from functools import lru_cache
from urllib.parse import urlencode

from flask import abort, current_app, g, request, url_for
from markupsafe import Markup, escape

from .. import backend as backends
from .. import labels
from ..searching import IndexUnavailable, facets, results
from ..archive import Archive, is_report_id
from ..figures import HEADLINE_LABELS
from ..query import MAX_PAGE, MAX_QUERY_CHARS, SearchParams

def facet_label(name):
    """The label of a URL parameter: a facet (searching/facets.py), q and sort, a figure's bounds."""
    if name in facets.BY_NAME:
        return facets.BY_NAME[name].label
    if name in labels.PARAMETERS:
        return labels.PARAMETERS[name]
    for suffix, word in (("_min", "下限"), ("_max", "上限")):
        if name.endswith(suffix) and name[:-4] in HEADLINE_LABELS:
            return HEADLINE_LABELS[name[:-4]] + word
    return name


def archive():
    return Archive(current_app.config["ARCHIVE_DIR"])


def backend():
    """The configured search backend; views never know which engine answers."""
    if "backend" not in g:
        g.backend = backends.for_config(current_app.config)
    return g.backend


MAX_PARAMETERS = 200  # values in one query string; a page links and toggles each selected value,
# so 10,000 facet parameters cost minutes (quadratic) where a person selects a few dozen at most


def request_params():
    """SearchParams from the query string; an absurdly long query or one with thousands of
    parameters is refused up front."""
    if len(request.args.get("q", "")) > MAX_QUERY_CHARS:
        abort(400, description=f"检索词过长（上限 {MAX_QUERY_CHARS} 个字符），请缩短后再试。")
    if sum(len(values) for values in request.args.listvalues()) > MAX_PARAMETERS:
        abort(400, description=f"筛选条件过多（上限 {MAX_PARAMETERS} 个），请减少后再试。")
    page = request.args.get("page", "")
    if page.isdigit() and (len(page) > 6 or int(page) > MAX_PAGE):
        abort(400, description=f"页码超出范围（上限 {MAX_PAGE}）。")
    return SearchParams.from_args(request.args)


def query_text(params):
    return dict(params.to_args()).get("q", "")


def params_url(endpoint, params, **values):
    """endpoint's URL with params as its query; the path is built once per request (a search
    page links a thousand facet values)."""
    cache = g.setdefault("endpoint_paths", {})
    key = (endpoint, tuple(sorted(values.items())))
    if key not in cache:
        cache[key] = url_for(endpoint, **values)
    query = urlencode(params.to_args())
    return cache[key] + ("?" + query if query else "")


def report_url(rid, anchor=None, external=False):
    """/reports/<id>[#anchor]; the prefix is built once per request (exports list thousands)."""
    cache = g.setdefault("report_prefix", {})
    if external not in cache:
        cache[external] = url_for("reports.report", rid="0" * 16, _external=external)[:-16]
    return cache[external] + rid + ("#" + anchor if anchor else "")


def render_snippet(snippet):
    """A snippet's excerpt as HTML: its text escaped, each highlight span wrapped in <mark>.

    Engines return text and character offsets only, so this is the one place where a snippet
    becomes markup, and nothing but <mark> can come out of it."""
    text = snippet.get("text") or ""
    parts, cur = [], 0
    for span in snippet.get("spans") or []:
        start, end = int(span["start"]), int(span["end"])
        if start < cur or end > len(text) or start >= end:
            continue
        parts += [escape(text[cur:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        cur = end
    parts.append(escape(text[cur:]))
    return Markup("").join(parts)


def empty_result(params):
    return results.empty_result(params)


def index_or_none():
    """The backend if its index is there; None on a fresh, empty archive (nothing to search yet);
    IndexUnavailable when the archive holds reports but the index is gone."""
    if backend().exists():
        return backend()
    if archive().is_empty():
        return None
    raise IndexUnavailable("索引缺失")


def search(params, endpoint="search.search"):
    """One index search, with "url" added to hits, snippets and facet values (facets toggle)."""
    if index_or_none() is None:
        return empty_result(params)
    result = backend().search(params)
    for hit in result["hits"]:
        hit["url"] = report_url(hit["id"])
        for snippet in hit.get("snippets") or []:
            snippet["url"] = report_url(hit["id"], snippet.get("anchor") or f"s{snippet.get('section')}")
    for name, values in (result.get("facets") or {}).items():
        for value in values:
            value["url"] = params_url(endpoint, facets.BY_NAME[name].toggle(params, value["value"]))
    if result.get("facets", {}).get("agency"):
        result["facets"]["agency"] = _bodies_selected(params, result["facets"]["agency"], endpoint)
    return result


def _bodies_selected(params, values, endpoint):
    """The agency facet when a printed name is selected (an older link, a report page): the body
    it names is shown selected, with its count and a link that deselects it, instead of the name
    as a second entry with 0."""
    canonical = canonical_agencies(params)
    if canonical is None:
        return values
    chosen = set(canonical.facets["agency"])
    replaced = set(params.facets["agency"]) - chosen
    out = []
    for value in values:
        if value["value"] in replaced and not value["count"]:
            continue
        if value["value"] in chosen and not value["selected"]:
            value["selected"] = True
            value["url"] = params_url(endpoint, facets.BY_NAME["agency"].toggle(canonical, value["value"]))
        out.append(value)
    return out


def canonical_agencies(params):
    """params with each `agency` value that is a printed name (an older link, a name typed in the
    URL) replaced by its body's key when it names exactly one body; None when nothing changes."""
    values = params.facets.get("agency", ())
    if not values or index_or_none() is None:
        return None
    keys = backend().agency_labels()
    out = []
    for value in values:
        if value not in keys and not is_unknown_agency(value):
            bodies = {h.get("agency_key") for h in agency_hits(value)}
            value = bodies.pop() if len(bodies) == 1 and None not in bodies else value
        out.append(value)
    if sorted(set(out)) == sorted(values):
        return None
    return replace(params, facets={**params.facets, "agency": tuple(sorted(set(out)))})


def search_all(params):
    """Every matching report (no snippets) for pages that aggregate: stats, exports, agencies."""
    if index_or_none() is None:
        return []
    hits = backend().search_all(params)
    for hit in hits:
        hit["url"] = report_url(hit["id"])
    return hits


def valid_id_or_404(rid):
    if not is_report_id(rid):
        abort(404)
    return rid


def record_or_404(rid):
    """(record or None, meta) of an archived report; 404 for malformed or unknown ids."""
    valid_id_or_404(rid)
    store = archive()
    meta = store.meta(rid)
    if meta is None:
        abort(404)
    return store.record(rid), meta


UNKNOWN_AGENCY = "（机关不详）"  # how a report without a named body is listed (stats, citations)


def is_unknown_agency(name):
    return name in (UNKNOWN_AGENCY, labels.NO_VALUE[0], labels.NO_VALUE[1])


def agency_hits(agency):
    """The body's reports, oldest year first (one index search): agency is its key or any name
    it printed (parse/agency.py canonical_key joins them); the reports that name no body for
    UNKNOWN_AGENCY."""
    if not agency:
        return []
    if is_unknown_agency(agency):
        hits = [h for h in search_all(SearchParams.from_args({"agency": labels.NO_VALUE[0]})) if not h.get("agency")]
    else:
        hits = search_all(SearchParams.from_args({"agency": agency}))
        keys = {h.get("agency_key") or h.get("agency") for h in hits
                if agency in (h.get("agency_key"), h.get("agency"))}
        hits = [h for h in hits if (h.get("agency_key") or h.get("agency")) in keys]
    return sorted(hits, key=lambda h: (h.get("year") or 0, h["id"]))


_INGESTED = {}


def ingested_at(rid):
    """When an original was archived; it never changes for an id, so it is remembered."""
    key = (current_app.config["ARCHIVE_DIR"], rid)
    if key not in _INGESTED:
        meta = archive().meta(rid)
        if meta is None:
            return None
        _INGESTED[key] = meta.get("ingested_at")
    return _INGESTED[key]


def record_part(rid, *path):
    """One part of a record (e.g. "stats", "requests"), cached until record.json changes."""
    root = current_app.config["ARCHIVE_DIR"]
    if not is_report_id(rid):
        return None
    try:
        mtime = os.stat(os.path.join(root, rid[:2], rid, "record.json")).st_mtime_ns
    except OSError:
        return None
    return _record_part(root, rid, mtime, path)


@lru_cache(maxsize=50_000)
def _record_part(root, rid, mtime, path):
    value = Archive(root).record(rid)
    for key in path:
        value = (value or {}).get(key) if isinstance(value, dict) else None
    return value
