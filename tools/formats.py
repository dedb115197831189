"""PDF, DOCX and HTML versions of a Document (blocks of lines and grids), made the way offices make
them: DOCX with python-docx, PDF with reportlab or from the DOCX through LibreOffice headless, HTML
as a government portal saves its page. The format tests write the seeds with them; the benchmark's
corpus (tools/corpus.py) writes the generated reports with them.

Merged cells are made where a real report has them: a label cell over the empty cells below it
in the first two columns (vertical), a heading cell over the empty cells to its right in rows
without figures (horizontal). Expanding the merges must give the seed's grid back exactly.
"""
import io
import re
from html import escape

from docx import Document as DocxDocument
from docx.shared import Pt
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, TableStyle
from reportlab.platypus import Table as PdfTable

from gikportal.document import Table

FONT = "STSong-Light"   # reportlab's built-in CID font: extracts cleanly with pdfplumber, no font file
PDF_HEADER = "政务公开专栏 政府信息公开年度报告"
_NUMBER = re.compile(r"^[\d.,\sОo/—-]+$")


def _figure_row(row):
    return any(c and _NUMBER.match(c) for c in row)


def merges(rows):
    """[(row, col, rowspan, colspan)] of merged regions, each over cells that are '' in the grid."""
    height, width = len(rows), len(rows[0])
    covered, spans = set(), []
    for c in (0, 1):
        if c >= width:
            continue
        for r in range(height):
            if not rows[r][c] or (r, c) in covered:
                continue
            end = r + 1
            while end < height and not any(rows[end][:c + 1]) and any(rows[end][c + 1:]):
                end += 1
            if end - r > 1:
                spans.append((r, c, end - r, 1))
                covered.update((k, c) for k in range(r, end))
    for r in range(height):
        if _figure_row(rows[r]):
            continue
        c = 0
        while c < width:
            if rows[r][c] and (r, c) not in covered:
                end = c + 1
                while end < width and not rows[r][end] and (r, end) not in covered:
                    end += 1
                if end - c > 1:
                    spans.append((r, c, 1, end - c))
                    covered.update((r, k) for k in range(c, end))
                c = end
            else:
                c += 1
    return spans


def grids(doc):
    return [b.rows for b in doc.blocks if isinstance(b, Table)]


