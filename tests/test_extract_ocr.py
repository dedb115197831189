"""OCR of scans, made the way offices make them: a report printed to PDF, rendered to page images,
turned a little, greyed and speckled, and rebuilt as an image-only PDF (or pasted into a DOCX as
pictures). The records are checked against the generator's ground truth."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tools.formats import office_pdf, to_office_docx, to_pdf
from gikportal.extract import extract, ocr
from gikportal.parse import parse_document
from tools import scans

try:
    from tools.generate import generate
except ImportError:  # before the tools moved out of the runtime package
    from gikportal.generate import generate

pytestmark = pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr with chi_sim is installed by tests/run.sh")

TOTALS = [("requests", "new_received", "total"), ("requests", "carried_over", "total"),
          ("requests", "outcome_total", "total"), ("requests", "carried_forward", "total"),
          ("requests", "granted", "total"), ("appeals", "review", "total"),
          ("appeals", "litigation_direct", "total"), ("appeals", "litigation_after_review", "total"),
          ("active", "licensing", "decisions"), ("active", "penalty", "decisions")]


def _dig(d, *path):
    for k in path:
        d = d.get(k) if isinstance(d, dict) else None
    return d


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """Six generated 2021+ reports, each as (ground truth, scanned PDF bytes): three printed by
    reportlab, three written as office DOCX and printed by LibreOffice headless, all rendered to
    page pictures by pdftoppm (poppler), turned, greyed, speckled and rebuilt as image-only PDFs."""
    reports = list(generate(6, seed=7, layouts=("tsv", "docx"), years=range(2021, 2025)))
    out = []
    for k, rep in enumerate(reports):
        doc = extract(rep.data, rep.filename)
        if k % 2:
            printed = office_pdf(to_office_docx(doc), tmp_path_factory.mktemp(f"office{k}"))
        else:
            printed = to_pdf(doc)
        out.append((rep.expected, scans.scan_pdf(printed, seed=k)))
    return out


@pytest.mark.slow
def test_scans_of_generated_reports_are_read_into_their_records(scanned):
    right = total = sections = 0
    wrong = []
    for expected, data in scanned:
        doc = extract(data, "scan.pdf", {"ocr": True})
        assert doc.ocr and doc.ocr["engine"].startswith("tesseract")
        assert any("机器识别" in w for w in doc.warnings)
        record = parse_document(doc)
        fields = [(n, record.get(n), expected.get(n)) for n in ("agency", "year", "region")]
        fields += [("/".join(p), _dig(record["stats"], *p), _dig(expected["stats"], *p)) for p in TOTALS]
        right += sum(got == want for _, got, want in fields)
        total += len(fields)
        wrong += [f for f in fields if f[1] != f[2]]
        sections += [s["n"] for s in record["sections"]] == [1, 2, 3, 4, 5, 6]
    # issue 20 targets 95%; measured 78/78 (earlier 75-77/78) on these six (three printed by LibreOffice):
    # what is left is the odd misread digit of a table cell
    print(f"OCR fields right: {right}/{total} ({right / total:.1%})")
    assert right / total >= 0.90, wrong
    assert sections >= len(scanned) - 1


def test_a_scan_without_ocr_is_refused_with_the_reason(scanned):
    with pytest.raises(ocr.NeedsOCR, match="扫描件"):
        extract(scanned[0][1], "scan.pdf")


def test_a_docx_of_page_pictures_is_read_like_a_scanned_pdf(scanned):
    word = scans.picture_docx(scanned[0][1])
    with pytest.raises(ocr.NeedsOCR):
        extract(word, "scan.docx")
    doc = extract(word, "scan.docx", {"ocr": True})
    record = parse_document(doc)
    assert record["year"] == scanned[0][0]["year"]
    assert _dig(record["stats"], "requests", "new_received", "total") == \
        _dig(scanned[0][0]["stats"], "requests", "new_received", "total")


def test_ruling_lines_give_the_grid_and_its_merged_cells():
    """A drawn 3x3 table whose top row is one merged cell: three columns, the top row one cell."""
    img = Image.new("L", (1200, 900), 235)
    d = ImageDraw.Draw(img)
    xs, ys = [100, 500, 800, 1100], [100, 300, 500, 700]
    for y in ys:
        d.line([(xs[0], y), (xs[-1], y)], fill=20, width=3)
    for x in xs:
        d.line([(x, ys[1] if x in xs[1:-1] else ys[0]), (x, ys[-1])], fill=20, width=3)
    gray = np.asarray(img)
    dark = gray <= ocr._otsu(gray)
    unit = max(8, gray.shape[1] // 100)
    grids = ocr._grids(dark, ocr._runs(dark, 6 * unit, 1), ocr._runs(dark, 3 * unit, 0), unit // 2)
    assert len(grids) == 1
    g = grids[0]
    assert [round(y) for y in g.ys] == pytest.approx(ys, abs=3)
    assert [round(x) for x in g.xs] == pytest.approx(xs, abs=3)
    assert g.root[(0, 1)] == g.root[(0, 2)] == (0, 0)
    assert g.root[(1, 1)] == (1, 1) and g.root[(2, 2)] == (2, 2)


def test_a_page_box_around_prose_is_not_a_table():
    """A frame drawn round the whole page (one column) leaves the text as prose."""
    img = Image.new("L", (1200, 1600), 240)
    d = ImageDraw.Draw(img)
    d.rectangle([60, 60, 1140, 1540], outline=10, width=4)
    gray = np.asarray(img)
    dark = gray <= ocr._otsu(gray)
    unit = max(8, gray.shape[1] // 100)
    assert ocr._grids(dark, ocr._runs(dark, 6 * unit, 1), ocr._runs(dark, 3 * unit, 0), unit // 2) == []


def test_skew_is_measured_from_the_page():
    img = Image.new("L", (1600, 2000), 245)
    d = ImageDraw.Draw(img)
    for y in range(200, 1800, 60):
        d.line([(150, y), (1450, y)], fill=30, width=4)
    turned = np.asarray(img.rotate(0.8, resample=Image.BICUBIC, fillcolor=255))
    assert ocr._skew(turned) == pytest.approx(-0.8, abs=0.15)


def _cell_ink(text, size=42, spacing=8):
    """A table cell as a 300 dpi scan holds it: `text` (lines split by newline) in Noto Sans CJK
    on grey paper with sensor noise; returns the binarised ink and its box."""
    from PIL import ImageFont

    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", size)
    img = Image.new("L", (60 + size * 12, 60 + (size + spacing) * (text.count("\n") + 1)), 255)
    ImageDraw.Draw(img).multiline_text((30, 20), text, font=font, fill=0, spacing=spacing)
    rng = np.random.default_rng(1)
    gray = np.clip(np.asarray(img) * 0.85 + 25 + rng.normal(0, 10, img.size[::-1]), 0, 255).astype(np.uint8)
    ink = gray <= ocr._otsu(gray)
    return ink, ocr._ink_box(ink, (0, 0, img.size[0], img.size[1]), 12)


@pytest.mark.skipif(not __import__("os").path.exists("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
                    reason="fonts-noto-cjk")
def test_cells_of_digits_are_told_from_cells_of_chinese_by_their_glyphs():
    """Digit cells go to the digit model alone; a Chinese label, on one line or wrapped one
    character a line in a narrow column, goes to the Chinese model."""
    for text in ("0", "7", "425", "3578", "12.5", "1"):
        assert ocr._digit_shaped(*_cell_ink(text)), text
    for text in ("行政处罚", "总计", "(七)总计", "结\n果\n维\n持", "1.属于国家秘密", "其他"):
        assert not ocr._digit_shaped(*_cell_ink(text)), text
