"""Tables 2–4 of a record as rows ready to render, with failed checks pinned to their rows.

Labels come from the catalogue (labels.py). The checks only say *that* a rule failed; the offending
rows are found again here from the figures so the page can mark them where the reader looks.
"""
from ..labels import (ACTIVE_FIELDS, ACTIVE_ROWS, APPEAL_FIELDS, APPEAL_GROUPS, APPLICANTS,  # noqa: F401
                      CHECKS, LEGACY_FIGURES, OUTCOME_ROWS, REQUEST_COLUMNS, REQUEST_ROWS)


def _num(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _failed(record):
    return {c["rule"]: c.get("detail") or "" for c in record.get("checks") or [] if c.get("ok") is False}


def request_problems(requests, failed):
    """{row key: [message]} for table 3 rows that break balance, outcome_sum or row_total."""
    marks = {}
    columns = [c for c in REQUEST_COLUMNS if any(c in (requests.get(r) or {}) for r in requests)]

    def cell(row, col):
        return _num((requests.get(row) or {}).get(col))

    if "row_total" in failed:
        for row, values in requests.items():
            if isinstance(values, dict) and "total" in values:
                parts = sum(_num(values.get(c)) for c in APPLICANTS)
                if parts != _num(values["total"]):
                    marks.setdefault(row, []).append(f"各类申请人之和 {parts} ≠ 总计 {values['total']}")
    if "outcome_sum" in failed and "outcome_total" in requests:
        for col in columns:
            parts = sum(cell(r, col) for r in OUTCOME_ROWS if r in requests)
            if parts != cell("outcome_total", col):
                marks.setdefault("outcome_total", []).append(
                    f"{REQUEST_COLUMNS[col]}：各项办理结果之和 {parts} ≠ 总计 {cell('outcome_total', col)}")
    if "balance" in failed:
        for col in columns:
            left = cell("new_received", col) + cell("carried_over", col)
            right = cell("outcome_total", col) + cell("carried_forward", col)
            if left != right:
                marks.setdefault("carried_forward", []).append(
                    f"{REQUEST_COLUMNS[col]}：新收 + 上年结转 = {left}，办理结果 + 结转下年 = {right}")
    return marks


def appeal_problems(appeals, failed):
    marks = {}
    if "group_total" in failed:
        for group, values in appeals.items():
            if isinstance(values, dict) and "total" in values:
                parts = sum(_num(values.get(k)) for k in ("upheld", "corrected", "other", "pending"))
                if parts != _num(values["total"]):
                    marks[group] = [f"维持 + 纠正 + 其他 + 未审结 = {parts} ≠ 总计 {values['total']}"]
    return marks


def report_tables(record):
    """{"active": [...], "requests": {...}, "appeals": {...}} for the report template."""
    stats = record.get("stats") or {}
    failed = _failed(record)
    out = {}
    active = stats.get("active")
    if active:
        out["active"] = [{"key": key, "label": ACTIVE_ROWS.get(key, key),
                          "cells": [(ACTIVE_FIELDS.get(f, f), v) for f, v in (values or {}).items()]}
                         for key, values in active.items()]
    requests = stats.get("requests")
    if requests:
        marks = request_problems(requests, failed)
        columns = [c for c in REQUEST_COLUMNS if any(c in (v or {}) for v in requests.values())]
        out["requests"] = {
            "columns": [(c, REQUEST_COLUMNS[c]) for c in columns],
            "rows": [{"key": key, "label": REQUEST_ROWS.get(key, key),
                      "cells": [(values or {}).get(c) for c in columns], "problems": marks.get(key, [])}
                     for key, values in requests.items()],
        }
    appeals = stats.get("appeals")
    if appeals:
        marks = appeal_problems(appeals, failed)
        out["appeals"] = {
            "fields": list(APPEAL_FIELDS.items()),
            "rows": [{"key": g, "label": APPEAL_GROUPS.get(g, g),
                      "cells": [(appeals.get(g) or {}).get(f) for f in APPEAL_FIELDS],
                      "problems": marks.get(g, [])} for g in APPEAL_GROUPS if g in appeals],
        }
    legacy = stats.get("legacy")
    if legacy:
        out["legacy"] = [(LEGACY_FIGURES.get(key, key), value) for key, value in legacy.items()]
    return out
