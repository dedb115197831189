"""The evaluator's scorecard of one report: what a 第三方评估 checks by hand, computed.

Each criterion says pass (True), fail (False) or not assessable (None, with the reason), the
numbers it used and the rule it comes from. Two criteria need other reports (the same agency's
previous year, the other agencies' reports of the same year): `card()` takes those as
arguments, found at index time (gikportal/continuity.py, gikportal/copies.py) and never written
into a record. The score is out of 100: the weights of the criteria passed over the weights of
the criteria that could be assessed (WEIGHTS, versioned by VERSION). Knows neither Flask nor an
engine, so both engines and every page compute the same card.
"""
import re
from datetime import date

from ..figures import agency_kind
from ..labels import SCORECARD as LABELS
from .checks import carry_chain, narrative_figure

VERSION = "2026.1"
REPEAT_LIMIT = 0.5  # 问题及改进: a share of sentences found again above this fails
MIN_SENTENCE = 8    # characters (after folding); shorter sentences (“无。”) say nothing

REGULATION = "《中华人民共和国政府信息公开条例》"
NOTICE = "《关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）"
# criterion: (weight, the rule it comes from) -- the one table of weights; they add up to 100
WEIGHTS = {
    "on_time": (10, REGULATION + "第四十九条"),
    "complete": (15, REGULATION + "第五十条；" + NOTICE),
    "table_checks": (20, NOTICE + "表三、表四的勾稽关系"),
    "continuity": (15, NOTICE + "表二“现行有效件数”、表三“上年结转”“结转下年度继续办理”"),
    "prose_tables": (10, REGULATION + "第五十条（年度报告的内容应与统计表一致）"),
    "section5_repeated": (15, REGULATION + "第五十条第（五）项“存在的主要问题及改进情况”"),
    "copied_section5": (5, REGULATION + "第五十条第（五）项“存在的主要问题及改进情况”"),
    "fees": (4, REGULATION + "第四十二条、第五十条；" + NOTICE + "第六部分"),
    "period": (3, NOTICE + "（报告说明统计期限）"),
    "contact": (3, NOTICE + "（报告说明查阅、下载方式和联系方式）"),
}
CRITERIA = tuple(WEIGHTS)
CROSS_REPORT = ("continuity", "section5_repeated", "copied_section5")  # need other reports

# 条例第四十九条: 县级以上人民政府部门 by 1月31日, 县级以上地方人民政府 by 3月31日; reports on
# 2018 and before were due under the 2007 条例 (第三十一条: every 行政机关 by 3月31日)
_DEADLINES = {"部门": (1, 31), "人民政府": (3, 31), "乡镇街道": (3, 31)}
OLD_RULE = "2007年《中华人民共和国政府信息公开条例》第三十一条"
REVISED_FROM = 2019  # the first year reported on under the revised 条例

_SPLIT = re.compile(r"[。；;！!？?\n]+")
_FOLD = re.compile(r"[\s，,、：:“”\"'‘’（）()《》〈〉【】\[\]·.—-]+")
_DIGITS = re.compile(r"[0-9０-９一二三四五六七八九十百千万零〇]+(?=[年月日件条个项次%])|[0-9０-９]+")
_PERIOD = re.compile(r"统计期限|统计期间|统计时限|统计时间|统计口径|数据统计(?:期|时)|"
                     r"\d{4}年1月1日(?:起)?(?:至|到|—|-)\s*\d{4}年12月31日")
_CONTACT = re.compile(r"联系电话|联系方式|咨询电话|电话[:：]?\s*[（(]?\d|地址[:：]|邮编|邮政编码|电子邮箱|"
                      r"(?:电子版|网站|网|平台)[^。；]{0,30}(?:下载|查阅)")
