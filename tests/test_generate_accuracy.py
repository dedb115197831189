"""The parser against the generator's ground truth: a few hundred synthetic reports, 100% field accuracy.

Compared: title, agency, year, published, region, format, section numbers, headings and texts, every
figure of stats, the ok value of each check, and a warning wherever a cell had to be recovered.
"""
import copy
from collections import defaultdict

import pytest

from tools.generate import LAYOUTS, generate

try:
    from gikportal.extract.text import read_text_document
    from gikportal.parse import parse_document
    IMPORT_ERROR = None
except ImportError as exc:  # the parser is built concurrently; without it there is nothing to measure
    IMPORT_ERROR = exc

needs_parser = pytest.mark.skipif(IMPORT_ERROR is not None, reason=f"parser not importable: {IMPORT_ERROR}")

N = 300
FIELDS = ("title", "agency", "year", "published", "region", "format")


def _figures(stats, prefix=""):
    """Flatten stats to {"requests.granted.total": 3, ...} so a difference names its cell."""
    out = {}
    for k, v in (stats or {}).items():
        if isinstance(v, dict):
            out.update(_figures(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def differences(expected, got):
    """[(field, expected, got)] for every compared field that differs."""
    diffs = [(f, expected[f], got.get(f)) for f in FIELDS if got.get(f) != expected[f]]
    want = [(s["n"], s["heading"]) for s in expected["sections"]]
    have = [(s.get("n"), s.get("heading")) for s in got.get("sections") or []]
    if want != have:
        diffs.append(("sections", want, have))
    texts = {s.get("n"): s.get("text") for s in got.get("sections") or []}
    for s in expected["sections"]:
        if s["n"] in texts and texts[s["n"]] != s["text"]:
            diffs.append((f"sections.{s['n']}.text", s["text"], texts[s["n"]]))
    ef, gf = _figures(expected["stats"]), _figures(got.get("stats"))
    for key in sorted(set(ef) | set(gf)):
        if ef.get(key, "<absent>") != gf.get(key, "<absent>") or type(ef.get(key)) is not type(gf.get(key)):
            diffs.append((f"stats.{key}", ef.get(key, "<absent>"), gf.get(key, "<absent>")))
    if expected["warnings"] and not got.get("warnings"):  # a recovered cell is marked, never silently invented
        diffs.append(("warnings", expected["warnings"], got.get("warnings")))
    ec = [(c["rule"], c["ok"]) for c in expected["checks"]]
    gc = [(c.get("rule"), c.get("ok")) for c in (got.get("checks") or [])][:len(ec)]
    for (rule, ok), other in zip(ec, gc + [(None, "<absent>")] * (len(ec) - len(gc))):
        if (rule, ok) != other:
            diffs.append((f"checks.{rule}", ok, other[1] if other[0] == rule else other))
    return diffs


def _run(reports):
    failures = defaultdict(list)
    for rep in reports:
        try:
            got = parse_document(read_text_document(rep.data))
        except Exception as exc:  # a crash is a failure of every field, reported as such
            failures["exception"].append((rep.filename, rep.layout, repr(exc)))
            continue
        for field, want, have in differences(rep.expected, got):
            failures[field].append(
                (rep.filename, rep.layout, rep.expected["year"], want, have))
    return failures


def _summary(failures, total):
    lines = [f"{sum(len(v) for v in failures.values())} differences in {total} reports:"]
    for field, cases in sorted(failures.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  {field}: {len(cases)}, e.g. {cases[:2]}")
    return "\n".join(lines)


@needs_parser
@pytest.mark.parametrize("layout", LAYOUTS)
def test_parser_matches_ground_truth(layout):
    reports = list(generate(N // len(LAYOUTS), seed=2024 + LAYOUTS.index(layout), layouts=[layout]))
    failures = _run(reports)
    assert not failures, _summary(failures, len(reports))


@needs_parser
def test_parser_matches_ground_truth_2019_2020_variant():
    reports = list(generate(60, seed=77, years=[2019, 2020]))
    failures = _run(reports)
    assert not failures, _summary(failures, len(reports))


def test_differences_names_the_field():
    rep = next(iter(generate(1, seed=5, years=[2022])))
    got = copy.deepcopy(rep.expected)
    got["stats"]["requests"]["granted"]["total"] += 1
    got["checks"][1]["ok"] = not got["checks"][1]["ok"]
    got["region"] = {"province": None, "city": None, "county": None}
    fields = [d[0] for d in differences(rep.expected, got)]
    assert fields == ["region", "stats.requests.granted.total", "checks.balance"]


@needs_parser
@pytest.mark.parametrize("province, city, county", [("陕西省", "咸阳市", "乾县"), ("吉林省", "松原市", "乾安县")])
def test_parser_keeps_place_names_that_t2s_would_change(province, city, county):
    """乾县 and 乾安县 are real counties; a traditional-to-simplified pass must not turn them into 干县/干安县."""
    done = 0
    for rep in generate(200, seed=9, years=[2023], layouts=["tsv"]):
        e = copy.deepcopy(rep.expected)
        old = f"{e['region']['city']}{e['region']['county']}"
        if e["region"]["county"] is None or not e["agency"].startswith(old) or "報" in e["title"]:
            continue
        text = rep.data.decode(rep.encoding).replace(old, city + county)
        e["agency"] = e["agency"].replace(old, city + county)
        e["title"] = e["title"].replace(old, city + county)
        e["region"] = {"province": province, "city": city, "county": county}
        got = parse_document(read_text_document(text.encode("utf-8")))
        assert differences(e, got) == [], rep.filename
        done += 1
        if done == 3:
            break
    assert done == 3
