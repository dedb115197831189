"""What a hit carries, whichever engine found it: the per-report fields, computed at index time.

Shared by the Whoosh index and the PostgreSQL backend, so both store and answer the same fields
(searching/seam.py `Hit`); facets, suggestions and snippets are made once in searching/.
"""
from .crossyear import agency_key
from .figures import agency_kind, doubts, failed_checks, headline_and_notes
from .parse import scorecard

TITLE_BOOST = 3.0
HEADING_BOOST = 0.2  # headings are the same in every report: they find, they barely rank


PREFACE = 0  # the words between the title and part 1 (who compiled it, the period, the address)


def searched_sections(record):
    """The texts an engine indexes, as sections: the preface as section 0 (anchor #s0), then the
    record's own; both engines index exactly these."""
    out = []
    if (record.get("preface") or "").strip():
        out.append({"n": PREFACE, "anchor": "s0", "heading": "", "text": record["preface"]})
    out += [{"n": s.get("n"), "anchor": s.get("anchor") or f"s{s.get('n')}",
             "heading": s.get("heading") or "", "text": s.get("text") or ""}
            for s in record.get("sections") or [] if isinstance(s.get("n"), int)]
    return out


def hit_fields(record):
    """The per-report fields every hit carries (also the facet and sort columns)."""
    region = record.get("region") or {}
    figures, notes = headline_and_notes(record)
    derived = derived_fields(record)
    return {"id": record["id"], "title": record.get("title") or "", "agency": record.get("agency") or "",
            "agency_key": agency_key(record) or "",
            "year": record.get("year"), "published": record.get("published"),
            "format": record.get("format"),
            "region": {k: region.get(k) for k in ("province", "city", "county")},
            "kind": agency_kind(record.get("agency")),
            "figures": figures, "figure_notes": notes, "failed_checks": derived.pop("failed_checks"),
            "doubtful": bool(doubts(record)), **derived}


def derived_fields(record):
    """The hit fields that facts derived at index time change (the carry chain, the scorecard):
    an index completes a document prepared from the record alone with these."""
    return {"failed_checks": failed_checks(record), "carry_chain": _carry_chain(record), **scorecard_fields(record)}


def scorecard_fields(record):
    """The scorecard a hit carries: score, failed criteria, the previous year's report and the
    nearest other agency's section 5 (continuity.py derives them into the indexed copy's
    "scorecard"; a record alone is scored on its own criteria)."""
    derived = record.get("scorecard")
    if derived is None:
        derived = dict(scorecard.total(scorecard.own(record)), previous=None, copy=None)
    return {"score": derived.get("score"), "scorecard_failed": list(derived.get("failed") or []),
            "previous_id": derived.get("previous"), "copy": derived.get("copy")}


def _carry_chain(record):
    """{ok, detail} of the carry_chain check the index derived for this report (crossyear.py), or None."""
    check = next((c for c in record.get("checks") or [] if c.get("rule") == "carry_chain"), None)
    return {"ok": check.get("ok"), "detail": check.get("detail")} if check else None
