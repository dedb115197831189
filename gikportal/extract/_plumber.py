"""pdfplumber's table finder and text lines with the same results in a fraction of the time.

Tables. pdfplumber tries every vertical rule against every horizontal one (sorting them anew for
each), finds a cell for each rule crossing by scanning all later crossings and comparing the sets
of rules through two points anew for each pair, and groups cells into tables by rescanning the
cells left after each addition: a ruled figure table of a few hundred cells takes tens of ms that
way. Here each vertical rule meets only the horizontal rules near its span (bisection), crossings
are indexed by column and row with the rules through each made a set once, candidates are looked
at lazily in pdfplumber's order, and cells are grouped by the corners they share (the connected
groups pdfplumber's rescans arrive at). A table's rows and bounding box, which pdfplumber
recomputes from all cells on each use, are computed once.

Text. pdfplumber's extract_text and extract_text_lines (default settings, no layout) build word,
word-map and text-map objects and run a regular expression over the page's text to find its lines
again. For upright characters of one letter each (what PDFium gives, and most pages) the same lines
and words are made here directly: characters clustered into lines by their top (3 pt tolerance),
sorted by x0, split into words at blanks and at gaps over 3 pt, words clustered by top again.
Anything else (text set at an angle, pdfminer's multi-letter glyph names) goes to pdfplumber.
"""
from bisect import bisect_left, bisect_right
from itertools import groupby
from operator import itemgetter
from types import SimpleNamespace

from pdfplumber.table import Table, TableFinder, TableSettings
from pdfplumber.utils import extract_text
from pdfplumber.utils.text import DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE, LIGATURES

_top, _x0, _x1, _bottom = itemgetter("top"), itemgetter("x0"), itemgetter("x1"), itemgetter("bottom")


class FoundTable(Table):
    """A pdfplumber Table whose bbox and rows are computed once."""

    def __init__(self, page, cells):
        super().__init__(page, cells)
        self._bbox = Table.bbox.fget(self)
        self._rows = Table.rows.fget(self)

    @property
    def bbox(self):
        return self._bbox

    @property
    def rows(self):
        return self._rows


def _intersections(edges, x_tolerance, y_tolerance):
    """pdfplumber's edges_to_intersections: {(x, top): {"v": [...], "h": [...]}} with the rules in
    the same order; each vertical rule is tried against the horizontal rules near its span only
    (found by bisection, then tested as pdfplumber tests them), not against all of them."""
    v_edges = sorted((e for e in edges if e["orientation"] == "v"), key=itemgetter("x0", "top"))
    h_edges = sorted((e for e in edges if e["orientation"] == "h"), key=itemgetter("top", "x0"))
    tops = [h["top"] for h in h_edges]
    margin = y_tolerance + 1         # wider than the test: the test itself decides
    intersections = {}
    for v in v_edges:
        v_top, v_bottom, v_x = v["top"], v["bottom"], v["x0"]
        for h in h_edges[bisect_left(tops, v_top - margin):bisect_right(tops, v_bottom + margin)]:
            if (v_top <= (h["top"] + y_tolerance)) and (v_bottom >= (h["top"] - y_tolerance)) \
                    and (v_x >= (h["x0"] - x_tolerance)) and (v_x <= (h["x1"] + x_tolerance)):
                vertex = (v_x, h["top"])
                if vertex not in intersections:
                    intersections[vertex] = {"v": [], "h": []}
                intersections[vertex]["v"].append(v)
                intersections[vertex]["h"].append(h)
    return intersections


def _cells(intersections):
    """pdfplumber's intersections_to_cells: for each crossing in (x, top) order, the smallest cell
    whose four corners are crossings joined by rules, found in the same order of candidates."""
    v_rules = {pt: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in edges["v"]} for pt, edges in intersections.items()}
    h_rules = {pt: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in edges["h"]} for pt, edges in intersections.items()}
    points = sorted(intersections)
    by_x, by_y = {}, {}
    for pt in points:               # (x, top) order: each column's points top down, each row's left to right
        by_x.setdefault(pt[0], []).append(pt)
        by_y.setdefault(pt[1], []).append(pt)
    after_x = {pt: i for column in by_x.values() for i, pt in enumerate(column)}
    after_y = {pt: i for row in by_y.values() for i, pt in enumerate(row)}
    cells = []
    for pt in points:
        rules_v, rules_h = v_rules[pt], h_rules[pt]
        column, row = by_x[pt[0]], by_y[pt[1]]
        right = None
        cell = None
        for k in range(after_x[pt] + 1, len(column)):
            below = column[k]
            if rules_v.isdisjoint(v_rules[below]):
                continue
            if right is None:
                right = [r for r in row[after_y[pt] + 1:] if not rules_h.isdisjoint(h_rules[r])]
            for r in right:
                corner = (r[0], below[1])
                if corner in intersections and not v_rules[corner].isdisjoint(v_rules[r]) \
                        and not h_rules[corner].isdisjoint(h_rules[below]):
                    cell = (pt[0], pt[1], corner[0], corner[1])
                    break
            if cell is not None:
                cells.append(cell)
                break
    return cells


