"""PDF pages are read with PDFium into the objects pdfminer would build: the same Document either way.

The real WPS export, a reportlab PDF of seed 001 (ruled tables, running header, page footer) and the
same seed as an office PDF (LibreOffice: page border, layout grid, text box) are each read twice, once
as shipped (PDFium) and once with PDFium switched off (every page interpreted by pdfminer, as before),
and must give the same blocks, tables and warnings; the fast table finder and text lines
(extract/_plumber.py) must give pdfplumber's own on each page.
"""
import io
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest
from pdfplumber.utils import extract_text

from tools.formats import office_pdf, to_office_docx, to_pdf
from gikportal.extract import _pdfium, _plumber
from gikportal.extract import pdf as pdf_module
from gikportal.extract.pdf import read_pdf
from gikportal.extract.text import read_text_document

ROOT = Path(__file__).resolve().parent.parent
SEED = next((ROOT / "samples").glob("001_*.txt"))
REAL_038 = ROOT.parent / "shared" / "real" / "files" / "038_hzq2023_working.pdf"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    seed = read_text_document(SEED.read_bytes())
    lines = [b for b in seed.blocks if isinstance(b, str)]
    one = next(i for i, line in enumerate(lines) if line.startswith("一、"))
    two = next(i for i, line in enumerate(lines) if line.startswith("二、"))
    docx = to_office_docx(seed, boxed=lines[one + 1:two])
    return {"wps": REAL_038.read_bytes(), "reportlab": to_pdf(seed),
            "office": office_pdf(docx, tmp_path_factory.mktemp("office"))}


def _blocks(doc):
    return [b if isinstance(b, str) else (b.page, b.rows) for b in doc.blocks], doc.warnings


def _read_by_pdfminer(data, monkeypatch):
    calls = []
    with monkeypatch.context() as m:
        m.setattr(_pdfium, "read_page", lambda *args, **kw: calls.append(args) or None)
        doc = read_pdf(data)
    assert calls, "the PDFium reader was never asked for a page"
    return doc


@pytest.mark.parametrize("kind", ["wps", "reportlab", "office"])
def test_pdfium_pages_give_the_pdfminer_document(pdfs, kind, monkeypatch):
    fast = read_pdf(pdfs[kind])
    slow = _read_by_pdfminer(pdfs[kind], monkeypatch)
    assert any(not isinstance(b, str) for b in fast.blocks)      # tables found, not only text
    assert _blocks(fast) == _blocks(slow)


@pytest.mark.parametrize("kind", ["wps", "reportlab", "office"])
def test_pdfium_objects_are_pdfminers(pdfs, kind):
    """Per page: the same characters at the same places (PDFium orders a few differently, misplaces
    the odd one and takes some space glyphs for word gaps of its own; the right edges may differ by
    a font's rounding of its advance widths), and the same visible rects, lines and curves."""
    data = pdfs[kind]
    doc = _pdfium.open_document(data, len(pdfplumber.open(io.BytesIO(data)).pages))
    assert doc is not None
    try:
        with pdfplumber.open(io.BytesIO(data)) as plumber:
            for index, page in enumerate(plumber.pages):
                ours = _pdfium.read_page(doc, index, page.height, index + 1, page.initial_doctop,
                                         _pdfium.font_descents(page.page_obj), pdf_module._paints_nothing)
                assert ours is not None, f"page {index + 1} fell back to pdfminer"
                theirs = page.objects
                # a space glyph PDFium takes for a word gap of its own is left out: spaces split words
                # in the text lines either way and are no cell content
                mine_chars = [c for c in ours["char"] if not c["text"].isspace()]
                their_chars = [c for c in theirs["char"] if not c["text"].isspace()]
                assert sorted(c["text"] for c in mine_chars) == sorted(c["text"] for c in their_chars)
                at = Counter((c["text"], round(c["x0"], 1), round(c["top"], 1), round(c["bottom"], 1))
                             for c in their_chars)
                found = Counter((c["text"], round(c["x0"], 1), round(c["top"], 1), round(c["bottom"], 1))
                                for c in mine_chars)
                assert sum((at & found).values()) >= 0.98 * len(their_chars)
                assert all(c["upright"] for c in mine_chars) == all(c["upright"] for c in their_chars)
                for kind_ in ("rect", "line", "curve"):
                    visible = [o for o in theirs.get(kind_, []) if pdf_module._visible(o)]
                    mine = ours.get(kind_, [])
                    assert len(mine) == len(visible), (index + 1, kind_)
                    for a, b in zip(mine, visible):
                        assert max(abs(a[k] - b[k]) for k in ("x0", "x1", "top", "bottom")) < 0.01
    finally:
        _pdfium.close_document(doc)


