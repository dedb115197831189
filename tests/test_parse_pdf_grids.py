"""The parser on cell grids as pdfplumber's table finder returns them: a ruled PDF of seed 001
(reportlab, built-in CID font), tables split over pages, label cells wrapped onto several lines."""
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, TableStyle
from reportlab.platypus import Table as PdfTable

from gikportal.document import Document, Table
from gikportal.extract.text import read_text_document
from gikportal.parse import parse_document

SEED = next((Path(__file__).resolve().parent.parent / "samples").glob("001_*.txt"))


def _write_pdf(doc, path):
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cjk", fontName="STSong-Light", fontSize=7, leading=9)
    width = landscape(A4)[0] - 80
    story = []
    for block in doc.blocks:
        if isinstance(block, Table):
            ncol = len(block.rows[0])
            widths = [width / ncol] * ncol if ncol in (4, 15) else \
                [width * 0.18] * 3 + [width * 0.46 / (ncol - 3)] * (ncol - 3)
            grid = PdfTable([[Paragraph(c, style) if c else "" for c in r] for r in block.rows], colWidths=widths)
            grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                      ("LEFTPADDING", (0, 0), (-1, -1), 1), ("RIGHTPADDING", (0, 0), (-1, -1), 1)]))
            story.append(grid)
        else:
            story.append(Paragraph(block, style))
    SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=40, rightMargin=40).build(story)


def _read_pdf(path):
    """Text lines outside tables and the tables' cell grids, in page order."""
    blocks = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            found = page.find_tables()
            boxes = [t.bbox for t in found]

            def outside(obj, boxes=boxes):
                return not any(b[0] - 1 <= obj["x0"] and obj["x1"] <= b[2] + 1 and b[1] - 1 <= obj["top"]
                               and obj["bottom"] <= b[3] + 1 for b in boxes)

            items = [(line["top"], line["text"]) for line in page.filter(outside).extract_text_lines()]
            items += [(t.bbox[1], Table(rows=[[c or "" for c in r] for r in t.extract()])) for t in found]
            blocks.extend(item for _, item in sorted(items, key=lambda x: x[0]))
    return Document(blocks=blocks, media_type="application/pdf")


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    doc = read_text_document(SEED.read_bytes())
    path = tmp_path_factory.mktemp("pdf") / "seed001.pdf"
    _write_pdf(doc, path)
    pdf_doc = _read_pdf(path)
    return parse_document(doc), parse_document(pdf_doc), pdf_doc


def test_pdf_grids_split_over_pages(records):
    _, _, pdf_doc = records
    grids = [b for b in pdf_doc.blocks if isinstance(b, Table)]
    assert len(grids) > 3  # table 3 continues on the next page
    assert any("\n" in c for g in grids for r in g.rows for c in r)


def test_pdf_grids_give_the_same_figures_and_checks(records):
    text_record, pdf_record, _ = records
    assert pdf_record["stats"] == text_record["stats"]
    assert pdf_record["checks"] == text_record["checks"]
    assert pdf_record["warnings"] == []
    for field in ("title", "agency", "year", "region", "format"):
        assert pdf_record[field] == text_record[field]
    assert [s["heading"] for s in pdf_record["sections"]] == [s["heading"] for s in text_record["sections"]]
