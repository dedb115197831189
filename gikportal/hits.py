"""What a hit looks like, whichever engine found it: its fields, facet labels, snippets.

Shared by the Whoosh index and the PostgreSQL backend, so both answer in the same shape; no
search engine is imported here.
"""
from . import segment
from .figures import agency_kind, failed_checks, headline
from . import labels
from .query import NO_VALUE, RANGE_FIGURES, text_leaves

TITLE_BOOST = 3.0
HEADING_BOOST = 0.2  # headings are the same in every report: they find, they barely rank
SNIPPETS_PER_HIT = 3
FACET_LIMIT = 50


def hit_fields(record):
    """The per-report fields every hit carries (also the facet and sort columns)."""
    region = record.get("region") or {}
    return {"id": record["id"], "title": record.get("title") or "", "agency": record.get("agency") or "",
            "year": record.get("year"), "published": record.get("published"),
            "format": record.get("format"),
            "region": {k: region.get(k) for k in ("province", "city", "county")},
            "kind": agency_kind(record.get("agency")),
            "figures": headline(record), "failed_checks": failed_checks(record)}


def label(name, value):
    if value == NO_VALUE[0]:
        return NO_VALUE[1]
    if name == "format":
        return labels.FORMATS.get(value, value)
    if name == "finding":
        return labels.finding(value)
    if name.endswith("_range"):
        return next((b[1] for b in RANGE_FIGURES[name[:-6]] if b[0] == value), value)
    return value


def sort_facet_values(name, values):
    """Years newest first (unknown last), ranges in their bucket order; others keep their order."""
    if name == "year":
        values.sort(key=lambda v: (v["value"] == NO_VALUE[0], -int(v["value"]) if v["value"].isdigit() else 0))
    elif name.endswith("_range"):
        order = [b[0] for b in RANGE_FIGURES[name[:-6]]] + [NO_VALUE[0]]
        values.sort(key=lambda v: order.index(v["value"]) if v["value"] in order else 99)
    return values


def corrected_query(typed, words, nearest, known):
    """The spelling suggestion once an engine says which word is nearest and which is known:
    the whole query corrected (依申请公干 -> 依申请公开), else each unknown word, else None."""
    whole = nearest(typed)
    if whole:
        return whole
    tokens = [t for w in words for t in segment.query_tokens(w)]
    corrected = [t if known(t) else (nearest(t) or t) for t in tokens]
    return "".join(corrected) if corrected != tokens else None


def highlight_terms(tree):
    terms = []
    for leaf in text_leaves(tree):
        tokens = segment.query_tokens(leaf.text)
        if len(tokens) > 1:
            terms.append(segment.fold(leaf.text))
        terms += tokens
    return [t for t in terms if t.strip()]


def hit_snippets(sections, terms):
    """Up to SNIPPETS_PER_HIT snippets of a hit's sections: whole phrases first, else words,
    else the heading that matched, linked to its section."""
    if not terms:
        return []
    phrase_terms = [t for t in terms if len(segment.query_tokens(t)) > 1]
    result = segment.snippets(sections, phrase_terms, SNIPPETS_PER_HIT) if phrase_terms else []
    if not result:
        result = segment.snippets(sections, terms, SNIPPETS_PER_HIT)
    if not result:
        result = segment.snippets([dict(s, text=s["heading"]) for s in sections], terms, SNIPPETS_PER_HIT)
    return result