_APPEALS_NONE = re.compile(r"(?:未|没有|无)(?:发生|收到|产生|出现)?[^。；;，,\d]{0,20}?行政复议[^。；;\d]{0,6}?行政诉讼")
_REVIEWS = re.compile(r"(?:发生|收到|受理|涉及|提起|申请)[^。；;，,\d]{0,12}?行政复议(?:案件|申请)?\s*(\d+)\s*(?:件|起|宗|次)")
_LAWSUITS = re.compile(r"(?:发生|收到|涉及|提起|应诉)[^。；;，,\d]{0,12}?行政诉讼(?:案件)?\s*(\d+)\s*(?:件|起|宗|次)")
_NORMATIVE = re.compile(r"(?:制发|印发|出台|发布)(?:行政)?规范性文件\s*(\d+)\s*(?:件|个|份|部)")


def _criterion(key, ok, detail, numbers=None, reason=None, rule=None):
    weight, rule = WEIGHTS[key][0], rule or WEIGHTS[key][1]
    out = {"key": key, "label": LABELS[key], "weight": weight, "rule": rule, "ok": ok, "detail": detail,
           "numbers": numbers or {}}
    if ok is None:
        out["reason"] = reason or detail
    return out


def _texts(record):
    return [record.get("preface") or ""] + [s.get("text") or "" for s in record.get("sections") or []]


def _section(record, n):
    return next((s.get("text") or "" for s in record.get("sections") or [] if s.get("n") == n), "")


def _checks(record):
    return {c.get("rule"): c for c in record.get("checks") or []}


# --- the criteria of one report ------------------------------------------------------------------

def on_time(record):
    """条例第四十九条: the publication date printed in the report against the deadline of its
    kind of agency in the year after the year reported on."""
    kind = agency_kind(record.get("agency"))
    year, published = record.get("year"), record.get("published")
    numbers = {"kind": kind, "published": published}
    if not isinstance(year, int) or not published:
        return _criterion("on_time", None, "报告没有写明发布日期（或年度不详），无法核对是否按时发布。", numbers)
    old = year < REVISED_FROM
    rule = OLD_RULE if old else None
    if kind not in _DEADLINES and not old:
        return _criterion("on_time", None, f"机关类型为“{kind}”，条例第四十九条未规定其期限。", numbers)
    month, day = (3, 31) if old else _DEADLINES[kind]
    kind = "行政机关" if old else kind
    deadline = date(year + 1, month, day)
    numbers["deadline"] = deadline.isoformat()
    try:
        when = date.fromisoformat(published)
    except ValueError:
        return _criterion("on_time", None, f"发布日期“{published}”无法识别。", numbers, rule=rule)
    if when.year < year + 1:
        return _criterion("on_time", None, f"发布日期{published}早于报告年度结束，日期存疑。", numbers, rule=rule)
    late = (when - deadline).days
    numbers["days_late"] = max(late, 0)
    if late > 0:
        return _criterion("on_time", False, f"{kind}应在{deadline.year}年{month}月{day}日前公布，报告落款{published}，"
                                            f"晚{late}天。", numbers, rule=rule)
    return _criterion("on_time", True, f"报告落款{published}，在{deadline.year}年{month}月{day}日期限之前。", numbers, rule=rule)


def _unread_cells(stats):
    """(unread cells, printed cells) of tables 2-4: None is a cell the parser could not read."""
    unread = total = 0
    for part in ("active", "requests", "appeals"):
        for row in (stats.get(part) or {}).values():
            if isinstance(row, dict):
                total += len(row)
                unread += sum(1 for v in row.values() if v is None)
    return unread, total


