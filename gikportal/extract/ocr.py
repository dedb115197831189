"""Scanned pages -> the same page items a text PDF gives: OCR words (Tesseract, chi_sim) placed
into cell grids found from the image's own ruling lines.

A scan has no text layer, so pdfplumber sees nothing. Each page is rendered (PDFium), deskewed
(the angle whose row profile is sharpest), binarised (Otsu), and its ruling lines are found as long
runs of dark pixels. The lines are then painted out and the page is read once by Tesseract with word
boxes: a word whose centre falls inside a ruled table goes to the cell under it (merged cells are the
grid cells with no rule between them), any other word joins its Tesseract line as prose. The pages
then go through the same header/footer and continued-table steps as text PDFs, so the parser sees a
scan exactly as it sees a text PDF.
"""
import io
import os
import re
import time
from dataclasses import dataclass, field

import numpy as np

from ..document import Document, ExtractionError, NeedsOCR, Table  # noqa: F401 (NeedsOCR re-exported)
from ._pdfium import _LOCK as _PDFIUM
from .pdf import _drop_running_lines, _join_continued, join_wrapped

LANG = "chi_sim"
DPI = 300
LOW_CONFIDENCE = 60       # Tesseract word confidence (0-100) below which a word is marked doubtful
MAX_MARKED = 50           # doubtful words a page lists in the record (the text keeps every word)
_MAX_SKEW = 3.0
_DIGITS = "-c tessedit_char_whitelist=0123456789."
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u4e00-\u9fff]")           # degrees searched either way when deskewing


@dataclass
class PageResult:
    """One OCR'd page: its items for the PDF pipeline and what the record says about it."""
    number: int
    height: float
    items: list
    words: int = 0
    confidence: float | None = None
    doubtful: list = field(default_factory=list)
    unread_cells: int = 0


def engine_name():
    import pytesseract

    return f"tesseract {pytesseract.get_tesseract_version()} ({LANG})"


def available():
    """True when the Tesseract binary and its Chinese model are installed."""
    try:
        import pytesseract

        return LANG in pytesseract.get_languages(config="")
    except Exception:
        return False


# --- image steps -------------------------------------------------------------------------------

def _otsu(gray):
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    cum = np.cumsum(hist)
    cum_mean = np.cumsum(hist * np.arange(256))
    mean = cum_mean[-1] / total
    denominator = cum * (total - cum)
    between = np.zeros(256)
    np.divide((mean * cum - cum_mean) ** 2, denominator, out=between, where=denominator > 0)
    return int(np.argmax(between))


def _skew(gray):
    """The rotation (degrees) that makes text rows and rules horizontal: the sharpest row profile."""
    from PIL import Image

    small = Image.fromarray(gray).reduce(4)
    dark = (np.asarray(small) <= _otsu(np.asarray(small))).astype(np.uint8) * 255
    img = Image.fromarray(dark)

    def sharpness(angle):
        rows = np.asarray(img.rotate(angle, resample=Image.NEAREST, fillcolor=0)).sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-_MAX_SKEW, _MAX_SKEW + 0.01, 0.5), key=sharpness)
    return float(max(np.arange(best - 0.5, best + 0.51, 0.1), key=sharpness))


def _runs(mask, length, axis):
    """Pixels lying on a straight run of at least `length` dark pixels along `axis`."""
    m = mask if axis == 1 else mask.T
    c = np.zeros((m.shape[0], m.shape[1] + 1), dtype=np.int32)
    np.cumsum(m, axis=1, out=c[:, 1:])
    full = (c[:, length:] - c[:, :-length]) == length          # windows entirely dark
    # a pixel is on a run when some full window covers it
    cover = np.zeros((m.shape[0], m.shape[1] + 1), dtype=np.int32)
    cover[:, :full.shape[1]] += full
    cover[:, length:length + full.shape[1]] -= full
    out = np.cumsum(cover, axis=1)[:, :m.shape[1]] > 0
    return out if axis == 1 else out.T


