"""Headline figures derived from a parsed record: the numbers people filter, sort and chart by.

Engine-neutral: the index, the statistics page, exports and the benchmark all read these, so a
figure means the same thing everywhere.
"""
import re

from .labels import FIGURES

DENIED = ("denied_state_secret", "denied_prohibited_by_law", "denied_security_stability",
          "denied_third_party_rights", "denied_internal_affairs", "denied_process_information",
          "denied_enforcement_records", "denied_administrative_query")
UNAVAILABLE = ("unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear")
NOT_PROCESSED = ("not_processed_petition", "not_processed_repeated", "not_processed_publication",
                 "not_processed_excessive", "not_processed_confirmation")
OTHER = ("other_no_correction", "other_no_fee", "other_other", "other_handling")

# name -> Chinese label (labels.FIGURES); order is the order of display
HEADLINE_LABELS = FIGURES


APPLICANTS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other")
APPEAL_PARTS = ("upheld", "corrected", "other", "pending")


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def counted(row, parts):
    """(figure, printed total, the cells' sum) of one row whose 总计 totals `parts`.

    One meaning for every total the portal shows, filters and adds up: the 总计 the report prints;
    where the report prints a 总计 smaller than the cells it totals (it contradicts itself: 总计 0
    under cells that add to 5), or none at all, the cells' sum -- the report itself counts at
    least that many -- so "printed total > 0 or any cell > 0" is the one test of 被诉 / 被复议.
    Both numbers are kept (figure_notes) and the parser's check (row_total, group_total) says so."""
    if not isinstance(row, dict):
        return None, None, None
    printed = _number(row.get("total"))
    cells = [v for v in (_number(row.get(p)) for p in parts) if v is not None]
    total = sum(cells) if cells else None
    if printed is None or (total is not None and total > printed):
        return total, printed, total
    return printed, printed, total


class _Figures:
    """Accumulates the headline figures of one record and, where printed and cells disagree, both."""

    def __init__(self):
        self.values = dict.fromkeys(HEADLINE_LABELS)
        self.notes = {}

    def rows(self, name, rows, parts):
        """Sets figure `name` to the sum over `rows` (each counted()); None when none is present."""
        found = [counted(row, parts) for row in rows if isinstance(row, dict)]
        found = [f for f in found if f[0] is not None]
        if not found:
            return
        value = sum(f[0] for f in found)
        self.values[name] = value
        printed = [f[1] for f in found]
        cells = [f[2] for f in found]
        if any(p != c and p is not None and c is not None for p, c in zip(printed, cells)):
            self.notes[name] = {"printed": sum(p or 0 for p in printed), "cells": sum(c or 0 for c in cells),
                                "figure": value}

    def set(self, name, value):
        self.values[name] = _number(value)


def _requests(fig, requests):
    rows = {"requests_new": ("new_received",), "requests_carried_over": ("carried_over",),
            "granted": ("granted",), "partially_granted": ("partially_granted",), "denied": DENIED,
            "unavailable": UNAVAILABLE, "not_processed": NOT_PROCESSED, "other_handled": OTHER,
            "carried_forward": ("carried_forward",)}
    for name, keys in rows.items():
        fig.rows(name, [requests[k] for k in keys if k in requests], APPLICANTS)


def _appeals(fig, appeals):
    review = appeals.get("review")
    suits = [appeals[g] for g in ("litigation_direct", "litigation_after_review") if appeals.get(g)]
    fig.rows("reviews", [review] if review else [], APPEAL_PARTS)
    fig.set("reviews_corrected", (review or {}).get("corrected"))
    if suits:
        fig.rows("lawsuits", suits, APPEAL_PARTS)
        fig.values["lawsuits"] = fig.values["lawsuits"] or 0
        fig.set("lawsuits_corrected", sum(_number(s.get("corrected")) or 0 for s in suits))


