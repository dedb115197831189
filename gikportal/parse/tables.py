"""Tables 2, 3 and 4 of the national format: rows found by their labels, cells read by the spec.

A row is (label, values): the label is every text cell joined, the values are the cells after
the last text cell. Labels are matched by distinctive fragments first, by bigram similarity
second, and a row whose label is unreadable is placed by the printed row order.
"""
import re

from .cells import ZERO, char_overlap, key, value

REQUEST_COLUMNS = ("natural_person", "commercial", "research", "social_welfare",
                   "legal_services", "other", "total")
APPEAL_GROUPS = ("review", "litigation_direct", "litigation_after_review")
APPEAL_FIELDS = ("upheld", "corrected", "other", "pending", "total")

# key, distinctive fragments, full printed label (for similarity)
REQUEST_ROWS = (
    ("new_received", ("本年新收",), "一、本年新收政府信息公开申请数量"),
    ("carried_over", ("上年结转",), "二、上年结转政府信息公开申请数量"),
    ("granted", ("予以公开",), "(一)予以公开"),
    ("partially_granted", ("部分公开",), "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"),
    ("denied_state_secret", ("国家秘密",), "1.属于国家秘密"),
    ("denied_prohibited_by_law", ("行政法规禁止", "法规禁止公开"), "2.其他法律行政法规禁止公开"),
    ("denied_security_stability", ("三安全一稳定", "危及"), '3.危及"三安全一稳定"'),
    ("denied_third_party_rights", ("第三方合法权益", "保护第三方"), "4.保护第三方合法权益"),
    ("denied_internal_affairs", ("内部事务",), "5.属于三类内部事务信息"),
    ("denied_process_information", ("过程性信息",), "6.属于四类过程性信息"),
    ("denied_enforcement_records", ("执法案卷",), "7.属于行政执法案卷"),
    ("denied_administrative_query", ("行政查询",), "8.属于行政查询事项"),
    ("unavailable_not_held", ("不掌握",), "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", ("另行制作", "没有现成信息"), "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", ("仍不明确", "补正后申请"), "3.补正后申请内容仍不明确"),
    ("not_processed_petition", ("信访举报", "投诉类"), "1.信访举报投诉类申请"),
    ("not_processed_repeated", ("重复申请",), "2.重复申请"),
    ("not_processed_publication", ("公开出版物",), "3.要求提供公开出版物"),
    ("not_processed_excessive", ("大量反复",), "4.无正当理由大量反复申请"),
    ("not_processed_confirmation", ("重新出具", "确认或重新"), "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", ("逾期不补正", "不补正"), "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", ("收费通知", "缴纳费用"), "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", (), "3.其他"),
    ("outcome_total", ("总计",), "(七)总计"),
    ("carried_forward", ("结转下年度", "下年度继续办理", "继续办理"), "四、结转下年度继续办理"),
)
REQUEST_ORDER = [r[0] for r in REQUEST_ROWS]
OUTCOME_ROWS = REQUEST_ORDER[2:23]
OUTCOME_ROWS_2019 = OUTCOME_ROWS[:-3] + ["other_handling"]
_BIGRAM_MIN = 0.6
_OTHER_OTHER = re.compile(r"(?:^|\d\.?|[)）、])其他[:：]?$")

ACTIVE_2021 = {
    "regulations": ("issued", "repealed", "in_force"),
    "normative_documents": ("issued", "repealed", "in_force"),
    "licensing": ("decisions",),
    "penalty": ("decisions",),
    "coercion": ("decisions",),
    "fees": ("amount_10k_yuan",),
}
ACTIVE_2019 = {
    "regulations": ("made", "published", "public_total"),
    "normative_documents": ("made", "published", "public_total"),
    "licensing": ("items_last_year", "change", "decisions"),
    "other_services": ("items_last_year", "change", "decisions"),
    "penalty": ("items_last_year", "change", "decisions"),
    "coercion": ("items_last_year", "change", "decisions"),
    "fees": ("items_last_year", "change"),
    "procurement": ("items", "amount_10k_yuan"),
}
_FLOAT_FIELDS = {"amount_10k_yuan"}
_OLD_TABLE2_MARKS = ("本年新制作", "新公开数量", "对外公开总数", "上一年项目数", "政府集中采购", "采购项目数")


def split_row(cells):
    """(label key, raw value cells) of a row: values are the cells after the last text cell."""
    last_text = -1
    for i, cell in enumerate(cells):
        if cell and value(cell) is None:
            last_text = i
    label = key("".join(c for c in cells[:last_text + 1] if c))
    return label, list(cells[last_text + 1:])


def data_rows(rows):
    """Rows that carry at least one number or printed zero mark."""
    out = []
    for cells in rows:
        label, raw = split_row(cells)
        if any(value(c) not in ("", None) for c in raw):
            out.append((label, raw))
    return out