def to_pdf(doc, *, ruled=True, encrypt=None, header=PDF_HEADER, font_size=8):
    """A4 PDF: ruled tables (GRID with spans), a running header and '— N —' page footer."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    style = ParagraphStyle("cjk", fontName=FONT, fontSize=font_size, leading=font_size * 1.4)
    title_style = ParagraphStyle("title", parent=style, fontSize=14, leading=20)
    width = A4[0] - 80
    story = []
    first = True
    for block in doc.blocks:
        if isinstance(block, Table):
            ncol = len(block.rows[0])
            if ncol <= 4:
                widths = [width * 0.4] + [width * 0.6 / (ncol - 1)] * (ncol - 1) if ncol > 1 else [width]
            elif ncol >= 12:
                widths = [width / ncol] * ncol
            else:
                widths = [width * 0.16] * 3 + [width * 0.52 / (ncol - 3)] * (ncol - 3)
            grid = PdfTable([[Paragraph(escape(c), style) if c else "" for c in r] for r in block.rows],
                            colWidths=widths)
            commands = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 1), ("RIGHTPADDING", (0, 0), (-1, -1), 1)]
            if ruled:
                commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
                commands += [("SPAN", (c, r), (c + cs - 1, r + rs - 1)) for r, c, rs, cs in merges(block.rows)]
            grid.setStyle(TableStyle(commands))
            story.append(grid)
        else:
            story.append(Paragraph(escape(block), title_style if first else style))
            first = False

    def page_marks(canvas, template):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        if header:
            canvas.drawString(40, A4[1] - 30, header)
        canvas.drawCentredString(A4[0] / 2, 25, f"— {template.page} —")
        canvas.restoreState()

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=40, rightMargin=40, topMargin=50, bottomMargin=50,
                      encrypt=encrypt).build(story, onFirstPage=page_marks, onLaterPages=page_marks)
    return out.getvalue()


def to_docx(doc):
    """DOCX with real tables; merged cells via python-docx merge (gridSpan / vMerge)."""
    out = io.BytesIO()
    _docx_document(doc).save(out)
    return out.getvalue()


def _docx_document(doc):
    document = DocxDocument()
    document.styles["Normal"].font.size = Pt(10)
    for block in doc.blocks:
        if not isinstance(block, Table):
            document.add_paragraph(block)
            continue
        rows = block.rows
        width = len(rows[0])
        table = document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        # the cells taken once, before any merge: table.cell() rebuilds the whole grid per call
        # (seconds a report); the merged regions are disjoint, so no merge removes another's corner
        cells = table._cells
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value:
                    cells[r * width + c].text = value
        for r, c, rs, cs in merges(rows):
            cell = cells[r * width + c].merge(cells[(r + rs - 1) * width + c + cs - 1])
            # merge() concatenates the (empty) paragraphs; keep the label text as it was
            for extra in cell.paragraphs[1:]:
                extra._p.getparent().remove(extra._p)
            cell.paragraphs[0].text = rows[r][c]
    return document


def to_html(doc, encoding="gbk"):
    """A government-site page: header, nav, breadcrumb, sidebar, footer around the report body."""
    body = []
    first = True
    for block in doc.blocks:
        if isinstance(block, Table):
            rows = block.rows
            starts = {(r, c): (rs, cs) for r, c, rs, cs in merges(rows)}
            covered = {(r + i, c + j) for (r, c), (rs, cs) in starts.items()
                       for i in range(rs) for j in range(cs)} - set(starts)
            html_rows = []
            for r, row in enumerate(rows):
                cells = []
                for c, value in enumerate(row):
                    if (r, c) in covered:
                        continue
                    rs, cs = starts.get((r, c), (1, 1))
                    attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
                    cells.append(f"<td{attrs}>\n  {escape(value)}\n</td>")
                html_rows.append("<tr>" + "".join(cells) + "</tr>")
            body.append('<table border="1" cellspacing="0"><tbody>' + "\n".join(html_rows) + "</tbody></table>")
        elif first:
            body.append(f'<h1 class="title">{escape(block)}</h1>')
            first = False
        else:
            body.append(f'<p style="text-indent:2em">{escape(block)}</p>')
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
    page = f"""<!DOCTYPE html>
<html><head>{meta}<title>政府信息公开工作年度报告_政务公开_人民政府门户网站</title>
<style>.nav li {{ display:inline }}</style><script>var _hmt = _hmt || []; document.write("统计代码");</script>
</head><body>
<div class="header"><div class="logo">人民政府门户网站</div></div>
<header><span>无障碍浏览</span><span>长者模式</span></header>
<nav class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>
<li><a href="/zmhd">政民互动</a></li><li><a href="/bsfw">办事服务</a></li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年度报告</div>
<div class="main">
<aside class="sidebar"><h3>相关链接</h3><ul><li>2023年政府信息公开工作年度报告</li><li>政府信息公开指南</li></ul></aside>
<div class="article" id="zoom">
{chr(10).join(body)}
</div>
<div class="share">分享到：微信 微博</div>
</div>
<footer><p>主办单位：人民政府办公室 版权所有 ICP备05001234号</p><p>网站标识码 4108000001</p></footer>
</body></html>"""
    return page.encode(encoding, errors="xmlcharrefreplace")


# --- office documents: DOCX as offices write them, turned into PDF by LibreOffice -----------------

OFFICE_HEADER = "某某市人民政府门户网站 政务公开"
OFFICE_TEXT_BOX = "本报告电子版可在本机关门户网站政府信息公开专栏下载。"


def _field_run(paragraph, instruction):
    """A simple field (PAGE, NUMPAGES) in a paragraph: Word and LibreOffice print its value."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    paragraph._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} "><w:r><w:t>1</w:t></w:r>'
                                  f"</w:fldSimple>"))


