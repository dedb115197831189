"""The scorecard (parse/scorecard.py) on reports made the way offices make them, through the real
ingest and index: one agency's three consecutive years with deliberate breaks (tests/_series.py),
another agency copying its section 5, and the real series of ../shared/real/."""
import json
from collections import defaultdict
from pathlib import Path

import pytest

from _series import series
from gikportal import continuity
from gikportal.backend import for_config
from gikportal.ingest import ingest_paths, reindex
from gikportal.parse import scorecard
from gikportal.query import SearchParams
from gikportal.records import build_record

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "real"
BACKENDS = ("whoosh", "postgres")


@pytest.fixture(scope="module")
def built():
    return series()


@pytest.fixture
def indexed(tmp_path, built, portal_config):
    """The four reports ingested one batch per file (so each year is linked as it arrives)."""
    config = portal_config
    folder = tmp_path / "in"
    folder.mkdir()
    agency, other, files = built
    for _year, name, data in files:
        (folder / name).write_bytes(data)
        ingest_paths(config, [folder / name], workers=1)
    return config, agency, other


def _hits(config):
    hits = for_config(config).search_all(SearchParams())
    return {(h["agency"], h["year"]): h for h in hits}


def _card(config, hit, hits):
    """The card the report page shows: the record, the previous record, the copy match."""
    from gikportal.archive import Archive

    archive = Archive(config["ARCHIVE_DIR"])
    previous = archive.record(hit["previous_id"]) if hit.get("previous_id") else None
    return {c["key"]: c for c in scorecard.card(archive.record(hit["id"]), previous, hit.get("copy"))["criteria"]}


def test_three_years_of_one_agency_each_criterion(indexed):
    config, agency, other = indexed
    hits = _hits(config)
    y21, y22, y23 = (hits[(agency, y)] for y in (2021, 2022, 2023))
    cards = {y: _card(config, h, hits) for y, h in ((2021, y21), (2022, y22), (2023, y23))}

    # 按时发布: a department's deadline is 31 January of the next year
    assert cards[2021]["on_time"]["ok"] is True and cards[2021]["on_time"]["numbers"]["deadline"] == "2022-01-31"
    assert cards[2022]["on_time"]["ok"] is False and cards[2022]["on_time"]["numbers"]["days_late"] == 38
    assert "第四十九条" in cards[2022]["on_time"]["rule"]
    # 与上年衔接: nothing before 2021; 2022 follows 2021; 2023 breaks both the carry-over and 现行有效
    assert cards[2021]["continuity"]["ok"] is None and "上一年度" in cards[2021]["continuity"]["reason"]
    assert cards[2022]["continuity"]["ok"] is True
    assert cards[2022]["continuity"]["numbers"]["previous"] == y21["id"] == y22["previous_id"]
    c23 = cards[2023]["continuity"]
    assert c23["ok"] is False and c23["numbers"]["carry_chain"]["ok"] is False
    assert "2022年结转下年度3件，2023年上年结转1件" in c23["detail"]
    normative = next(r for r in c23["numbers"]["in_force"] if r["row"] == "normative_documents")
    assert normative["ok"] is False
    assert normative["previous_in_force"] + normative["issued"] - normative["repealed"] + 5 == normative["in_force"]
    # 问题及改进不照搬: 2022 wrote a new section 5, 2023 copied it whole
    assert cards[2022]["section5_repeated"]["ok"] is True and cards[2022]["section5_repeated"]["numbers"]["found"] == 0
    rep = cards[2023]["section5_repeated"]["numbers"]
    assert cards[2023]["section5_repeated"]["ok"] is False and (rep["found"], rep["total"], rep["share"]) == (3, 3, 1.0)
    assert rep["repeated"][0].startswith("一是依申请公开答复的说理还不够充分")
    # copied across agencies in the same year: each is the other's nearest match
    theirs = hits[(other, 2023)]
    assert y23["copy"] == {"id": theirs["id"], "agency": other, "year": 2023, "share": 1.0}
    assert theirs["copy"]["id"] == y23["id"]
    assert cards[2023]["copied_section5"]["ok"] is False and "100%相同" in cards[2023]["copied_section5"]["detail"]
    assert y21["copy"] is None and cards[2021]["copied_section5"]["ok"] is None
    # the one-report criteria hold on every year (the series keeps every printed 勾稽关系)
    for year in (2021, 2022, 2023):
        assert cards[year]["table_checks"]["ok"] is True and cards[year]["complete"]["ok"] is True
        assert cards[year]["prose_tables"]["ok"] is True
    # the index's summary is the page's card: same failures, same score
    for year, hit in ((2021, y21), (2022, y22), (2023, y23)):
        total = scorecard.total(list(cards[year].values()))
        assert hit["scorecard_failed"] == total["failed"] and hit["score"] == total["score"]
    assert set(y23["scorecard_failed"]) >= {"continuity", "section5_repeated", "copied_section5"}
    assert "on_time" in y22["scorecard_failed"] and "continuity" not in y22["scorecard_failed"]


