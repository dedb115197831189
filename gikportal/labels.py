"""The one label catalogue: what every key of a record is called, in Chinese, everywhere.

The parser's check details, the generator's printed tables, the facet sidebar, the report page,
the exports and the data dictionary all read their words here, so a rule or a row is named the
same on every page. Keys are those of report-format.md; dict order is the order of display.
Imports nothing: any layer may use it.
"""

# --- the record's own fields (exports, the data dictionary) -------------------------------------

FIELDS = {"id": "编号", "title": "标题", "agency": "发布机关", "year": "年度", "published": "发布日期",
          "province": "省份", "city": "城市", "county": "区县", "format": "格式"}

# --- table 3: applicants (columns) and rows -----------------------------------------------------

REQUEST_COLUMNS = {
    "natural_person": "自然人", "commercial": "商业企业", "research": "科研机构",
    "social_welfare": "社会公益组织", "legal_services": "法律服务机构", "other": "其他", "total": "总计",
}
APPLICANTS = tuple(REQUEST_COLUMNS)[:6]

# the rows as the national format prints them: (group label, item label), the group label printed
# on the group's first row only; the generator prints these, the parser's patterns match them
REQUEST_TOP_ROWS = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "results": "三、本年度办理结果",
    "outcome_total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
REQUEST_OUTCOME_ROWS = {
    "granted": ("（一）", "予以公开"),
    "partially_granted": ("（二）", "部分公开（区分处理的，只计这一情形，不计其他情形）"),
    "denied_state_secret": ("（三）不予公开", "1.属于国家秘密"),
    "denied_prohibited_by_law": (None, "2.其他法律行政法规禁止公开"),
    "denied_security_stability": (None, "3.危及“三安全一稳定”"),
    "denied_third_party_rights": (None, "4.保护第三方合法权益"),
    "denied_internal_affairs": (None, "5.属于三类内部事务信息"),
    "denied_process_information": (None, "6.属于四类过程性信息"),
    "denied_enforcement_records": (None, "7.属于行政执法案卷"),
    "denied_administrative_query": (None, "8.属于行政查询事项"),
    "unavailable_not_held": ("（四）无法提供", "1.本机关不掌握相关政府信息"),
    "unavailable_needs_creation": (None, "2.没有现成信息需要另行制作"),
    "unavailable_unclear": (None, "3.补正后申请内容仍不明确"),
    "not_processed_petition": ("（五）不予处理", "1.信访举报投诉类申请"),
    "not_processed_repeated": (None, "2.重复申请"),
    "not_processed_publication": (None, "3.要求提供公开出版物"),
    "not_processed_excessive": (None, "4.无正当理由大量反复申请"),
    "not_processed_confirmation": (None, "5.要求行政机关确认或重新出具已获取信息"),
    "other_no_correction": ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_no_fee": (None, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_other": (None, "3.其他"),
}

# the rows as the report page shows them (the printed form, shortened where it runs long)
REQUEST_ROWS = {
    "new_received": REQUEST_TOP_ROWS["new_received"],
    "carried_over": REQUEST_TOP_ROWS["carried_over"],
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
    "outcome_total": REQUEST_TOP_ROWS["outcome_total"],
    "carried_forward": REQUEST_TOP_ROWS["carried_forward"],
}
OUTCOME_ROWS = tuple(k for k in REQUEST_ROWS
                     if k not in ("new_received", "carried_over", "outcome_total", "carried_forward"))
# the rows as a sentence names them (check details: "本年新收行：…")
REQUEST_ROWS_SHORT = {"new_received": "本年新收", "carried_over": "上年结转", "outcome_total": "办理结果总计",
                      "carried_forward": "结转下年度"}

# --- table 2 ------------------------------------------------------------------------------------

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

# --- table 4 ------------------------------------------------------------------------------------

APPEAL_GROUPS = {"review": "行政复议", "litigation_direct": "行政诉讼（未经复议直接起诉）",
                 "litigation_after_review": "行政诉讼（复议后起诉）"}
APPEAL_GROUPS_SHORT = {"review": "行政复议", "litigation_direct": "未经复议直接起诉",
                       "litigation_after_review": "复议后起诉"}
APPEAL_FIELDS = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果",
                 "pending": "尚未审结", "total": "总计"}

# --- headline figures (figures.py derives them): name -> label; the order of display ---------------

