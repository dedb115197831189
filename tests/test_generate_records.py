"""The generator's ground truth is itself right: deterministic, internally consistent, printed in the text."""
import re
import unicodedata

import cpca
import pytest
from opencc import OpenCC

from tools.generate import COLS, GROUPS, LAYOUTS, generate

N = 400
RECORD_KEYS = {"title", "agency", "year", "published", "region", "format", "sections", "stats", "checks", "warnings"}
RULES = ["sections_present", "balance", "outcome_sum", "row_total", "group_total", "narrative", "fee_explained"]
T2_NEW = {"regulations": {"issued", "repealed", "in_force"}, "normative_documents": {"issued", "repealed", "in_force"},
          "licensing": {"decisions"}, "penalty": {"decisions"}, "coercion": {"decisions"},
          "fees": {"amount_10k_yuan"}}
T2_OLD = {"regulations": {"made", "published", "public_total"},
          "normative_documents": {"made", "published", "public_total"},
          **{k: {"items_last_year", "change", "decisions"} for k in ("licensing", "other_services", "penalty",
                                                                     "coercion")},
          "fees": {"items_last_year", "change"}, "procurement": {"items", "amount_10k_yuan"}}
T3_OUTCOMES_NEW = ["granted", "partially_granted", "denied_state_secret", "denied_prohibited_by_law",
                   "denied_security_stability", "denied_third_party_rights", "denied_internal_affairs",
                   "denied_process_information", "denied_enforcement_records", "denied_administrative_query",
                   "unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear",
                   "not_processed_petition", "not_processed_repeated", "not_processed_publication",
                   "not_processed_excessive", "not_processed_confirmation", "other_no_correction", "other_no_fee",
                   "other_other"]
T3_OUTCOMES_OLD = T3_OUTCOMES_NEW[:-3] + ["other_handling"]
T2S = OpenCC("t2s")
OCR_DIGITS = str.maketrans({"О": "0", "O": "0", "o": "0", "l": "1"})


@pytest.fixture(scope="module")
def reports():
    return list(generate(N, seed=11))


def _text(rep):
    """The report's text in simplified characters (some reports are printed in traditional ones)."""
    return T2S.convert(rep.data.decode(rep.encoding))


def test_deterministic_and_prefix_stable():
    a = list(generate(60, seed=3))
    b = list(generate(60, seed=3))
    assert [(r.filename, r.data, r.expected) for r in a] == [(r.filename, r.data, r.expected) for r in b]
    c = list(generate(20, seed=3))
    assert [r.data for r in c] == [r.data for r in a[:20]]
    d = list(generate(60, seed=4))
    assert sum(x.data == y.data for x, y in zip(a, d)) == 0
    assert [r.filename for r in a[:3]] == ["gen_000000.txt", "gen_000001.txt", "gen_000002.txt"]


def test_filters():
    reps = list(generate(40, seed=1, layouts=["docx"], years=[2020]))
    assert {r.layout for r in reps} == {"docx"}
    assert {r.expected["year"] for r in reps} == {2020}
    assert all("other_handling" in r.expected["stats"]["requests"] for r in reps)
    with pytest.raises(ValueError):
        next(generate(1, layouts=["pdf"]))


def test_variety(reports):
    assert {r.layout for r in reports} == set(LAYOUTS)
    years = {r.expected["year"] for r in reports}
    assert min(years) <= 2010 and max(years) == 2024 and {2019, 2020, 2021} <= years
    assert {r.expected["format"] for r in reports} == {"2019", "legacy"}
    assert {r.encoding for r in reports} >= {"utf-8", "gbk"}
    assert len({r.expected["region"]["province"] for r in reports}) > 25
    assert len({r.expected["agency"] for r in reports}) > N * 0.95
    modern = [r.expected for r in reports if r.expected["format"] == "2019"]
    for rule in RULES:
        oks = {c["ok"] for e in modern for c in e["checks"] if c["rule"] == rule}
        assert False in oks, rule
    assert any(e["stats"]["appeals"]["review"]["total"] > 0 for e in modern if "appeals" in e["stats"])
    assert any(e["stats"]["requests"]["new_received"]["total"] > 1000 for e in modern)
    assert any(e["published"] for e in modern) and any(e["published"] is None for e in modern)
    assert any(r.expected["warnings"] for r in reports if r.layout == "ocr")
    assert any("報告" in r.expected["title"] for r in reports)


