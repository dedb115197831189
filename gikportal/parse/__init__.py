"""Document -> record (report-format.md without id/sha256).

Matching runs on a simplified-character copy of every line and cell (OpenCC t2s), so
traditional-character reports give the same agency, year and figures; titles, headings and
section text are kept as printed.
"""
import re

from ..document import Document, Table
from . import agency as agency_rules
from . import checks, chrome, metadata, sections, tables
from .cells import key, to_simplified
from .checks import carry_chain

__all__ = ["parse_document", "carry_chain"]

_LEGACY = {
    "published_items": re.compile(r"主动公开[^。；;\d]{0,16}?(?:信息|文件)[^。；;\d]{0,6}?(\d+)\s*(?:条|件|项|篇)"),
    "requests_received": re.compile(r"(?:收到|受理|接到|接收)[^。；;，,\d]{0,30}?申请[^。；;\d]{0,8}?(\d+)\s*(?:件|条|份|个|宗)"),
    "reviews": re.compile(r"行政复议[^。；;\d]{0,8}?(\d+)\s*(?:件|起|宗|次)"),
    "lawsuits": re.compile(r"行政诉讼[^。；;\d]{0,8}?(\d+)\s*(?:件|起|宗|次)"),
}
_LEGACY_NONE = {
    "requests_received": re.compile(r"(?:未|没有)(?:收到|接到|受理)[^。；;，,]{0,12}?申请"),
    "reviews": re.compile(r"(?:未|没有|无)(?:发生|出现|收到|产生)?[^。；;\d]{0,20}?行政复议"),
    "lawsuits": re.compile(r"(?:未|没有|无)(?:发生|出现|收到|产生)?[^。；;\d]{0,30}?行政诉讼"),
}
_SIGNATURE_PUNCT = re.compile(r"[。，,；;：:！？]")
_BODY_NAME = re.compile(r"(?:局|委|会|办|室|府|区|县|市|省|州|盟|旗|院|中心|处|所|站|队|部|厅|署|馆|司|镇|乡|街道|集团)[)）]?$")


def _split_blocks(doc):
    """prose: [(block index, text)], grids: [(block index, rows)]."""
    prose, grids = [], []
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Table):
            rows = [[(c or "").replace("\n", " ").strip() for c in row] for row in block.rows]
            grids.append((i, rows))
        else:
            for line in str(block).split("\n"):
                line = line.strip()
                if line:
                    prose.append((i, line))
    return prose, grids


def _simplify(prose, grids):
    strings = [t for _, t in prose] + [c for _, rows in grids for row in rows for c in row]
    out = iter(chrome.strip_glosses(t) for t in to_simplified(strings))
    sprose = [next(out) for _ in prose]
    sgrids = [[[next(out) for _ in row] for row in rows] for _, rows in grids]
    return sprose, sgrids


def _signature_line(line, agency):
    """A short line naming the issuing body (or a piece of its name) above the closing date."""
    if len(line) > 30 or _SIGNATURE_PUNCT.search(line) or sections.section_of(line) is not None:
        return False
    return bool(_BODY_NAME.search(line)) or bool(agency and len(line) >= 3 and key(line) in key(agency))


def _signature_start(lines, published, agency):
    """Index of the first line of the closing signature block (body lines + date), else len(lines)."""
    if not published:
        return len(lines)
    for j in range(len(lines) - 1, max(-1, len(lines) - 9), -1):
        if len(lines[j]) <= 80 and metadata.find_published([lines[j]]):  # not a page run into one line
            start = j
            while start > 0 and j - start < 3 and _signature_line(lines[start - 1], agency):
                start -= 1
            return start
    return len(lines)


def _legacy_stats(text):
    out = {}
    for name, pattern in _LEGACY.items():
        m = pattern.search(text)
        none = _LEGACY_NONE.get(name)
        n = none.search(text) if none else None
        if m and (not n or m.start() <= n.start()):
            out[name] = int(m.group(1))
        elif n:
            out[name] = 0
    return out


def _rows_of_section(n, section_of_grid, sgrids, heads, sprose, stop):
    """Grid rows inside section n; without a grid there, its text lines split on whitespace
    (a table that reached us as plain text lines)."""
    rows = [row for g, rows in enumerate(sgrids) if section_of_grid[g] == n for row in rows]
    if rows:
        return rows
    for j, (i, hn, used) in enumerate(heads):
        if hn == n:
            end = heads[j + 1][0] if j + 1 < len(heads) else stop
            return [line.split() for line in sprose[i + used:end]]
    return []