def _segments(line_mask, axis, min_len, gap=4):
    """Ruling lines as (position, start, end): rows (axis 1) or columns (axis 0) of the mask grouped."""
    m = line_mask if axis == 1 else line_mask.T
    on = m.any(axis=1)
    lines, k = [], 0
    n = len(on)
    while k < n:
        if not on[k]:
            k += 1
            continue
        j = k
        while j + 1 < n and on[j + 1]:
            j += 1
        xs = np.flatnonzero(m[k:j + 1].any(axis=0))
        if len(xs):             # one rule per stretch without a gap (two tables in one column are two rules)
            breaks = np.flatnonzero(np.diff(xs) > gap)
            for a, b in zip(np.r_[0, breaks + 1], np.r_[breaks, len(xs) - 1]):
                if xs[b] - xs[a] >= min_len:
                    lines.append(((k + j) / 2, int(xs[a]), int(xs[b])))
        k = j + 1
    return lines


def _cluster(values, tol):
    out = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


@dataclass
class _Grid:
    ys: list
    xs: list
    root: dict          # (row, col) -> (row, col) of the merged cell's top-left

    @property
    def box(self):
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def cell(self, x, y):
        r = int(np.searchsorted(self.ys, y)) - 1
        c = int(np.searchsorted(self.xs, x)) - 1
        if 0 <= r < len(self.ys) - 1 and 0 <= c < len(self.xs) - 1:
            return self.root[(r, c)]
        return None


