"""Table 3 of an HTML report as portals save it: label cells merged with rowspan/colspan, blank
<td></td>, <td>&nbsp;</td> and '—' cells, the header rows in <thead> and the figures in <tbody>.
The grid must put every figure under its own applicant column."""
import pytest

from gikportal.document import Table
from gikportal.extract import extract
from gikportal.parse import parse_document
from gikportal.parse.tables import REQUEST_COLUMNS

_DENIED = ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
           "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项"]
_UNAVAILABLE = ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]
_NOT_PROCESSED = ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                  "5.要求行政机关确认或重新出具已获取信息"]
_OTHER = ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
          "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"]
# printed cells of the figure rows: '' is a blank <td></td>, ' ' a <td>&nbsp;</td>
NEW = ["258", "1", "", " ", "—", "", "259"]
GRANTED = ["250", "1", "—", "", " ", "—", "251"]
PARTIAL = ["8", "", "", "", "", "", "8"]
ZERO = ["—", "0", "", "0", " ", "0", "0"]


def _cells(values):
    out = []
    for v in values:
        text = "&nbsp;" if v == " " else v
        out.append(f'<td width="47" style="border:solid windowtext 1.0pt" align="center">'
                   f'<span style="font-size:12px">{text}</span></td>' if v else "<td></td>")
    return "".join(out)


def _table3():
    head = ['<tr><td colspan="3" rowspan="3" width="264"><p>（本列数据的勾稽关系为：第一项加第二项之和，'
            '等于第三项加第四项之和）</p></td><td colspan="7"><p>申请人情况</p></td></tr>',
            '<tr><td rowspan="2"><p>自然人</p></td><td colspan="5"><p>法人或其他组织</p></td>'
            '<td rowspan="2"><p>总计</p></td></tr>',
            "<tr><td>商业<br>企业</td><td>科研<br>机构</td><td>社会公益<br>组织</td><td>法律服务<br>机构</td>"
            "<td>其他</td></tr>"]
    body = [f'<tr><td colspan="3">一、本年新收政府信息公开申请数量</td>{_cells(NEW)}</tr>',
            f'<tr><td colspan="3">二、上年结转政府信息公开申请数量</td>{_cells(ZERO)}</tr>',
            f'<tr><td rowspan="22" style="width:30px">三<br>、<br>本<br>年<br>度<br>办<br>理<br>结<br>果</td>'
            f'<td colspan="2">（一）予以公开</td>{_cells(GRANTED)}</tr>',
            f'<tr><td colspan="2">（二）部分公开（区分处理的，只计这一情形，不计其他情形）</td>{_cells(PARTIAL)}</tr>']
    for group, labels in (("（三）不予公开", _DENIED), ("（四）无法提供", _UNAVAILABLE),
                          ("（五）不予处理", _NOT_PROCESSED), ("（六）其他处理", _OTHER)):
        for i, label in enumerate(labels):
            lead = f'<td rowspan="{len(labels)}">{group}</td>' if i == 0 else ""
            body.append(f"<tr>{lead}<td>{label}</td>{_cells(ZERO)}</tr>")
    body.append(f'<tr><td colspan="2">（七）总计</td>{_cells(["258", "1", "", "", "", "", "259"])}</tr>')
    body.append(f'<tr><td colspan="3">四、结转下年度继续办理</td>{_cells(ZERO)}</tr>')
    return ('<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">'
            "<thead>" + "\n".join(head) + "</thead><tbody>" + "\n".join(body) + "</tbody></table>")


PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>某某市交通运输局2023年政府信息公开工作年度报告_政务公开</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/zwgk">政务公开</a></div>
<div class="article"><h1>某某市交通运输局2023年政府信息公开工作年度报告</h1>
<p>一、总体情况</p><p>2023年，本局共收到政府信息公开申请259件，均在法定期限内答复。</p>
<p>二、主动公开政府信息情况</p><p>本年主动公开政府信息一千余条。</p>
<p>三、收到和处理政府信息公开申请情况</p>
{_table3()}
<p>四、政府信息公开行政复议、行政诉讼情况</p><p>本年未发生行政复议和行政诉讼。</p>
<p>五、存在的主要问题及改进情况</p><p>信息公开的及时性还有待提高，下一步将加强培训。</p>
<p>六、其他需要报告的事项</p><p>本年未收取信息处理费。</p></div>
<div class="footer">版权所有</div></body></html>""".encode("utf-8")


@pytest.fixture(scope="module")
def parsed():
    doc = extract(PAGE, "report.html")
    return doc, parse_document(doc)


def _expected(values):
    return {c: int(v) if v.strip() not in ("", "—") else 0 for c, v in zip(REQUEST_COLUMNS, values)}


def test_grid_is_rectangular_with_figures_under_their_columns(parsed):
    doc, _ = parsed
    grid = next(b.rows for b in doc.blocks if isinstance(b, Table))
    assert len({len(row) for row in grid}) == 1 and len(grid[0]) == 10
    natural = grid[1].index("自然人")
    assert grid[2][natural + 1:natural + 6] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    granted = next(row for row in grid if "（一）予以公开" in row)
    assert granted[0] == "三、本年度办理结果"
    assert granted[natural:] == [v.strip() for v in GRANTED]
    denied = next(row for row in grid if "4.保护第三方合法权益" in row)
    assert denied[:3] == ["", "", "4.保护第三方合法权益"] and denied[natural:] == [v.strip() for v in ZERO]


def test_record_reads_every_column(parsed):
    _, record = parsed
    requests = record["stats"]["requests"]
    assert requests["new_received"] == _expected(NEW)
    assert requests["granted"] == _expected(GRANTED)
    assert requests["partially_granted"] == _expected(PARTIAL)
    assert requests["denied_third_party_rights"] == _expected(ZERO)
    assert requests["outcome_total"]["total"] == 259 and requests["carried_forward"]["total"] == 0
    checks = {c["rule"]: c["ok"] for c in record["checks"]}
    assert checks["balance"] is True and checks["row_total"] is True and checks["outcome_sum"] is True
    assert checks["narrative"] is True


@pytest.mark.parametrize("attr, html_value, expected", [
    ("rowspan", "1.0", 1), ("colspan", "2.0", 2), ("colspan", " 2px", 2), ("rowspan", "", 1), ("colspan", "x", 1)])
def test_span_attributes_read_like_a_browser(attr, html_value, expected):
    other = "colspan" if attr == "rowspan" else "rowspan"
    page = (f"<table><tr><td {attr}='{html_value}' {other}='1'>规章</td><td>一</td></tr>"
            "<tr><td>二</td><td>三</td><td>四</td></tr><tr><td>五</td><td>六</td><td>七</td></tr></table>")
    grid = next(b.rows for b in extract(("<p>报告</p>" + page).encode(), "a.html").blocks if isinstance(b, Table))
    if attr == "rowspan":
        assert [row[0] for row in grid][:expected] == ["规章"] + [""] * (expected - 1)
        assert grid[expected - 1][1] == ("一" if expected == 1 else "二")
    else:
        assert grid[0][:expected + 1] == ["规章"] + [""] * (expected - 1) + ["一"]
    assert len(grid[0]) <= 4


def test_rowspan_stops_at_the_end_of_its_row_group():
    page = ("<p>报告</p><table><thead><tr><td rowspan='3'>信息内容</td><td>本年制发件数</td></tr></thead>"
            "<tbody><tr><td>规章</td><td>0</td></tr></tbody></table>")
    grid = next(b.rows for b in extract(page.encode(), "a.html").blocks if isinstance(b, Table))
    assert grid == [["信息内容", "本年制发件数"], ["规章", "0"]]
