"""PDF -> Document with pdfplumber: text lines in reading order, ruled tables as cell grids.

Pages are opened one at a time and closed after use, so memory stays bounded whatever the
page count; the page count is checked before any page is read. Lines repeated at the top or
bottom of most pages (running headers, footers, page numbers) are dropped, and a table that
runs on from one page to the next is joined into one grid.
"""
import io
import re
import time
from collections import Counter

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import resolve1
from pdfplumber.page import Page
from pdfplumber.utils.exceptions import PdfminerException

from ..document import Document, ExtractionError, NeedsOCR, Table

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_PAGE_NUMBER = re.compile(
    r"^[\s\-—–－·•]*(第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?|\d+(\s*/\s*\d+)?|[-—–－]\s*\d+\s*[-—–－]"
    r"|page\s+\d+(\s+of\s+\d+)?)[\s\-—–－·•]*$", re.IGNORECASE)
_CONTINUED = re.compile(r"^[（(]?\s*续\s*表\s*[\d一二三四五六七八九十]*\s*[)）]?[:：]?$")
_BAND = 0.09            # top/bottom share of the page height where running headers live
_CELL_GAP = 1.2         # a gap wider than this many font sizes separates two cells of an unruled row
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}


def join_wrapped(parts):
    """Join the lines of a wrapped cell: nothing between CJK characters, a space otherwise."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and not (_CJK.match(out[-1]) or _CJK.match(part[0])):
            out += " "
        out += part
    return out


def _page_count(pdf):
    try:
        count = resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"])
        return int(count)
    except Exception:  # a broken page tree: count by walking it (still no page content parsed)
        return sum(1 for _ in PDFPage.create_pages(pdf.doc))


def _open(data):
    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise ExtractionError("PDF 已加密（需要密码），无法读取文字。") from None
        raise ExtractionError("PDF 文件已损坏或不完整，无法读取。") from None
    except Exception:
        raise ExtractionError("PDF 文件已损坏或不完整，无法读取。") from None


def _grid(table):
    return [[join_wrapped((cell or "").split("\n")) for cell in row] for row in table.extract()]


def _split_cells(chars):
    """Split one text line into cells at gaps wider than _CELL_GAP font sizes (unruled tables)."""
    cells, current, last = [], [], None
    for ch in chars:
        if ch["text"].isspace():
            continue
        if last is not None and ch["x0"] - last["x1"] > _CELL_GAP * max(ch["size"], last["size"]):
            cells.append("".join(current))
            current = []
        current.append(ch["text"])
        last = ch
    if current:
        cells.append("".join(current))
    return cells


def _page_items(page):
    """[(top, bottom, str | Table, column edges of a ruled table)] of one page in reading order."""
    found = page.find_tables(_TABLE_SETTINGS)
    boxes = [t.bbox for t in found]

    def outside(obj):
        return not any(b[0] - 1 <= obj["x0"] and obj["x1"] <= b[2] + 1
                       and b[1] - 1 <= obj["top"] and obj["bottom"] <= b[3] + 1 for b in boxes)

    items = []
    rows = []            # consecutive unruled rows of several cells

    def flush_rows():
        if len(rows) >= 2:
            width = max(len(r[2]) for r in rows)
            grid = [r[2] + [""] * (width - len(r[2])) for r in rows]
            items.append((rows[0][0], rows[-1][1], Table(rows=grid, page=page.page_number), None))
        else:
            items.extend((top, bottom, " ".join(cells), None) for top, bottom, cells in rows)
        rows.clear()

    text_page = page.filter(outside) if boxes else page
    for line in text_page.extract_text_lines(return_chars=True):
        text = " ".join(line["text"].split())
        if not text:
            continue
        cells = _split_cells(line["chars"])
        if len(cells) >= 2:
            rows.append((line["top"], line["bottom"], cells))
            continue
        flush_rows()
        items.append((line["top"], line["bottom"], text, None))
    flush_rows()
    for table in found:
        grid = _grid(table)
        if grid and any(any(c for c in row) for row in grid):
            edges = sorted({cell[0] for cell in table.cells} | {table.bbox[2]})
            items.append((table.bbox[1], table.bbox[3], Table(rows=grid, page=page.page_number), edges))
    items.sort(key=lambda item: item[0])
    return items


def _band_key(text):
    return re.sub(r"\d+", "#", "".join(text.split()))


def _drop_running_lines(pages):
    """Remove page numbers and lines repeated in the top/bottom band of most pages."""
    counts = Counter()
    for height, items in pages:
        keys = {_band_key(v) for top, bottom, v, _ in items
                if isinstance(v, str) and (top < height * _BAND or bottom > height * (1 - _BAND))}
        counts.update(keys)
    text_pages = sum(1 for _, items in pages if items)
    repeated = {k for k, n in counts.items() if n >= 2 and n >= text_pages / 2}
    out = []
    for height, items in pages:
        kept = []
        for top, bottom, value, xs in items:
            if isinstance(value, str) and (top < height * _BAND or bottom > height * (1 - _BAND)):
                if _PAGE_NUMBER.match(value) or _band_key(value) in repeated:
                    continue
            kept.append((value, xs))
        out.append(kept)
    return out


def _join_continued(pages):
    """Blocks of all pages. A ruled table that starts a page (after a 续表 line, if any) joins the
    table that ended the previous page when both have their column rules at the same places; a header
    row repeated on the new page is dropped."""
    blocks, ends = [], {}        # id(table) -> (last page, column edges)
    for items in pages:
        if len(items) > 1 and isinstance(items[0][0], str) and _CONTINUED.match(items[0][0]) \
                and isinstance(items[1][0], Table):
            items = items[1:]
        for i, (value, xs) in enumerate(items):
            prev = blocks[-1] if blocks else None
            end = ends.get(id(prev))
            if (i == 0 and isinstance(value, Table) and xs is not None and end is not None
                    and end[0] == value.page - 1 and len(value.rows[0]) == len(prev.rows[0])
                    and len(end[1]) == len(xs) and all(abs(a - b) < 3 for a, b in zip(end[1], xs))):
                rows = value.rows
                if rows and rows[0] == prev.rows[0] and any(rows[0]):
                    rows = rows[1:]
                prev.rows.extend(rows)
                ends[id(prev)] = (value.page, xs)
                continue
            blocks.append(value)
            if isinstance(value, Table) and xs is not None:
                ends[id(value)] = (value.page, xs)
    return blocks


def _pdfium_pages(data, deadline):
    """Text lines per page from PDFium, as (height, items) with the first/last two lines in the bands."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        pages = []
        for index in range(len(pdf)):
            if deadline is not None and time.monotonic() > deadline:
                raise ExtractionError(f"PDF 解析超时（已读 {index} 页）。")
            page = pdf[index]
            textpage = page.get_textpage()
            lines = [" ".join(line.split()) for line in textpage.get_text_range().splitlines()]
            textpage.close()
            page.close()
            lines = [line for line in lines if line]
            last = len(lines) - 2
            pages.append((1.0, [(0.0 if k < 2 else 0.5, 1.0 if k >= last else 0.5, line, None)
                                for k, line in enumerate(lines)]))
        return pages
    finally:
        pdf.close()