def _text_box(paragraph, text):
    """A bordered text box (文本框: a DrawingML shape with a white fill, a black outline and its own
    paragraphs, as Word 2010+ and WPS write it) inline in a paragraph."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    wp = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    wps = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    cx, cy = 5334000, 457200          # 14 cm x 1.27 cm in EMU
    paragraph._p.append(parse_xml(
        f'<w:r {nsdecls("w")} xmlns:wp="{wp}" xmlns:a="{a}" xmlns:wps="{wps}"><w:drawing>'
        f'<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
        f'<wp:docPr id="101" name="Text Box 1"/><a:graphic>'
        f'<a:graphicData uri="{wps}"><wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr>'
        f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill>'
        f'<a:ln w="12700"><a:solidFill><a:srgbClr val="000000"/></a:solidFill></a:ln></wps:spPr>'
        f'<wps:txbx><w:txbxContent><w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p></w:txbxContent></wps:txbx>'
        f'<wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>'))


def _page_border(section):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    sides = "".join(f'<w:{s} w:val="single" w:sz="12" w:space="24" w:color="000000"/>'
                    for s in ("top", "left", "bottom", "right"))
    borders = parse_xml(f'<w:pgBorders {nsdecls("w")} w:offsetFrom="page">{sides}</w:pgBorders>')
    section._sectPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pgMar").addnext(borders)


def _box_paragraphs(document, texts):
    """Move the paragraphs `texts` into a ruled one-column table, one row each (the layout grid WPS
    and some offices put around their prose)."""
    paragraphs = [p for p in document.paragraphs if p.text in texts]
    if not paragraphs:
        return
    table = document.add_table(rows=len(paragraphs), cols=1)
    table.style = "Table Grid"
    for row, paragraph in zip(table.rows, paragraphs):
        row.cells[0].paragraphs[0].text = paragraph.text
    paragraphs[0]._p.addprevious(table._tbl)
    for paragraph in paragraphs:
        paragraph._p.getparent().remove(paragraph._p)


def to_office_docx(doc, text_box_after=None, boxed=()):
    """DOCX the way an office writes its report: a page border around the whole page (header and
    footer inside it), a running header, a footer 第 N 页 共 M 页, a bordered text box after the
    paragraph `text_box_after`, the paragraphs `boxed` laid out in a ruled one-column grid, ruled
    tables with merged label cells, and the long vertical label of table 3 (三、本年度办理结果)
    typed one character per line."""
    document = _docx_document(doc)
    _box_paragraphs(document, set(boxed))
    section = document.sections[0]
    _page_border(section)
    section.header.paragraphs[0].text = OFFICE_HEADER
    footer = section.footer.paragraphs[0]
    footer.alignment = 1
    footer.add_run("第 ")
    _field_run(footer, "PAGE")
    footer.add_run(" 页 共 ")
    _field_run(footer, "NUMPAGES")
    footer.add_run(" 页")
    from docx.oxml import OxmlElement
    from docx.text.paragraph import Paragraph
    anchor = next((p for p in document.paragraphs if text_box_after and p.text == text_box_after), None)
    if anchor is not None:
        holder = OxmlElement("w:p")
        anchor._p.addnext(holder)
        _text_box(Paragraph(holder, anchor._parent), OFFICE_TEXT_BOX)
    from docx.oxml.ns import qn
    from docx.table import _Cell
    for table in document.tables:
        for cell in (_Cell(tc, table) for tc in table._tbl.iter(qn("w:tc"))):  # each cell once, merged or not
            text = cell.text
            if text.startswith("三、") and "办理结果" in text and len(cell.paragraphs) == 1:
                cell.paragraphs[0].text = text[0]
                for ch in text[1:]:
                    cell.add_paragraph(ch)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def office_pdf(docx_bytes, workdir):
    """The DOCX converted to PDF by LibreOffice headless (a private profile in workdir)."""
    from pathlib import Path
    workdir = Path(workdir)
    source = workdir / "report.docx"
    source.write_bytes(docx_bytes)
    [pdf] = office_pdfs([source], workdir, workdir / "profile")
    return pdf.read_bytes()


def office_pdfs(sources, outdir, profile, timeout=180):
    """DOCX files converted to PDF by one LibreOffice headless process (its start costs seconds,
    a file a fraction of that); returns the PDFs' paths in outdir, in the order of sources."""
    import subprocess
    from pathlib import Path
    sources = [Path(s) for s in sources]
    subprocess.run(["soffice", f"-env:UserInstallation=file://{Path(profile).resolve()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(outdir), *map(str, sources)],
                   check=True, capture_output=True, timeout=timeout + 5 * len(sources))
    pdfs = [Path(outdir) / (s.stem + ".pdf") for s in sources]
    missing = [p.name for p in pdfs if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice wrote no PDF for {len(missing)} files, e.g. {missing[:3]}")
    return pdfs