def complete(record):
    """Six parts in order and tables 2, 3 and 4 present with every cell read."""
    if record.get("format") != "2019":
        return _criterion("complete", None, "2019年以前的旧格式报告，没有统一的六部分和三张表。")
    ns = [s.get("n") for s in record.get("sections") or [] if isinstance(s.get("n"), int) and s.get("n") > 0]
    in_order = ns == sorted(ns)
    present = _checks(record).get("sections_present") or {}
    unread, cells = _unread_cells(record.get("stats") or {})
    numbers = {"sections": sorted(set(ns)), "in_order": in_order, "cells": cells, "unread_cells": unread}
    problems = []
    if present.get("ok") is False:
        problems.append(present.get("detail", "").rstrip("。"))
    if not in_order:
        problems.append("各部分顺序不符合格式（" + "、".join(map(str, ns)) + "）")
    if unread:
        problems.append(f"表格中有{unread}个单元格没有数字（空白不是0，应填0）")
    if problems:
        return _criterion("complete", False, "；".join(problems) + "。", numbers)
    return _criterion("complete", True, f"六个部分齐全且顺序正确，三张表{cells}个单元格都有数字。", numbers)


_TABLE_RULES = ("balance", "outcome_sum", "row_total", "group_total")


def table_checks(record):
    """The 勾稽关系 inside tables 3 and 4 (parse/checks.py), as one criterion."""
    found = _checks(record)
    verdicts = {rule: (found.get(rule) or {}).get("ok") for rule in _TABLE_RULES}
    numbers = {"checks": verdicts}
    failed = [rule for rule, ok in verdicts.items() if ok is False]
    if failed:
        return _criterion("table_checks", False, " ".join(found[r]["detail"] for r in failed), numbers)
    passed = [rule for rule, ok in verdicts.items() if ok]
    if not passed:
        return _criterion("table_checks", None, "表三、表四数字不全或缺失，无法核对勾稽关系。", numbers)
    return _criterion("table_checks", True, f"{len(passed)}项勾稽关系全部成立"
                      + ("" if len(passed) == len(_TABLE_RULES) else f"（另有{len(_TABLE_RULES) - len(passed)}项无法核对）")
                      + "。", numbers)


def _prose_claims(record):
    """[(what, stated, in the table, phrase)] of the figures the prose states and a table holds."""
    stats = record.get("stats") or {}
    text = "\n".join(_texts(record))
    out = []
    requests = stats.get("requests") or {}
    table_new = (requests.get("new_received") or {}).get("total")
    stated, phrase = narrative_figure(_section(record, 1))
    if stated is not None and table_new is not None:
        out.append(("收到申请", stated, table_new, phrase))
    appeals = stats.get("appeals") or {}
    reviews = (appeals.get("review") or {}).get("total")
    suits = [(appeals.get(g) or {}).get("total") for g in ("litigation_direct", "litigation_after_review")]
    lawsuits = None if None in suits or not appeals else sum(suits)
    none = _APPEALS_NONE.search(text)
    if none:
        if reviews is not None:
            out.append(("行政复议", 0, reviews, none.group(0)))
        if lawsuits is not None:
            out.append(("行政诉讼", 0, lawsuits, none.group(0)))
    else:
        for what, pattern, table in (("行政复议", _REVIEWS, reviews), ("行政诉讼", _LAWSUITS, lawsuits)):
            m = pattern.search(text)
            if m and table is not None:
                out.append((what, int(m.group(1)), table, m.group(0)))
    issued = ((stats.get("active") or {}).get("normative_documents") or {}).get("issued")
    m = _NORMATIVE.search(text)
    if m and issued is not None:
        out.append(("制发规范性文件", int(m.group(1)), issued, m.group(0)))
    return out


def prose_tables(record):
    """Figures the prose states (requests received, 复议, 诉讼, 规范性文件 issued) against the tables."""
    claims = _prose_claims(record)
    numbers = {"claims": [{"what": w, "stated": s, "table": t, "phrase": re.sub(r"\s+", "", p)}
                          for w, s, t, p in claims]}
    if not claims:
        return _criterion("prose_tables", None, "正文没有写明可与表格核对的数字。", numbers)
    bad = [f"正文称{c['what']}{c['stated']}件（“{c['phrase']}”），表格为{c['table']}件"
           for c in numbers["claims"] if c["stated"] != c["table"]]
    if bad:
        return _criterion("prose_tables", False, "；".join(bad) + "。", numbers)
    return _criterion("prose_tables", True, "正文写明的" + "、".join(f"{w}{s}件" for w, s, _, _ in claims)
                      + "与表格一致。", numbers)


