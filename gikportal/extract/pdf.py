"""PDF -> Document with pdfplumber: text lines in reading order, ruled tables as cell grids.

A page's characters and painted paths are read with PDFium (extract/_pdfium.py) into the objects
pdfminer would build, which is many times faster than pdfminer's content-stream interpreter;
pdfplumber's text lines and table finder then work on them as before, in extract/_plumber.py's
versions (the same lines and tables without pdfplumber's quadratic scans). A page PDFium cannot
read the same way is interpreted by pdfminer.

Pages are opened one at a time and closed after use, so memory stays bounded whatever the
page count; the page count is checked before any page is read. Lines repeated at the top or
bottom of most pages (running headers, footers, page numbers) are dropped, and a table that
runs on from one page to the next is joined into one grid.

Prose is never lost to the table finder: it sees only the rules that are drawn visibly (WPS and
Word paint an invisible white box behind every line and cell), and a ruled box that frames prose
(a page border, a text box, a layout grid of one or two columns of text lines) is read as text.
"""
import io
import re
import time
import unicodedata
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import resolve1
from pdfplumber.page import Page
from pdfplumber.utils.text import LIGATURES
from pdfplumber.utils.exceptions import PdfminerException

from ..document import Document, ExtractionError, NeedsOCR, Table
from . import _pdfium, _plumber

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_PAGE_NUMBER = re.compile(
    r"^[\s\-—–－·•]*(第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?|\d+(\s*/\s*\d+)?|[-—–－]\s*\d+\s*[-—–－]"
    r"|page\s+\d+(\s+of\s+\d+)?)[\s\-—–－·•]*$", re.IGNORECASE)
_CONTINUED = re.compile(r"^[（(]?\s*续\s*表\s*[\d一二三四五六七八九十]*\s*[)）]?[:：]?$")
_BAND = 0.09            # top/bottom share of the page height where running headers live
_CELL_GAP = 1.2         # a gap wider than this many font sizes separates two cells of an unruled row
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_PROSE_CELL_CHARS = 12  # cells of a layout grid hold text lines at least this long on average
_COLUMN_LINE_CHARS = 8  # lines this long mark out the page's text column
_WRAP_SLACK = 0.3       # font sizes of slack when telling whether a line's first word fitted on the line above
_IDEOGRAPH = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# a numbered item or heading starts a line of its own even right below a full line
_LIST_MARK = re.compile(r"^(?:[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|[一二三四五六七八九十]+\s*[、.．]"
                        r"|\d+\s*[、.．](?!\d)|第[一二三四五六七八九十\d]+[章节条部分])")
_NUMBER_CELL = re.compile(r"^[\d\s.,，/%％—–\-]+$")


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


