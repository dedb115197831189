"""pdfplumber's table finder with the same tables in a fraction of the time.

pdfplumber finds a cell for each rule crossing by scanning all later crossings and comparing the
sets of rules through two points anew for each pair, and groups cells into tables by rescanning the
cells left after each addition; a ruled figure table of a few hundred cells takes tens of ms that
way. Here the crossings are indexed by column and by row, the rules through each point are made a
set once, and cells are grouped into tables by the corners they share (the connected groups
pdfplumber's rescans arrive at). A table's rows and bounding box, which pdfplumber recomputes from
all cells on each use, are computed once.
"""
from types import SimpleNamespace

from pdfplumber.table import Table, TableFinder, TableSettings, edges_to_intersections
from pdfplumber.utils import obj_to_bbox


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


def _cells(intersections):
    """pdfplumber's intersections_to_cells: for each crossing in (x, top) order, the smallest cell
    whose four corners are crossings joined by rules, found in the same order of candidates."""
    v_rules = {pt: set(map(obj_to_bbox, edges["v"])) for pt, edges in intersections.items()}
    h_rules = {pt: set(map(obj_to_bbox, edges["h"])) for pt, edges in intersections.items()}
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
        below = [p for p in by_x[pt[0]][after_x[pt] + 1:] if not rules_v.isdisjoint(v_rules[p])]
        if not below:
            continue
        right = [p for p in by_y[pt[1]][after_y[pt] + 1:] if not rules_h.isdisjoint(h_rules[p])]
        cell = next(((pt[0], pt[1], r[0], b[1]) for b in below for r in right
                     if (r[0], b[1]) in intersections
                     and not v_rules[(r[0], b[1])].isdisjoint(v_rules[r])
                     and not h_rules[(r[0], b[1])].isdisjoint(h_rules[b])), None)
        if cell is not None:
            cells.append(cell)
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
    intersections = edges_to_intersections(edges, settings.intersection_x_tolerance,
                                           settings.intersection_y_tolerance)
    return [FoundTable(page, cells) for cells in _groups(_cells(intersections))]