def read_pdf(data: bytes, max_pages: int = 500, deadline: float | None = None) -> Document:
    """Extract a PDF's lines and tables; ExtractionError for encrypted, broken, scanned or too long files."""
    if b"%%EOF" not in data[-65536:]:
        raise ExtractionError("PDF 文件不完整（可能在下载或上传时被截断），无法读取。")
    pdf = _open(data)
    try:
        try:
            count = _page_count(pdf)
        except Exception:
            raise ExtractionError("PDF 文件已损坏或不完整，无法读取页面。") from None
        if max_pages and count > max_pages:
            raise ExtractionError(f"PDF 页数过多（{count} 页，上限 {max_pages} 页）。")
        pages, warnings, chars, unmapped = [], [], 0, 0
        doctop = 0
        try:
            for number, page_obj in enumerate(PDFPage.create_pages(pdf.doc), start=1):
                if max_pages and number > max_pages:
                    raise ExtractionError(f"PDF 页数过多（超过 {max_pages} 页）。")
                if deadline is not None and time.monotonic() > deadline:
                    raise ExtractionError(f"PDF 解析超时（已读 {number - 1} 页）。")
                page = Page(pdf, page_obj, page_number=number, initial_doctop=doctop)
                doctop += page.height
                try:
                    page_chars = sum(1 for c in page.chars if not c["text"].isspace())
                    chars += page_chars
                    unmapped += sum(1 for c in page.chars if c["text"].startswith("(cid:"))
                    if not page_chars:
                        if page.images:
                            warnings.append(f"第 {number} 页没有文本层（扫描页），未能读取")
                        pages.append((page.height, []))
                        continue
                    pages.append((page.height, _page_items(page)))
                finally:
                    page.close()
        except ExtractionError:
            raise
        except (PdfminerException, PDFPasswordIncorrect, PDFEncryptionError):
            raise ExtractionError("PDF 已加密或已损坏，无法读取文字。") from None
        except Exception as exc:
            raise ExtractionError(f"PDF 内容无法解析（{type(exc).__name__}），文件可能已损坏。") from None
        if not chars:
            if count == 0:
                raise ExtractionError("PDF 没有任何页面，文件可能已损坏。")
            raise NeedsOCR("扫描件：PDF 无文本层，需要文字识别（OCR）后才能读取。")
        if unmapped > 0.3 * chars:
            # fonts without a Unicode map for pdfminer (seen in encrypted files): PDFium still reads the text
            pages = _pdfium_pages(data, deadline)
            warnings.append("PDF 字体缺少文字映射，已改用 PDFium 按文字行读取，表格未能识别为表格")
        blocks = _join_continued(_drop_running_lines(pages))
        return Document(blocks=blocks, media_type="application/pdf", warnings=warnings)
    finally:
        pdf.flush_cache()       # not pdf.close(): it would build every page object
        pdf.stream.close()