def _find_tables(heads, prose, grids, sgrids, sprose, stop, warnings):
    """(active, requests, appeals): each table from its own section, else from anywhere."""
    section_of_grid = []
    for block_index, _ in grids:
        n = None
        for i, hn, _ in heads:
            if prose[i][0] < block_index:
                n = hn
        section_of_grid.append(n)

    def section_rows(n):
        return _rows_of_section(n, section_of_grid, sgrids, heads, sprose, stop)

    active = tables.parse_active(section_rows(2), warnings) if heads else None
    requests = tables.parse_requests(section_rows(3), warnings) if heads else None
    appeals = tables.parse_appeals(section_rows(4), warnings) if heads else None
    all_rows = [row for rows in sgrids for row in rows]
    if requests is None:
        requests = tables.parse_requests(all_rows, warnings)
    if active is None and requests is not None:
        active = tables.parse_active(all_rows, warnings)
    if appeals is None and requests is not None:
        appeal_rows = [row for rows in sgrids if any("行政诉讼" in key(c) for r in rows for c in r) for row in rows]
        appeals = tables.parse_appeals(appeal_rows, warnings)
    return active, requests, appeals


def parse_document(doc: Document) -> dict:
    """Parse an extracted Document into the record dict (no id/sha256)."""
    prose, grids = _split_blocks(doc)
    sprose, sgrids = _simplify(prose, grids)
    originals = [t for _, t in prose]

    head = metadata.find_title(sprose, originals)
    title, title_s, body_from = head.text, head.text_s, head.body_from
    chrome_lines = metadata.chrome_lines(sprose, head)
    published = metadata.find_published(sprose, chrome_lines + sprose[body_from:body_from + 2])
    agency, agency_guessed = metadata.find_agency_anywhere(
        metadata.find_agency(title_s), chrome_lines, sprose[body_from:], sprose[-9:])
    year = metadata.find_year(title_s, sprose[body_from:], published)
    stop = _signature_start(sprose, published, agency)

    heads = [(i + body_from, n, used) for i, n, used in sections.find_2019(sprose[body_from:stop])]
    table_warnings = []
    active, requests, appeals = _find_tables(heads, prose, grids, sgrids, sprose, stop, table_warnings)
    warnings = []
    stats = {}
    if requests is not None or (heads and (year is None or year >= 2019)):
        fmt = "2019"
        warnings += table_warnings
        for name, table in (("active", active), ("requests", requests), ("appeals", appeals)):
            if table is not None:
                stats[name] = table
    else:
        fmt = "legacy"
        requests = appeals = None
        heads = [(i + body_from, k + 1, used)
                 for k, (i, used) in enumerate(sections.find_legacy(sprose[body_from:stop]))]
        stats["legacy"] = _legacy_stats("\n".join(sprose[body_from:]))
    if year is None:
        warnings.append("year not found")
    if agency is None:
        warnings.append("agency not found")
    elif agency_guessed:
        warnings.append("agency not in a title: read from the report's own sentences or signature")

    region = metadata.find_region(agency, sprose[stop:] + sprose[body_from:body_from + 12],
                                  lambda: metadata.region_evidence(chrome_lines, sprose[body_from:body_from + 12]))
    if agency_guessed:
        agency = agency_rules.qualify(agency, region)
    record = {
        "title": title,
        "agency": agency,
        "year": year,
        "published": published,
        "region": region,
        "format": fmt,
        "sections": sections.build(originals, heads, stop),
        "stats": stats,
        "checks": [],
        "warnings": warnings,
    }
    simple = {s["n"]: s["text"] for s in sections.build(sprose, heads, stop)}
    body = "\n".join(sprose[body_from:stop])
    record["checks"] = [
        checks.sections_present(record),
        checks.balance(requests),
        checks.outcome_sum(requests),
        checks.row_total(requests),
        checks.group_total(appeals),
        checks.narrative(requests, simple.get(1) if fmt == "2019" else body),
        checks.fee_explained(body, simple.get(6, "")) if fmt == "2019" else
        checks.not_applicable("fee_explained"),
    ]
    return record
