"""PDFs made the way offices make them, and the real WPS export in /work/shared/real.

Seed 001 is written as a DOCX with what office reports have (tools/formats.to_office_docx: a page
border around header and footer, a running header, a footer 第 N 页 共 M 页, a bordered text box,
the prose of section 1 in a ruled one-column layout grid, ruled tables with merged label cells,
table 3's long vertical label typed one character per line) and converted by LibreOffice headless,
once for the module. Whatever frames the page is text, not
a table; the record must be the text version's record.
"""
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pdfplumber
import pytest

from tools.formats import OFFICE_HEADER, OFFICE_TEXT_BOX, office_pdf, to_office_docx
from _web_helpers import ingest, make_app
from gikportal.document import Table
from gikportal.extract import extract
from gikportal.extract.text import read_text_document
from gikportal.parse import parse_document

ROOT = Path(__file__).resolve().parent.parent
SEED = next((ROOT / "samples").glob("001_*.txt"))
REAL_038 = ROOT.parent / "shared" / "real" / "files" / "038_hzq2023_working.pdf"
FOOTER = re.compile(r"第\s*\d+\s*页\s*共\s*\d+\s*页")

pytestmark = pytest.mark.slow


def _squash(text):
    return "".join(text.split())


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    assert shutil.which("soffice"), "LibreOffice (libreoffice-writer-nogui) is needed: tests/run.sh installs it"
    seed = read_text_document(SEED.read_bytes())
    lines = [b for b in seed.blocks if isinstance(b, str)]
    one = next(i for i, line in enumerate(lines) if line.startswith("一、"))
    two = next(i for i, line in enumerate(lines) if line.startswith("二、"))
    six = next(i for i, line in enumerate(lines) if line.startswith("六、"))
    docx = to_office_docx(seed, text_box_after=lines[six + 1], boxed=lines[one + 1:two])
    pdf = office_pdf(docx, tmp_path_factory.mktemp("office"))
    doc = extract(pdf, "report.pdf")
    return {"pdf": pdf, "doc": doc, "record": parse_document(doc), "seed": seed, "expected": parse_document(seed)}


def test_the_pdf_has_what_office_pdfs_have(office):
    """The premises: a page border on every page, the footer on every page, table 3 on two pages."""
    with pdfplumber.open(__import__("io").BytesIO(office["pdf"])) as pdf:
        assert len(pdf.pages) >= 3
        for page in pdf.pages:
            long_rules = [e for e in page.edges if e["orientation"] == "v" and e["height"] > 0.8 * page.height]
            assert len(long_rules) >= 2                          # the page border's left and right sides
            assert FOOTER.search(page.extract_text())
            assert OFFICE_HEADER in page.extract_text()
        cells = [{_squash(c or "") for t in page.find_tables() for row in t.extract() for c in row}
                 for page in pdf.pages]
        first = next(n for n, page_cells in enumerate(cells) if "1.属于国家秘密" in page_cells)
        assert not any("四、结转下年度继续办理" in page_cells for page_cells in cells[:first + 1])
        assert any("四、结转下年度继续办理" in page_cells for page_cells in cells[first + 1:])
    table3 = [b for b in office["doc"].blocks if isinstance(b, Table) and any("国家秘密" in c for r in b.rows for c in r)]
    assert len(table3) == 1 and any("结转下年度" in c for r in table3[0].rows for c in r)   # joined into one grid


def test_six_sections_with_their_prose(office):
    record, expected = office["record"], office["expected"]
    assert [s["n"] for s in record["sections"]] == [1, 2, 3, 4, 5, 6]
    for got, want in zip(record["sections"], expected["sections"]):
        assert got["heading"] == want["heading"]
        if got["n"] == 6:     # the text box is the last paragraph of section 6
            assert _squash(got["text"]) == _squash(want["text"]) + _squash(OFFICE_TEXT_BOX)
        else:                 # paragraph for paragraph: the lines LibreOffice wrapped are joined again
            assert got["text"].replace(" ", "") == want["text"].replace(" ", "")   # (a space at a wrap is gone)
    assert len(record["sections"][0]["text"]) > 500 and len(record["sections"][4]["text"]) > 100


def test_figures_and_checks_of_tables_2_to_4(office):
    record, expected = office["record"], office["expected"]
    assert record["stats"] == expected["stats"]
    assert record["stats"]["requests"]["new_received"]["total"] == 11
    assert record["stats"]["active"]["licensing"]["decisions"] == 6795
    assert record["stats"]["appeals"]["review"]["total"] == 1
    assert record["checks"] == expected["checks"]
    assert record["warnings"] == []          # no row placed by guesswork: the row broken by the page is whole
    for key in ("title", "agency", "year", "format"):
        assert record[key] == expected[key]


