"""Document -> record (report-format.md without id/sha256).

Matching runs on a simplified-character copy of every line and cell (OpenCC t2s), so
traditional-character reports give the same agency, year and figures; titles, headings and
section text are kept as printed.
"""
import re

from ..document import Document, Table
from . import agency as agency_rules
from . import checks, chrome, flattened, legacy, metadata, sections, tables
from .cells import key, tidy, to_simplified, value
from .checks import carry_chain

__all__ = ["parse_document", "carry_chain"]

_SIGNATURE_PUNCT = re.compile(r"[。，,；;：:！？]")
_BODY_NAME = re.compile(r"(?:局|委|会|办|室|府|区|县|市|省|州|盟|旗|院|中心|处|所|站|队|部|厅|署|馆|司|镇|乡|街道|集团)[)）]?$")


def _split_blocks(doc):
    """prose: [(position, text)], grids: [(position, rows)]; a position is (block index, row).

    A run of grid rows that are lines of prose (one text cell each: a PDF page taken for one big
    table) is prose again, so the headings and text in it are found; the rest stays grids."""
    prose, grids = [], []
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Table):
            rows = [[(c or "").replace("\n", " ").strip() for c in row] for row in block.rows]
            for start, run, is_prose in _grid_runs(rows):
                if is_prose:
                    prose.extend(((i, start + r), row[0]) for r, row in enumerate(run))
                else:
                    grids.append(((i, start), run))
        else:
            for line in str(block).split("\n"):
                line = line.strip()
                if line:
                    prose.append(((i, 0), line))
    return prose, grids


_SENTENCE_END = re.compile(r"[。；;！!？?]\s*$")


def _heading_cell(cell):
    num, rest = sections.numbering(cell)
    return num is not None and sections.section_of(to_simplified([rest])[0]) is not None


def _prose_row(row):
    """A grid row that is a line of prose: its only text is in its first cell, long or ending a
    sentence, or a section heading."""
    first = row[0] if row else ""
    if not first or any(c for c in row[1:]) or value(first) is not None:
        return False
    return len(first) >= 15 or bool(_SENTENCE_END.search(first)) or _heading_cell(first)


def _grid_runs(rows):
    """[(first row, rows, is prose)]: runs of at least three prose rows (or one with a section
    heading) are prose; everything else is grid."""
    flags = [_prose_row(r) for r in rows]
    runs, start = [], 0
    for r in range(1, len(rows) + 1):
        if r == len(rows) or flags[r] != flags[start]:
            runs.append((start, rows[start:r], flags[start]))
            start = r
    out = []
    for start, run, is_prose in runs:
        if is_prose and len(run) < 3 and not any(_heading_cell(row[0]) for row in run):
            is_prose = False
        if out and not is_prose and not out[-1][2]:
            prev = out.pop()
            out.append((prev[0], prev[1] + run, False))
        else:
            out.append((start, run, is_prose))
    return out


def _split_run_in(prose):
    """A page crawled as one line: its headings and its closing date, run into the text, put on
    lines of their own."""
    texts = [t for _, t in prose]
    pieces = sections.split_closing(sections.split_run_in(texts, to_simplified(texts)))
    return [(prose[j][0], piece) for j, piece in pieces]


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


def _section_lines(n, heads, sprose, stop):
    """The text lines of section n (simplified), or []."""
    for j, (i, hn, used) in enumerate(heads):
        if hn == n:
            end = heads[j + 1][0] if j + 1 < len(heads) else stop
            return sprose[i + used:end]
    return []


def _add_line_rows(active, lines, warnings):
    """Table 2 rows printed as text lines beside its grid (a conversion that made a grid of the
    first part only: `行政许可 64` above a Markdown table) added to the grid's rows."""
    if not active or not lines:
        return active
    extra = tables.parse_active([line.split() for line in lines], []) or {}
    old = any("made" in fields or "items_last_year" in fields for fields in active.values())
    spec = list(tables.ACTIVE_2019 if old else tables.ACTIVE_2021)
    added = [k for k in extra if k not in active and k in spec]
    if not added:
        return active
    active.update((k, extra[k]) for k in added)
    warnings[:] = [w for w in warnings if w not in {f"row {k}: not found" for k in added}]
    return {k: active[k] for k in spec if k in active}


def _from_ocr(warning):
    """A table warning of a scan names OCR as the source: a guessed or missing cell there is most
    often a misread one, which the reader should check against the page image."""
    return f"{warning} (OCR: cells machine-read from a scan)" if warning.startswith(("row ", "table ")) else warning