def _centres(chars):
    """[(vertical centre, horizontal centre, page order, char)] of a page's characters sorted by
    vertical centre (page order among equals), and the vertical centres: made once per page for
    the cell texts of all its tables."""
    out = sorted((((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2, i, c) for i, c in enumerate(chars)),
                 key=itemgetter(0))
    return out, [c[0] for c in out]


def _extract(table, centres=None):
    """table.extract(): each cell's text from the characters whose centre lies inside it (pdfplumber's
    test), in page order. Found by bisection over the characters sorted by centre (_centres of the
    table's page) instead of pdfplumber's scan of every character of the page for every row and cell."""
    x0, top, x1, bottom = table.bbox       # a property computed from all cells on each use
    page_chars, page_v_mids = centres or _centres(table.page.chars)
    # the characters whose centre is inside the table, by vertical centre, page order among equals
    chars = [c for c in page_chars[bisect_left(page_v_mids, top):bisect_left(page_v_mids, bottom)]
             if x0 <= c[1] < x1]
    v_mids = [c[0] for c in chars]
    out = []
    for row in table.rows:
        _, row_top, _, row_bottom = row.bbox
        row_chars = sorted(chars[bisect_left(v_mids, row_top):bisect_left(v_mids, row_bottom)], key=itemgetter(1))
        h_mids = [c[1] for c in row_chars]
        cells = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            cell_x0, cell_top, cell_x1, cell_bottom = cell
            inside = [c for c in row_chars[bisect_left(h_mids, cell_x0):bisect_left(h_mids, cell_x1)]
                      if cell_top <= c[0] < cell_bottom]
            if len(inside) == 1:        # most cells of a figure table: what extract_text makes of one
                text = inside[0][3]["text"]
                cells.append("" if text.isspace() else LIGATURES.get(text, text))
            else:
                inside.sort(key=itemgetter(2))
                cells.append(_plumber.cell_text([c[3] for c in inside]) if inside else "")
        out.append(cells)
    return out


def _grid(table, centres=None):
    return [[join_wrapped((cell or "").split("\n")) for cell in row] for row in _extract(table, centres)]


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


def _is_white(color):
    """A fill or stroke colour that paints nothing on a white page (gray, RGB or CMYK white)."""
    if isinstance(color, (int, float)):
        color = (color,)
    if not isinstance(color, (tuple, list)) or not color or not all(isinstance(c, (int, float)) for c in color):
        return False
    if len(color) == 4:
        return max(color) <= 0.05
    return min(color) >= 0.95


_PAINTED = ("rect", "line", "curve")


def _visible(obj):
    """False for a rule or box that draws nothing visible: a white-filled unstroked rectangle
    (WPS and Word paint one behind every paragraph and every table cell) or a white stroke."""
    if obj.get("object_type") not in _PAINTED:
        return True
    stroked = obj.get("stroke") and not _is_white(obj.get("stroking_color"))
    filled = obj.get("fill") and obj.get("object_type") != "line" and not _is_white(obj.get("non_stroking_color"))
    return bool(stroked or filled)


def _paints_nothing(paint):
    """A path _visible drops whatever its shape (a rect, line or curve): no visible stroke or fill."""
    return not _visible(dict(paint, object_type="rect"))


def _closing_rules(edges):
    """Horizontal rules that close a ruled table where the page cut it: several vertical rules end
    (or begin) at the same height and no horizontal rule (or only part of one) is drawn there."""
    vertical = [e for e in edges if e["orientation"] == "v"]
    horizontal = [e for e in edges if e["orientation"] == "h"]
    extra = []
    for side in ("top", "bottom"):
        groups = []
        for e in sorted(vertical, key=lambda e: e[side]):
            if groups and e[side] - groups[-1][-1][side] <= 2:
                groups[-1].append(e)
            else:
                groups.append([e])
        for group in groups:
            if len(group) < 3:
                continue
            y = sum(e[side] for e in group) / len(group)
            x0, x1 = min(e["x0"] for e in group), max(e["x1"] for e in group)
            drawn = sum(max(0, min(h["x1"], x1) - max(h["x0"], x0)) for h in horizontal if abs(h["top"] - y) <= 3)
            if drawn >= 0.9 * (x1 - x0):
                continue
            top = min(e[side] for e in group) if side == "top" else max(e[side] for e in group)
            extra.append({"object_type": "line_edge", "orientation": "h", "x0": x0, "x1": x1, "width": x1 - x0,
                          "top": top, "bottom": top, "height": 0, "doctop": top})
    return extra


def _is_number(text):
    return bool(_NUMBER_CELL.match(text))


def _is_frame(table, grid):
    """A ruled box that lays out prose rather than tabulating figures: a page border or text box
    (one cell), or a grid of one or two columns of text lines with hardly any figures in it."""
    if len(table.cells) <= 1:
        return True
    filled = [c for row in grid for c in row if c]
    if not filled:
        return True
    width = max(len(row) for row in grid)
    numbers = sum(1 for c in filled if _is_number(c))
    if width <= 2 and numbers <= max(1, len(filled) // 10):
        return sum(len(c) for c in filled) / len(filled) >= _PROSE_CELL_CHARS
    return False


def _prose_rows(table, grid):
    """How many leading and trailing rows of a table are prose: runs of rows holding one cell that
    spans the whole table, at least one of them a long text line (a layout grid that a figure
    table continues)."""
    def single(i):
        cells = table.rows[i].cells
        return sum(1 for c in cells if c is not None) == 1 and sum(1 for c in grid[i] if c) <= 1

    def run(indices):
        count, prose = 0, False
        for i in indices:
            if not single(i):
                break
            count += 1
            prose = prose or len(next((c for c in grid[i] if c), "")) >= _PROSE_CELL_CHARS
        return count if prose else 0

    lead = run(range(len(grid)))
    if lead == len(grid):
        return lead, 0
    return lead, run(range(len(grid) - 1, lead - 1, -1))


def _rotated(char):
    """A character set at an angle (stamp and seal lettering, text turned along a margin); italics
    only slant and stay upright."""
    a, b = char["matrix"][0], char["matrix"][1]
    return abs(b) > 0.3 * abs(a)


def _page_number_row(row, cells, height):
    """A table row in the top or bottom band of the page holding nothing but a page number (a
    footer the page's frame or a table reaching the page edge took in)."""
    filled = [c for c in cells if c]
    top, bottom = row.bbox[1], row.bbox[3]
    return (len(filled) == 1 and bool(_PAGE_NUMBER.match(filled[0]))
            and (top < height * _BAND or bottom > height * (1 - _BAND)))


def _stray(line, right):
    """A text line of one glyph that is not a word or figure: a punctuation mark or symbol left
    alone (a box cut it off its line), or a letter standing beyond the right edge of the text
    column (run off a frame, a stamp's letter). A one-word line like 无 stays."""
    text = line["text"]
    if len(text) != 1 or text.isdigit():
        return False
    if unicodedata.category(text)[0] in "PSZC":
        return True
    return right is not None and line["x0"] >= right - 0.5 * (line["bottom"] - line["top"])


def _first_unit(line):
    """Width of what a line breaker had to move whole to this line's start: the characters up to
    the first place a line may break — between two ideographs or at a space (Unicode's line
    breaking, UAX #14, in short: marks, quotes, digits and Latin letters bind to their neighbours)."""
    chars = line["chars"]
    first = next((i for i, c in enumerate(chars) if not c["text"].isspace()), None)
    if first is None:
        return 0.0
    last = first
    for i in range(first + 1, len(chars)):
        if chars[i]["text"].isspace() or (_IDEOGRAPH.match(chars[i - 1]["text"]) and _IDEOGRAPH.match(chars[i]["text"])):
            break
        last = i
    return chars[last]["x1"] - chars[first]["x0"]


@dataclass
class _Prose:
    """A text item's first and last line, and its page's right edge of the text column."""
    first: dict
    last: dict
    right: float | None


def _continues(prev, line, right, text, next_page=False):
    """The line goes on with prev's paragraph: what starts it would not have fitted at the end of
    prev (so a line breaker moved it here), it is not indented against prev (a paragraph's first
    line is), it is set in the same size right below prev (or at the top of the next page), and it
    does not start a numbered item."""
    size = prev["bottom"] - prev["top"]
    return (right is not None and not (prev["vertical"] or line["vertical"])
            and right - prev["x1"] < _first_unit(line) + _WRAP_SLACK * size
            and line["x0"] <= prev["x0"] + 0.5 * size
            and abs((line["bottom"] - line["top"]) - size) <= 0.2 * size
            and (next_page or 0 <= line["top"] - prev["bottom"] <= size) and not _LIST_MARK.match(text))


def _vertical_runs(lines):
    """Consecutive one-character lines stacked at one x (text set vertically, one character per
    line) joined into one line."""
    out = []
    for line in lines:
        text = line["text"].strip()
        prev = out[-1] if out else None
        if (prev is not None and len(text) == 1 and prev["vertical"] and abs(line["x0"] - prev["x0"]) < 2
                and line["top"] - prev["bottom"] < line["bottom"] - line["top"]):
            prev["text"] += text
            prev["bottom"] = line["bottom"]
            continue
        out.append({"text": text, "top": line["top"], "bottom": line["bottom"], "x0": line["x0"],
                    "x1": line["x1"], "chars": line["chars"], "vertical": len(text) == 1})
    return out


def _page_items(page):
    """[(top, bottom, str | Table, (column edges, which columns of the first row hold a cell of
    their own) of a ruled table)] of one page in reading order.
    Tables are found on the visible rules only; boxes that frame prose are read as text."""
    drawn = page.filter(_visible)
    # what page.filter(_visible) gives, without a call per character (_visible keeps all but rules and boxes)
    drawn._objects = {kind: [o for o in objs if _visible(o)] if kind in _PAINTED else list(objs)
                      for kind, objs in page.objects.items()}
    closing = _closing_rules(drawn.edges) if drawn.edges else []
    settings = dict(_TABLE_SETTINGS, explicit_horizontal_lines=closing)
    found = []
    centres = None
    for table in _plumber.find_tables(drawn, settings) if drawn.edges else []:
        centres = centres or _centres(drawn.chars)
        grid = _grid(table, centres)
        if not any(any(c for c in row) for row in grid) or _is_frame(table, grid):
            continue
        lead, trail = _prose_rows(table, grid)
        keep = list(range(lead, len(grid) - trail))
        for end in (-1, 0):      # the first or the last row: a running header's or footer's page number
            if keep and _page_number_row(table.rows[keep[end]], grid[keep[end]], page.height):
                keep.pop(end)
        if not keep:
            continue
        bbox = (table.bbox[0], table.rows[keep[0]].bbox[1], table.bbox[2], table.rows[keep[-1]].bbox[3])
        own = [cell is not None for cell in table.rows[keep[0]].cells]
        found.append((bbox, [grid[i] for i in keep], table, own))
    boxes = [b for b, _, _, _ in found]

    chars = page.chars
    rotated = sum(map(_rotated, chars))
    drop_rotated = 0 < rotated < len(chars) / 2

    bounds = [(b[0] - 1, b[1] - 1, b[2] + 1, b[3] + 1) for b in boxes]

    def outside(obj):
        if drop_rotated and obj.get("object_type") == "char" and _rotated(obj):
            return False
        if bounds:
            x0, x1, top, bottom = obj["x0"], obj["x1"], obj["top"], obj["bottom"]
            for left, upper, right, lower in bounds:
                if left <= x0 and x1 <= right and upper <= top and bottom <= lower:
                    return False
        return True

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

    text_page = page.filter(outside) if boxes or drop_rotated else page
    lines = _vertical_runs(_plumber.text_lines(text_page))
    column = [line for line in lines if len(line["text"]) >= _COLUMN_LINE_CHARS]
    right = max((line["x1"] for line in column), default=None)
    prev = None          # the text line the last item ends with
    for line in lines:
        text = " ".join(line["text"].split())
        if not text or _stray(line, right):
            continue
        cells = _split_cells(line["chars"]) if not line["vertical"] else [text]
        if len(cells) >= 2:
            rows.append((line["top"], line["bottom"], cells))
            prev = None
            continue
        flush_rows()
        if prev is not None and _continues(prev, line, right, text):
            top, _, before, prose = items.pop()
            items.append((top, line["bottom"], join_wrapped([before, text]), _Prose(prose.first, line, right)))
        else:
            items.append((line["top"], line["bottom"], text, _Prose(line, line, right)))
        prev = line
    flush_rows()
    for bbox, grid, table, own in found:
        edges = sorted({cell[0] for cell in table.cells} | {table.bbox[2]})
        items.append((bbox[1], bbox[3], Table(rows=grid, page=page.page_number), (edges, own)))
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


def _row_runs_on(last, first, own):
    """The first row of a table's continuation is the rest of the previous page's last row (the row
    broke at the page end): the last row holds figures, the first holds none, each of its cells is a
    cell of its own (not a heading merged across columns), and it has text only where the last row
    has a text label."""
    filled = [c for c, text in enumerate(first) if text]
    return (bool(filled) and all(own) and len(own) == len(first) == len(last)
            and any(_is_number(text) for text in last if text)
            and not any(_is_number(first[c]) for c in filled)
            and all(last[c] and not _is_number(last[c]) for c in filled))


def _join_continued(pages):
    """Blocks of all pages. A ruled table that starts a page (after a 续表 line, if any) joins the
    table that ended the previous page when both have their column rules at the same places; a header
    row repeated on the new page is dropped, a row broken by the page end is joined again. A
    paragraph that the page end broke (its line full, the next page's first line not indented) is
    joined again too."""
    blocks, ends = [], {}        # id(table) -> (last page, column edges)
    tail = None                  # _Prose of the last block when it is text
    for items in pages:
        if len(items) > 1 and isinstance(items[0][0], str) and _CONTINUED.match(items[0][0]) \
                and isinstance(items[1][0], Table):
            items = items[1:]
        for i, (value, meta) in enumerate(items):
            prev = blocks[-1] if blocks else None
            if isinstance(meta, _Prose):
                if i == 0 and tail is not None and _continues(tail.last, meta.first, tail.right, value,
                                                              next_page=True):
                    blocks[-1] = join_wrapped([prev, value])    # a paragraph going on over the page break
                else:
                    blocks.append(value)
                tail = meta
                continue
            tail = None
            xs, own = meta if meta is not None else (None, None)
            end = ends.get(id(prev))
            if (i == 0 and isinstance(value, Table) and xs is not None and end is not None
                    and end[0] == value.page - 1 and len(value.rows[0]) == len(prev.rows[0])
                    and len(end[1]) == len(xs) and all(abs(a - b) < 3 for a, b in zip(end[1], xs))):
                rows = value.rows
                if rows and rows[0] == prev.rows[0] and any(rows[0]):
                    rows = rows[1:]
                elif rows and prev.rows and _row_runs_on(prev.rows[-1], rows[0], own):
                    last = prev.rows[-1]
                    prev.rows[-1] = [join_wrapped([a, b]) for a, b in zip(last, rows[0])]
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
    fast = None
    try:
        try:
            count = _page_count(pdf)
        except Exception:
            raise ExtractionError("PDF 文件已损坏或不完整，无法读取页面。") from None
        if max_pages and count > max_pages:
            raise ExtractionError(f"PDF 页数过多（{count} 页，上限 {max_pages} 页）。")
        pages, warnings, chars, unmapped = [], [], 0, 0
        fast = _pdfium.open_document(data, count)
        doctop = 0
        try:
            for number, page_obj in enumerate(PDFPage.create_pages(pdf.doc), start=1):
                if max_pages and number > max_pages:
                    raise ExtractionError(f"PDF 页数过多（超过 {max_pages} 页）。")
                if deadline is not None and time.monotonic() > deadline:
                    raise ExtractionError(f"PDF 解析超时（已读 {number - 1} 页）。")
                page = Page(pdf, page_obj, page_number=number, initial_doctop=doctop)
                if fast is not None and _pdfium.pdfminer_maps(pdf, page_obj):
                    objects = _pdfium.read_page(fast, number - 1, page.height, number, doctop,
                                                _pdfium.font_descents(page_obj), _paints_nothing)
                    if objects is not None:
                        page._objects = objects     # pdfminer would build the same objects, slowly
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
        if fast is not None:
            _pdfium.close_document(fast)
        pdf.flush_cache()       # not pdf.close(): it would build every page object
        pdf.stream.close()
