"""Cross-checks of one report (and carry_chain across two years), each with a plain-Chinese detail."""
import re

from ..labels import APPEAL_GROUPS_SHORT as GROUP_NAMES
from ..labels import REQUEST_COLUMNS as COLUMN_NAMES
from ..labels import REQUEST_ROWS_SHORT as ROW_NAMES
from ..labels import SECTIONS_SHORT as SECTION_NAMES
from .tables import APPEAL_FIELDS, APPEAL_GROUPS, OUTCOME_ROWS, OUTCOME_ROWS_2019, REQUEST_COLUMNS

_NARRATIVE = (
    re.compile(r"(?:受理|收到|接到|接收|新收|办理)[^。；;，,\d]{0,30}?申请[^。；;，,\d]{0,10}?" + r"(\d+)\s*(?:件|条|个|份|宗|次)"),
    re.compile(r"(?:受理|收到|接到|接收|新收)[^。；;，,\d]{0,8}?(\d+)\s*(?:件|条|个|份|宗)[^。；;，,\d]{0,16}?申请"),
    re.compile(r"申请(?:数量|总数|量)?(?:共|为|合计|总计)[^。；;\d]{0,4}?(\d+)\s*(?:件|条|个|份|宗|次)"),
)
_NARRATIVE_NONE = re.compile(r"(?:未|没有|无)(?:收到|接到|受理|发生|产生)[^。；;，,]{0,12}?申请")
_FEE_CHARGED = re.compile(r"(?<![未不没无免])(?:收取|收缴|收)[^。；;，,]{0,12}?(?:信息)?(?:公开)?处理费")
_FEE_NONE = re.compile(r"(?:未|不|没有|无|免)[^。；;，,]{0,6}?(?:收取|收缴|收)[^。；;，,]{0,12}?处理费|处理费[^。；;\d]{0,8}?(?<![\d.])(?:0|零)(?:\.0+)?\s*元")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万元|元)")


def _check(rule, ok, detail, marks=None):
    """marks: where a failed check shows in the tables, [{"table", "row", "text"}], so the report
    page pins each finding to its row without redoing the arithmetic."""
    out = {"rule": rule, "ok": ok, "detail": detail}
    if marks:
        out["marks"] = marks
    return out


def _mark(table, row, text):
    return {"table": table, "row": row, "text": text}


def not_applicable(rule):
    return _check(rule, None, "旧格式报告，不适用。")


def _fmt(values):
    return "＋".join(str(v) for v in values)


def sections_present(record):
    if record["format"] != "2019":
        return _check("sections_present", None, "旧格式报告，不适用六部分结构。")
    have = {s["n"]: s for s in record["sections"]}
    missing = [f"第{n}部分（{SECTION_NAMES[n]}）" for n in range(1, 7) if n not in have]
    stats = record["stats"]
    tables = [name for name, k in (("表二", "active"), ("表三", "requests"), ("表四", "appeals")) if k not in stats]
    problems = missing + [f"{t}缺失" for t in tables]
    if 1 in have and not have[1]["text"].strip():
        problems.append("第一部分（总体情况）内容为空")
    if 5 in have and not have[5]["text"].strip():
        problems.append("第五部分（存在的主要问题及改进情况）内容为空")
    if problems:
        return _check("sections_present", False, "缺少：" + "；".join(problems) + "。")
    return _check("sections_present", True, "六个部分和三张表齐全，第五部分有内容。")


def _columns(requests, keys):
    """Columns where every listed row has a known value."""
    return [c for c in REQUEST_COLUMNS if all(requests[k].get(c) is not None for k in keys)]


def _partial(cols):
    """Detail suffix for a check run on some columns only: which ones were checked."""
    if len(cols) == len(REQUEST_COLUMNS):
        return ""
    names = "、".join(COLUMN_NAMES[c] for c in cols)
    return f"（只核对了{len(REQUEST_COLUMNS)}列中的{len(cols)}列：{names}；其余列数字不全）"


