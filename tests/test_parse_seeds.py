"""Each seed's record, field by field, against tests/expected/<stem>.json (written by reading the seeds)."""
import json
from pathlib import Path

import pytest

from gikportal.extract.text import read_text_document
from gikportal.parse import parse_document

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "samples").glob("*.txt"))
EXPECTED = ROOT / "tests" / "expected"
IDS = [p.stem[:3] for p in SEEDS]


def parse(path):
    return parse_document(read_text_document(path.read_bytes()))


@pytest.fixture(scope="module")
def records():
    return {p.stem: (parse(p), json.loads((EXPECTED / f"{p.stem}.json").read_text(encoding="utf-8")))
            for p in SEEDS}


def test_five_seeds_with_expectations():
    assert len(SEEDS) == 5
    assert all((EXPECTED / f"{p.stem}.json").exists() for p in SEEDS)


@pytest.mark.parametrize("path", SEEDS, ids=IDS)
def test_metadata(records, path):
    got, exp = records[path.stem]
    for field in ("title", "agency", "year", "published", "region", "format"):
        assert got[field] == exp[field], field


@pytest.mark.parametrize("path", SEEDS, ids=IDS)
def test_sections(records, path):
    got, exp = records[path.stem]
    assert [s["n"] for s in got["sections"]] == [s["n"] for s in exp["sections"]]
    for g, e in zip(got["sections"], exp["sections"]):
        assert g["anchor"] == e["anchor"]
        assert g["heading"] == e["heading"]
        assert g["text"] == e["text"], f"section {e['n']}"


@pytest.mark.parametrize("path", SEEDS, ids=IDS)
def test_every_table_cell(records, path):
    got, exp = records[path.stem]
    assert list(got["stats"]) == list(exp["stats"])
    wrong = []
    for table, rows in exp["stats"].items():
        assert list(got["stats"][table]) == list(rows), table
        for row, cells in rows.items():
            assert list(got["stats"][table][row]) == list(cells), (table, row)
            for col, value in cells.items():
                actual = got["stats"][table][row][col]
                if actual != value or type(actual) is not type(value):
                    wrong.append(f"{table}.{row}.{col}: {actual!r} != {value!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", SEEDS, ids=IDS)
def test_checks_and_warnings(records, path):
    got, exp = records[path.stem]
    assert [(c["rule"], c["ok"]) for c in got["checks"]] == [(c["rule"], c["ok"]) for c in exp["checks"]]
    assert all(c["detail"] for c in got["checks"])
    assert got["warnings"] == exp["warnings"]


@pytest.mark.parametrize("path", SEEDS, ids=IDS)
def test_whole_record(records, path):
    got, exp = records[path.stem]
    assert set(got) == {"title", "agency", "agency_key", "year", "published", "region", "format", "preface", "sections",
                        "stats", "checks", "warnings"}
    assert got == exp


def test_seed_001_narrative_fails_with_both_numbers(records):
    got, _ = records["001_1299ff54e50d8c9c"]
    narrative = next(c for c in got["checks"] if c["rule"] == "narrative")
    assert narrative["ok"] is False
    assert "9" in narrative["detail"] and "11" in narrative["detail"]


def test_seed_001_fee_amount_is_a_decimal(records):
    got, _ = records["001_1299ff54e50d8c9c"]
    assert got["stats"]["active"]["fees"]["amount_10k_yuan"] == pytest.approx(96.0914)


def test_seed_003_shifted_rows_are_marked(records):
    got, _ = records["003_02c6609157ceda09"]
    assert "row other_no_fee: first cell missing, shifted" in got["warnings"]
    assert got["stats"]["requests"]["other_no_fee"]["natural_person"] == 0


def test_seed_004_year_from_period_and_date_from_signature(records):
    got, _ = records["004_f70db4a1f507e4e3"]
    assert got["year"] == 2024 and got["published"] == "2025-01-06"
    assert "2025年1月6日" not in got["sections"][-1]["text"]
