"""Tables that reached us flattened: a crawled page where a row's cells run together into one
digit string (`一、本年新收政府信息公开申请数量21710000218` = 217/1/0/0/0/0/218).

A digit run is split by the table's own constraints (a row's total is the sum of its cells,
table 3's columns balance, table 4's groups add up); a split is kept only when it is the one
split the constraints allow, and marked in the warnings. Otherwise the row stays unread and the
warnings say why. Numbers never have a leading zero (except 0 itself); whitespace that did
survive separates cells.
"""
import itertools
import re

from .tables import (ACTIVE_2019, ACTIVE_2021, APPEAL_FIELDS, APPEAL_GROUPS, OUTCOME_ROWS, OUTCOME_ROWS_2019,
                     REQUEST_COLUMNS, REQUEST_ROWS, _OLD_TABLE2_MARKS)
from .cells import key

_MAX_DIGITS = 7          # one cell of these tables never has more digits
_MAX_SPLITS = 2000       # enumeration bound per run; beyond it the run is left unread
_MAX_COMBINATIONS = 20000

_DIGITS = re.compile(r"[0-9０-９]")


def _normal(text):
    return text.translate({ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")})


def _number_at(run, pos):
    """(number text, end) for every number that can start at pos (no leading zero, no space inside)."""
    out = []
    for end in range(pos + 1, min(len(run), pos + _MAX_DIGITS) + 1):
        piece = run[pos:end]
        if not piece.isdigit():
            break
        if len(piece) > 1 and piece[0] == "0":
            break
        out.append((piece, end))
    return out


def _skip(run, pos):
    while pos < len(run) and run[pos] == " ":
        pos += 1
    return pos


def number_splits(run, count, pos=0, limit=_MAX_SPLITS):
    """Every way to read exactly count numbers from run[pos:] to its end (a list of int tuples),
    or None when there are more than limit."""
    out = []

    def walk(pos, taken):
        if len(out) > limit:
            return
        pos = _skip(run, pos)
        if len(taken) == count:
            if pos == len(run):
                out.append(tuple(taken))
            return
        left = count - len(taken)
        if len(run) - pos < left:
            return
        for piece, end in _number_at(run, pos):
            walk(end, taken + [int(piece)])

    walk(pos, [])
    return None if len(out) > limit else out


def sum_splits(run, parts, groups=1, limit=_MAX_SPLITS):
    """Every way to read groups × (parts numbers, then their printed sum) from the whole run,
    or None when there are more than limit."""
    out = []

    def walk(pos, values, group):
        if len(out) > limit:
            return
        pos = _skip(run, pos)
        if len(group) == parts:
            total = str(sum(group))
            if run.startswith(total, pos):
                end, values = pos + len(total), values + [int(total)]
                if len(values) == groups * (parts + 1):
                    if _skip(run, end) == len(run):
                        out.append(tuple(values))
                else:
                    walk(end, values, [])
            return
        for piece, end in _number_at(run, pos):
            walk(end, values + [int(piece)], group + [int(piece)])

    walk(0, [], [])
    return None if len(out) > limit else out


# ---------------------------------------------------------------------------------------------
# Table 3

def _flex(fragment):
    """Regex for a label fragment with any whitespace between its characters."""
    return r"\s*".join(re.escape(c) for c in fragment)


# key and label fragments in the printed order (the catalogue of tables.REQUEST_ROWS), with the
# single （六）其他处理 row of 2019-2020 before the three rows that replaced it, and 3.其他 by its number
_OTHER_OTHER_LABEL = r"(?<=[\d.．、\s])其\s*他(?!\s*处\s*理)"
_FLAT_REQUEST_ROWS = tuple(
    row for k, fragments, _ in REQUEST_ROWS
    for row in ((("other_handling", ("其他处理",)),) if k == "other_no_correction" else ())
    + ((k, fragments or (_OTHER_OTHER_LABEL,)),)
)
_RAW = {"other_other"}
_FLAT_MARKS = ("本年新收", "上年结转", "予以公开", "国家秘密", "不掌握", "重复申请", "总计")
_NUMBERING_TAIL = re.compile(r"\d\s*[.．、]\D*$")  # the next label's number and first words


def is_flat_requests(lines):
    """A line that holds several table-3 row labels: the table reached us flattened."""
    return any(sum(mark in key(line) for mark in _FLAT_MARKS) >= 4 for line in lines)


def _find_labels(text):
    """[(key, label start, label end)] in the printed order."""
    found, pos = [], 0
    for k, fragments in _FLAT_REQUEST_ROWS:
        best = None
        for fragment in fragments:
            pattern = fragment if k in _RAW else _flex(fragment)
            m = re.compile(pattern).search(text, pos)
            if m and (best is None or m.start() < best.start()):
                best = m
        if best is None:
            continue
        if k == "other_handling":
            after = text[best.end():best.end() + 40]
            if re.search(_flex("逾期不补正") + "|" + _flex("申请人无正当理由"), after):
                continue  # a group heading: its rows follow (2021 format)
        found.append((k, best.start(), best.end()))
        pos = best.end()
    return found


def _row_runs(text, warnings):
    """{row key: digit run} of a flattened table 3 (runs with something else in them are dropped)."""
    labels = _find_labels(text)
    runs = {}
    for j, (k, _, end) in enumerate(labels):
        stop = labels[j + 1][1] if j + 1 < len(labels) else len(text)
        region = _normal(text[end:stop])
        first = _DIGITS.search(region)
        if not first:
            continue
        prefix = region[:first.start()]
        if re.search(r"[0-9]", prefix):
            continue
        m = re.match(r"[\d\s]*", region[first.start():])
        run, rest = m.group(), region[first.start() + m.end():]
        if rest[:1] in (".", "．", "、") and run.rstrip()[-1:].isdigit():
            run = run.rstrip()[:-1]  # the next label's own number (…00000002.其他法律…)
            rest = ""
        rest = _NUMBERING_TAIL.sub("", rest)
        run = re.sub(r"\s+", " ", run).strip()
        if re.search(r"[0-9]", rest):
            warnings.append(f"row {k}: digits after its cells ({key(rest)[:20]}), left unread")
            continue
        if run:
            runs[k] = run
    return runs


def parse_requests(text, warnings):
    """Table 3 from flattened text -> {row: {column: int}}, or None when no row is found."""
    runs = _row_runs(text, warnings)
    if not runs:
        return None
    old = "other_handling" in runs
    outcomes = OUTCOME_ROWS_2019 if old else OUTCOME_ROWS
    candidates, split = {}, []
    for k, run in runs.items():
        fits = sum_splits(run, 6)
        if fits is None:
            warnings.append(f"row {k}: cells run together ({run}), too many ways to split; left unread")
            continue
        if not fits:
            forced = number_splits(run, 7, limit=1)
            if forced is not None and len(forced) == 1:
                fits = forced  # one digit per cell: the split is forced (the row's own sum is wrong)
        if not fits:
            warnings.append(f"row {k}: cells run together ({run}), no split fits the row total; left unread")
            continue
        candidates[k] = fits
        if run.count(" ") < 6:
            split.append(k)
    _resolve_columns(candidates, outcomes, warnings)
    table = {}
    for k, fits in candidates.items():
        if len(fits) == 1:
            table[k] = dict(zip(REQUEST_COLUMNS, fits[0]))
        else:
            warnings.append(f"row {k}: cells run together ({runs[k]}), {len(fits)} splits fit the table's sums; "
                            "left unread")
    if not table:
        return None
    done = [k for k in split if k in table]
    if done:
        rows = "every row" if len(done) == len(table) else "rows " + ", ".join(done)
        warnings.append(f"table 3: cells run together, split by the table's sums ({rows})")
    expected = [k for k, _ in _FLAT_REQUEST_ROWS
                if k in ("new_received", "carried_over", "outcome_total", "carried_forward") or k in outcomes]
    warnings.extend(f"row {k}: not found" for k in expected
                    if k not in table and not any(w.startswith(f"row {k}:") for w in warnings))
    return {k: table[k] for k, _ in _FLAT_REQUEST_ROWS if k in table}


def _resolve_columns(candidates, outcomes, warnings):
    """Narrow rows with several splits to the one combination that keeps every column's
    outcome sum and balance; rows stay ambiguous when none or several combinations do."""
    open_rows = [k for k, fits in candidates.items() if len(fits) > 1]
    if not open_rows:
        return
    sizes = 1
    for k in open_rows:
        sizes *= len(candidates[k])
    if sizes > _MAX_COMBINATIONS:
        return
    rows = set(candidates)
    has_outcome = all(k in rows for k in outcomes + ["outcome_total"])
    has_balance = all(k in rows for k in ("new_received", "carried_over", "outcome_total", "carried_forward"))
    if not (has_outcome or has_balance):
        return
    fixed = {k: fits[0] for k, fits in candidates.items() if len(fits) == 1}
    good = []
    for combo in itertools.product(*(candidates[k] for k in open_rows)):
        values = dict(fixed)
        values.update(zip(open_rows, combo))
        ok = True
        for c in range(7):
            if has_outcome and sum(values[k][c] for k in outcomes) != values["outcome_total"][c]:
                ok = False
                break
            if has_balance and values["new_received"][c] + values["carried_over"][c] != \
                    values["outcome_total"][c] + values["carried_forward"][c]:
                ok = False
                break
        if ok:
            good.append(combo)
            if len(good) > 1:
                return
    if len(good) == 1:
        for k, fit in zip(open_rows, good[0]):
            candidates[k] = [fit]


# ---------------------------------------------------------------------------------------------
# Table 4

_APPEAL_RUN = re.compile(r"总\s*计\s*([\d０-９][\d０-９\s]*)")


def is_flat_appeals(lines):
    return any(re.search(r"总\s*计\s*[\d０-９][\d０-９\s]{13,}", line) and "结果维持" in key(line) for line in lines)


def parse_appeals(text, warnings):
    """Table 4 as one digit run after its header -> {group: {field: int}}, or None."""
    runs = list(_APPEAL_RUN.finditer(text))
    if not runs:
        return None
    # the header's last 总计 before the 15 cells; a later 总计N件 of prose is not the table
    long_runs = [m for m in runs if len(re.sub(r"\D", "", _normal(m.group(1)))) >= 15]
    run = re.sub(r"\s+", " ", _normal((long_runs or runs)[-1].group(1))).strip()
    fits = sum_splits(run, 4, groups=3)
    how = "split by the group totals"
    if fits is not None and not fits:
        fits = number_splits(run, 15, limit=1)
        how = "one digit per cell"
    if fits is None or len(fits) != 1:
        n = "too many" if fits is None else len(fits)
        warnings.append(f"table 4: cells run together ({run}), {n} splits fit the group totals; left unread")
        return None
    values = fits[0]
    if run.count(" ") < 14:
        warnings.append(f"table 4: cells run together ({run}), {how}")
    return {g: dict(zip(APPEAL_FIELDS, values[i * 5:i * 5 + 5])) for i, g in enumerate(APPEAL_GROUPS)}


# ---------------------------------------------------------------------------------------------
# Table 2

_ACTIVE_FLAT = {  # key -> label regex, in the printed order
    "regulations": r"规\s*章",
    "normative_documents": r"规\s*范\s*性\s*文\s*件",
    "licensing": r"行\s*政\s*许\s*可",
    "other_services": r"其\s*他\s*对\s*外\s*管\s*理\s*服\s*务\s*事\s*项",
    "penalty": r"行\s*政\s*处\s*罚",
    "coercion": r"行\s*政\s*强\s*制",
    "fees": r"行\s*政\s*事\s*业\s*性\s*收\s*费",
    "procurement": r"政\s*府\s*集\s*中\s*采\s*购",
}
_ACTIVE_RUN = re.compile(r"\s*([\d０-９][\d０-９\s.．]*)")


def is_flat_active(lines):
    return any(len(re.findall(r"规\s*章\s*[\d０-９]|许\s*可\s*[\d０-９]|处\s*罚\s*[\d０-９]", line)) >= 2 for line in lines)


def parse_active(text, warnings):
    """Table 2 from flattened text: a row is kept only when its run splits one way into its
    columns (a one-column row, or as many digits as columns)."""
    old = any(mark in key(text) for mark in _OLD_TABLE2_MARKS)
    spec = ACTIVE_2019 if old else ACTIVE_2021
    table, pos = {}, 0
    for k, fields in spec.items():
        m = re.compile(_ACTIVE_FLAT[k] + r"(?=\s*[\d０-９])").search(text, pos)
        if not m:
            continue
        pos = m.end()
        run_m = _ACTIVE_RUN.match(text, m.end())
        run = re.sub(r"\s+", " ", _normal(run_m.group(1)).replace("．", ".")).strip()
        pos = run_m.end()
        values, fits = _active_values(run, len(fields))
        if values is None:
            warnings.append(f"row {k}: cells run together ({run}), {fits} splits fit its "
                            f"{len(fields)} columns; left unread")
            continue
        floats = {i for i, f in enumerate(fields) if f == "amount_10k_yuan"}
        values = [float(v) if i in floats else v for i, v in enumerate(values)]
        if any(isinstance(v, float) and i not in floats for i, v in enumerate(values)):
            warnings.append(f"row {k}: a decimal in a count column ({run}); left unread")
            continue
        table[k] = dict(zip(fields, values))
        if len(fields) > 1 and run.count(" ") < len(fields) - 1:
            warnings.append(f"row {k}: cells run together ({run}), one split fits its {len(fields)} columns")
    if not table:
        return None
    warnings.extend(f"row {k}: not found" for k in spec
                    if k not in table and not any(w.startswith(f"row {k}:") for w in warnings))
    return {k: table[k] for k in spec if k in table}


def _active_values(run, count):
    """(values, None) for the one reading of run as count numbers (a decimal only as the last),
    else (None, how many readings fit or "too many")."""
    fraction = re.search(r"\.(\d+)$", run)
    head = run[:fraction.start()] if fraction else run
    if not re.fullmatch(r"[\d ]+", head or "x"):
        return None, 0
    if count == 1 and head.isdigit():
        fits = [(int(head),)]  # one column: the whole run, however long
    else:
        fits = number_splits(head, count, limit=50)
    if fits is None or len(fits) != 1:
        return None, "too many" if fits is None else len(fits)
    values = list(fits[0])
    if fraction:
        values[-1] = float(f"{values[-1]}.{fraction.group(1)}")
    return values, None


# ---------------------------------------------------------------------------------------------
# Legacy statistics table (附表): label, unit, this year, cumulative

def legacy_pair(run):
    """(this year, None) from a legacy table's run `35 35` / `3535` / `639`: this year is at most
    the cumulative figure; (None, n splits) when the run does not split one way."""
    fits = [f for f in (number_splits(run, 2) or []) if f[0] <= f[1]]
    if len(fits) == 1:
        return fits[0][0], None
    return None, len(fits)
