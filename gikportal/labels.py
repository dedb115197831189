"""The one label catalogue: what every key of a record is called, in Chinese, everywhere.

The parser's check details, the generator's printed tables, the facet sidebar, the report page,
the exports and the data dictionary all read their words here, so a rule or a row is named the
same on every page. Keys are those of report-format.md; dict order is the order of display.
Imports nothing: any layer may use it.
"""

# --- the record's own fields (exports, the data dictionary) -------------------------------------

FIELDS = {"id": "编号", "title": "标题", "agency": "发布机关", "year": "年度", "published": "发布日期",
          "province": "省份", "city": "城市", "county": "区县", "format": "格式"}

# keys a record has beside those above, not exported as columns of their own
AGENCY_KEY = {"agency_key": "机关统一名称（报告所印名称按行政区划规范后的形式：同一机关不同年度的不同写法归为一个）"}

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

# --- rates beside counts (rates.py computes them): name -> (label, numerator, denominator) --------

RATES = {
    "granted_rate": ("予以公开率", "（予以公开 + 部分公开）÷ 办理结果总计", "办理结果总计"),
    "review_corrected_rate": ("复议纠错率", "复议纠正 ÷ 行政复议总计", "行政复议总计"),
}
CHANGE = {"change": "变化", "change_pct": "变化率"}

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
PARAMETERS = {"q": "检索词", "sort": "排序", "view": "显示方式"}
VIEWS = {"cards": "卡片", "table": "表格"}
SORT_DIRECTIONS = {"desc": "多→少", "asc": "少→多"}


# --- the exports' columns (web/exports.py writes them in this order; /data-dictionary explains them)
# key -> (column heading, meaning, unit); the headline figures follow "format" (FIGURE_MEANINGS)

EXPORT_COLUMNS = {
    "id": ("编号", "报告原件 SHA-256 的前 16 位十六进制数字，同一原件永远是同一编号。CSV 中写作 =\"…\"，"
                   "电子表格按文本保存，不会变成科学计数法。", "文本"),
    "title": ("标题", "报告自身的标题（一行）。", "文本"),
    "agency": ("发布机关", "报告上印的发布机关名称。", "文本"),
    "year": ("年度", "报告所述的年度（不是发布年份）。", "年"),
    "published": ("发布日期", "报告落款或网页上的发布日期；未注明则为空。", "YYYY-MM-DD"),
    "province": ("省份", "由机关名称和正文推断的省级行政区。", "文本"),
    "city": ("城市", "地级行政区；省级机关为空。", "文本"),
    "county": ("区县", "县级行政区；县级以上机关为空。", "文本"),
    "format": ("格式", "“2019 年新版格式”（按国务院办公厅 2019 年、2021 年修订的统一格式，含表二至表四）"
                       "或“2019 年以前的旧格式”（数字散见于正文）。", "文本"),
}
EXPORT_TAIL_COLUMNS = {
    "figure_notes": ("总计与各项不符", "报告印制的总计与其各项之和不符的数字：“名称 印制总计/各项之和”；"
                                  "上面的数字按两者中较大者计。", "文本"),
    "failed_checks": ("未通过的校验", "本报告未通过的校验，以“；”分隔；各项校验的含义见“关于”页。", "文本"),
    "doubtful": ("数据存疑", "“是”表示报告缺少必备部分、机关或年度不详，或扫描件未识别，数字不宜直接引用。", "是/空"),
    "source_url": ("来源网址", "收录时记录的报告原始网址；未记录则为空。", "URL"),
    "url": ("链接", "本站该报告页面的固定网址。", "URL"),
}
FIGURE_UNITS = {"fees_10k_yuan": "万元"}
FIGURE_MEANINGS = {
    "requests_new": "表三“一、本年新收政府信息公开申请数量”的总计；旧格式报告取正文中的申请总数。",
    "requests_carried_over": "表三“二、上年结转政府信息公开申请数量”的总计。",
    "granted": "表三办理结果“（一）予以公开”的总计。",
    "partially_granted": "表三办理结果“（二）部分公开”的总计。",
    "denied": "表三“（三）不予公开”8 行总计之和。",
    "unavailable": "表三“（四）无法提供”3 行总计之和。",
    "not_processed": "表三“（五）不予处理”5 行总计之和。",
    "other_handled": "表三“（六）其他处理”各行总计之和。",
    "carried_forward": "表三“四、结转下年度继续办理”的总计。",
    "reviews": "表四行政复议的总计；旧格式报告取正文中的复议数。",
    "reviews_corrected": "表四行政复议“结果纠正”。",
    "lawsuits": "表四行政诉讼（未经复议直接起诉与复议后起诉）的总计之和；旧格式报告取正文中的诉讼数。",
    "lawsuits_corrected": "表四两类行政诉讼“结果纠正”之和。",
    "fees_10k_yuan": "表二“行政事业性收费”的金额。",
    "licensing": "表二“行政许可”本年处理决定数量。",
    "penalty": "表二“行政处罚”本年处理决定数量。",
    "normative_in_force": "表二“行政规范性文件”现行有效件数（2019、2020 年格式为对外公开总数量）。",
}
TOTALS_RULE = ("凡是“总计”类数字，取报告印制的总计；报告印制的总计小于它所合计的各项之和（自相矛盾，"
               "如表四总计印为 0 而各项相加为 5）或没有印总计时，取各项之和，并同时保留两者。")