def _cell_chars(page, cell):
    return [c for c in page.chars if cell[0] <= (c["x0"] + c["x1"]) / 2 < cell[2]
            and cell[1] <= (c["top"] + c["bottom"]) / 2 < cell[3]]


@pytest.mark.parametrize("kind", ["wps", "reportlab", "office"])
@pytest.mark.parametrize("reader", ["pdfium", "pdfminer"])
def test_fast_tables_and_lines_are_pdfplumbers(pdfs, kind, reader):
    """Per page, read by PDFium and by pdfminer: _plumber's ruled tables (cells and rows), text
    lines (text, box and the very characters) and cell texts are pdfplumber's own."""
    data = pdfs[kind]
    doc = _pdfium.open_document(data, len(pdfplumber.open(io.BytesIO(data)).pages))
    tables = cells = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as plumber:
            for index, page in enumerate(plumber.pages):
                if reader == "pdfium":
                    page._objects = _pdfium.read_page(doc, index, page.height, index + 1, page.initial_doctop,
                                                      _pdfium.font_descents(page.page_obj), pdf_module._paints_nothing)
                ours, theirs = _plumber.text_lines(page), page.extract_text_lines(return_chars=True)
                assert [(line["text"], line["x0"], line["top"], line["x1"], line["bottom"]) for line in ours] \
                    == [(line["text"], line["x0"], line["top"], line["x1"], line["bottom"]) for line in theirs]
                assert all(len(a["chars"]) == len(b["chars"]) and all(x is y for x, y in zip(a["chars"], b["chars"]))
                           for a, b in zip(ours, theirs))
                drawn = page.filter(pdf_module._visible)
                if not drawn.edges:
                    continue
                settings = dict(pdf_module._TABLE_SETTINGS,
                                explicit_horizontal_lines=pdf_module._closing_rules(drawn.edges))
                ours, theirs = _plumber.find_tables(drawn, settings), drawn.find_tables(settings)
                assert [[r.cells for r in t.rows] for t in ours] == [[r.cells for r in t.rows] for t in theirs]
                assert [t.bbox for t in ours] == [t.bbox for t in theirs]
                tables += len(theirs)
                for cell in (c for t in theirs for c in t.cells):
                    chars = _cell_chars(page, cell)
                    assert _plumber.cell_text(chars) == extract_text(chars), cell
                    cells += len(chars) > 1
    finally:
        _pdfium.close_document(doc)
    assert tables and cells      # the files have ruled tables with cells of several characters


def test_remembered_rounding_is_round():
    """_pdfium._r remembers round(value, 4) per value: the same number and the same zero sign
    (0.0 and -0.0 are one dict key), first from round() and then from memory."""
    import math
    values = [0.0, -0.0, -0.00001, 0.00004, 1.23455, 2.5e-5, 123.45675, -7.77775, 595.2756, 841.8898, 2.0 ** 53]
    values += [i / 7 for i in range(-50, 50)] + [i * 0.1 for i in range(100)]
    for value in values + values:
        got, want = _pdfium._r(value), round(value, 4)
        assert got == want and math.copysign(1, got) == math.copysign(1, want), value
