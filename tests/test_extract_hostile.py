"""Hostile and broken inputs: each gives a one-line ExtractionError or a correct Document, within
the configured limits — never another exception."""
import gc
import io
import random
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from tools.formats import FONT, to_docx, to_html, to_pdf
from gikportal.document import Document, ExtractionError
from gikportal.extract import extract
from gikportal.extract.text import read_text_document

SEED = sorted((Path(__file__).resolve().parent.parent / "samples").glob("*.txt"))[1]
LIMITS = {"max_bytes": 60 * 1024 * 1024, "max_pages": 500, "max_unzipped_bytes": 50 * 1024 * 1024, "timeout": 120}


@pytest.fixture(scope="module")
def seed_doc():
    return read_text_document(SEED.read_bytes())


@pytest.fixture(scope="module")
def seed_pdf(seed_doc):
    return to_pdf(seed_doc)


def _error(data, name, limits=LIMITS):
    with pytest.raises(ExtractionError) as caught:
        extract(data, name, limits)
    message = str(caught.value)
    assert message and "\n" not in message and any("\u4e00" <= ch <= "\u9fff" for ch in message)
    return message


def _pages(count, lines=6, image=False):
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for number in range(count):
        if image:
            noise = Image.effect_noise((200, 280), 60).convert("L")
            pdf.drawInlineImage(noise, 50, 300, 400, 500)
        else:
            pdf.setFont(FONT, 10)
            for k in range(lines):
                pdf.drawString(50, 700 - k * 18, f"正文第{k}行 政府信息公开工作年度报告 第{number}页")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\x00" * 64])
@pytest.mark.parametrize("name", ["a.pdf", "a.docx", "a.html", "a.txt", "noext"])
def test_empty(data, name):
    assert "空" in _error(data, name)


@pytest.mark.parametrize("name,word", [("a.pdf", "PDF"), ("a.docx", "Word"), ("a.doc", "编码")])
def test_random_bytes(name, word):
    data = random.Random(7).randbytes(20000)
    assert word in _error(data, name)


def test_random_bytes_behind_a_pdf_header():
    assert "PDF" in _error(b"%PDF-1.7\n" + random.Random(3).randbytes(20000) + b"\n%%EOF\n", "x.bin")


def test_zip_that_is_not_a_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "不是 Word 文档")
    assert "word/document.xml" in _error(out.getvalue(), "a.docx")


def test_legacy_doc_is_named():
    assert ".doc" in _error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000), "report.doc")


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_truncated_pdf(seed_pdf, fraction):
    assert "PDF" in _error(seed_pdf[: int(len(seed_pdf) * fraction)], "a.pdf")


def test_encrypted_pdf(seed_doc):
    data = to_pdf(seed_doc, encrypt=StandardEncryption("user-secret", ownerPassword="owner"))
    assert b"/Encrypt" in data
    assert "加密" in _error(data, "a.pdf")


def test_pdf_with_only_an_owner_password_is_read(seed_doc):
    """reportlab leaves CIDSystemInfo garbled under encryption, so pdfminer maps no character:
    PDFium reads the lines instead, said in a warning, never '(cid:123)' text."""
    data = to_pdf(seed_doc, encrypt=StandardEncryption("", ownerPassword="owner", canCopy=0))
    assert b"/Encrypt" in data
    doc = extract(data, "a.pdf", LIMITS)
    assert doc.blocks[0].replace(" ", "") == "焦作市城乡一体化示范区管委会2024年政府信息公开工作年度报告"
    assert "(cid:" not in doc.text and "政务公开专栏" not in doc.text
    assert any("文字映射" in w for w in doc.warnings)


def test_scanned_pdf_says_no_text_layer():
    message = _error(_pages(2, image=True), "scan.pdf")
    assert "无文本层" in message and "扫描件" in message


def test_page_limit_checked_before_reading_pages():
    data = _pages(2000, lines=1)
    message = _error(data, "big.pdf", dict(LIMITS, max_pages=500))
    assert "2000" in message and "500" in message


def test_parse_deadline():
    assert "超时" in _error(_pages(3), "a.pdf", dict(LIMITS, timeout=1e-9))


def test_size_limit(seed_pdf):
    assert "过大" in _error(seed_pdf, "a.pdf", dict(LIMITS, max_bytes=len(seed_pdf) - 1))