def balance(requests):
    keys = ("new_received", "carried_over", "outcome_total", "carried_forward")
    if not requests:
        return _check("balance", None, "报告没有表三。")
    missing = [ROW_NAMES[k] for k in keys if k not in requests]
    if missing:
        return _check("balance", None, f"表三缺少{'、'.join(missing)}行，无法核对勾稽关系。")
    cols = _columns(requests, keys)
    if not cols:
        return _check("balance", None, "表三数字不全，无法核对勾稽关系。")
    bad, marks = [], []
    for c in cols:
        a, b, t, f = (requests[k][c] for k in keys)
        if a + b != t + f:
            bad.append(f"{COLUMN_NAMES[c]}列：本年新收{a}＋上年结转{b}＝{a + b}，办理结果总计{t}＋结转下年度{f}＝{t + f}")
            marks.append(_mark("requests", "carried_forward",
                               f"{COLUMN_NAMES[c]}：新收 + 上年结转 = {a + b}，办理结果 + 结转下年 = {t + f}"))
    if bad:
        return _check("balance", False, "；".join(bad) + "。" + _partial(cols), marks)
    a, b, t, f = (requests[k]["total"] for k in keys) if "total" in cols else (None,) * 4
    tail = f"（总计列：{a}＋{b}＝{t}＋{f}）" if a is not None else ""
    return _check("balance", True, f"表三各列均满足本年新收＋上年结转＝办理结果总计＋结转下年度{tail}。" + _partial(cols))


def outcome_sum(requests):
    if not requests:
        return _check("outcome_sum", None, "报告没有表三。")
    if "outcome_total" not in requests:
        return _check("outcome_sum", None, "表三没有办理结果总计行，无法核对。")
    rows = OUTCOME_ROWS_2019 if "other_handling" in requests else OUTCOME_ROWS
    present = [k for k in rows if k in requests]
    if len(present) < len(rows):
        missing = len(rows) - len(present)
        return _check("outcome_sum", None, f"表三缺少{missing}个办理结果行，无法核对总计。")
    cols = _columns(requests, present + ["outcome_total"])
    bad, marks = [], []
    for c in cols:
        total = sum(requests[k][c] for k in present)
        if total != requests["outcome_total"][c]:
            bad.append(f"{COLUMN_NAMES[c]}列：各办理结果之和为{total}，总计行为{requests['outcome_total'][c]}")
            marks.append(_mark("requests", "outcome_total",
                               f"{COLUMN_NAMES[c]}：各项办理结果之和 {total} ≠ 总计 {requests['outcome_total'][c]}"))
    if bad:
        return _check("outcome_sum", False, "；".join(bad) + "。" + _partial(cols), marks)
    if not cols:
        return _check("outcome_sum", None, "表三数字不全，无法核对。")
    tail = f"（总计列：{requests['outcome_total'].get('total')}）" if "total" in cols else ""
    return _check("outcome_sum", True, f"各列办理结果之和等于总计行{tail}。" + _partial(cols))


def row_total(requests):
    if not requests:
        return _check("row_total", None, "报告没有表三。")
    bad, marks, checked = [], [], 0
    for k, row in requests.items():
        vals = [row.get(c) for c in REQUEST_COLUMNS]
        if None in vals:
            continue
        checked += 1
        if sum(vals[:-1]) != vals[-1]:
            bad.append(f"{ROW_NAMES.get(k, k)}行：{_fmt(vals[:-1])}＝{sum(vals[:-1])}，总计列为{vals[-1]}")
            marks.append(_mark("requests", k, f"各类申请人之和 {sum(vals[:-1])} ≠ 总计 {vals[-1]}"))
    skipped = len(requests) - checked
    tail = f"（另有{skipped}行数字不全，未核对）" if skipped and checked else ""
    if bad:
        return _check("row_total", False, "；".join(bad) + "。" + tail, marks)
    if not checked:
        return _check("row_total", None, "表三数字不全，无法核对。")
    return _check("row_total", True, f"表三{checked}行的总计均等于六类申请人之和。" + tail)


