"""A report: metadata, contents, anchored sections, tables 2–4 with findings, original and JSON."""
import re
from datetime import date

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for

from ..figures import HEADLINE_LABELS, doubts, figure_notes, headline
from ..hits import searched_sections
from ..labels import PREFACE
from . import common
from ..labels import CHECKS as CHECK_LABELS
from ..labels import FORMATS as FORMAT_LABELS
from .tables import report_tables

bp = Blueprint("reports", __name__, url_prefix="/reports")

SUBHEADING = re.compile(r"^\s*[（(]\s*([一二三四五六七八九十]{1,3})\s*[)）]")
HEAD_END = re.compile(r"[。：:]")


def section_blocks(section):
    """Split a section's text into paragraphs; （一）（二）… lines become sub-headings s<n>-<k>.

    A numbered line that runs on ("（一）加强主动公开。2024年…") is cut after its first full
    stop or colon when that comes early, so the heading stays short and the prose stays prose.
    """
    blocks, k = [], 0
    base = section.get("anchor") or f"s{section['n']}"
    for line in (section.get("text") or "").split("\n"):
        line = line.strip()
        if not line:
            continue
        if not SUBHEADING.match(line):
            blocks.append({"kind": "p", "text": line})
            continue
        k += 1
        head, rest = line, ""
        cut = HEAD_END.search(line)
        if len(line) > 40 and cut and cut.end() <= 40:
            head, rest = line[:cut.end()], line[cut.end():].strip()
        if len(head) > 40:
            blocks.append({"kind": "p", "text": line, "anchor": f"{base}-{k}"})
            continue
        blocks.append({"kind": "sub", "anchor": f"{base}-{k}", "text": head})
        if rest:
            blocks.append({"kind": "p", "text": rest})
    return blocks


def neighbours(record):
    """(other years of the agency, previous report, next report, the checks the index derived
    for this one from other years: carry_chain) around this one."""
    hits = common.agency_hits(record.get("agency_key") or record.get("agency"))  # the body, not its printed name
    others = [h for h in hits if h["id"] != record["id"]]
    own = next((h for h in hits if h["id"] == record["id"]), {})
    derived = [dict(own["carry_chain"], rule="carry_chain")] if own.get("carry_chain") else []
    year = record.get("year") or 0
    before = [h for h in others if (h.get("year") or 0) < year]
    after = [h for h in others if (h.get("year") or 0) > year]
    return others, (before[-1] if before else None), (after[0] if after else None), derived


def citation(record, meta, section=None):
    """What a citation needs, apart and as one text: agency, title, year, publication date, the
    source URL when known, and the permalink (of the section, when one is cited)."""
    url = url_for("reports.section", rid=record["id"], n=section["n"], _external=True) if section \
        else common.report_url(record["id"], external=True)
    source = (meta or {}).get("source_url") or ""
    parts = {"agency": record.get("agency") or "（机关不详）", "title": record.get("title") or "",
             "year": record.get("year"), "published": record.get("published"), "source_url": source,
             "source_link": source.startswith(("http://", "https://")), "url": url,
             "heading": (section or {}).get("heading") or ""}
    text = f"{parts['agency']}：《{parts['title']}》"
    details = [f"{parts['year']} 年度" if parts["year"] else "", f"{parts['published']} 发布" if parts["published"] else ""]
    if any(details):
        text += "（" + "，".join(d for d in details if d) + "）"
    if section:
        text += f"，{parts['heading']}"
    text += "。"
    if source:
        text += f"原文：{source}。"
    parts["text"] = text + f"{url}（访问日期：{date.today().isoformat()}）"
    return parts


def _shown_sections(record):
    """The sections as searched (the preface first, as section 0, headed 前言), so every snippet's
    #sN link lands on a section of the page."""
    return [dict(s, heading=s["heading"] or PREFACE) if s["n"] == 0 else s for s in searched_sections(record)]


@bp.get("/<rid>")
def report(rid):
    record, meta = common.record_or_404(rid)
    if record is None:
        return render_template("unparsed.html", meta=meta), 200
    others, previous, following, derived = neighbours(record)
    sections = [dict(s, blocks=section_blocks(s)) for s in _shown_sections(record)]
    return render_template(
        "report.html", record=record, meta=meta, sections=sections, tables=report_tables(record),
        checks=(record.get("checks") or []) + derived,
        figures=headline(record), headline_labels=HEADLINE_LABELS, check_labels=CHECK_LABELS,
        format_labels=FORMAT_LABELS, others=others, previous=previous, following=following,
        citation=citation(record, meta), doubts=doubts(record), notes=figure_notes(record),
        shown={s.get("n") for s in sections if s.get("n")} if record.get("format") == "2019" else set())


@bp.get("/<rid>.json")
def report_json(rid):
    record, _meta = common.record_or_404(rid)
    if record is None:
        abort(404)
    response = jsonify(record)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/<rid>/original")
def original(rid):
    common.record_or_404(rid)
    store = common.archive()
    meta = store.meta(rid)
    path = store.original_path(rid)
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=meta.get("media_type") or "application/octet-stream",
                         as_attachment=True, download_name=meta.get("filename") or f"{rid}.bin")
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.get("/<rid>/s/<int:n>")
def section(rid, n):
    record, meta = common.record_or_404(rid)
    if record is None:
        abort(404)
    found = next((s for s in _shown_sections(record) if s.get("n") == n), None)
    if found is None:
        abort(404)
    tables = report_tables(record) if record.get("format") == "2019" or n == 0 else {}
    return render_template("section.html", record=record, section=dict(found, blocks=section_blocks(found)),
                           citation=citation(record, meta, found), tables=tables, shown={2, 3, 4})
