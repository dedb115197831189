"""Parser rules on variants built from the seeds: cells, labels, shifted rows, headings, formats, checks."""
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gikportal.document import Document, Table
from gikportal.extract.text import read_text_document
from gikportal.parse import carry_chain, parse_document
from gikportal.parse.cells import ZERO, value

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "samples").glob("*.txt"))
RULES = ["sections_present", "balance", "outcome_sum", "row_total", "group_total", "narrative", "fee_explained"]
KEYS = {"title", "agency", "agency_key", "year", "published", "region", "format", "preface", "sections", "stats", "checks", "warnings"}


def seed_text(prefix):
    return next(p for p in SEEDS if p.name.startswith(prefix)).read_text(encoding="utf-8")


def parse_text(text):
    return parse_document(read_text_document(text.encode("utf-8")))


def check(record, rule):
    return next(c for c in record["checks"] if c["rule"] == rule)


def replace_row(text, label, cells):
    """Replace the tab-separated row whose first label cell is `label` (seed 001/002 layout)."""
    lines = text.split("\n")
    hits = [i for i, line in enumerate(lines) if label in line and "\t" in line]
    assert len(hits) == 1, label
    lines[hits[0]] = "\t".join(cells)
    return "\n".join(lines)


# ---------------------------------------------------------------- cells

@pytest.mark.parametrize("cell,expected", [
    ("0", 0), ("6 ", 6), ("6\xa0", 6), ("１２", 12), ("96.0914", 96.0914), ("О", 0), ("о", 0),
    ("1О", 10), ("l0", 10), ("2o", 20), ("1,234", 1234), ("", ""), ("/", ZERO), ("-", ZERO),
    ("—", ZERO), ("无", ZERO), ("－", ZERO), ("1.属于国家秘密", None), ("规章", None), ("l", None),
    ("96.09万元", 96.09), ("3 346", 3346), ("万元", None), ("增加2", 2), ("减少3", -3), ("持平", ZERO),
])
def test_cell_values(cell, expected):
    got = value(cell)
    assert got == expected and type(got) is type(expected)


