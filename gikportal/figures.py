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


def _total(row):
    if not isinstance(row, dict):
        return None
    return row.get("total")


def _sum_totals(requests, keys):
    values = [_total(requests.get(k)) for k in keys if k in requests]
    values = [v for v in values if v is not None]
    return sum(values) if values else None


def headline(record):
    """Return {name: number or None}; None means the report does not contain that figure."""
    stats = (record or {}).get("stats") or {}
    requests = stats.get("requests") or {}
    appeals = stats.get("appeals") or {}
    active = stats.get("active") or {}
    legacy = stats.get("legacy") or {}
    out = dict.fromkeys(HEADLINE_LABELS)
    if requests:
        out["requests_new"] = _total(requests.get("new_received"))
        out["requests_carried_over"] = _total(requests.get("carried_over"))
        out["granted"] = _total(requests.get("granted"))
        out["partially_granted"] = _total(requests.get("partially_granted"))
        out["denied"] = _sum_totals(requests, DENIED)
        out["unavailable"] = _sum_totals(requests, UNAVAILABLE)
        out["not_processed"] = _sum_totals(requests, NOT_PROCESSED)
        out["other_handled"] = _sum_totals(requests, OTHER)
        out["carried_forward"] = _total(requests.get("carried_forward"))
    elif legacy.get("requests_received") is not None:
        out["requests_new"] = legacy.get("requests_received")
    if appeals:
        review = appeals.get("review") or {}
        direct = appeals.get("litigation_direct") or {}
        after = appeals.get("litigation_after_review") or {}
        out["reviews"] = review.get("total")
        out["reviews_corrected"] = review.get("corrected")
        if direct or after:
            out["lawsuits"] = (direct.get("total") or 0) + (after.get("total") or 0)
            out["lawsuits_corrected"] = (direct.get("corrected") or 0) + (after.get("corrected") or 0)
    else:
        if legacy.get("reviews") is not None:
            out["reviews"] = legacy.get("reviews")
        if legacy.get("lawsuits") is not None:
            out["lawsuits"] = legacy.get("lawsuits")
    if active:
        out["fees_10k_yuan"] = (active.get("fees") or {}).get("amount_10k_yuan")
        out["licensing"] = (active.get("licensing") or {}).get("decisions")
        out["penalty"] = (active.get("penalty") or {}).get("decisions")
        nd = active.get("normative_documents") or {}
        out["normative_in_force"] = nd.get("in_force", nd.get("public_total"))
    return out


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