YES = "是"
CHECK_SOURCES = {
    "sections_present": "《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
                        "（国办公开办函〔2021〕30 号）规定的六个部分与三张表；《条例》第五十条规定年度报告应当包括的内容。",
    "balance": "2021 年格式通知表三的说明：“本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和”。",
    "outcome_sum": "2021 年格式通知表三“三、本年度办理结果”的（七）总计，等于（一）至（六）之和。",
    "row_total": "2021 年格式通知表三的“总计”列，等于自然人与各类法人或其他组织之和。",
    "group_total": "2021 年格式通知表四：行政复议、两类行政诉讼各自的“总计”，等于结果维持、结果纠正、其他结果、尚未审结之和。",
    "narrative": "《条例》第五十条第（二）项：年度报告应当说明收到和处理政府信息公开申请的情况；正文与表三应当一致。",
    "fee_explained": "《政府信息公开信息处理费管理办法》（国办函〔2020〕109 号）与 2021 年格式通知第六部分："
                     "收取信息处理费的，在“其他需要报告的事项”中报告收费情况。",
    "carry_chain": "表三第二项“上年结转”应等于上一年度报告第四项“结转下年度继续办理”（跨年度勾稽）。",
}

CHECK_MEANINGS = {
    "sections_present": "报告有一至六部分和表二、表三、表四，第五部分（存在的主要问题及改进情况）不为空。",
    "balance": "表三每一列：本年新收＋上年结转＝办理结果总计＋结转下年度继续办理。",
    "outcome_sum": "表三每一列：办理结果（七）总计＝（一）至（六）各项之和。",
    "row_total": "表三每一行：总计列＝自然人与五类法人或其他组织之和。",
    "group_total": "表四每一组：总计＝结果维持＋结果纠正＋其他结果＋尚未审结。",
    "narrative": "第一部分正文写明的收到申请数，与表三本年新收申请总计一致。",
    "fee_explained": "报告称收取了信息处理费的，第六部分写明金额（表二的行政事业性收费是另一回事）。",
    "carry_chain": "同一机关相邻两年：上一年“结转下年度继续办理”＝下一年“上年结转”，逐列核对。",
}


def export_dictionary():
    """Every column of /export.csv (and key of /export.json's reports) in order: column heading,
    key, meaning, unit. The /data-dictionary page and its JSON are this list."""
    out = [{"column": label, "key": key, "meaning": meaning, "unit": unit}
           for key, (label, meaning, unit) in EXPORT_COLUMNS.items()]
    out += [{"column": label, "key": f"figures.{key}", "meaning": FIGURE_MEANINGS.get(key, ""),
             "unit": FIGURE_UNITS.get(key, "件")} for key, label in FIGURES.items()]
    out += [{"column": label, "key": key, "meaning": meaning, "unit": unit}
            for key, (label, meaning, unit) in EXPORT_TAIL_COLUMNS.items()]
    return out


def dictionary():
    """The data dictionary: every key of a record and of the search, with its label."""
    return {"fields": FIELDS, "keys": AGENCY_KEY, "figures": FIGURES, "sections": SECTIONS_SHORT,
            "active": {"rows": ACTIVE_ROWS, "fields": ACTIVE_FIELDS},
            "requests": {"columns": REQUEST_COLUMNS, "rows": REQUEST_ROWS},
            "appeals": {"groups": APPEAL_GROUPS, "fields": APPEAL_FIELDS}, "legacy": LEGACY_FIGURES,
            "rates": {k: {"label": v[0], "formula": v[1], "denominator": v[2]} for k, v in RATES.items()},
            "checks": CHECKS, "check_sources": CHECK_SOURCES, "formats": FORMATS, "findings": FINDINGS, "kinds": KINDS, "facets": FACETS,
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