def _strip_empty(raw):
    start, end = 0, len(raw)
    while start < end and not raw[start].strip():
        start += 1
    while end > start and not raw[end - 1].strip():
        end -= 1
    return raw[start:end]


def _numbers(cells, is_float=()):
    """Parsed values; '' and zero marks -> 0 (the row is filled, checked by the caller)."""
    out = []
    for i, cell in enumerate(cells):
        v = value(cell) if cell is not None else None
        if v in ("", ZERO):
            v = 0
        if isinstance(v, float) and i not in is_float and v.is_integer():
            v = int(v)
        out.append(v)
    return out


def _bigrams(text):
    return {text[i:i + 2] for i in range(len(text) - 1)}


_REQUEST_BIGRAMS = [(k, _bigrams(key(full))) for k, _, full in REQUEST_ROWS]


def match_request_label(label):
    """Key of a table-3 row label, or None."""
    for k, fragments, _ in REQUEST_ROWS:
        if any(f in label for f in fragments):
            if k == "outcome_total" and ("本年新收" in label or "结转" in label):
                continue
            return k
    if _OTHER_OTHER.search(label):
        return "other_other"
    if "其他处理" in label:
        return "other_handling"
    grams = _bigrams(label)
    if not grams:
        return None
    scored = sorted(((len(g & grams) / len(g), k) for k, g in _REQUEST_BIGRAMS if g), reverse=True)
    if scored[0][0] >= _BIGRAM_MIN and (len(scored) < 2 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


def parse_requests(rows, warnings):
    """Table 3 -> {row key: {column: int}} or None when no row of table 3 is found."""
    found = []  # (key or None, raw values)
    for label, raw in data_rows(rows):
        found.append((match_request_label(label), raw, label))
    if not any(k for k, _, _ in found):
        return None
    order = {k: i for i, k in enumerate(REQUEST_ORDER)}
    order["other_handling"] = order["other_no_correction"]
    used = {k for k, _, _ in found if k}
    for i, (k, raw, label) in enumerate(found):
        if k:
            continue
        prev = next((found[j][0] for j in range(i - 1, -1, -1) if found[j][0]), None)
        nxt = next((found[j][0] for j in range(i + 1, len(found)) if found[j][0]), None)
        if prev in order and nxt in order and order[nxt] - order[prev] == 2:
            guess = REQUEST_ORDER[order[prev] + 1]
            if guess not in used:
                found[i] = (guess, raw, label)
                used.add(guess)
                warnings.append(f"row {guess}: label unreadable, placed by row order")
    table = {}
    for k, raw, _ in found:
        if not k:
            continue
        if k in table:
            warnings.append(f"row {k}: printed twice, first kept")
            continue
        table[k] = _request_values(k, raw, warnings)
    expected = REQUEST_ORDER[:20] + (["other_handling"] if "other_handling" in table else REQUEST_ORDER[20:23]) \
        + REQUEST_ORDER[23:]
    warnings.extend(f"row {k}: not found" for k in expected if k not in table)
    _recover_from_totals(table, warnings)
    order = REQUEST_ORDER[:20] + ["other_handling"] + REQUEST_ORDER[20:]
    return {k: table[k] for k in order if k in table}


def _recover_from_totals(table, warnings):
    """Fill a cell left unknown when one equation of table 3 pins it: its row's total, the
    outcome rows' sum, or the column balance (new + carried over = outcomes + carried forward)."""
    outcomes = OUTCOME_ROWS_2019 if "other_handling" in table else OUTCOME_ROWS
    # each equation: (cells that add up, cells of the other side)
    equations = [([(k, c) for c in REQUEST_COLUMNS[:-1]], [(k, "total")]) for k in table]
    if all(k in table for k in outcomes + ["outcome_total"]):
        equations += [([(k, c) for k in outcomes], [("outcome_total", c)]) for c in REQUEST_COLUMNS]
    if all(k in table for k in ("new_received", "carried_over", "outcome_total", "carried_forward")):
        equations += [([("new_received", c), ("carried_over", c)], [("outcome_total", c), ("carried_forward", c)])
                      for c in REQUEST_COLUMNS]
    changed = True
    while changed:
        changed = False
        for left, right in equations:
            unknown = [cell for cell in left + right if table[cell[0]][cell[1]] is None]
            if len(unknown) != 1:
                continue
            k, c = unknown[0]
            known_left = sum(table[r][col] for r, col in left if (r, col) != (k, c))
            known_right = sum(table[r][col] for r, col in right if (r, col) != (k, c))
            value = known_right - known_left if (k, c) in left else known_left - known_right
            if value < 0:
                continue
            table[k][c] = value
            warnings.append(f"row {k}: {c} recovered from the totals")
            changed = True


def _request_values(k, raw, warnings):
    n = len(REQUEST_COLUMNS)
    if len(raw) >= n and not any(c.strip() for c in raw[n - 1:]) \
            and all(value(c) not in ("", None) for c in raw[:n - 1]):
        values = _numbers(raw[:n - 1])
        if None not in values:  # six cells printed, the total left empty: it is their sum
            warnings.append(f"row {k}: total cell empty, recovered from the row sum")
            return dict(zip(REQUEST_COLUMNS, values + [sum(values)]))
    cells = _strip_empty(raw)
    if len(cells) > n:
        warnings.append(f"row {k}: {len(cells)} cells for {n} columns, last {n} kept")
        cells = cells[-n:]
    values = _numbers(cells)
    if len(values) < n:
        missing = n - len(values)
        values = [None] * missing + values
        if missing == 1 and values[-1] is not None and None not in values[1:]:
            rest = sum(values[1:-1])
            if values[-1] - rest >= 0:
                values[0] = values[-1] - rest
                warnings.append(f"row {k}: first cell missing, shifted")
            else:
                warnings.append(f"row {k}: first cell missing")
        else:
            warnings.append(f"row {k}: {missing} cells missing")
    return dict(zip(REQUEST_COLUMNS, values))


_ACTIVE_LABELS = {"regulations": "规章", "normative_documents": "规范性文件", "licensing": "行政许可",
                  "other_services": "其他对外管理服务事项", "penalty": "行政处罚", "coercion": "行政强制",
                  "fees": "行政事业性收费", "procurement": "政府集中采购"}


def _active_key(label, old):
    """Key of a table-2 row label; an OCR-damaged label by character overlap with a unique best."""
    bare = label.lstrip("0123456789.、")
    if "规范性文件" in label:
        return "normative_documents"
    if bare.startswith("规章") or label.endswith("规章"):
        return "regulations"
    if "行政许可" in label:
        return "licensing"
    if "对外管理服务" in label:
        return "other_services" if old else None
    if "行政处罚" in label:
        return "penalty"
    if "行政强制" in label:
        return "coercion"
    if "行政事业性收费" in label or bare.startswith("事业性收费"):
        return "fees"
    if "集中采购" in label:
        return "procurement" if old else None
    if not bare or len(bare) > 12:
        return None
    keys = [k for k in _ACTIVE_LABELS if old or k not in ("other_services", "procurement")]
    scored = sorted(((char_overlap(_ACTIVE_LABELS[k], bare), k) for k in keys), reverse=True)
    if scored[0][0] >= 0.75 and scored[0][0] > scored[1][0] and abs(len(bare) - len(_ACTIVE_LABELS[scored[0][1]])) <= 2:
        return scored[0][1]
    return None


def parse_active(rows, warnings):
    """Table 2 -> {row key: {field: value}} in either variant, or None when absent."""
    joined = key("".join(c for cells in rows for c in cells))
    old = any(mark in joined for mark in _OLD_TABLE2_MARKS)
    spec = ACTIVE_2019 if old else ACTIVE_2021
    table = {}
    for label, raw in data_rows(rows):
        k = _active_key(label, old)
        if not k or k in table:
            continue
        fields = spec[k]
        cells = raw
        while cells and not cells[0].strip() and len(cells) > len(fields):
            cells = cells[1:]
        if len(cells) > len(fields) and len({c.strip() for c in cells[len(fields) - 1:]} - {""}) <= 1 \
                and all(not c.strip() or c == cells[len(fields) - 1] for c in cells[len(fields):]):
            cells = cells[:len(fields)]  # padding, or a merged cell expanded over the empty columns
        floats = {i for i, f in enumerate(fields) if f in _FLOAT_FIELDS}
        if len(cells) > len(fields):
            warnings.append(f"row {k}: {len(cells)} cells for {len(fields)} columns, first {len(fields)} kept")
            cells = cells[:len(fields)]
        values = _numbers(cells, floats)
        if len(values) < len(fields):
            warnings.append(f"row {k}: {len(fields) - len(values)} cells missing")
            values += [None] * (len(fields) - len(values))
        for i in floats:
            if isinstance(values[i], int):
                values[i] = float(values[i])
        table[k] = dict(zip(fields, values))
    if not table:
        return None
    warnings.extend(f"row {k}: not found" for k in spec if k not in table)
    return {k: table[k] for k in spec if k in table}


def parse_appeals(rows, warnings):
    """Table 4 -> {group: {field: int}}: the 15 numbers of its data row(s)."""
    numbers = []
    for cells in rows:
        label, raw = split_row(cells)
        raw = _strip_empty(raw)
        if len(raw) >= 5 or (raw and not label):
            numbers.extend(raw)
    if not numbers:
        return None
    if len(numbers) != 15:
        warnings.append(f"table 4: {len(numbers)} cells for 15 columns")
        if len(numbers) > 15:
            numbers = numbers[-15:]
    values = _numbers(numbers)
    values += [None] * (15 - len(values))
    return {g: dict(zip(APPEAL_FIELDS, values[i * 5:i * 5 + 5])) for i, g in enumerate(APPEAL_GROUPS)}