def test_no_header_or_footer_text_in_tables_or_sections(office):
    doc, record = office["doc"], office["record"]
    cells = [c for b in doc.blocks if isinstance(b, Table) for row in b.rows for c in row]
    texts = cells + [s["text"] for s in record["sections"]]
    assert not any(FOOTER.search(t) or OFFICE_HEADER in t for t in texts)
    assert not any(FOOTER.search(b) or OFFICE_HEADER in b for b in doc.blocks if isinstance(b, str))


def test_label_typed_one_character_per_line_is_one_label(office):
    cells = [c for b in office["doc"].blocks if isinstance(b, Table) for row in b.rows for c in row]
    assert "三、本年度办理结果" in cells
    assert not [c for c in cells if len(c) == 1 and c in "三、本年度办理结果"]


def test_no_stray_glyphs(office):
    """Every short text line is one the report has (无 in section 6), never a lone glyph of a box."""
    short = {b for b in office["doc"].blocks if isinstance(b, str) and len(_squash(b)) <= 2}
    seed_short = {b for b in office["seed"].blocks if isinstance(b, str) and len(_squash(b)) <= 2}
    assert short <= seed_short
    for section in office["record"]["sections"]:
        for line in section["text"].split("\n"):
            assert not (len(line.strip()) == 1 and unicodedata.category(line.strip())[0] in "PS")