def _groups(cells):
    """pdfplumber's cells_to_tables: cells joined by shared corners, groups of two cells or more,
    ordered by their top-left cell."""
    parent = list(range(len(cells)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            j = owner.setdefault(corner, i)
            a, b = root(i), root(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups = {}
    for i, cell in enumerate(cells):
        groups.setdefault(root(i), []).append(cell)
    tables = sorted(groups.values(), key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def find_tables(page, settings):
    """page.find_tables(settings): the same tables, as FoundTable."""
    settings = TableSettings.resolve(settings)
    edges = TableFinder.get_edges(SimpleNamespace(page=page, settings=settings))
    intersections = _intersections(edges, settings.intersection_x_tolerance, settings.intersection_y_tolerance)
    return [FoundTable(page, cells) for cells in _groups(_cells(intersections))]


def _cluster_ids(values, tolerance):
    """pdfplumber's make_cluster_dict: distinct values in order, a new cluster where one exceeds the
    previous by more than the tolerance."""
    ids, cluster, last = {}, 0, None
    for value in sorted(set(values)):
        if last is not None and value > last + tolerance:
            cluster += 1
        ids[value] = cluster
        last = value
    return ids


def _words(chars):
    """[(text, top, [char per letter])] of the characters of one upright run: pdfplumber's
    WordExtractor with its default settings."""
    ids = _cluster_ids(map(_top, chars), DEFAULT_Y_TOLERANCE)
    lines = {}          # cluster -> its characters in page order (a stable sort by cluster, grouped)
    for char in chars:
        lines.setdefault(ids[char["top"]], []).append(char)
    words = []
    for cluster in sorted(lines):
        current, last = [], None        # last: current[-1] whenever current holds a character
        for char in sorted(lines[cluster], key=_x0):
            if char["text"].isspace():
                if current:
                    words.append(current)
                current = []
            elif current and (char["x0"] < last["x0"] or char["x0"] > last["x1"] + DEFAULT_X_TOLERANCE
                              or abs(char["top"] - last["top"]) > DEFAULT_Y_TOLERANCE):
                words.append(current)
                current = [char]
            else:
                current.append(char)
            last = char
        if current:
            words.append(current)
    out = []
    for word in words:
        letters = [LIGATURES.get(c["text"], c["text"]) for c in word]
        out.append(("".join(letters), min(map(_top, word)),
                    [c for c, text in zip(word, letters) for _ in text]))
    return out


def _simple(chars):
    """Upright characters of one letter each: what the fast path reads the way pdfplumber does."""
    return all(c["upright"] and len(c["text"]) == 1 for c in chars)


def text_lines(page):
    """page.extract_text_lines(return_chars=True)."""
    chars = page.chars
    if not chars or not _simple(chars):
        return page.extract_text_lines(return_chars=True)
    words = _words(chars)
    ids = _cluster_ids((top for _, top, _ in words), DEFAULT_Y_TOLERANCE)
    lines = []
    for _, group in groupby(words, key=lambda w: ids[w[1]]):     # consecutive words only (presorted)
        group = list(group)
        letters = [c for _, _, cs in group for c in cs]
        lines.append({"text": " ".join(text for text, _, _ in group),
                      "x0": min(map(_x0, letters)), "top": min(map(_top, letters)),
                      "x1": max(map(_x1, letters)), "bottom": max(map(_bottom, letters)),
                      "chars": letters})
    return lines


def cell_text(chars):
    """pdfplumber's extract_text(chars): lines of words, words joined by a space, lines by a newline."""
    if not chars or not _simple(chars):
        return extract_text(chars)
    words = _words(chars)
    ids = _cluster_ids((top for _, top, _ in words), DEFAULT_Y_TOLERANCE)
    return "\n".join(" ".join(w[0] for w in line)
                     for _, line in groupby(sorted(words, key=lambda w: ids[w[1]]), key=lambda w: ids[w[1]]))
