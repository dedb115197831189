"""Reports side by side, figure by figure, and section 5 of two years diffed sentence by sentence.

Two ways in: `?agency=<key or printed name>&years=2023,2024` (one body's years, whatever name each
printed), or `?ids=<id>,<id>`; lists are split on the commas an input method types too (，、；)
and on spaces. Columns are in year order; the last two columns give the change from the first
report to the last and that change in percent (blank when the base is 0). Bad input is a 400
page that says what was wrong and which years exist, never a bare 404.
"""
import difflib
import re
import unicodedata

from flask import Blueprint, render_template, request

from ..archive import is_report_id
from ..figures import HEADLINE_LABELS, headline
from ..rates import change, rates
from . import common

bp = Blueprint("compare", __name__)

MAX_REPORTS = 8
SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
SEPARATORS = re.compile(r"[,，、;；\s]+")


def sentences(record, n=5):
    section = next((s for s in record.get("sections") or [] if s.get("n") == n), None)
    return [m.group().strip() for m in SENTENCE.finditer((section or {}).get("text") or "") if m.group().strip()]


def char_diff(left, right):
    """Two near-identical sentences as segments [(changed?, text)], so a changed year stands out."""
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    a, b = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            a.append((op != "equal", left[i1:i2]))
        if j2 > j1:
            b.append((op != "equal", right[j1:j2]))
    return a, b, matcher.ratio()


def text_diff(a, b):
    """Blocks of sentences: "equal" is word-for-word repeated text; changed pairs get a character diff."""
    left, right = sentences(a), sentences(b)
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    blocks = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = left[i1:i2], right[j1:j2]
        if op == "replace" and len(olds) == len(news):
            pairs = [char_diff(x, y) for x, y in zip(olds, news)]
            if all(ratio >= 0.6 for _, _, ratio in pairs):
                blocks.append(("near", pairs, []))
                continue
        blocks.append((op, olds, news))
    same = sum(len("".join(l)) for op, l, _ in blocks if op == "equal")
    total = max(len("".join(left)), len("".join(right)), 1)
    return {"blocks": blocks, "ratio": round(100 * same / total), "empty": not left or not right}


def split_list(text):
    """The items of a typed list: full-width forms folded, split on ,，、;； and spaces."""
    return [t for t in SEPARATORS.split(unicodedata.normalize("NFKC", text or "")) if t]


def _by_agency(agency, years_text):
    """(records' ids, errors, the years the agency has) for ?agency=&years=."""
    if common.is_unknown_agency(agency):
        return [], ["机关不详的报告彼此不一定是同一机关，不能按年度对比；请填入报告编号。"], []
    hits = common.agency_hits(agency)
    if not hits:
        return [], [f"没有找到发布机关“{agency}”的报告。"], []
    bodies = sorted({h.get("agency_key") or h["agency"] for h in hits})
    if len(bodies) > 1:
        return [], [f"“{agency}”是不同机关使用的名称，请填入其一：{'；'.join(bodies)}。"], []
    by_year = {}
    for hit in sorted(hits, key=lambda h: h["id"]):  # one report a year: the smallest id, as the carry chain
        if hit.get("year"):
            by_year.setdefault(hit["year"], hit)
    known = sorted(by_year)
    typed = split_list(years_text)
    errors = [f"“{t}”不是年度（应为四位数字，如 2024）。" for t in typed if not re.fullmatch(r"\d{4}", t)]
    years = sorted({int(t) for t in typed if re.fullmatch(r"\d{4}", t)}) if typed else known[-2:]
    missing = [y for y in years if y not in by_year]
    if missing:
        errors.append(f"该机关没有 {'、'.join(map(str, missing))} 年度的报告。")
    return [by_year[y]["id"] for y in years if y in by_year], errors, known


def _by_ids(ids_text):
    ids = split_list(ids_text)
    bad = [i for i in ids if not is_report_id(i.lower())]
    errors = [f"“{i}”不是报告编号（16 位十六进制数字）。" for i in bad]
    return [i.lower() for i in ids if i not in bad], errors


def _rows(records):
    """Figure rows (headline figures, then rates) with values, differs flags, change and percent."""
    figures = [headline(r) for r in records]
    rows = []
    for name, label in HEADLINE_LABELS.items():
        values = [f.get(name) for f in figures]
        if all(v is None for v in values):
            continue
        delta, pct = change(values[0], values[-1])
        rows.append({"label": label, "values": values, "kind": "count", "change": delta, "pct": pct,
                     "differs": [i > 0 and v != values[0] for i, v in enumerate(values)]})
    per_report = [rates(f) for f in figures]
    for name in per_report[0] if per_report else ():
        cells = [r[name] for r in per_report]
        if all(c["denominator"] is None for c in cells):
            continue
        values = [c["value"] for c in cells]
        delta = values[-1] - values[0] if values[0] is not None and values[-1] is not None else None
        rows.append({"label": cells[0]["label"], "formula": cells[0]["formula"], "cells": cells, "values": values,
                     "kind": "rate", "change": delta, "pct": None,
                     "differs": [i > 0 and v != values[0] for i, v in enumerate(values)]})
    return rows


@bp.get("/compare")
def compare():
    agency = (request.args.get("agency") or "").strip()
    years_text = request.args.get("years", "")
    ids, errors, known_years = [], [], []
    if agency:
        ids, errors, known_years = _by_agency(agency, years_text)
    elif request.args.get("ids"):
        ids, errors = _by_ids(request.args.get("ids"))
    if len(ids) > MAX_REPORTS:
        errors.append(f"一次最多对比 {MAX_REPORTS} 份报告，已取前 {MAX_REPORTS} 份。")
        ids = ids[:MAX_REPORTS]
    store = common.archive()
    records = []
    for rid in dict.fromkeys(ids):
        record = store.record(rid)
        if record is None:
            errors.append(f"没有编号为 {rid} 的报告（或该报告尚未解析）。")
        else:
            records.append(record)
    records.sort(key=lambda r: (r.get("year") or 0, r["id"]))
    pair = records[-2:] if len(records) >= 2 else None
    status = 400 if errors else 200
    return render_template("compare.html", records=records, rows=_rows(records) if records else [],
                           diff=text_diff(*pair) if pair else None, pair=pair, errors=errors,
                           agency=agency, years_text=years_text, known_years=known_years,
                           agency_key=(records[-1].get("agency_key") or records[-1].get("agency")) if agency and records
                           else agency,
                           unknown=common.UNKNOWN_AGENCY), status