def test_parse_command_prints_the_same_record(office, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(office["pdf"])
    result = subprocess.run([sys.executable, "-m", "gikportal", "parse", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["stats"] == office["expected"]["stats"]
    assert [s["n"] for s in printed["sections"]] == [1, 2, 3, 4, 5, 6]


# --- the real WPS export -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    data = REAL_038.read_bytes()
    doc = extract(data, REAL_038.name)
    return {"data": data, "doc": doc, "record": parse_document(doc)}


def test_real_wps_pdf_has_six_sections_with_prose(real):
    sections = {s["n"]: s["text"] for s in real["record"]["sections"]}
    assert sorted(sections) == [1, 2, 3, 4, 5, 6]
    assert "主动公开政府信息 1136 条" in sections[1] and "依申请公开" in sections[1]
    assert "跟班学习" in _squash(sections[5]) and "队伍建设" in _squash(sections[5])
    assert "信息处理费 0 元" in sections[6]
    checks = {c["rule"]: c for c in real["record"]["checks"]}
    assert checks["sections_present"]["ok"] is True


def test_real_wps_pdf_prose_is_paragraphs_not_printed_lines(real):
    """WPS wrapped the prose at the column's edge, inside words (社会|主义, 完|善) and once over a
    page break (分|级审核): a paragraph is one line again, and a line break is left only where a
    paragraph ends, after its full stop, before the next numbered item."""
    sections = {s["n"]: s["text"] for s in real["record"]["sections"]}
    assert not re.findall(r"[\u4e00-\u9fff]\n[\u4e00-\u9fff]", "\n".join(sections.values()))
    assert "社会主义思想" in sections[1] and "不断完善" in sections[1] and "分级审核" in sections[1]
    assert all(line.endswith("。") for line in sections[1].split("\n")[:-1])
    assert [line[:3] for line in sections[1].split("\n")[1:]] == ["（一）", "（二）", "（三）", "加强区", "（四）", "（五）"]


def test_real_wps_pdf_keeps_no_page_frame_as_a_table(real):
    grids = [b.rows for b in real["doc"].blocks if isinstance(b, Table)]
    assert all(len(rows[0]) >= 2 for rows in grids)
    cells = [c for rows in grids for row in rows for c in row]
    assert not any("洪泽湖大道" in c or "跟班学习" in c or FOOTER.search(c) or re.fullmatch(r"-\s*\d+\s*-", c)
                   for c in cells)
    lines = [b for b in real["doc"].blocks if isinstance(b, str)]
    assert not [b for b in lines if len(b) == 1]
    assert not any(re.fullmatch(r"-\s*\d+\s*-", b) for b in lines)


def test_real_wps_pdf_narrative_reads_21_requests(real):
    narrative = next(c for c in real["record"]["checks"] if c["rule"] == "narrative")
    assert narrative["ok"] is True and "21" in narrative["detail"]
    assert real["record"]["stats"]["requests"]["new_received"]["total"] == 21


def test_real_wps_pdf_keeps_the_printed_table_4_totals(real):
    appeals = real["record"]["stats"]["appeals"]
    assert appeals["review"] == {"upheld": 10, "corrected": 1, "other": 0, "pending": 0, "total": 0}
    assert appeals["litigation_after_review"] == {"upheld": 5, "corrected": 0, "other": 0, "pending": 0, "total": 0}
    group_total = next(c for c in real["record"]["checks"] if c["rule"] == "group_total")
    assert group_total["ok"] is False and "11" in group_total["detail"]


@pytest.fixture(scope="module")
def portal(real, tmp_path_factory):
    """An app whose archive holds the five seeds and the real PDF, ingested the real way."""
    app = make_app(tmp_path_factory.mktemp("portal"))
    for seed in sorted((ROOT / "samples").glob("*.txt")):
        ingest(app, seed.read_bytes(), seed.name)
    return app, ingest(app, real["data"], REAL_038.name).id


def _hits(portal, word):
    app, _ = portal
    return [hit["id"] for hit in app.test_client().get(f'/api/search?q="{word}"').get_json()["hits"]]


def test_real_wps_pdf_section_words_are_searchable(portal):
    _, rid = portal
    assert _hits(portal, "跟班学习") == [rid]          # section 5, lost inside a page-frame "table" before
    assert _hits(portal, "集约整合") == [rid]          # section 1, on a page WPS filled with white boxes


def test_real_wps_pdf_words_broken_at_a_line_end_are_searchable(portal):
    _, rid = portal
    for word in ("不断完善", "政府网站平台", "第三方检测平台", "分级审核"):   # 完|善, 政|府, 检|测 at line ends, 分|级 at a page end
        assert rid in _hits(portal, word), word


def test_real_wps_pdf_preface_words_are_searchable(portal, real):
    """The address printed between the title and 一、总体情况 is in the record's preface, indexed as
    section 0, and the report page shows it where the snippet links (#s0)."""
    assert any("洪泽湖大道" in b for b in real["doc"].blocks if isinstance(b, str))
    assert "洪泽湖大道" in real["record"]["preface"]
    assert _hits(portal, "洪泽湖大道") == [portal[1]]
    app, rid = portal
    found = app.test_client().get('/api/search?q="洪泽湖大道"').get_json()["hits"][0]
    assert any(s.get("anchor") == "s0" for s in found.get("snippets") or []), found
    page = app.test_client().get(f"/reports/{rid}").get_data(as_text=True)
    assert 'id="s0"' in page and "洪泽湖大道" in page and "前言" in page


# --- a page number that a ruled box took in -------------------------------------------------------

def _canvas_pdf(draw):
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for number in (1, 2):
        c.setFont("STSong-Light", 10)
        draw(c, number, A4)
        c.showPage()
    c.save()
    return out.getvalue()


def test_page_number_row_of_a_table_reaching_the_page_foot_is_dropped():
    """A ruled table drawn down to the page foot with the page number in its last row (as a WPS
    frame around the page does): the figures stay a grid, the page number goes."""
    def draw(c, number, size):
        width, _ = size
        left, right, xs = 60, width - 60, [60, 260, 400, width - 60]
        ys = [300, 270, 240, 210, 30]                  # the last row reaches the bottom band
        for y in ys:
            c.line(left, y, right, y)
        for x in xs:
            c.line(x, ys[0], x, ys[3])
        c.line(left, ys[3], left, ys[4])
        c.line(right, ys[3], right, ys[4])
        c.drawString(60, 330, f"第{number}页的表格")
        for row, (label, a, b) in enumerate((("信息内容", "本年制发件数", "现行有效件数"),
                                             ("规章", "0", str(number)), ("行政规范性文件", "2", "15"))):
            y = ys[row] - 20
            c.drawString(xs[0] + 4, y, label)
            c.drawString(xs[1] + 4, y, a)
            c.drawString(xs[2] + 4, y, b)
        c.drawCentredString(width / 2, 45, f"- {number} -")

    doc = extract(_canvas_pdf(draw), "frame.pdf")
    grids = [b.rows for b in doc.blocks if isinstance(b, Table)]
    assert grids == [[["信息内容", "本年制发件数", "现行有效件数"], ["规章", "0", str(n)], ["行政规范性文件", "2", "15"]]
                     for n in (1, 2)]
    everything = [c for rows in grids for row in rows for c in row] + [b for b in doc.blocks if isinstance(b, str)]
    assert not any(re.search(r"-\s*\d\s*-", t) for t in everything)


def test_rotated_lettering_and_lone_glyphs_stay_out_of_the_text():
    """Lettering set at an angle (a stamp's name, a note turned along the margin) and a bracket left
    alone on a line are not text of the report; a one-character answer like 无 is."""
    prose = ["一、总体情况", "本年度主动公开政府信息一百二十条，依申请公开工作依法有序开展。",
             "六、其他需要报告的事项", "无"]

    def draw(c, number, size):
        y = 700
        for line in prose:
            c.drawString(72, y, line)
            y -= 24
        c.drawString(72, y, "）")                      # a bracket a box cut off its line
        c.saveState()
        c.translate(30, 300)
        c.rotate(90)
        c.drawString(0, 0, "装订线内请勿书写")           # along the margin
        c.restoreState()
        c.saveState()
        c.translate(360, 560)
        c.rotate(35)
        c.drawString(0, 0, "某某区人民政府办公室")       # a stamp's name, at an angle
        c.restoreState()

    doc = extract(_canvas_pdf(draw), "rotated.pdf")
    lines = [b for b in doc.blocks if isinstance(b, str)]
    assert lines == prose + prose