def test_reindex_derives_the_same_cards_as_ingest(indexed):
    config, _agency, _other = indexed
    before = {k: (h["score"], h["scorecard_failed"], h["previous_id"], h["copy"]) for k, h in _hits(config).items()}
    reindex(config)
    after = {k: (h["score"], h["scorecard_failed"], h["previous_id"], h["copy"]) for k, h in _hits(config).items()}
    assert after == before


def test_findings_filter_the_failures(indexed):
    config, agency, other = indexed
    engine = for_config(config)
    copied = engine.search_all(SearchParams(q="scorecard:copied_section5"))
    assert {(h["agency"], h["year"]) for h in copied} == {(agency, 2023), (other, 2023)}
    late = engine.search_all(SearchParams(q="scorecard:on_time"))
    assert (agency, 2022) in {(h["agency"], h["year"]) for h in late}
    low = engine.search_all(SearchParams(q="score:<60"))
    assert all(h["score"] < 60 for h in low) and (agency, 2023) in {(h["agency"], h["year"]) for h in low}
    counts = engine.search(SearchParams())["facets"]["finding"]
    values = {v["value"]: v["count"] for v in counts}
    assert values["scorecard:copied_section5"] == 2 and values["scorecard:section5_repeated"] == 1


def test_weights_add_up_and_every_criterion_cites_its_rule():
    assert sum(w for w, _ in scorecard.WEIGHTS.values()) == 100
    assert all("条例" in rule or "国办公开办函〔2021〕30号" in rule for _, rule in scorecard.WEIGHTS.values())


def _real_series():
    """The agencies of ../shared/real/ with more than one year: {agency: {year: record}}."""
    rows = [json.loads(line) for line in (REAL / "expected.jsonl").read_text(encoding="utf-8").splitlines() if line]
    groups = defaultdict(dict)
    for row in rows:
        groups[row["agency"]][row["year"]] = row["file"]
    out = {}
    for agency, years in groups.items():
        if len(years) > 1:
            out[agency] = {y: build_record((REAL / f).read_bytes(), Path(f).name) for y, f in years.items()}
    return out


def test_real_series_continuity_year_by_year():
    """Each real series, year by year: 与上年衔接 and 问题及改进 are assessed exactly for the years
    whose previous year is in the archive (none of the stored series has two consecutive years,
    so each says so), under the agency's canonical key."""
    found = _real_series()
    assert found
    for agency, by_year in found.items():
        records = [dict(r, agency_key=agency) for r in by_year.values()]
        cards, _ = continuity.derive_all(records)
        verdicts = []
        for record in sorted(records, key=lambda r: r["year"]):
            has_previous = record["year"] - 1 in by_year
            card = cards[record["id"]]
            previous = by_year.get(record["year"] - 1)
            full = {c["key"]: c for c in scorecard.card(record, previous, card["copy"])["criteria"]}
            verdicts.append((record["year"], full["continuity"]["ok"], full["section5_repeated"]["ok"]))
            assert (card["previous"] is not None) == has_previous
            if not has_previous:
                assert full["continuity"]["ok"] is None and "上一年度" in full["continuity"]["reason"]
                assert "continuity" not in card["failed"]
            else:
                assert full["continuity"]["ok"] is not None or "数字不全" in full["continuity"]["detail"]
        print(agency, verdicts)


def _real_with_section5():
    """A real report of the national format whose section 5 has at least four sentences."""
    rows = [json.loads(line) for line in (REAL / "expected.jsonl").read_text(encoding="utf-8").splitlines() if line]
    for row in rows:
        record = build_record((REAL / row["file"]).read_bytes(), Path(row["file"]).name)
        text = next((s["text"] for s in record.get("sections") or [] if s.get("n") == 5), "")
        if record.get("format") == "2019" and record.get("year") and len(scorecard.sentences(text)) >= 4:
            return record, text
    raise AssertionError("no real report with a section 5 of four sentences")


def test_copy_share_counts_the_sentences_found_again():
    """Another agency that keeps all but one of a real section 5's sentences (and changes the
    year's figures in the others) is found as its nearest copy, at the exact share."""
    from gikportal.copies import CopyIndex

    record, text = _real_with_section5()
    sentences = scorecard.sentences(text)
    changed = text.replace(sentences[0][1], "我们将另行制定本单位的整改方案并逐项落实到人")
    changed = changed.replace(str(record["year"]), str(record["year"] - 1))
    other = dict(record, id="f" * 16, agency="另一机关", agency_key="另一机关",
                 sections=[dict(s, text=changed) if s.get("n") == 5 else s for s in record["sections"]])
    unrelated = dict(record, id="e" * 16, agency="第三机关", agency_key="第三机关",
                     sections=[dict(s, text="一是人员不足。二是经费紧张。三是培训偏少。") if s.get("n") == 5 else s
                               for s in record["sections"]])
    index = CopyIndex()
    for r in (record, other, unrelated):
        index.add(r)
    match = index.nearest(record["id"])
    n = len(sentences)
    assert match["id"] == other["id"] and match["share"] == round((n - 1) / n, 4)
    same_year_only = dict(other, id="d" * 16, year=record["year"] + 1)
    index.add(same_year_only)
    assert index.nearest(same_year_only["id"]) is None
    assert scorecard.repetition(text, changed)["found"] == n - 1