def test_record_shape(reports):
    for rep in reports:
        e = rep.expected
        assert set(e) == RECORD_KEYS
        assert re.fullmatch(r"gen_\d{6}\.txt", rep.filename)
        title = T2S.convert(e["title"])
        assert title.startswith(e["agency"]) and title.endswith("政府信息公开工作年度报告")
        assert not re.search(r"\s", e["title"])
        assert isinstance(e["year"], int) and 2008 <= e["year"] <= 2024
        assert e["published"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", e["published"])
        assert [c["rule"] for c in e["checks"]] == RULES
        assert all(c["ok"] in (True, False, None) and c["detail"] for c in e["checks"])
        assert [s["anchor"] for s in e["sections"]] == [f"s{s['n']}" for s in e["sections"]]
        stats = e["stats"]
        if e["format"] == "legacy":
            assert e["year"] < 2019 and set(stats) == {"legacy"}
            assert set(stats["legacy"]) <= {"published_items", "requests_received", "reviews", "lawsuits"}
            assert [s["n"] for s in e["sections"]] == list(range(1, len(e["sections"]) + 1))
            continue
        old = e["year"] <= 2020
        assert {s["n"] for s in e["sections"]} <= set(range(1, 7))
        assert set(stats) <= {"active", "requests", "appeals"} and "requests" in stats
        assert {k: set(v) for k, v in stats.get("active", {}).items()} in ({}, T2_OLD if old else T2_NEW)
        for row in stats.get("active", {}).values():
            for f, v in row.items():
                assert isinstance(v, float) if f == "amount_10k_yuan" else type(v) is int
        rows = ["new_received", "carried_over"] + (T3_OUTCOMES_OLD if old else T3_OUTCOMES_NEW) + \
            ["outcome_total", "carried_forward"]
        assert list(stats["requests"]) == rows
        assert all(list(r) == list(COLS) and all(type(v) is int and v >= 0 for v in r.values())
                   for r in stats["requests"].values())
        if "appeals" in stats:
            assert list(stats["appeals"]) == list(GROUPS)


def _recomputed(e, text):
    """The checks, recomputed here from the expected record and the text alone."""
    stats = e["stats"]
    if e["format"] == "legacy":
        return dict.fromkeys(RULES)
    secs = {s["n"]: s for s in e["sections"]}
    out = {"sections_present": set(secs) == set(range(1, 7)) and set(stats) == {"active", "requests", "appeals"}
           and bool(secs[5]["text"].strip())}
    req = stats["requests"]
    outcomes = [k for k in req if k not in ("new_received", "carried_over", "outcome_total", "carried_forward")]
    out["balance"] = all(req["new_received"][c] + req["carried_over"][c] ==
                         req["outcome_total"][c] + req["carried_forward"][c] for c in COLS)
    out["outcome_sum"] = all(sum(req[k][c] for k in outcomes) == req["outcome_total"][c] for c in COLS)
    out["row_total"] = all(sum(list(r.values())[:6]) == r["total"] for r in req.values())
    app = stats.get("appeals")
    out["group_total"] = None if app is None else all(
        g["upheld"] + g["corrected"] + g["other"] + g["pending"] == g["total"] for g in app.values())
    m = re.search(r"(?:收到|受理|新收)[^，。,]*?(?:申请|事项)\s*(\d+)\s*[件条]", T2S.convert(secs[1]["text"]))
    out["narrative"] = None if not m else int(m.group(1)) == req["new_received"]["total"]
    s6 = T2S.convert(secs[6]["text"]) if 6 in secs else ""
    amount = re.search(r"收取信息处理费(?:共计)?([1-9]\d*)元", s6)
    charged = bool(amount) or "依法向申请人收取信息处理费" in text
    out["fee_explained"] = bool(amount) if charged else None
    return out


def test_checks_agree_with_figures(reports):
    for rep in reports:
        e = rep.expected
        got = {c["rule"]: c["ok"] for c in e["checks"]}
        assert got == _recomputed(e, _text(rep)), rep.filename


def _chinese_date(y, m, d):
    digits = "〇一二三四五六七八九"
    tens = {1: "十", 2: "二十", 3: "三十"}

    def small(n):
        return (tens.get(n // 10, "") + (digits[n % 10] if n % 10 else "")) if n >= 10 else digits[n]
    return "".join(digits[int(c)] for c in str(y)) + f"年{small(m)}月{small(d)}日"


def _squash(s):
    return re.sub(r"\s+", "", s)


def test_text_contains_the_figures(reports):
    for rep in reports:
        e = rep.expected
        text = _text(rep)
        flat = _squash(text)
        assert _squash(e["agency"]) in flat
        for s in e["sections"]:
            assert _squash(T2S.convert(s["heading"])) in flat, (rep.filename, s["heading"])
            for line in s["text"].split("\n"):
                assert _squash(T2S.convert(line)) in flat, (rep.filename, line)
        if e["published"]:
            y, m, d = (int(x) for x in e["published"].split("-"))
            forms = (f"{y}年{m}月{d}日", f"{y}年{m:02d}月{d:02d}日", _chinese_date(y, m, d))
            assert any(f in text.strip().split("\n")[-1] for f in forms), rep.filename
        if e["format"] == "legacy":
            for v in e["stats"]["legacy"].values():
                assert re.search(rf"(?<!\d){v}(?!\d)", text)
            continue
        cells = {unicodedata.normalize("NFKC", c).strip(" |").translate(OCR_DIGITS)
                 for c in re.split(r"[\t\n|]", text.replace("[bookmark: _GoBack]", ""))}
        for row in e["stats"]["requests"].values():
            assert str(row["total"]) in cells or all(v == 0 for v in row.values()), rep.filename
        numbers = {float(c) for c in cells if re.fullmatch(r"-?\d+(\.\d+)?", c)}
        for row in e["stats"].get("active", {}).values():
            for v in row.values():
                assert v in numbers or v == 0, rep.filename
        for g in e["stats"].get("appeals", {}).values():
            assert str(g["total"]) in cells


def test_regions_resolve_with_cpca(reports):
    sample = [r.expected for r in reports[:300]]
    df = cpca.transform([e["agency"] for e in sample])
    for e, p, c, d in zip(sample, df["省"], df["市"], df["区"]):
        p, c, d = (None if v != v else v for v in (p, c, d))
        if p in ("北京市", "天津市", "上海市", "重庆市"):
            c = p
        assert {"province": p, "city": c, "county": d} == e["region"], e["agency"]