def test_zero_marks_and_ocr_digits_in_a_row():
    text = replace_row(seed_text("001"), "规章\t", ["规章", "/", "—", "无"])
    text = replace_row(text, "行政规范性文件", ["行政规范性文件", "７", "3", "1О8"])
    active = parse_text(text)["stats"]["active"]
    assert active["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert active["normative_documents"] == {"issued": 7, "repealed": 3, "in_force": 108}


# ---------------------------------------------------------------- rows

def test_spaces_in_labels_and_short_label_variants():
    text = seed_text("001").replace("行政规范性文件\t7", "规 范 性 文 件\t7").replace("行政处罚\t210", "行 政 处 罚\t210")
    active = parse_text(text)["stats"]["active"]
    assert active["normative_documents"]["in_force"] == 108 and active["penalty"]["decisions"] == 210


def test_ocr_damaged_table2_labels():
    text = seed_text("001").replace("行政许可\t6795", "行政许吋\t6795").replace("行政处罚\t210", "行攻处罚\t210")
    active = parse_text(text)["stats"]["active"]
    assert active["licensing"] == {"decisions": 6795} and active["penalty"] == {"decisions": 210}


def test_missing_first_cell_recovered_from_row_total():
    text = replace_row(seed_text("001"), "一、本年新收", ["一、本年新收政府信息公开申请数量", "", "", "1", "0", "0", "0", "0", "11", ""])
    rec = parse_text(text)
    assert rec["stats"]["requests"]["new_received"]["natural_person"] == 10
    assert "row new_received: first cell missing, shifted" in rec["warnings"]


def test_cells_that_no_equation_pins_are_kept_unknown():
    text = replace_row(seed_text("001"), "一、本年新收", ["一、本年新收政府信息公开申请数量", "", "", "0", "0", "0", "0", "11"])
    text = "\n".join(line for line in text.split("\n") if not line.startswith("(七) 总计"))
    rec = parse_text(text)  # without the outcome total row only the row's own total is left: 2 unknowns
    row = rec["stats"]["requests"]["new_received"]
    assert row["natural_person"] is None and row["commercial"] is None and row["total"] == 11
    assert "row new_received: 2 cells missing" in rec["warnings"]
    assert "row outcome_total: not found" in rec["warnings"]
    assert check(rec, "balance")["ok"] is None and check(rec, "row_total")["ok"] is True


def test_missing_cells_recovered_from_column_totals():
    # three cells lost in the new_received row: the column balance pins each of them
    text = replace_row(seed_text("001"), "一、本年新收", ["一、本年新收政府信息公开申请数量", "", "", "0", "0", "0", "11"])
    rec = parse_text(text)
    assert rec["stats"]["requests"]["new_received"] == parse_text(seed_text("001"))["stats"]["requests"]["new_received"]
    assert "row new_received: natural_person recovered from the totals" in rec["warnings"]
    assert [c["ok"] for c in rec["checks"][1:5]] == [True, True, True, True]


def test_garbled_label_placed_between_its_neighbours():
    text = replace_row(seed_text("001"), "2. 重复申请", ["", "", "2. 亘夏屮谙", "3", "0", "0", "0", "0", "0", "3"])
    rec = parse_text(text)
    assert rec["stats"]["requests"]["not_processed_repeated"]["total"] == 3
    assert "row not_processed_repeated: label unreadable, placed by row order" in rec["warnings"]
    assert check(rec, "outcome_sum")["ok"] is False


def test_lost_row_is_reported():
    lines = [line for line in seed_text("001").split("\n") if "3. 要求提供公开出版物" not in line]
    rec = parse_text("\n".join(lines))
    assert "not_processed_publication" not in rec["stats"]["requests"]
    assert "row not_processed_publication: not found" in rec["warnings"]
    assert check(rec, "outcome_sum")["ok"] is None


def test_ocr_garbled_label_found_by_fragment():
    text = seed_text("001").replace("2. 申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "12 用语人逾期未按收费通知要求缴")
    assert parse_text(text)["stats"]["requests"] == parse_text(seed_text("001"))["stats"]["requests"]


def test_table4_row_with_a_label_cell_and_split_groups():
    text = REPORT_2020.replace("2\t1\t0\t0\t3\t1\t0\t0\t1\t2\t0\t0\t0\t0\t0",
                               "案件数量\t2\t1\t0\t0\t3\n\t1\t0\t0\t1\t2\t0\t0\t0\t0\t0")
    appeals = parse_text(text)["stats"]["appeals"]
    assert appeals == parse_text(REPORT_2020)["stats"]["appeals"]
    assert appeals["litigation_direct"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2}


# ---------------------------------------------------------------- headings

def test_heading_variants():
    text = seed_text("002")
    text = text.replace("一、总体情况", "一. 总 体 情 况").replace("三、收到和处理政府信息公开申请情况", "三、收到和处理政府信息\n公开申请情况")
    text = text.replace("五、存在的主要问题及改进情况", "五 存在的主要问题及改进情况")
    rec = parse_text(text)
    assert [(s["n"], s["heading"]) for s in rec["sections"]][:5] == [
        (1, "一.总体情况"), (2, "二、主动公开政府信息情况"), (3, "三、收到和处理政府信息公开申请情况"),
        (4, "四、政府信息公开行政复议、行政诉讼情况"), (5, "五存在的主要问题及改进情况")]
    assert rec["stats"] == parse_text(seed_text("002"))["stats"]


def test_year_without_title_or_period_is_not_the_publication_year():
    text = REPORT_2020.replace("2020年政府信息公开工作年度报告", "政府信息公开工作年度报告")
    text = text.replace("一、总体情况\n", "一、总体情况\n2021年1月，本机关编制本报告。2020年是重要的一年。\n")
    rec = parse_text(text)
    assert rec["published"] == "2021-01-30" and rec["year"] == 2020


def test_ocr_damaged_heading_and_numbered_sub_heading():
    text = seed_text("002").replace("一、总体情况", "一、总休情況")
    text = text.replace("（二）依申请公开：", "2、主动公开情况")
    rec = parse_text(text)
    assert [(s["n"], s["heading"]) for s in rec["sections"]][:2] == [(1, "一、总休情況"), (2, "二、主动公开政府信息情况")]
    assert "2、主动公开情况" in rec["sections"][0]["text"]
    assert rec["stats"] == parse_text(seed_text("002"))["stats"]


def test_signature_with_the_agency_over_two_lines():
    text = seed_text("001").rstrip() + "\n\n焦作市城乡一体化\n示范区管委会\n二〇二五年一月二十日\n"
    rec = parse_text(text)
    assert rec["published"] == "2025-01-20" and rec["sections"][-1]["text"] == "无"


def test_iso_date_in_the_signature():
    rec = parse_text(seed_text("001").rstrip() + "\n\n焦作市城乡一体化示范区管委会\n2025-01-20\n")
    assert rec["published"] == "2025-01-20" and rec["sections"][-1]["text"] == "无"


def test_signature_block_is_not_section_text():
    rec = parse_text(seed_text("001").rstrip() + "\n\n焦作市城乡一体化示范区管委会\n2025年1月20日\n")
    assert rec["published"] == "2025-01-20"
    assert rec["sections"][-1]["text"] == "无"


def test_table_of_contents_is_not_taken_for_the_sections():
    toc = "\n".join(["目录", "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                      "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"])
    text = seed_text("002").replace("\n一、总体情况\n", "\n" + toc + "\n\n一、总体情况\n", 1)
    rec, ref = parse_text(text), parse_text(seed_text("002"))
    assert rec["sections"] == ref["sections"] and rec["stats"] == ref["stats"]


def test_missing_section_is_absent_and_reported():
    text = seed_text("002")
    start = text.index("五、存在的主要问题及改进情况")
    end = text.index("六、其他需要报告的事项")
    rec = parse_text(text[:start] + text[end:])
    assert [s["n"] for s in rec["sections"]] == [1, 2, 3, 4, 6]
    sp = check(rec, "sections_present")
    assert sp["ok"] is False and "第5部分" in sp["detail"]


# ---------------------------------------------------------------- 2019-2020 format

REPORT_2020 = """北京市朝阳区人民政府
2020年政府信息公开工作年度报告

一、总体情况
2020年，区政府共收到政府信息公开申请 25 件。
二、主动公开政府信息情况
第二十条第（一）项\t\t\t
信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量
规章\t0\t0\t0
规范性文件\t3\t3\t45
第二十条第（五）项\t\t\t
信息内容\t上一年项目数量\t本年增/减\t处理决定数量
行政许可\t120\t-2\t3456
其他对外管理服务事项\t10\t+1\t77
第二十条第（六）项\t\t\t
信息内容\t上一年项目数量\t本年增/减\t处理决定数量
行政处罚\t50\t0\t1234
行政强制\t5\t—\t12
第二十条第（八）项\t\t\t
信息内容\t上一年项目数量\t本年增/减\t
行政事业性收费\t3\t/\t
第二十条第（九）项\t\t\t
信息内容\t采购项目数量\t采购总金额\t
政府集中采购\t8\t12.5\t
三、收到和处理政府信息公开申请情况
\t\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计
一、本年新收政府信息公开申请数量\t\t20\t3\t0\t0\t2\t0\t25
二、上年结转政府信息公开申请数量\t\t1\t0\t0\t0\t0\t0\t1
三、本年度办理结果\t(一) 予以公开\t10\t1\t0\t0\t1\t0\t12
\t(二) 部分公开\t2\t0\t0\t0\t0\t0\t2
\t(三) 不予公开\t1. 属于国家秘密\t0\t0\t0\t0\t0\t0\t0
\t\t2. 其他法律行政法规禁止公开\t0\t0\t0\t0\t0\t0\t0
\t\t3. 危及“三安全一稳定”\t0\t0\t0\t0\t0\t0\t0
\t\t4. 保护第三方合法权益\t1\t0\t0\t0\t0\t0\t1
\t\t5. 属于三类内部事务信息\t0\t0\t0\t0\t0\t0\t0
\t\t6. 属于四类过程性信息\t0\t0\t0\t0\t0\t0\t0
\t\t7. 属于行政执法案卷\t0\t0\t0\t0\t0\t0\t0
\t\t8. 属于行政查询事项\t0\t0\t0\t0\t0\t0\t0
\t(四) 无法提供\t1. 本机关不掌握相关政府信息\t5\t1\t0\t0\t1\t0\t7
\t\t2. 没有现成信息需要另行制作\t0\t0\t0\t0\t0\t0\t0
\t\t3. 补正后申请内容仍不明确\t0\t0\t0\t0\t0\t0\t0
\t(五) 不予处理\t1. 信访举报投诉类申请\t1\t0\t0\t0\t0\t0\t1
\t\t2. 重复申请\t0\t0\t0\t0\t0\t0\t0
\t\t3. 要求提供公开出版物\t0\t0\t0\t0\t0\t0\t0
\t\t4. 无正当理由大量反复申请\t0\t0\t0\t0\t0\t0\t0
\t\t5. 要求行政机关确认或重新出具已获取信息\t0\t0\t0\t0\t0\t0\t0
\t(六) 其他处理\t\t1\t0\t0\t0\t0\t0\t1
\t(七) 总计\t\t20\t2\t0\t0\t2\t0\t24
四、结转下年度继续办理\t\t1\t1\t0\t0\t0\t0\t2
四、政府信息公开行政复议、行政诉讼情况
行政复议\t\t\t\t\t行政诉讼
2\t1\t0\t0\t3\t1\t0\t0\t1\t2\t0\t0\t0\t0\t0
五、存在的主要问题及改进情况
一是公开内容不够全面。
六、其他需要报告的事项
本年度收取信息处理费 120 元。
北京市朝阳区人民政府
二〇二一年一月三十日
"""


def test_report_on_2020_old_table_variants():
    rec = parse_text(REPORT_2020)
    assert rec["title"] == "北京市朝阳区人民政府2020年政府信息公开工作年度报告"
    assert rec["agency"] == "北京市朝阳区人民政府" and rec["year"] == 2020
    assert rec["published"] == "2021-01-30"
    assert rec["region"] == {"province": "北京市", "city": "北京市", "county": "朝阳区"}
    active = rec["stats"]["active"]
    assert list(active) == ["regulations", "normative_documents", "licensing", "other_services", "penalty",
                            "coercion", "fees", "procurement"]
    assert active["normative_documents"] == {"made": 3, "published": 3, "public_total": 45}
    assert active["licensing"] == {"items_last_year": 120, "change": -2, "decisions": 3456}
    assert active["other_services"] == {"items_last_year": 10, "change": 1, "decisions": 77}
    assert active["coercion"] == {"items_last_year": 5, "change": 0, "decisions": 12}
    assert active["fees"] == {"items_last_year": 3, "change": 0}
    assert active["procurement"] == {"items": 8, "amount_10k_yuan": 12.5}
    requests = rec["stats"]["requests"]
    assert "other_handling" in requests and "other_no_fee" not in requests
    assert list(requests).index("other_handling") == list(requests).index("not_processed_confirmation") + 1
    assert requests["other_handling"]["total"] == 1
    assert rec["stats"]["appeals"]["review"] == {"upheld": 2, "corrected": 1, "other": 0, "pending": 0, "total": 3}
    assert rec["stats"]["appeals"]["litigation_direct"]["total"] == 2
    assert [c["rule"] for c in rec["checks"]] == RULES
    assert {c["rule"]: c["ok"] for c in rec["checks"]} == {
        "sections_present": True, "balance": True, "outcome_sum": True, "row_total": True,
        "group_total": True, "narrative": True, "fee_explained": True}
    assert "120" in check(rec, "fee_explained")["detail"]


def test_title_over_three_lines_keeps_printed_brackets():
    text = seed_text("004").replace("邢台高新区党政综合办公室\n", "邢台高新区\n（邢东新区）党政综合办公室\n", 1)
    rec = parse_text(text)
    assert rec["title"] == "邢台高新区（邢东新区）党政综合办公室政府信息公开工作年度报告"
    assert rec["agency"] == "邢台高新区（邢东新区）党政综合办公室"


def test_title_after_page_furniture():
    text = "首页 > 政务公开 > 年度报告\n索引号：000014349/2025-00012\n" + seed_text("002")
    rec = parse_text(text)
    assert rec["title"] == "焦作市卫生健康委员会2024年政府信息公开工作年度报告"
    assert rec["agency"] == "焦作市卫生健康委员会"


def test_county_named_alone_is_placed_by_the_text():
    text = REPORT_2020.replace("北京市朝阳区人民政府\n2020年", "朝阳区人民政府\n2020年")
    text = text.replace("2020年，区政府共收到", "2020年，北京市朝阳区政府共收到")
    rec = parse_text(text)
    assert rec["agency"] == "朝阳区人民政府"
    assert rec["region"] == {"province": "北京市", "city": "北京市", "county": "朝阳区"}


def test_failed_checks_name_the_numbers():
    text = REPORT_2020.replace("四、结转下年度继续办理\t\t1\t1", "四、结转下年度继续办理\t\t4\t1")
    text = text.replace("2\t1\t0\t0\t3\t1", "2\t1\t0\t0\t5\t1").replace("信息处理费 120 元", "信息处理费")
    rec = parse_text(text)
    balance = check(rec, "balance")
    assert balance["ok"] is False and "自然人" in balance["detail"] and "21" in balance["detail"] and "24" in balance["detail"]
    assert check(rec, "row_total")["ok"] is False
    group = check(rec, "group_total")
    assert group["ok"] is False and "行政复议" in group["detail"] and "5" in group["detail"]
    assert check(rec, "fee_explained")["ok"] is False


# ---------------------------------------------------------------- legacy

LEGACY = """某某县人民政府2012年政府信息公开工作年度报告

本报告根据《中华人民共和国政府信息公开条例》要求编制。
一、概述
2012年，我县认真贯彻落实《条例》。
二、主动公开政府信息情况
全年主动公开政府信息 1520 条，其中政府文件 34 件。
三、依申请公开政府信息情况
2012年共收到政府信息公开申请 12 件，均已按时答复。
四、政府信息公开的收费及减免情况
未收取任何费用。
五、因政府信息公开申请行政复议、提起行政诉讼的情况
全年发生政府信息公开行政复议 1 件，未发生行政诉讼。
六、存在的主要问题及改进措施
一是公开内容不够全面。
七、其他需要报告的事项
无。
"""


def test_legacy_report():
    rec = parse_text(LEGACY)
    assert rec["format"] == "legacy" and rec["year"] == 2012 and rec["agency"] == "某某县人民政府"
    assert [s["n"] for s in rec["sections"]] == list(range(1, 8))
    assert rec["sections"][4]["heading"] == "五、因政府信息公开申请行政复议、提起行政诉讼的情况"
    assert rec["sections"][1]["text"] == "全年主动公开政府信息 1520 条，其中政府文件 34 件。"
    assert rec["stats"] == {"legacy": {"published_items": 1520, "requests_received": 12, "reviews": 1, "lawsuits": 0}}
    assert rec["region"] == {"province": None, "city": None, "county": None}
    assert [c["rule"] for c in rec["checks"]] == RULES
    assert all(c["ok"] is None for c in rec["checks"])


@pytest.mark.parametrize("sentence,expected", [
    ("共收到公民、法人和其他组织的政府信息公开申请 7 件。", {"requests_received": 7}),
    ("未收到政府信息公开申请。", {"requests_received": 0}),
    ("没有发生因政府信息公开申请行政复议、提起行政诉讼的情况。", {"reviews": 0, "lawsuits": 0}),
    ("因政府信息公开申请引起行政复议2件，行政诉讼1件。", {"reviews": 2, "lawsuits": 1}),
])
def test_legacy_prose_figures(sentence, expected):
    rec = parse_text(LEGACY.replace("2012年共收到政府信息公开申请 12 件，均已按时答复。", sentence)
                     .replace("全年发生政府信息公开行政复议 1 件，未发生行政诉讼。", "依法办理。"))
    legacy = rec["stats"]["legacy"]
    assert {k: legacy.get(k) for k in expected} == expected


def test_legacy_states_only_what_the_prose_says():
    rec = parse_text(LEGACY.replace("2012年共收到政府信息公开申请 12 件，均已按时答复。", "依申请公开工作有序开展。"))
    assert "requests_received" not in rec["stats"]["legacy"]


# ---------------------------------------------------------------- carry_chain

def _record(year, carried_over=None, carried_forward=None):
    requests = {}
    cols = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other", "total"]
    if carried_over:
        requests["carried_over"] = dict(zip(cols, carried_over))
    if carried_forward:
        requests["carried_forward"] = dict(zip(cols, carried_forward))
    return {"year": year, "stats": {"requests": requests} if requests else {}}


def test_carry_chain():
    prev = _record(2023, carried_forward=[1, 1, 0, 0, 0, 0, 2])
    same = carry_chain(prev, _record(2024, carried_over=[1, 1, 0, 0, 0, 0, 2]))
    assert same["rule"] == "carry_chain" and same["ok"] is True
    broken = carry_chain(prev, _record(2024, carried_over=[3, 1, 0, 0, 0, 0, 4]))
    assert broken["ok"] is False and "2023" in broken["detail"] and "3" in broken["detail"]
    assert carry_chain(_record(2023), _record(2024, carried_over=[0] * 7))["ok"] is None
    assert carry_chain({"year": 2011, "stats": {"legacy": {}}}, prev)["ok"] is None


def test_carry_chain_between_seed_records():
    rec = parse_text(seed_text("001"))
    assert carry_chain(rec, rec)["ok"] is True


# ---------------------------------------------------------------- robustness

cell = st.one_of(st.sampled_from(["0", "1", "12", "/", "无", "О", "", "规章", "行政许可", "总计", "3.其他",
                                  "一、本年新收政府信息公开申请数量", "（七）总计", "行政复议"]), st.text(max_size=6))
line = st.one_of(st.sampled_from(["一、总体情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
                                  "2024年政府信息公开工作年度报告", "2025年1月6日", "共收到申请3件。"]), st.text(max_size=20))
block = st.one_of(line, st.builds(lambda rows: Table(rows=rows), st.lists(st.lists(cell, max_size=16), max_size=6)))


@settings(max_examples=150, deadline=None)
@given(st.lists(block, max_size=25))
def test_parser_never_crashes_and_keeps_the_record_shape(blocks):
    rec = parse_document(Document(blocks=blocks))
    assert set(rec) == KEYS
    assert [c["rule"] for c in rec["checks"]] == RULES
    assert rec["format"] in ("2019", "legacy")
    assert all(re.fullmatch(r"s\d+", s["anchor"]) for s in rec["sections"])


def test_fully_expanded_grid_like_html_rowspans():
    """Table 3 as an HTML/PDF grid with every merged label cell repeated on each of its rows."""
    doc = read_text_document(seed_text("001").encode("utf-8"))
    grid = next(b for b in doc.blocks if isinstance(b, Table) and any("本年新收" in c for r in b.rows for c in r))
    top = group = ""
    expanded = []
    for row in grid.rows:
        texts = [c for c in row if c and not re.fullmatch(r"\d+", c)]
        numbers = [c for c in row if re.fullmatch(r"\d+", c)]
        if not numbers:
            continue
        first = texts[0]
        if first.startswith(("一、", "二、", "四、")):
            top, group, item = first, first, first
        elif first.startswith("三、"):
            top, group, item = first, texts[1], texts[1]
        elif first.startswith("(") and len(texts) == 2:
            group, item = texts
        elif first.startswith("("):
            group = item = first
        else:
            item = first
        expanded.append([top, group, item] + numbers)
    grid.rows = [["申请人情况"] * 10] + expanded
    got = parse_document(doc)
    assert got["stats"]["requests"] == parse_text(seed_text("001"))["stats"]["requests"]
    assert got["warnings"] == []


def test_a_section_heading_whose_number_ocr_misread_is_found_by_its_wording():
    """OCR reads 一、 as 二 or as DR and drops the 、: the next section's exact wording decides."""
    from gikportal.parse import sections

    lines = ["某县人民政府2023年政府信息公开工作年度报告", "DR总体情况", "全年主动公开信息。",
             "三主动公开政府信息情况", "正文。"]
    assert [n for _, n, _ in sections.find_2019(lines)] == [1, 2]
    # a sentence that merely ends with the wording, or a wording out of turn, is no heading
    assert sections.find_2019(["标题", "我们总体情况", "正文。"]) == []
    assert [n for _, n, _ in sections.find_2019(["一、总体情况", "正文。", "DR总体情况"])] == [1]