def _figures(record):
    stats = (record or {}).get("stats") or {}
    requests = stats.get("requests") or {}
    appeals = stats.get("appeals") or {}
    active = stats.get("active") or {}
    legacy = stats.get("legacy") or {}
    fig = _Figures()
    if requests:
        _requests(fig, requests)
    elif legacy.get("requests_received") is not None:
        fig.set("requests_new", legacy.get("requests_received"))
    if appeals:
        _appeals(fig, appeals)
    else:
        fig.set("reviews", legacy.get("reviews"))
        fig.set("lawsuits", legacy.get("lawsuits"))
    if active:
        fig.set("fees_10k_yuan", (active.get("fees") or {}).get("amount_10k_yuan"))
        fig.set("licensing", (active.get("licensing") or {}).get("decisions"))
        fig.set("penalty", (active.get("penalty") or {}).get("decisions"))
        nd = active.get("normative_documents") or {}
        fig.set("normative_in_force", nd.get("in_force", nd.get("public_total")))
    return fig


def headline(record):
    """Return {name: number or None}; None means the report does not contain that figure.
    A total is the printed 总计, or its cells' sum where that is larger (counted())."""
    return _figures(record).values


def figure_notes(record):
    """{figure: {"printed", "cells", "figure"}} where a report's printed 总计 and the sum of its cells
    differ: both numbers as the report gives them, and the one the portal counts."""
    return _figures(record).notes


def headline_and_notes(record):
    """(headline(record), figure_notes(record)) in one pass, for the index."""
    fig = _figures(record)
    return fig.values, fig.notes


def breakdown(record):
    """Whether the record has table 3's breakdown by applicant (2019 format), not only a total."""
    return bool(((record or {}).get("stats") or {}).get("requests"))


_MISSING = re.compile(r"^(?:section \d: (?:not found|no text)|table \d: not found|agency not found|year not found)")


def doubts(record):
    """Why a record's figures are not to be trusted as they stand (数据存疑): a whole report that
    misses a part it must have, no agency or year, a scan whose text is not (or could not be)
    read. One rule for the facet, the report page, /stats and the exports."""
    record = record or {}
    reasons = [w for w in record.get("warnings") or [] if _MISSING.match(str(w))]
    state = (record.get("ocr") or {}).get("state")
    if state in ("pending", "failed"):
        reasons.append("扫描件文字尚未识别" if state == "pending" else "扫描件文字识别失败")
    return reasons


def failed_checks(record):
    """Names of the cross-checks the report fails (ok is False; None means not applicable)."""
    return sorted({c["rule"] for c in (record or {}).get("checks") or [] if c.get("ok") is False})


# (kind, pattern on the agency name); first match wins
_KINDS = (
    ("开发区", re.compile(r"(开发区|高新区|示范区|产业园|园区|新区|经济区|综合区|保税区|自贸区|试验区|实验区|管委会|管理委员会)")),
    ("乡镇街道", re.compile(r"(乡|镇|街道|办事处)(人民政府)?$|街道办|乡人民政府|镇人民政府")),
    ("人民政府", re.compile(r"人民政府(办公室|办公厅)?$")),
)


def agency_kind(agency):
    """Classify an agency name: 人民政府 / 部门 / 开发区 / 乡镇街道 (部门 is the default)."""
    name = agency or ""
    for kind, pattern in _KINDS:
        if pattern.search(name):
            return kind
    return "部门" if name else "未知"


PEER_GROUPS = ("省级政府", "市级政府", "县级政府", "部门", "乡镇街道", "开发区", "未知")


def peer_group(agency, region):
    """The peer group an agency is ranked in: governments by level (the deepest level of their
    region: a county is 县级, a city 市级, a province alone 省级), else its kind."""
    kind = agency_kind(agency)
    if kind != "人民政府":
        return kind
    region = region or {}
    if region.get("county"):
        return "县级政府"
    if region.get("city") and region.get("city") != region.get("province"):
        return "市级政府"
    return "省级政府" if region.get("province") else "未知"
