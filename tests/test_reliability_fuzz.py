"""Mutated seeds never crash the parser: build_record returns a well-formed record or a clean error.

ParseFailure is the ExtractionError that build_record wraps around an unexpected parser
exception; it is counted as a crash here, so a parser bug cannot hide behind the wrapper.
"""
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gikportal.document import ExtractionError
from gikportal.records import ParseFailure, build_record

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SEEDS = {p.name: p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))}
RECORD_KEYS = {"id", "sha256", "title", "agency", "agency_key", "year", "published", "region", "format", "preface",
               "sections", "stats", "checks", "warnings"}
CHECK_ORDER = ["sections_present", "balance", "outcome_sum", "row_total", "group_total",
               "narrative", "fee_explained"]
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">x</a>',
           "\x00", "\x00\x00\x00", "\ufeff", "\u202e", "一、总体情况", "\t\t\t", "О", "9" * 40, "-1", "1e309"]


def _mutate(lines, data):
    """Apply a handful of line and character edits chosen by hypothesis."""
    ops = data.draw(st.lists(st.sampled_from(["delete", "duplicate", "swap", "flip", "insert", "truncate_line"]),
                             min_size=1, max_size=8))
    for op in ops:
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "flip" and lines[i]:
            k = data.draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:k] + data.draw(st.characters(codec="utf-8")) + lines[i][k + 1:]
        elif op == "insert":
            k = data.draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:k] + data.draw(st.sampled_from(HOSTILE)) + lines[i][k:]
        elif op == "truncate_line":
            lines[i] = lines[i][:data.draw(st.integers(0, len(lines[i])))]
    return lines


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_seed_gives_record_or_clean_error(data):
    name = data.draw(st.sampled_from(sorted(SEEDS)))
    text = "\n".join(_mutate(SEEDS[name].split("\n"), data))
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16", "gb18030"]))
    raw = text.encode(encoding, errors="replace" if encoding == "gbk" else "strict")
    for op in data.draw(st.lists(st.sampled_from(["nul", "byte", "truncate"]), max_size=3)):
        k = data.draw(st.integers(0, len(raw)))
        if op == "nul":
            raw = raw[:k] + b"\x00" * data.draw(st.integers(1, 64)) + raw[k:]
        elif op == "byte" and k < len(raw):
            raw = raw[:k] + bytes([data.draw(st.integers(0, 255))]) + raw[k + 1:]
        elif op == "truncate":
            raw = raw[:k]
    try:
        record = build_record(raw, name)
    except ParseFailure as exc:
        pytest.fail(f"parser crashed on a mutated {name} ({encoding}): {exc}")
    except ExtractionError as exc:
        assert str(exc).strip()
        return
    assert isinstance(record, dict)
    assert set(record) == RECORD_KEYS
    assert record["id"] == hashlib.sha256(raw).hexdigest()[:16]
    assert record["sha256"] == hashlib.sha256(raw).hexdigest()
    assert [c["rule"] for c in record["checks"]] == CHECK_ORDER
    assert record["format"] in ("2019", "legacy")
    assert isinstance(record["sections"], list) and isinstance(record["stats"], dict)
