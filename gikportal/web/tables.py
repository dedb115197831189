"""Tables 2–4 of a record as rows ready to render, with failed checks pinned to their rows.

Labels are those of report-format.md. The checks only say *that* a rule failed; the offending
rows are found again here from the figures so the page can mark them where the reader looks.
"""
ACTIVE_ROWS = {
    "regulations": "规章", "normative_documents": "行政规范性文件", "licensing": "行政许可",
    "other_services": "其他对外管理服务事项", "penalty": "行政处罚", "coercion": "行政强制",
    "fees": "行政事业性收费", "procurement": "政府集中采购",
}
ACTIVE_FIELDS = {
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
    "made": "本年新制作数量", "published": "本年新公开数量", "public_total": "对外公开总数量",
    "items_last_year": "上一年项目数量", "change": "本年增/减", "decisions": "本年处理决定数量",
    "amount_10k_yuan": "金额（万元）", "items": "采购项目数量",
}
REQUEST_COLUMNS = {
    "natural_person": "自然人", "commercial": "商业企业", "research": "科研机构",
    "social_welfare": "社会公益组织", "legal_services": "法律服务机构", "other": "其他", "total": "总计",
}
APPLICANTS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other")
REQUEST_ROWS = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "三、本年度办理结果（一）予以公开",
    "partially_granted": "（二）部分公开",
    "denied_state_secret": "（三）不予公开 1.属于国家秘密",
    "denied_prohibited_by_law": "2.其他法律行政法规禁止公开",
    "denied_security_stability": "3.危及“三安全一稳定”",
    "denied_third_party_rights": "4.保护第三方合法权益",
    "denied_internal_affairs": "5.属于三类内部事务信息",
    "denied_process_information": "6.属于四类过程性信息",
    "denied_enforcement_records": "7.属于行政执法案卷",
    "denied_administrative_query": "8.属于行政查询事项",
    "unavailable_not_held": "（四）无法提供 1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "2.没有现成信息需要另行制作",
    "unavailable_unclear": "3.补正后申请内容仍不明确",
    "not_processed_petition": "（五）不予处理 1.信访举报投诉类申请",
    "not_processed_repeated": "2.重复申请",
    "not_processed_publication": "3.要求提供公开出版物",
    "not_processed_excessive": "4.无正当理由大量反复申请",
    "not_processed_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_handling": "（六）其他处理",
    "other_no_correction": "（六）其他处理 1.申请人无正当理由逾期不补正",
    "other_no_fee": "2.申请人逾期未按收费通知要求缴纳费用",
    "other_other": "3.其他",
    "outcome_total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
OUTCOME_ROWS = tuple(k for k in REQUEST_ROWS if k not in
                     ("new_received", "carried_over", "outcome_total", "carried_forward"))
APPEAL_GROUPS = {"review": "行政复议", "litigation_direct": "行政诉讼（未经复议直接起诉）",
                 "litigation_after_review": "行政诉讼（复议后起诉）"}
APPEAL_FIELDS = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果",
                 "pending": "尚未审结", "total": "总计"}
CHECK_LABELS = {
    "sections_present": "六部分与三张表齐全", "balance": "勾稽关系（收到 = 办理 + 结转）",
    "outcome_sum": "办理结果合计", "row_total": "各行总计", "group_total": "复议诉讼合计",
    "narrative": "正文数字与表格一致", "fee_explained": "信息处理费说明", "carry_chain": "跨年度结转衔接",
}


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
        out["legacy"] = legacy
    return out