def fees(record):
    check = _checks(record).get("fee_explained") or {}
    return _criterion("fees", check.get("ok"), check.get("detail") or "报告未提及收取信息处理费。")


_NO_TEXT = "报告没有可读的文字（如扫描件尚未识别），无法评估。"


def period(record):
    if not any(t.strip() for t in _texts(record)):
        return _criterion("period", None, _NO_TEXT)
    m = next((m for m in map(_PERIOD.search, _texts(record)) if m), None)
    if m:
        return _criterion("period", True, f"报告说明了统计期限（“{m.group(0)}”）。")
    return _criterion("period", False, "报告没有说明数据的统计期限。")


def contact(record):
    if not any(t.strip() for t in _texts(record)):
        return _criterion("contact", None, _NO_TEXT)
    m = next((m for m in map(_CONTACT.search, _texts(record)) if m), None)
    if m:
        return _criterion("contact", True, f"报告写明了联系方式或查阅下载途径（“{m.group(0).strip()}”）。")
    return _criterion("contact", False, "报告没有写明联系方式或查阅、下载途径。")


# --- criteria that need another report -----------------------------------------------------------

def sentences(text):
    """[(folded, printed)] of a text's sentences; folded drops spaces, punctuation and numbers,
    so a sentence carried over with only its year or figures changed is found again."""
    out, seen = [], set()
    for piece in _SPLIT.split(text or ""):
        printed = piece.strip()
        folded = _DIGITS.sub("#", _FOLD.sub("", printed))
        if len(folded) >= MIN_SENTENCE and folded not in seen:
            seen.add(folded)
            out.append((folded, printed))
    return out


def repetition(current_text, other_text):
    """{share, found, total, repeated}: how many of current_text's sentences other_text has."""
    mine = sentences(current_text)
    theirs = {folded for folded, _ in sentences(other_text)}
    repeated = [printed for folded, printed in mine if folded in theirs]
    share = len(repeated) / len(mine) if mine else None
    return {"share": share, "found": len(repeated), "total": len(mine), "repeated": repeated}


def _in_force(previous, current):
    """[(row, last year's 现行有效, 本年制发, 本年废止, this year's 现行有效)] of 规章 and 行政规范性文件."""
    prev = ((previous.get("stats") or {}).get("active")) or {}
    cur = ((current.get("stats") or {}).get("active")) or {}
    out = []
    for row in ("regulations", "normative_documents"):
        p, c = prev.get(row) or {}, cur.get(row) or {}
        values = (p.get("in_force"), c.get("issued"), c.get("repealed"), c.get("in_force"))
        if None not in values:
            out.append((row,) + values)
    return out


_ROWS = {"regulations": "规章", "normative_documents": "行政规范性文件"}


def continuity(record, previous):
    """与上年衔接: last year's 结转下年度 = this year's 上年结转 per column (carry_chain), and last
    year's 现行有效 + 本年制发 − 本年废止 = this year's 现行有效 for 规章 and 行政规范性文件."""
    if previous is None:
        return _criterion("continuity", None, "档案中没有同一机关上一年度的报告，无法核对衔接。")
    numbers = {"previous": previous.get("id"), "previous_year": previous.get("year")}
    chain = carry_chain(previous, record)
    numbers["carry_chain"] = {"ok": chain["ok"], "detail": chain["detail"]}
    rows = _in_force(previous, record)
    numbers["in_force"] = [{"row": r, "previous_in_force": a, "issued": b, "repealed": c, "in_force": d,
                            "ok": a + b - c == d} for r, a, b, c, d in rows]
    bad = [chain["detail"].rstrip("。")] if chain["ok"] is False else []
    bad += [f"{_ROWS[r]}：上年现行有效{a}＋本年制发{b}－本年废止{c}＝{a + b - c}，本年现行有效为{d}"
            for r, a, b, c, d in rows if a + b - c != d]
    if bad:
        return _criterion("continuity", False, "；".join(bad) + "。", numbers)
    if chain["ok"] is None and not rows:
        return _criterion("continuity", None, "前后两年的表二、表三数字不全，无法核对衔接。", numbers)
    parts = ([chain["detail"].rstrip("。")] if chain["ok"] else []) + \
        [f"{_ROWS[r]}现行有效{a}＋{b}－{c}＝{d}" for r, a, b, c, d in rows]
    return _criterion("continuity", True, "；".join(parts) + "。", numbers)


