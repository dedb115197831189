"""Sections and tables of reports as they are really published: crawled pages that are one line
with headings run into the text and table cells run together, a Markdown conversion whose
numbering restarts, a PDF page taken for one big table, legacy statistics tables.

The real files are ../shared/real (expected.jsonl read by hand); the synthetic cases are built
here the way a crawler flattens a page.
"""
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gikportal.extract import extract
from gikportal.extract.text import read_text_document
from gikportal.parse import checks, parse_document
from gikportal.parse.flattened import legacy_pair, number_splits, sum_splits
from gikportal.parse.tables import OUTCOME_ROWS

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "real"
EXPECTED = [json.loads(line) for line in (REAL / "expected.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()] if (REAL / "expected.jsonl").exists() else []


def parse_text(text):
    return parse_document(read_text_document(text.encode("utf-8")))


def parse_real(entry):
    path = REAL / entry["file"]
    return parse_document(extract(path.read_bytes(), path.name))


def figure(record, name):
    """The record's value for an expected stats key (the same reading as score.py)."""
    stats = record["stats"]
    legacy = stats.get("legacy") or {}

    def dig(*path):
        d = stats
        for p in path:
            d = d.get(p) if isinstance(d, dict) else None
        return d

    if name == "new_requests_total":
        v = dig("requests", "new_received", "total")
        return legacy.get("requests_received") if v is None else v
    if name == "admin_review_total":
        v = dig("appeals", "review", "total")
        return legacy.get("reviews") if v is None else v
    if name == "litigation_total":
        a, b = dig("appeals", "litigation_direct", "total"), dig("appeals", "litigation_after_review", "total")
        return legacy.get("lawsuits") if a is None and b is None else (a or 0) + (b or 0)
    paths = {
        "carried_over_total": ("requests", "carried_over", "total"),
        "outcome_total": ("requests", "outcome_total", "total"),
        "carried_forward_total": ("requests", "carried_forward", "total"),
        "granted_total": ("requests", "granted", "total"),
        "partially_granted_total": ("requests", "partially_granted", "total"),
        "regulations_in_force": ("active", "regulations", "in_force"),
        "normative_in_force": ("active", "normative_documents", "in_force"),
        "licensing_decisions": ("active", "licensing", "decisions"),
        "penalty_decisions": ("active", "penalty", "decisions"),
        "coercion_decisions": ("active", "coercion", "decisions"),
        "fees_10k_yuan": ("active", "fees", "amount_10k_yuan"),
    }
    return dig(*paths[name]) if name in paths else KeyError


WITH_STATS = [e for e in EXPECTED if e.get("stats")]
WHOLE_2019 = [e for e in EXPECTED if e.get("whole") and str(e.get("format_era", "")).startswith("2019")]


def ids(entries):
    return [e["file"].split("/")[-1][:3] for e in entries]


@pytest.fixture(scope="module")
def real_records():
    if not EXPECTED:
        pytest.fail(f"{REAL} is not there: the real reports are needed for these tests")
    return {e["file"]: parse_real(e) for e in EXPECTED if e.get("stats") or e.get("whole")}


@pytest.mark.parametrize("entry", WITH_STATS, ids=ids(WITH_STATS))
def test_real_report_figures(real_records, entry):
    record = real_records[entry["file"]]
    wrong = []
    for name, want in entry["stats"].items():
        got = figure(record, name)
        if got is KeyError:
            continue
        if not isinstance(got, (int, float)) or abs(got - want) > 1e-6:
            wrong.append(f"{name}: got {got!r}, want {want!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("entry", WHOLE_2019, ids=ids(WHOLE_2019))
def test_real_report_six_sections_with_prose(real_records, entry):
    record = real_records[entry["file"]]
    texts = {s["n"]: s["text"].strip() for s in record["sections"]}
    assert sorted(texts) == [1, 2, 3, 4, 5, 6]
    assert texts[1] and texts[5]
    assert not any(w.startswith("section ") and "not found" in w for w in record["warnings"])


def test_real_legacy_report_without_requests_section_has_no_request_figure(real_records):
    no_section = [e for e in EXPECTED if e.get("whole") and e.get("stats") is not None
                  and "new_requests_total" not in e["stats"] and not str(e.get("format_era", "")).startswith("2019")]
    assert no_section
    for entry in no_section:
        assert "requests_received" not in real_records[entry["file"]]["stats"]["legacy"], entry["file"]


# ---------------------------------------------------------------- a crawled page as one line

ROW_LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "三、本年度办理结果（一）予以公开",
    "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied_state_secret": "（三）不予公开1.属于国家秘密",
    "denied_prohibited_by_law": "2.其他法律行政法规禁止公开",
    "denied_security_stability": "3.危及“三安全一稳定”",
    "denied_third_party_rights": "4.保护第三方合法权益",
    "denied_internal_affairs": "5.属于三类内部事务信息",
    "denied_process_information": "6.属于四类过程性信息",
    "denied_enforcement_records": "7.属于行政执法案卷",
    "denied_administrative_query": "8.属于行政查询事项",
    "unavailable_not_held": "（四）无法提供1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "2.没有现成信息需要另行制作",
    "unavailable_unclear": "3.补正后申请内容仍不明确",
    "not_processed_petition": "（五）不予处理1.信访举报投诉类申请",
    "not_processed_repeated": "2.重复申请",
    "not_processed_publication": "3.要求提供公开出版物",
    "not_processed_excessive": "4.无正当理由大量反复申请",
    "not_processed_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_other": "3.其他",
    "outcome_total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
ZERO_ROW = (0,) * 7
UNIQUE_TABLE = {
    "new_received": (31, 2, 0, 1, 0, 0, 34),
    "carried_over": (3, 0, 0, 0, 0, 0, 3),
    "granted": (12, 1, 0, 0, 0, 0, 13),
    "partially_granted": (4, 0, 0, 0, 0, 0, 4),
    "denied_process_information": (2, 0, 0, 0, 0, 0, 2),
    "unavailable_not_held": (10, 1, 0, 1, 0, 0, 12),
    "not_processed_repeated": (3, 0, 0, 0, 0, 0, 3),
    "other_other": (1, 0, 0, 0, 0, 0, 1),
    "outcome_total": (32, 2, 0, 1, 0, 0, 35),
    "carried_forward": (2, 0, 0, 0, 0, 0, 2),
}
APPEALS = (1, 1, 0, 1, 3, 2, 0, 0, 0, 2, 0, 0, 1, 0, 1)


def digits(values):
    return "".join(str(v) for v in values)


def one_line_page(table, appeals=APPEALS, section1_extra=""):
    """A 2019-format report as a portal crawler stores it: site chrome, then the whole page on
    one line, headings run into the text, every table row's cells run together."""
    rows = "".join(ROW_LABELS[k] + digits(table.get(k, ZERO_ROW)) for k in ROW_LABELS)
    parts = [
        "当前位置： 首页政务公开政府信息公开年报 示例县2023年度政府信息公开工作年度报告 来源：示例县人民政府 ",
        "本报告由示例县人民政府办公室编制。如对本报告有任何疑问，请与示例县人民政府办公室联系。",
        "一、总体情况 2023年，我县持续深化政务公开。（一）主动公开方面。全年主动公开政府信息1200条。",
        "一是加强组织领导；二是完善制度。" + section1_extra,
        "（二）依申请公开方面。全年收到政府信息公开申请34件。",
        "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000"
        "行政规范性文件1523第二十条第（五）项信息内容本年处理决定数量行政许可812"
        "第二十条第（六）项信息内容本年处理决定数量行政处罚96行政强制7"
        "第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费12.5",
        "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
        "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他" + rows,
        "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
        "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
        + digits(appeals),
        "五、存在的主要问题及改进情况一是公开形式不够丰富；二是队伍有待加强。下一步，我们将加强培训。",
        "六、其他需要报告的事项2023年，无收取信息处理费情况。",
    ]
    return "".join(parts) + "\n"


def test_one_line_page_has_six_sections_with_their_prose():
    record = parse_text(one_line_page(UNIQUE_TABLE))
    secs = {s["n"]: s for s in record["sections"]}
    assert sorted(secs) == [1, 2, 3, 4, 5, 6]
    assert secs[1]["heading"] == "一、总体情况"
    assert secs[1]["text"].startswith("2023年，我县持续深化政务公开。（一）主动公开方面")
    assert "一是加强组织领导" in secs[1]["text"] and "（二）依申请公开方面" in secs[1]["text"]
    assert secs[4]["heading"] == "四、政府信息公开行政复议、行政诉讼情况"
    assert secs[5]["text"].startswith("一是公开形式不够丰富") and "下一步" in secs[5]["text"]
    assert secs[6]["text"] == "2023年，无收取信息处理费情况。"
    # table-3 row labels that look like headings (一、本年新收…, 四、结转下年度…) stay in section 3
    assert "一、本年新收政府信息公开申请数量" in secs[3]["text"] and "四、结转下年度继续办理" in secs[3]["text"]
    assert not any(w.startswith("section ") for w in record["warnings"])


def test_enumerations_inside_prose_do_not_start_sections():
    extra = "二是统一、规范公开情况的发布；三、加强督查。（三）主动公开政府信息情况不在此列。"
    record = parse_text(one_line_page(UNIQUE_TABLE, section1_extra=extra))
    secs = {s["n"]: s for s in record["sections"]}
    assert sorted(secs) == [1, 2, 3, 4, 5, 6]
    assert any(extra in line for line in secs[1]["text"].split("\n"))  # not even cut into lines
    assert secs[2]["heading"] == "二、主动公开政府信息情况"


def test_flattened_table3_with_one_split_is_read_and_marked():
    record = parse_text(one_line_page(UNIQUE_TABLE))
    requests = record["stats"]["requests"]
    for k, values in UNIQUE_TABLE.items():
        assert tuple(requests[k].values()) == values, k
    assert len(requests) == 25 and tuple(requests["other_no_fee"].values()) == ZERO_ROW
    assert "table 3: cells run together, split by the table's sums (every row)" in record["warnings"]
    assert {c["rule"]: c["ok"] for c in record["checks"]}["balance"] is True


def test_flattened_table3_with_two_splits_is_left_unread_and_said():
    # 220000325 is 2/20/0/0/0/3/25 or 22/0/0/0/0/3/25, and 220000022 pairs with either: the
    # columns balance both ways, so neither row can be read
    table = {"new_received": (2, 20, 0, 0, 0, 3, 25), "carried_over": (22, 0, 0, 0, 0, 0, 22),
             "granted": (24, 20, 0, 0, 0, 3, 47), "outcome_total": (24, 20, 0, 0, 0, 3, 47)}
    assert len(sum_splits(digits(table["new_received"]), 6)) == 2
    record = parse_text(one_line_page(table))
    requests = record["stats"]["requests"]
    assert "new_received" not in requests and "carried_over" not in requests
    assert tuple(requests["granted"].values()) == table["granted"]
    for k in ("new_received", "carried_over"):
        assert any(w.startswith(f"row {k}: cells run together") and "left unread" in w for w in record["warnings"])
    balance = next(c for c in record["checks"] if c["rule"] == "balance")
    assert balance["ok"] is None and balance["detail"] == "表三缺少本年新收、上年结转行，无法核对勾稽关系。"


def test_flattened_table4_is_split_by_its_group_totals():
    record = parse_text(one_line_page(UNIQUE_TABLE))
    appeals = record["stats"]["appeals"]
    assert appeals["review"] == {"upheld": 1, "corrected": 1, "other": 0, "pending": 1, "total": 3}
    assert appeals["litigation_direct"]["total"] == 2 and appeals["litigation_after_review"]["total"] == 1
    assert any(w.startswith("table 4: cells run together") for w in record["warnings"])


def test_flattened_table2_keeps_only_rows_that_split_one_way():
    record = parse_text(one_line_page(UNIQUE_TABLE))
    active = record["stats"]["active"]
    assert active["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert active["licensing"] == {"decisions": 812} and active["fees"] == {"amount_10k_yuan": 12.5}
    assert "normative_documents" not in active  # 1523: 1/5/23, 15/2/3, 1/52/3 …
    assert any(w.startswith("row normative_documents: cells run together") for w in record["warnings"])


CELL = st.sampled_from([0, 0, 0, 0, 1, 2, 3, 7, 10, 12, 25, 40, 101, 230])


@st.composite
def consistent_tables(draw):
    """A table 3 whose rows, columns and balance all add up, and a table 4 whose groups do."""
    outcomes = {k: [draw(CELL) for _ in range(6)] for k in OUTCOME_ROWS}
    total = [sum(outcomes[k][c] for k in OUTCOME_ROWS) for c in range(6)]
    forward = [draw(st.sampled_from([0, 0, 1, 13])) for _ in range(6)]
    over = [min(draw(st.sampled_from([0, 0, 1, 3])), total[c] + forward[c]) for c in range(6)]
    new = [total[c] + forward[c] - over[c] for c in range(6)]
    rows = dict(outcomes, new_received=new, carried_over=over, outcome_total=total, carried_forward=forward)
    groups = [[draw(st.sampled_from([0, 0, 1, 2, 7, 12])) for _ in range(4)] for _ in range(3)]
    return ({k: tuple(v) + (sum(v),) for k, v in rows.items()},
            tuple(x for g in groups for x in g + [sum(g)]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_tables())
def test_flattened_tables_are_never_read_wrong(tables):
    """Whatever the digits, a row that is read is the printed row; one that cannot be told stays unread."""
    table, appeals = tables
    record = parse_text(one_line_page(table, appeals=appeals))
    requests = record["stats"].get("requests", {})
    for k, values in requests.items():
        assert tuple(values.values()) == table[k], k
    for k in set(table) - set(requests):
        assert any(w.startswith(f"row {k}:") for w in record["warnings"]), k
    if "appeals" in record["stats"]:
        assert tuple(x for g in record["stats"]["appeals"].values() for x in g.values()) == appeals


def test_digit_runs_never_take_leading_zeros_and_respect_spaces():
    assert number_splits("023", 2) == [(0, 23)]
    assert number_splits("1 23", 2) == [(1, 23)]
    assert number_splits("1 23", 3) == [(1, 2, 3)]
    assert sum_splits("23 0 00 0 023", 6) == [(23, 0, 0, 0, 0, 0, 23)]


# ---------------------------------------------------------------- honesty of a partial record

def test_missing_sections_and_tables_are_said_in_warnings():
    text = one_line_page(UNIQUE_TABLE)
    text = text[:text.index("四、政府信息公开行政复议")] + text[text.index("五、存在的主要问题"):]
    record = parse_text(text)
    assert "section 4: not found" in record["warnings"]
    assert "table 4: not found" in record["warnings"]


def test_a_check_on_part_of_table3_says_which_columns():
    requests = parse_text(one_line_page(UNIQUE_TABLE))["stats"]["requests"]
    requests["carried_over"]["legal_services"] = None  # a cell left unread
    detail = checks.balance(requests)["detail"]
    assert detail.endswith("（只核对了7列中的6列：自然人、商业企业、科研机构、社会公益组织、其他、总计；其余列数字不全）")
    requests["new_received"]["natural_person"] = 30
    failed = checks.balance(requests)
    assert failed["ok"] is False and "只核对了7列中的6列" in failed["detail"]


# ---------------------------------------------------------------- legacy figures

LEGACY = ("示例镇人民政府2012年政府信息公开工作年度报告\n"
          "一、概述\n2012年，我镇扎实推进政府信息公开工作。\n"
          "二、主动公开政府信息情况\n全年主动公开政府信息85条。镇便民服务中心共受理申请3210件，办结率100%。\n"
          "{requests}\n"
          "四、因政府信息公开申请行政复议、提起行政诉讼的情况\n全年未发生行政复议和行政诉讼。\n"
          "五、存在的主要问题及改进措施\n宣传力度不够。\n"
          "{table}")


def legacy_record(requests="三、依申请公开政府信息情况\n全年共受理政府信息公开申请5件，均已按时答复。", table=""):
    return parse_text(LEGACY.format(requests=requests, table=table))


def test_legacy_requests_come_from_the_disclosure_sentence_not_other_counts():
    record = legacy_record()
    assert record["format"] == "legacy"
    assert record["stats"]["legacy"]["requests_received"] == 5
    assert record["stats"]["legacy"]["reviews"] == 0 and record["stats"]["legacy"]["lawsuits"] == 0


def test_legacy_other_counts_with_the_same_verb_are_not_requests():
    record = legacy_record(requests="")
    assert "requests_received" not in record["stats"]["legacy"]  # 共受理申请3210件 is 行政审批


def test_legacy_explicit_none_is_zero():
    record = legacy_record(requests="三、依申请公开政府信息情况\n2012年度没有接到群众要求公开政府信息的申请。")
    assert record["stats"]["legacy"]["requests_received"] == 0


def test_legacy_table_run_together_splits_this_year_before_cumulative():
    table = "附表 指标名称计量单位本年度历年累计受理依申请公开信息总数条728其中：1.当面申请数条018行政复议数条00行政诉讼数条00"
    record = legacy_record(requests="", table=table)
    assert record["stats"]["legacy"]["requests_received"] == 7
    assert any(w.startswith("legacy requests_received: table cells run together (728)") for w in record["warnings"])


def test_legacy_table_with_two_splits_is_unread_and_said():
    table = "附表 受理依申请公开信息总数条2121行政复议数条00行政诉讼数条00"
    record = legacy_record(requests="", table=table)
    assert "requests_received" not in record["stats"]["legacy"]  # 2/121 and 21/21 both fit
    assert any(w.startswith("legacy requests_received:") and "2 splits fit" in w for w in record["warnings"])
    assert legacy_pair("2121") == (None, 2) and legacy_pair("21 21") == (21, None)


def test_closing_date_run_into_a_one_line_page_ends_the_last_section_not_its_text():
    page = ("示例县人民政府2012年政府信息公开工作年度报告 本报告由示例县人民政府办公室编制。一、概述 2012年，我县推进公开工作。"
            "二、主动公开政府信息情况 全年主动公开政府信息85条。三、政府信息依申请公开工作情况 2012年全县未收到政府信息公开申请。"
            "四、存在的主要问题及改进情况 宣传力度不够，将加强培训。 二○一三年二月二十日 附件1：示例县政府信息公开情况统计表"
            "受理依申请公开信息总数条00\n")
    record = parse_text(page)
    secs = {s["n"]: s for s in record["sections"]}
    assert sorted(secs) == [1, 2, 3, 4]
    assert secs[4]["text"] == "宣传力度不够，将加强培训。"
    assert record["published"] == "2013-02-20"
    assert record["stats"]["legacy"]["requests_received"] == 0


def test_flattened_table3_is_read_when_its_heading_is_not_recognised():
    page = one_line_page(UNIQUE_TABLE).replace("三、收到和处理政府信息公开申请情况", "三、依申请办理统计")
    record = parse_text(page)
    assert "section 3: not found" in record["warnings"]
    requests = record["stats"]["requests"]
    assert tuple(requests["new_received"].values()) == UNIQUE_TABLE["new_received"]
    assert tuple(requests["outcome_total"].values()) == UNIQUE_TABLE["outcome_total"]