def _find_tables(heads, prose, grids, sgrids, sprose, stop, warnings):
    """(active, requests, appeals): each table from its own section, else from anywhere; a
    table flattened into run-on text (a crawled page) is read by its labels and sums."""
    section_of_grid = []
    for block_index, _ in grids:
        n = None
        for i, hn, _ in heads:
            if prose[i][0] < block_index:
                n = hn
        section_of_grid.append(n)

    def section_rows(n):
        return _rows_of_section(n, section_of_grid, sgrids, heads, sprose, stop)

    def heads_of(n):
        return [h for h in heads if h[1] == n]

    def flat(n, is_flat, parse):
        lines = _section_lines(n, heads, sprose, stop)
        if n not in section_of_grid and is_flat(lines):
            return True, parse(" ".join(lines), warnings)
        return False, None

    done, active = flat(2, flattened.is_flat_active, flattened.parse_active)
    if not done and heads:
        active = tables.parse_active(section_rows(2), warnings)
        if 2 in section_of_grid:
            active = _add_line_rows(active, _section_lines(2, heads, sprose, stop), warnings)
    done, requests = flat(3, flattened.is_flat_requests, flattened.parse_requests)
    if not done:
        requests = tables.parse_requests(section_rows(3), warnings) if heads else None
    done, appeals = flat(4, flattened.is_flat_appeals, flattened.parse_appeals)
    if not done:
        appeals = tables.parse_appeals(section_rows(4), warnings) if heads else None
    all_rows = [row for rows in sgrids for row in rows]
    if requests is None and not heads_of(3):
        # a flattened table 3 whose heading was not found: the one line that holds its labels
        flat_lines = [line for line in sprose[:stop] if flattened.is_flat_requests([line])]
        if len(flat_lines) == 1:
            requests = flattened.parse_requests(flat_lines[0], warnings)
    if requests is None:
        requests = tables.parse_requests(all_rows, warnings)
    if active is None and requests is not None:
        active = tables.parse_active(all_rows, warnings)
    if appeals is None and requests is not None:
        appeal_rows = [row for rows in sgrids if any("行政诉讼" in key(c) for r in rows for c in r) for row in rows]
        appeals = tables.parse_appeals(appeal_rows, warnings)
    return active, requests, appeals


def _missing_parts(record):
    """Warnings for what a 2019-format report must have and this record lacks: a section, the
    prose of sections 1 and 5, a table (its missing rows and cells are warned where read)."""
    have = {s["n"]: s["text"] for s in record["sections"]}
    out = [f"section {n}: not found" for n in range(1, 7) if n not in have]
    out += [f"section {n}: no text" for n in (1, 5) if n in have and not have[n].strip()]
    out += [f"table {n}: not found" for n, name in ((2, "active"), (3, "requests"), (4, "appeals"))
            if name not in record["stats"]]
    return out


def parse_document(doc: Document) -> dict:
    """Parse an extracted Document into the record dict (no id/sha256)."""
    prose, grids = _split_blocks(doc)
    prose = _split_run_in(prose)
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
    heads, inferred5 = sections.infer_section5(sprose, heads)
    table_warnings = []
    if inferred5 is not None:
        table_warnings.append(f"section 5: heading not printed; taken to start at {tidy(originals[inferred5])}")
    active, requests, appeals = _find_tables(heads, prose, grids, sgrids, sprose, stop, table_warnings)
    warnings = []
    stats = {}
    if requests is not None or (heads and (year is None or year >= 2019)):
        fmt = "2019"
        warnings += [_from_ocr(w) for w in table_warnings] if doc.ocr else table_warnings
        for name, table in (("active", active), ("requests", requests), ("appeals", appeals)):
            if table is not None:
                stats[name] = table
    else:
        fmt = "legacy"
        requests = appeals = None
        heads = [(i + body_from, k + 1, used)
                 for k, (i, used) in enumerate(sections.find_legacy(sprose[body_from:stop]))]
        stats["legacy"] = legacy.stats("\n".join(sprose[body_from:]), warnings)
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
    if agency is None:
        agency = agency_rules.from_self_reference("\n".join(sprose[body_from:stop]), region)
        if agency is not None:
            warnings.remove("agency not found")
            warnings.append("agency not printed: taken from how the report speaks of itself (全市/我镇…)")
    record = {
        "title": title,
        "agency": agency,
        "agency_key": agency_rules.canonical_key(agency, region),
        "year": year,
        "published": published,
        "region": region,
        "format": fmt,
        "preface": "\n".join(originals[body_from:heads[0][0] if heads else body_from]),
        "sections": sections.build(originals, heads, stop),
        "stats": stats,
        "checks": [],
        "warnings": warnings,
    }
    if fmt == "2019":
        warnings += _missing_parts(record)
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