def section5_repeated(record, previous):
    """问题及改进 不照搬: the share of section 5's sentences found again in last year's section 5."""
    if previous is None:
        return _criterion("section5_repeated", None, "档案中没有同一机关上一年度的报告，无法比较第五部分。")
    rep = repetition(_section(record, 5), _section(previous, 5))
    numbers = dict(rep, previous=previous.get("id"), previous_year=previous.get("year"))
    if rep["share"] is None:
        return _criterion("section5_repeated", None, "第五部分没有可比较的句子。", numbers)
    pct = round(100 * rep["share"])
    text = f"第五部分{rep['total']}句中有{rep['found']}句（{pct}%）与{previous.get('year')}年报告相同"
    if rep["share"] > REPEAT_LIMIT:
        return _criterion("section5_repeated", False, text + f"，超过{round(100 * REPEAT_LIMIT)}%。", numbers)
    return _criterion("section5_repeated", True, text + "。", numbers)


def copied_section5(record, copy):
    """The nearest section 5 of another agency in the same year (gikportal/copies.py finds it)."""
    if copy is None:
        return _criterion("copied_section5", None, "索引中没有同年度其他机关的相似第五部分（或尚未比较）。")
    pct = round(100 * copy["share"])
    text = f"第五部分与{copy.get('agency') or '另一机关'}{copy.get('year') or ''}年报告第五部分{pct}%相同"
    if copy["share"] > REPEAT_LIMIT:
        return _criterion("copied_section5", False, text + "。", dict(copy))
    return _criterion("copied_section5", True, text + f"（未超过{round(100 * REPEAT_LIMIT)}%）。", dict(copy))


# --- the card ------------------------------------------------------------------------------------

def own(record):
    """The criteria one report is assessed on alone."""
    return [on_time(record), complete(record), table_checks(record), prose_tables(record), fees(record),
            period(record), contact(record)]


def card(record, previous=None, copy=None):
    """The scorecard: every criterion, in WEIGHTS order, and the score out of 100.

    previous: the same agency's report of the year before (or None); copy: {id, agency, year,
    share} of the nearest other agency's section 5 of the same year (or None)."""
    found = {c["key"]: c for c in own(record)}
    found.update((c["key"], c) for c in cross(record, previous, copy))
    criteria = [found[key] for key in CRITERIA]
    return dict(total(criteria), criteria=criteria)


def cross(record, previous=None, copy=None):
    """The criteria that need other reports (the index derives them)."""
    return [continuity(record, previous), section5_repeated(record, previous), copied_section5(record, copy)]


def total(criteria):
    """{version, score, passed_weight, assessed_weight, failed}: the score out of 100 is the weight
    of the criteria passed over the weight of those that could be assessed."""
    assessed = sum(c["weight"] for c in criteria if c["ok"] is not None)
    passed = sum(c["weight"] for c in criteria if c["ok"])
    order = {key: i for i, key in enumerate(CRITERIA)}
    return {"version": VERSION, "score": round(100 * passed / assessed, 1) if assessed else None,
            "passed_weight": passed, "assessed_weight": assessed,
            "failed": sorted((c["key"] for c in criteria if c["ok"] is False), key=order.get)}