def _grids(dark, hmask, vmask, unit):
    """Ruled tables of one page: grids of rule positions, with merged cells found where a rule is missing."""
    hs = _segments(hmask, 1, 8 * unit)
    vs = _segments(vmask, 0, 3 * unit)
    if len(hs) < 2 or len(vs) < 2:
        return []
    tol = unit
    # tables: groups of rules that touch each other
    parent = list(range(len(hs) + len(vs)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, (y, x0, x1) in enumerate(hs):
        for j, (x, y0, y1) in enumerate(vs):
            if x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol:
                parent[find(i)] = find(len(hs) + j)
    groups = {}
    for k in range(len(parent)):
        groups.setdefault(find(k), []).append(k)
    grids = []
    tables = []
    for members in groups.values():
        gh = [hs[k] for k in members if k < len(hs)]
        gv = [vs[k - len(hs)] for k in members if k >= len(hs)]
        ys = _cluster([y for y, _, _ in gh], tol)
        # tables stacked on one another share rules: split where no vertical rule crosses a band
        run = ys[:1]
        for a, b in zip(ys, ys[1:]):
            if any(y0 - tol <= a and b <= y1 + tol for _, y0, y1 in gv):
                run.append(b)
                continue
            tables.append((run, gv))
            run = [b]
        tables.append((run, gv))
    for ys, gv in tables:
        if len(ys) < 2:
            continue
        xs = _cluster([x for x, y0, y1 in gv if y0 - tol <= ys[0] + tol and ys[-1] - tol <= y1 + tol
                       or any(y0 - tol <= a and b <= y1 + tol for a, b in zip(ys, ys[1:]))], tol)
        if len(xs) < 3:      # one column: a frame or a box around text, not a table
            continue

        def has_v(x, ya, yb):
            col = dark[int(ya + tol):int(yb - tol), max(0, int(x - tol)):int(x + tol) + 1]
            return col.size and col.any(axis=1).mean() > 0.9

        def has_h(y, xa, xb):
            row = dark[max(0, int(y - tol)):int(y + tol) + 1, int(xa + tol):int(xb - tol)]
            return row.size and row.any(axis=0).mean() > 0.9

        root = {}
        for r in range(len(ys) - 1):
            for c in range(len(xs) - 1):
                root[(r, c)] = (r, c)
                if c and not has_v(xs[c], ys[r], ys[r + 1]):
                    root[(r, c)] = root[(r, c - 1)]
                elif r and not has_h(ys[r], xs[c], xs[c + 1]):
                    root[(r, c)] = root[(r - 1, c)]
        grids.append(_Grid(ys, xs, root))
    return grids


# --- words -> items ----------------------------------------------------------------------------

def _words(image, psm=3, lang=LANG, extra=""):
    import pytesseract

    # Tesseract's OpenMP threads spin on the other core: slower per page on a busy machine and
    # they take the core the portal serves from (Tesseract's docs advise 1 when pages run side
    # by side); pytesseract starts tesseract with this process's environment
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    # pytesseract hands the picture over as a file in the picture's format, PNG by default, whose
    # compression cost a second of CPU a page; an uncompressed PGM (PIL: "PPM") costs nothing
    image.format = "PPM" if image.mode in ("L", "RGB") else "BMP"

    data = pytesseract.image_to_data(image, lang=lang, config=f"--psm {psm} {extra}".strip(),
                                     output_type=pytesseract.Output.DICT)
    out = []
    for k, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text:
            continue
        left, top, w, h = data["left"][k], data["top"][k], data["width"][k], data["height"][k]
        out.append({"text": text, "x": left + w / 2, "y": top + h / 2, "left": left, "top": top,
                    "bottom": top + h, "conf": float(data["conf"][k]),
                    "line": (data["block_num"][k], data["par_num"][k], data["line_num"][k])})
    return out


def _missed_lines(image, dark, words, unit, paper):
    """Words of the lines of ink in which page layout analysis placed no word: a short heading
    under a large title or between tables is what it drops. Each is read again on its own as one
    line (psm 7), padded with paper; its words join the page like any other line."""
    from PIL import Image

    inked = dark & (image < paper)            # what is still ink once tables and rules are painted out
    rows = np.flatnonzero(inked.sum(axis=1) >= 2)
    if not len(rows):
        return []
    bands, start, last = [], rows[0], rows[0]
    for y in rows[1:].tolist() + [None]:
        if y is not None and y - last <= 2:
            last = y
            continue
        if unit // 2 <= last - start + 1 <= 4 * unit:
            bands.append((int(start), int(last) + 1))
        if y is not None:
            start = last = y
    out = []
    for k, (top, bottom) in enumerate(bands):
        middle = (top + bottom) / 2
        if any(w["top"] <= middle <= w["bottom"] for w in words) or not _inked(inked[top:bottom]):
            continue
        pad = unit
        strip = image[max(0, top - pad // 2):bottom + pad // 2]
        framed = np.full((strip.shape[0] + 2 * pad, strip.shape[1]), paper, dtype=np.uint8)
        framed[pad:pad + strip.shape[0]] = strip
        shift = max(0, top - pad // 2) - pad
        for w in _words(Image.fromarray(framed), psm=7):
            out.append(dict(w, y=w["y"] + shift, top=w["top"] + shift, bottom=w["bottom"] + shift,
                            line=("missed", k)))
    return out


def _speck(line):
    """A line of one or two characters that Tesseract itself doubts: a speck or a stroke of a large
    glyph read as a character (和, 下), not text. Read alone it would split the title it sits in."""
    return sum(len(w["text"]) for w in line) <= 2 and max(w["conf"] for w in line) < LOW_CONFIDENCE


def _inked(dark):
    """Whether a cell holds a glyph: dark pixels that survive a 2x2 erosion (scan noise does not)."""
    core = dark[:-1, :-1] & dark[1:, :-1] & dark[:-1, 1:] & dark[1:, 1:]
    return int(core.sum()) >= 20


def _inside(image, box):
    x0, y0, x1, y1 = box
    return image[int(y0) + 3:int(y1) - 3, int(x0) + 3:int(x1) - 3]


def _cell_alone(clean, box, paper):
    """One cell read on its own as one line of digits (psm 7; psm 8 drops lone digits), padded with paper."""
    from PIL import Image

    crop = _inside(clean, box)
    if crop.size == 0:
        return []
    pad = 40
    framed = np.full((crop.shape[0] + 2 * pad, crop.shape[1] + 2 * pad), paper, dtype=np.uint8)
    framed[pad:pad + crop.shape[0], pad:pad + crop.shape[1]] = crop
    words = _words(Image.fromarray(framed), psm=7, lang="eng", extra=_DIGITS)
    return words if _NUMBER.fullmatch("".join(w["text"] for w in words)) else []


def _cell_words(clean, dark, boxes, unit, paper=255, **how):
    """Words of many cells from one Tesseract call: the cells' insides stacked into one column
    (isolated digits in a sparse table are what page-level layout analysis drops)."""
    from PIL import Image

    pad = unit
    crops, slots, y = [], [], pad
    for key, (x0, y0, x1, y1) in boxes:
        x0, y0, x1, y1 = int(x0) + 3, int(y0) + 3, int(x1) - 3, int(y1) - 3   # the rules are painted out already
        if x1 - x0 < 4 or y1 - y0 < 4 or not _inked(dark[y0:y1, x0:x1]):
            continue
        crop = clean[y0:y1, x0:x1]
        crops.append((y, crop))
        slots.append((y, y + crop.shape[0], key))
        y += crop.shape[0] + 2 * pad
    out = {}
    limit = 30000           # Tesseract refuses images taller than 32767 pixels
    chunk, start = [], 0
    for k, (top, crop) in enumerate(crops + [(None, None)]):
        if top is not None and (not chunk or top + crop.shape[0] + pad - start <= limit):
            chunk.append((top, crop, slots[k]))
            continue
        if chunk:
            width = max(c.shape[1] for _, c, _ in chunk) + 2 * pad
            end = chunk[-1][0] + chunk[-1][1].shape[0] + pad
            mosaic = np.full((end - start, width), paper, dtype=np.uint8)
            for t, c, _ in chunk:
                mosaic[t - start:t - start + c.shape[0], pad:pad + c.shape[1]] = c
            for w in _words(Image.fromarray(mosaic), psm=6, **how):
                y = w["y"] + start
                for s_top, s_bottom, key in (slot for _, _, slot in chunk):
                    if s_top - pad <= y < s_bottom + pad:
                        out.setdefault(key, []).append(w)
                        break
        if top is not None:
            start = top - pad
            chunk = [(top, crop, slots[k])]
    return out


def _join_words(words, unit):
    """Text of words in reading order: rows by their centres, then left to right."""
    rows = []
    for w in sorted(words, key=lambda w: w["y"]):
        if rows and abs(w["y"] - rows[-1][0]) < unit * 0.8:
            rows[-1][1].append(w)
        else:
            rows.append([w["y"], [w]])
    return join_wrapped(_join_row(sorted(r, key=lambda w: w["left"])) for _, r in rows)


def _join_row(words):
    """Tesseract puts spaces between CJK characters; keep one only between Latin letters or digits."""
    out = ""
    for w in words:
        t = w["text"]
        if out and out[-1].isascii() and out[-1].isalnum() and t[0].isascii() and t[0].isalnum():
            out += " "
        out += t
    return out


def ocr_page(image, number):
    """OCR one page image (PIL) into a PageResult of items in reading order."""
    from PIL import Image

    gray = np.asarray(image.convert("L"))
    angle = _skew(gray)
    if abs(angle) >= 0.05:
        gray = np.asarray(Image.fromarray(gray).rotate(angle, resample=Image.BICUBIC, fillcolor=255))
    dark = gray <= _otsu(gray)
    height, width = gray.shape
    unit = max(8, width // 100)                 # ~2 mm at any resolution
    hmask = _runs(dark, 6 * unit, axis=1)
    vmask = _runs(dark, 3 * unit, axis=0)
    grids = _grids(dark, hmask, vmask, unit // 2)
    clean = gray.copy()
    rules = hmask | vmask
    grown = rules.copy()                        # paint rules out a little wider than they are
    grown[1:] |= rules[:-1]
    grown[:-1] |= rules[1:]
    grown[:, 1:] |= rules[:, :-1]
    grown[:, :-1] |= rules[:, 1:]
    paper = int(np.median(gray))               # paint with the paper's own grey: no edges for Tesseract to read
    clean[grown] = paper
    prose_image = clean.copy()
    for grid in grids:
        x0, y0, x1, y1 = (int(v) for v in grid.box)
        prose_image[y0:y1 + 1, x0:x1 + 1] = paper
    words = _words(Image.fromarray(prose_image))
    words += _missed_lines(prose_image, dark, words, unit, paper)
    lines = {}
    for w in words:
        lines.setdefault(w["line"], []).append(w)
    items = []
    for line in lines.values():
        if _speck(line):
            continue
        line.sort(key=lambda w: w["left"])
        top, bottom = min(w["top"] for w in line), max(w["bottom"] for w in line)
        items.append((top, bottom, _join_row(line), None))
    unread = 0
    for g, grid in enumerate(grids):
        boxes = []
        for (r, c), root in grid.root.items():
            if root != (r, c):
                continue
            r1, c1 = r, c       # the merged cell's far corner
            while r1 + 1 < len(grid.ys) - 1 and grid.root[(r1 + 1, c)] == root:
                r1 += 1
            while c1 + 1 < len(grid.xs) - 1 and grid.root[(r, c1 + 1)] == root:
                c1 += 1
            boxes.append(((r, c), (grid.xs[c], grid.ys[r], grid.xs[c1 + 1], grid.ys[r1 + 1])))
        cells = _cell_words(clean, dark, boxes, unit, paper)
        # the Chinese model reads a lone 1 or 7 as a character: cells with no Chinese are read
        # again by the Latin model limited to digits, and its reading is kept when it is a number
        numeric = [(key, box) for key, box in boxes if len(_CJK.findall(_join_words(cells.get(key, []), unit))) < 2]
        digits = _cell_words(clean, dark, numeric, unit, paper, lang="eng", extra=_DIGITS) if numeric else {}
        for key, box in numeric:
            text = _join_words(digits.get(key, []), unit)
            if _NUMBER.fullmatch(text):
                cells[key] = digits[key]
            elif not cells.get(key) and _inked(_inside(dark, box)):
                # ink that neither reading placed: read the cell alone; if that fails too the cell
                # stays empty and the page says so (the table's own sums then show the gap)
                cells[key] = _cell_alone(clean, box, paper)
                if not cells[key]:
                    unread += 1
        words += [w for ws in cells.values() for w in ws]
        rows = [[_join_words(cells.get((r, c), []), unit) if grid.root[(r, c)] == (r, c) else ""
                 for c in range(len(grid.xs) - 1)] for r in range(len(grid.ys) - 1)]
        if any(any(row) for row in rows):
            own = [grid.root[(0, c)] == (0, c) for c in range(len(grid.xs) - 1)]   # first row: cells of their own
            items.append((grid.ys[0], grid.ys[-1], Table(rows=rows, page=number), (list(grid.xs), own)))
    items.sort(key=lambda item: item[0])
    confs = [w["conf"] for w in words if w["conf"] >= 0]
    doubtful = [w["text"] for w in words if 0 <= w["conf"] < LOW_CONFIDENCE]
    return PageResult(number, float(height), items, len(words),
                      round(sum(confs) / len(confs), 1) if confs else None, doubtful, unread)


def ocr_pdf(data: bytes, max_pages: int = 20, deadline: float | None = None, dpi: int = DPI) -> Document:
    """OCR the first `max_pages` pages of an image-only PDF into a Document with its OCR provenance."""
    import pypdfium2

    if not available():
        raise ExtractionError("未安装文字识别引擎（tesseract-ocr 与 chi_sim 语言包），无法识别扫描件。")
    try:
        with _PDFIUM:
            pdf = pypdfium2.PdfDocument(data)
            count = len(pdf)
    except Exception:
        raise ExtractionError("PDF 文件已损坏或不完整，无法读取页面。") from None
    results = []
    try:
        for index in range(min(count, max_pages) if max_pages else count):
            if deadline is not None and time.monotonic() > deadline:
                break
            with _PDFIUM:       # PDFium is not thread-safe; Tesseract runs outside the lock
                page = pdf[index]
                try:
                    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
                finally:
                    page.close()
            results.append(ocr_page(image, index + 1))
    finally:
        with _PDFIUM:
            pdf.close()
    if count and not results:
        raise ExtractionError("文字识别超时：规定时间内未能识别完第一页（可调大 GIKPORTAL_OCR_TIMEOUT）。")
    return _document(results, count, "application/pdf")


def ocr_images(images, media_type) -> Document:
    """OCR page pictures (e.g. the images of a DOCX that holds a scan), one page each."""
    if not available():
        raise ExtractionError("未安装文字识别引擎（tesseract-ocr 与 chi_sim 语言包），无法识别扫描件。")
    from PIL import Image

    results = [ocr_page(Image.open(io.BytesIO(blob)), k + 1) for k, blob in enumerate(images)]
    return _document(results, len(results), media_type)


def _document(results, count, media_type):
    warnings = [f"扫描件：第 1–{len(results)} 页的文字由机器识别（{engine_name()}），可能有误"]
    if len(results) < count:
        warnings.append(f"扫描件共 {count} 页，只识别了前 {len(results)} 页")
    for r in results:
        if r.unread_cells:
            warnings.append(f"第 {r.number} 页表格有 {r.unread_cells} 个单元格有字迹但未能识别，按空白读入")
        if r.doubtful:
            sample = "、".join(r.doubtful[:8])
            warnings.append(f"第 {r.number} 页有 {len(r.doubtful)} 处识别置信度低的文字（如：{sample}）")
    blocks = _join_continued(_drop_running_lines([(r.height, r.items) for r in results]))
    ocr = {"engine": engine_name(), "dpi": DPI, "pages": [
        {"page": r.number, "words": r.words, "confidence": r.confidence, "doubtful": len(r.doubtful),
         "doubtful_words": r.doubtful[:MAX_MARKED], "unread_cells": r.unread_cells}
        for r in results], "page_count": count}
    return Document(blocks=blocks, media_type=media_type, warnings=warnings, ocr=ocr)