def group_total(appeals):
    if not appeals:
        return _check("group_total", None, "报告没有表四。")
    bad, marks, parts = [], [], []
    for g in APPEAL_GROUPS:
        row = appeals.get(g) or {}
        vals = [row.get(f) for f in APPEAL_FIELDS]
        if None in vals:
            continue
        parts.append(f"{GROUP_NAMES[g]}{vals[-1]}")
        if sum(vals[:-1]) != vals[-1]:
            bad.append(f"{GROUP_NAMES[g]}：维持{vals[0]}＋纠正{vals[1]}＋其他{vals[2]}＋尚未审结{vals[3]}"
                       f"＝{sum(vals[:-1])}，总计为{vals[-1]}")
            marks.append(_mark("appeals", g, f"维持 + 纠正 + 其他 + 未审结 = {sum(vals[:-1])} ≠ 总计 {vals[-1]}"))
    tail = f"（只核对了3组中的{len(parts)}组，其余数字不全）" if parts and len(parts) < len(APPEAL_GROUPS) else ""
    if bad:
        return _check("group_total", False, "；".join(bad) + "。" + tail, marks)
    if not parts:
        return _check("group_total", None, "表四数字不全，无法核对。")
    return _check("group_total", True, "表四各组总计等于各结果之和（" + "，".join(parts) + "）。" + tail)


def narrative_figure(text):
    """(number, phrase) of the requests figure stated in prose, or (None, None)."""
    best = None
    for pattern in _NARRATIVE:
        m = pattern.search(text)
        if m and (best is None or m.start() < best.start()):
            best = m
    none = _NARRATIVE_NONE.search(text)
    if none and (best is None or none.start() < best.start()):
        return 0, none.group(0)
    if best:
        return int(best.group(1)), best.group(0)
    return None, None


def narrative(requests, section1_text):
    if not requests:
        return _check("narrative", None, "报告没有表三，无法与正文核对。")
    if (requests.get("new_received") or {}).get("total") is None:
        return _check("narrative", None, "表三没有本年新收申请总计，无法与正文核对。")
    table = requests["new_received"]["total"]
    stated, phrase = narrative_figure(section1_text or "")
    if stated is None:
        return _check("narrative", None, f"第一部分没有写明收到申请的数量（表三本年新收{table}件）。")
    phrase = re.sub(r"\s+", "", phrase)
    if stated == table:
        return _check("narrative", True, f"第一部分“{phrase}”与表三本年新收申请{table}件一致。")
    return _check("narrative", False, f"第一部分称收到申请{stated}件（“{phrase}”），表三本年新收申请总计{table}件。")


def fee_explained(full_text, section6_text):
    """Only a report that says it charged 信息处理费 must state the amount in section 6."""
    charged = [m for m in _FEE_CHARGED.finditer(full_text)
               if not _FEE_NONE.search(full_text[max(0, m.start() - 8):m.end() + 12])]
    if not charged:
        if _FEE_NONE.search(full_text):
            return _check("fee_explained", None, "报告说明未收取信息处理费，不适用。")
        return _check("fee_explained", None, "报告未提及收取信息处理费。")
    amount = _AMOUNT.search(section6_text or "")
    if amount:
        return _check("fee_explained", True, f"报告称收取了信息处理费，第六部分写明金额{amount.group(1)}{amount.group(2)}。")
    return _check("fee_explained", False, "报告称收取了信息处理费，但第六部分没有写明金额。")


def carry_chain(previous, current):
    """Compare carried_forward of the previous year with carried_over of this year, per column."""
    prev = ((previous or {}).get("stats") or {}).get("requests") or {}
    cur = ((current or {}).get("stats") or {}).get("requests") or {}
    py, cy = (previous or {}).get("year"), (current or {}).get("year")
    if "carried_forward" not in prev or "carried_over" not in cur:
        return _check("carry_chain", None, "前后两年的报告不都有表三，无法核对结转。")
    bad, cols = [], 0
    for c in REQUEST_COLUMNS:
        a, b = prev["carried_forward"].get(c), cur["carried_over"].get(c)
        if a is None or b is None:
            continue
        cols += 1
        if a != b:
            bad.append(f"{COLUMN_NAMES[c]}列：{py}年结转下年度{a}件，{cy}年上年结转{b}件")
    if bad:
        return _check("carry_chain", False, "；".join(bad) + "。")
    if not cols:
        return _check("carry_chain", None, "结转数字不全，无法核对。")
    total = cur["carried_over"].get("total")
    return _check("carry_chain", True, f"{py}年结转下年度与{cy}年上年结转一致（总计{total}件）。")
