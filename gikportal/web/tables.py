"""Tables 2–4 of a record as rows ready to render, with failed checks pinned to their rows.

Labels come from the catalogue (labels.py); the rows a failed check concerns come with the check
(its "marks", made by parse/checks.py), so this module only lays them out.
"""
from ..labels import (ACTIVE_FIELDS, ACTIVE_ROWS, APPEAL_FIELDS, APPEAL_GROUPS, LEGACY_FIGURES, REQUEST_COLUMNS,
                      REQUEST_ROWS)


def _marks(record, table):
    """{row key: [text]} of the failed checks' own marks (parse/checks.py) for one table."""
    out = {}
    for check in record.get("checks") or []:
        if check.get("ok") is False:
            for mark in check.get("marks") or []:
                if mark.get("table") == table:
                    out.setdefault(mark["row"], []).append(mark["text"])
    return out


def report_tables(record):
    """{"active": [...], "requests": {...}, "appeals": {...}} for the report template."""
    stats = record.get("stats") or {}
    out = {}
    active = stats.get("active")
    if active:
        out["active"] = [{"key": key, "label": ACTIVE_ROWS.get(key, key),
                          "cells": [(ACTIVE_FIELDS.get(f, f), v) for f, v in (values or {}).items()]}
                         for key, values in active.items()]
    requests = stats.get("requests")
    if requests:
        marks = _marks(record, "requests")
        columns = [c for c in REQUEST_COLUMNS if any(c in (v or {}) for v in requests.values())]
        out["requests"] = {
            "columns": [(c, REQUEST_COLUMNS[c]) for c in columns],
            "rows": [{"key": key, "label": REQUEST_ROWS.get(key, key),
                      "cells": [(values or {}).get(c) for c in columns], "problems": marks.get(key, [])}
                     for key, values in requests.items()],
        }
    appeals = stats.get("appeals")
    if appeals:
        marks = _marks(record, "appeals")
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