def test_pdf_memory_stays_bounded_with_page_count():
    """Pages are closed as they are read: 8x the pages must not take anything like 8x the memory."""
    small, large = _pages(6, lines=36), _pages(48, lines=36)
    extract(small, "warm.pdf", LIMITS)
    peaks = []
    for data in (small, large):
        gc.collect()
        tracemalloc.start()
        doc = extract(data, "a.pdf", LIMITS)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert isinstance(doc, Document)
    assert peaks[1] < 1.8 * peaks[0]   # measured: 1.4x when pages are closed, 2.5x when they are kept


def _docx_with(seed_doc, name, payload):
    source = zipfile.ZipFile(io.BytesIO(to_docx(seed_doc)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info.filename))
        archive.writestr(name, payload)
    return out.getvalue()


def test_docx_zip_bomb_over_the_unzipped_limit(seed_doc):
    data = _docx_with(seed_doc, "word/media/image1.png", bytes(60 * 1024 * 1024))
    assert len(data) < 1024 * 1024
    assert "解压后过大" in _error(data, "bomb.docx")


def test_docx_zip_bomb_under_the_limit_caught_by_ratio(seed_doc):
    data = _docx_with(seed_doc, "word/media/image2.png", bytes(20 * 1024 * 1024))
    assert "压缩" in _error(data, "bomb.docx")


def test_docx_truncated(seed_doc):
    data = to_docx(seed_doc)
    assert "Word" in _error(data[: len(data) // 2], "a.docx")


def test_html_nested_10000_deep():
    page = b"<html><body>" + b"<div>" * 10000 + "政府信息公开工作年度报告".encode() + b"</div>" * 10000 + b"</body></html>"
    assert "嵌套" in _error(page, "deep.html")


def test_html_tables_nested_deep_and_huge_spans():
    page = ("<html><body><h1>某局2024年政府信息公开工作年度报告</h1>" + "<table><tr><td>" * 300 + "x"
            + "</td></tr></table>" * 300 + "<table><tr><td colspan='1000000' rowspan='99999999'>规章</td></tr></table>"
            + "</body></html>").encode()
    doc = extract(page, "a.html", LIMITS)
    assert doc.blocks[0] == "某局2024年政府信息公开工作年度报告"


def test_html_scripts_and_handlers_never_survive(seed_doc):
    page = to_html(seed_doc).replace(
        b'<div class="article" id="zoom">',
        b'<div class="article" id="zoom"><script>alert("x")</script><img src=x onerror="alert(1)">'
        b'<a href="javascript:alert(2)">link</a><style>body{}</style>')
    doc = extract(page, "a.html", LIMITS)
    assert "alert" not in doc.text and "body{}" not in doc.text
    assert "link" in doc.text


def test_html_utf16_and_nul_bytes(seed_doc):
    page = to_html(seed_doc, encoding="utf-8").decode("utf-8").replace("charset=utf-8", "charset=utf-16")
    doc = extract(page.encode("utf-16"), "a.html", LIMITS)
    assert doc.blocks[0].startswith("焦作市城乡一体化示范区管委会")
    doc = extract(to_html(seed_doc, encoding="utf-8").replace(b"<p ", b"\x00<p "), "a.html", LIMITS)
    assert doc.blocks[0].startswith("焦作市城乡一体化示范区管委会")


@pytest.mark.parametrize("seed_name", ["a.pdf", "a.docx", "a.html"])
def test_byte_flips_never_raise_anything_else(seed_doc, seed_name):
    maker = {"a.pdf": to_pdf, "a.docx": to_docx, "a.html": to_html}[seed_name]
    original = maker(seed_doc)
    rng = random.Random(11)
    for _ in range(12):
        data = bytearray(original)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            doc = extract(bytes(data), seed_name, LIMITS)
        except ExtractionError as exc:
            assert "\n" not in str(exc)
        else:
            assert isinstance(doc, Document) and doc.blocks


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html><body>", b"\xef\xbb\xbf", b"\xff\xfe",
                               b"<table><tr><td rowspan=3>", "报告\t1\t2\n".encode()]),
       body=st.binary(max_size=3000),
       name=st.sampled_from(["a.pdf", "a.docx", "a.html", "a.txt", "a.md", "a", "../../etc/passwd", "a.PDF"]))
def test_any_bytes_give_a_document_or_a_clean_error(prefix, body, name):
    try:
        doc = extract(prefix + body, name, LIMITS)
    except ExtractionError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert isinstance(doc, Document)
        assert all(isinstance(b, str) or (b.rows and len({len(r) for r in b.rows}) == 1) for b in doc.blocks)
