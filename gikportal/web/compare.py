"""Reports side by side, figure by figure, and section 5 of two years diffed sentence by sentence."""
import difflib
import re

from flask import Blueprint, abort, render_template, request

from ..archive import is_report_id
from ..figures import HEADLINE_LABELS, headline
from . import common

bp = Blueprint("compare", __name__)

MAX_REPORTS = 8
SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")


def sentences(record, n=5):
    section = next((s for s in record.get("sections") or [] if s.get("n") == n), None)
    return [m.group().strip() for m in SENTENCE.finditer((section or {}).get("text") or "") if m.group().strip()]


def char_diff(left, right):
    """Two near-identical sentences as segments [(changed?, text)], so a changed year stands out."""
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    a, b = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            a.append((op != "equal", left[i1:i2]))
        if j2 > j1:
            b.append((op != "equal", right[j1:j2]))
    return a, b, matcher.ratio()


def text_diff(a, b):
    """Blocks of sentences: "equal" is word-for-word repeated text; changed pairs get a character diff."""
    left, right = sentences(a), sentences(b)
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    blocks = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = left[i1:i2], right[j1:j2]
        if op == "replace" and len(olds) == len(news):
            pairs = [char_diff(x, y) for x, y in zip(olds, news)]
            if all(ratio >= 0.6 for _, _, ratio in pairs):
                blocks.append(("near", pairs, []))
                continue
        blocks.append((op, olds, news))
    same = sum(len("".join(l)) for op, l, _ in blocks if op == "equal")
    total = max(len("".join(left)), len("".join(right)), 1)
    return {"blocks": blocks, "ratio": round(100 * same / total), "empty": not left or not right}


@bp.get("/compare")
def compare():
    ids = [i.strip() for i in request.args.get("ids", "").split(",") if i.strip()][:MAX_REPORTS]
    if any(not is_report_id(i) for i in ids):
        abort(404)
    store = common.archive()
    records = [store.record(i) for i in ids]
    if any(r is None for r in records):
        abort(404)
    rows = []
    for name, label in HEADLINE_LABELS.items():
        values = [headline(r).get(name) for r in records]
        if all(v is None for v in values):
            continue
        rows.append({"label": label, "values": values,
                     "differs": [i > 0 and v != values[0] for i, v in enumerate(values)]})
    diff = text_diff(records[0], records[1]) if len(records) >= 2 else None
    return render_template("compare.html", records=records, rows=rows, diff=diff)
