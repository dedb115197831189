"""Scanned pages -> the same page items a text PDF gives: OCR words (Tesseract, chi_sim) placed
into cell grids found from the image's own ruling lines.

A scan has no text layer, so pdfplumber sees nothing. Each page is rendered (PDFium), deskewed
(the angle whose row profile is sharpest), binarised (Otsu), and its ruling lines are found as long
runs of dark pixels. The lines are then painted out, the prose (tables painted out too) is read once
by Tesseract with word boxes, and the cells of the ruled tables (merged cells are the grid cells with
no rule between them) are read for the whole page in two calls: cells shaped like digits by the
digit model, the others by chi_sim (see _cells). The pages then go through the same header/footer
and continued-table steps as text PDFs, so the parser sees a scan exactly as it sees a text PDF.
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
PROSE_DPI = 200         # the prose is read at this resolution, table cells at the page's own
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

def _histogram(gray):
    from PIL import Image

    return np.asarray(Image.fromarray(gray).histogram(), dtype=np.float64)   # PIL's counts: ten times numpy's bincount


def _otsu(gray, hist=None):
    hist = _histogram(gray) if hist is None else hist
    total = hist.sum()
    cum = np.cumsum(hist)
    cum_mean = np.cumsum(hist * np.arange(256))
    mean = cum_mean[-1] / total
    denominator = cum * (total - cum)
    between = np.zeros(256)
    np.divide((mean * cum - cum_mean) ** 2, denominator, out=between, where=denominator > 0)
    return int(np.argmax(between))


def _median(hist):
    return int(np.searchsorted(np.cumsum(hist), hist.sum() / 2))


def _skew(gray):
    """The rotation (degrees) that makes text rows and rules horizontal: the sharpest row profile.
    Each angle's profile is the dark pixels of a quarter-size copy binned by their turned row (a
    histogram of coordinates, not a turned picture)."""
    from PIL import Image

    small = np.asarray(Image.fromarray(gray).reduce(4))
    ys, xs = np.nonzero(small <= _otsu(small))
    cy, cx = (small.shape[0] - 1) / 2, (small.shape[1] - 1) / 2
    ys, xs = ys - cy, xs - cx
    bins = small.shape[0] + small.shape[1]

    def sharpness(angle):
        # PIL turns counter-clockwise by `angle`: a dark pixel (x, y) lands on row y' below
        a = np.radians(angle)
        rows = np.rint(ys * np.cos(a) - xs * np.sin(a) + cy).astype(np.int64) + small.shape[1] // 2
        profile = np.bincount(rows, minlength=bins).astype(np.float64)
        return float(np.square(np.diff(profile)).sum())

    best = max(np.arange(-_MAX_SKEW, _MAX_SKEW + 0.01, 0.5), key=sharpness)
    return float(max(np.arange(best - 0.5, best + 0.51, 0.1), key=sharpness))


def _runs(mask, length, axis):
    """Pixels lying on a straight run of at least `length` dark pixels along `axis`."""
    m = mask if axis == 1 else np.ascontiguousarray(mask.T)
    h, w = m.shape
    edges = np.zeros((h, w + 2), dtype=np.int8)
    edges[:, 1:-1] = m
    step = np.diff(edges, axis=1)                   # +1 where a run starts, -1 just past its end
    starts, ends = np.flatnonzero(step == 1), np.flatnonzero(step == -1)   # paired: runs end in their row
    long = ends - starts >= length
    out = np.zeros((h, w + 1), dtype=bool)
    rows = np.unique(starts[long] // (w + 1))
    if len(rows):                                   # only the rows that hold a long run are filled in
        marks = np.zeros((h, w + 1), dtype=np.int8)
        marks.flat[starts[long]] = 1
        marks.flat[ends[long]] = -1
        out[rows] = np.cumsum(marks[rows], axis=1, dtype=np.int8) > 0
    out = out[:, :w]
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
    """The lines of ink in which page layout analysis placed no word: a short heading under a large
    title or between tables is what it drops. Returns their boxes (cut to their ink), to be read
    with the page's table cells; their words join the page like any other line."""
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
    for top, bottom in bands:
        middle = (top + bottom) / 2
        if any(w["top"] <= middle <= w["bottom"] for w in words) or not _inked(inked[top:bottom]):
            continue
        cols = np.flatnonzero(inked[top:bottom].any(axis=0))
        out.append((max(0, int(cols[0]) - unit), max(0, top - unit // 2),
                    min(image.shape[1], int(cols[-1]) + 1 + unit), min(image.shape[0], bottom + unit // 2)))
    return out


def _speck(line):
    """A line of one or two characters that Tesseract itself doubts: a speck or a stroke of a large
    glyph read as a character (和, 下), not text. Read alone it would split the title it sits in."""
    return sum(len(w["text"]) for w in line) <= 2 and max(w["conf"] for w in line) < LOW_CONFIDENCE


def _core(dark):
    """Dark pixels that survive a 2x2 erosion: glyph strokes, not scan noise."""
    return dark[:-1, :-1] & dark[1:, :-1] & dark[:-1, 1:] & dark[1:, 1:]


def _inked(dark):
    """Whether a cell holds a glyph."""
    return int(_core(dark).sum()) >= 20


def _inside(image, box):
    x0, y0, x1, y1 = box
    return image[int(y0) + 3:int(y1) - 3, int(x0) + 3:int(x1) - 3]


def _ink_box(ink, box, margin):
    """A cell's inside (the rules are painted out already) cut to its ink and a margin of paper:
    blank paper costs Tesseract as much as text. None when the cell holds no glyph."""
    x0, y0, x1, y1 = int(box[0]) + 3, int(box[1]) + 3, int(box[2]) - 3, int(box[3]) - 3
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    core = _core(ink[y0:y1, x0:x1])
    if int(core.sum()) < 20:
        return None
    rows, cols = np.flatnonzero(core.any(axis=1)), np.flatnonzero(core.any(axis=0))
    return (max(x0, x0 + int(cols[0]) - margin), max(y0, y0 + int(rows[0]) - margin),
            min(x1, x0 + int(cols[-1]) + 2 + margin), min(y1, y0 + int(rows[-1]) + 2 + margin))


def _runs_of(flags):
    """(start, end) of each run of True in a 1-D array."""
    edges = np.flatnonzero(np.diff(np.r_[0, flags.view(np.int8), 0]))
    return zip(edges[::2].tolist(), edges[1::2].tolist())


def _digit_shaped(ink, box):
    """Whether a cell's glyphs could all be digits: in each line of its ink, no glyph (a run of
    inked columns) as wide as it is tall, as a Chinese character is (a digit is about two thirds
    as wide as it is tall). Dots and strokes lower than half the tallest glyph are left out."""
    x0, y0, x1, y1 = box
    core = _core(ink[y0:y1, x0:x1])
    glyphs = []
    for top, bottom in _runs_of(core.any(axis=1)):
        line = core[top:bottom]
        for a, b in _runs_of(line.any(axis=0)):
            rows = np.flatnonzero(line[:, a:b].any(axis=1))
            glyphs.append((b - a, int(rows[-1] - rows[0]) + 1))
    tallest = max(h for _, h in glyphs)
    return all(w < 0.8 * h for w, h in glyphs if h >= tallest / 2)


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


def _stacked(pieces, unit, paper=255, **how):
    """Words of many pieces of a page from one Tesseract call: the pieces, (key, image, box), stacked
    into one column (isolated digits in a sparse table are what page-level layout analysis drops).
    The words come back in page coordinates, by key."""
    from PIL import Image

    pad = unit
    crops, slots, y = [], [], pad
    for key, image, (x0, y0, x1, y1) in pieces:
        crop = image[y0:y1, x0:x1]
        crops.append((y, crop))
        slots.append((y, y + crop.shape[0], key, x0 - pad, y0 - y))
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
                for s_top, s_bottom, key, dx, dy in (slot for _, _, slot in chunk):
                    if s_top - pad <= y < s_bottom + pad:
                        dy += start
                        out.setdefault(key, []).append(dict(w, x=w["x"] + dx, left=w["left"] + dx, y=w["y"] + dy,
                                                            top=w["top"] + dy, bottom=w["bottom"] + dy))
                        break
        if top is not None:
            start = top - pad
            chunk = [(top, crop, slots[k])]
    return out


def _number(words, unit, sure=False):
    """Whether words read by the digit model are one number (`sure`: and each word confidently)."""
    return bool(words) and bool(_NUMBER.fullmatch(_join_words(words, unit))) and \
        (not sure or min(w["conf"] for w in words) >= LOW_CONFIDENCE)


def _cells(clean, ink, grids, missed, unit, paper):
    """Words of every cell of the page's tables, and of the missed prose lines (pieces for
    _stacked keyed ("missed", k)), in two Tesseract
    calls. Cells shaped like digits are read first by the Latin model limited to digits (the
    Chinese model reads a lone 1 or 7 as a character) and kept when it is sure of a number; the
    other cells and the missed lines are read by the Chinese model. A cell in which that found no
    Chinese is read by the digit model after all, and its reading kept when it is a number.
    Returns ({(grid, cell): words}, missed-line words, cells with ink left unread)."""
    boxes = {}
    for g, grid in enumerate(grids):
        for (r, c), root in grid.root.items():
            if root != (r, c):
                continue
            r1, c1 = r, c       # the merged cell's far corner
            while r1 + 1 < len(grid.ys) - 1 and grid.root[(r1 + 1, c)] == root:
                r1 += 1
            while c1 + 1 < len(grid.xs) - 1 and grid.root[(r, c1 + 1)] == root:
                c1 += 1
            boxes[(g, (r, c))] = (grid.xs[c], grid.ys[r], grid.xs[c1 + 1], grid.ys[r1 + 1])
    cut = {key: _ink_box(ink, box, unit // 2) for key, box in boxes.items()}
    cut = {key: box for key, box in cut.items() if box}
    digit_like = [key for key, box in cut.items() if _digit_shaped(ink, box)]
    digits = _stacked([(key, clean, cut[key]) for key in digit_like], unit, paper, lang="eng", extra=_DIGITS) \
        if digit_like else {}
    cells = {key: digits[key] for key in digit_like if _number(digits.get(key), unit, sure=True)}
    rest = [key for key in cut if key not in cells]
    pieces = [(key, clean, cut[key]) for key in rest] + missed
    read = _stacked(pieces, unit, paper) if pieces else {}
    again = []
    for key in rest:
        cells[key] = read.get(key, [])
        if len(_CJK.findall(_join_words(cells[key], unit))) >= 2:
            continue
        if key in digits:
            if _number(digits[key], unit):
                cells[key] = digits[key]
        else:
            again.append(key)
    if again:
        more = _stacked([(key, clean, cut[key]) for key in again], unit, paper, lang="eng", extra=_DIGITS)
        for key in again:
            if _number(more.get(key), unit):
                cells[key] = more[key]
    unread = 0
    for key in rest:
        if not cells[key]:
            # ink that no reading placed: read the cell alone; if that fails too the cell stays
            # empty and the page says so (the table's own sums then show the gap)
            cells[key] = _cell_alone(clean, boxes[key], paper)
            unread += not cells[key]
    lines = [dict(w, line=key) for key, ws in read.items() if key[0] == "missed" for w in ws]
    return cells, lines, unread


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


def ocr_page(image, number, dpi=DPI):
    """OCR one page image (PIL, rendered at `dpi`) into a PageResult of items in reading order."""
    from PIL import Image

    gray = np.asarray(image.convert("L"))
    angle = _skew(gray)
    if abs(angle) >= 0.05:
        gray = np.asarray(Image.fromarray(gray).rotate(angle, resample=Image.BICUBIC, fillcolor=255))
    hist = _histogram(gray)
    threshold = _otsu(gray, hist)
    dark = gray <= threshold
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
    paper = _median(hist)                      # paint with the paper's own grey: no edges for Tesseract to read
    clean[grown] = paper
    prose_image = clean.copy()
    for grid in grids:
        x0, y0, x1, y1 = (int(v) for v in grid.box)
        prose_image[y0:y1 + 1, x0:x1 + 1] = paper
    words = _prose(prose_image, dpi)
    missed = [(("missed", k), prose_image, box) for k, box in enumerate(_missed_lines(prose_image, dark, words, unit, paper))]
    ink = dark & ~grown
    # the cells are read from ink on flat paper: a lone digit on speckled grey is what Tesseract
    # drops (a 7 read by neither model is read at 96% once its paper is flat)
    soft = (threshold + paper) // 2             # keep the glyphs' grey edges, not the paper's speckle
    flat = np.where((gray <= soft) & ~grown, gray, np.uint8(paper))
    cells, missed_words, unread = _cells(flat, ink, grids, missed, unit, paper)
    words += missed_words
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
    for g, grid in enumerate(grids):
        rows = [[_join_words(cells.get((g, (r, c)), []), unit) if grid.root[(r, c)] == (r, c) else ""
                 for c in range(len(grid.xs) - 1)] for r in range(len(grid.ys) - 1)]
        if any(any(row) for row in rows):
            own = [grid.root[(0, c)] == (0, c) for c in range(len(grid.xs) - 1)]   # first row: cells of their own
            items.append((grid.ys[0], grid.ys[-1], Table(rows=rows, page=number), (list(grid.xs), own)))
    words += [w for ws in cells.values() for w in ws]
    items.sort(key=lambda item: item[0])
    confs = [w["conf"] for w in words if w["conf"] >= 0]
    doubtful = [w["text"] for w in words if 0 <= w["conf"] < LOW_CONFIDENCE]
    return PageResult(number, float(height), items, len(words),
                      round(sum(confs) / len(confs), 1) if confs else None, doubtful, unread)


def _prose(image, dpi):
    """Words of the page's prose (tables painted out), read at PROSE_DPI: body text and titles are
    read as well as at 300 dpi for half the pixels. Their boxes come back at the page's scale."""
    from PIL import Image

    picture = Image.fromarray(image)
    scale = min(1.0, PROSE_DPI / dpi)
    if scale < 1.0:
        picture = picture.resize((round(image.shape[1] * scale), round(image.shape[0] * scale)), Image.BILINEAR)
    words = _words(picture)
    if scale < 1.0:
        for w in words:
            w.update({k: w[k] / scale for k in ("x", "y", "left", "top", "bottom")})
    return words


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
            results.append(ocr_page(image, index + 1, dpi))
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