FIGURES = {
    "requests_new": "本年新收申请",
    "requests_carried_over": "上年结转申请",
    "granted": "予以公开",
    "partially_granted": "部分公开",
    "denied": "不予公开",
    "unavailable": "无法提供",
    "not_processed": "不予处理",
    "other_handled": "其他处理",
    "carried_forward": "结转下年度",
    "reviews": "行政复议",
    "reviews_corrected": "复议纠正",
    "lawsuits": "行政诉讼",
    "lawsuits_corrected": "诉讼纠正",
    "fees_10k_yuan": "行政事业性收费（万元）",
    "licensing": "行政许可",
    "penalty": "行政处罚",
    "normative_in_force": "现行有效规范性文件",
}

# --- legacy reports (before 2019): the figures the parser finds in their prose ------------------

LEGACY_FIGURES = {"published_items": "主动公开信息条数", "requests_received": "收到依申请公开",
                  "reviews": "行政复议", "lawsuits": "行政诉讼"}

# --- sections -----------------------------------------------------------------------------------

PREFACE = "前言"  # section 0: the report's words between its title and part 1
SECTIONS_SHORT = {0: PREFACE, 1: "总体情况", 2: "主动公开", 3: "收到和处理申请", 4: "复议诉讼", 5: "问题及改进", 6: "其他事项"}

# --- cross-checks (report-format.md); the order is the order of display and of the index columns -

CHECKS = {
    "sections_present": "六部分与三张表齐全",
    "balance": "勾稽关系（收到 = 办理 + 结转）",
    "outcome_sum": "办理结果合计",
    "row_total": "各行总计",
    "group_total": "复议诉讼合计",
    "narrative": "正文数字与表格一致",
    "fee_explained": "信息处理费说明",
    "carry_chain": "跨年度结转衔接",
}
CHECK_RULES = tuple(CHECKS)
# the rules one report is checked against alone; carry_chain needs the agency's previous year
SINGLE_REPORT_CHECKS = CHECK_RULES[:-1]

# --- facets and their values --------------------------------------------------------------------

FORMATS = {"2019": "2019 年新版格式", "legacy": "2019 年以前的旧格式"}
FINDINGS = {"sued": "被提起行政诉讼", "reviewed": "被申请行政复议", "fees": "收取行政事业性收费",
            "failed": "有未通过的校验", "doubtful": "数据存疑"}
FAILED_CHECK_PREFIX = "未通过："
KINDS = {"人民政府": "人民政府", "部门": "部门", "开发区": "开发区", "乡镇街道": "乡镇街道", "未知": "未知"}
NO_VALUE = ("none", "不详")
FACETS = {
    "year": "年度", "province": "省份", "city": "城市", "county": "区县", "agency": "发布机关",
    "kind": "机关类型", "format": "报告格式", "finding": "发现",
}
PARAMETERS = {"q": "检索词", "sort": "排序"}


def dictionary():
    """The data dictionary: every key of a record and of the search, with its label."""
    return {"fields": FIELDS, "figures": FIGURES, "sections": SECTIONS_SHORT,
            "active": {"rows": ACTIVE_ROWS, "fields": ACTIVE_FIELDS},
            "requests": {"columns": REQUEST_COLUMNS, "rows": REQUEST_ROWS},
            "appeals": {"groups": APPEAL_GROUPS, "fields": APPEAL_FIELDS}, "legacy": LEGACY_FIGURES,
            "checks": CHECKS, "formats": FORMATS, "findings": FINDINGS, "kinds": KINDS, "facets": FACETS,
            "scorecard": SCORECARD}


def finding(value):
    """The label of a finding facet value: check:<rule> names the failed rule."""
    if value.startswith("check:"):
        return FAILED_CHECK_PREFIX + CHECKS.get(value[6:], value[6:])
    if value.startswith("scorecard:"):
        return SCORECARD_PREFIX + SCORECARD.get(value[10:], value[10:])
    return FINDINGS.get(value, value)


# --- the scorecard (parse/scorecard.py): criteria, and the finding facet's scorecard:<key> ---------

SCORECARD = {
    "on_time": "按时发布", "complete": "要素齐全", "table_checks": "表内勾稽", "continuity": "与上年衔接",
    "prose_tables": "正文与表格一致", "section5_repeated": "问题及改进不照搬上年", "copied_section5": "第五部分非照抄他机关",
    "fees": "信息处理费说明", "period": "说明统计期限", "contact": "联系方式和下载途径",
}
SCORECARD_PREFIX = "评分未通过："
SCORE_LOW = 60  # the finding score_low: a scorecard total below this
FINDINGS["score_low"] = f"评分低于{SCORE_LOW}分"
