"""The real commands on real files: ingest, idempotence, crashes, reindex, check, parse."""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gikportal import index, whoosh_store
from gikportal.archive import Archive, report_id
from gikportal.backend import for_config
from gikportal.ingest import check, ingest_bytes, ingest_paths, reindex
from gikportal.query import SearchParams
from gikportal.records import build_record

ROOT = Path(__file__).resolve().parent.parent


def run(args, env, **kw):
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, **kw)


def flask(*args):
    return [sys.executable, "-m", "flask", "--app", "app", *args]


@pytest.fixture
def mixed_folder(tmp_path, seed_paths):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for path in seed_paths:
        (folder / "sub" / path.name).write_bytes(path.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "random.pdf").write_bytes(os.urandom(4096))
    return folder


def test_ingest_command_adds_seeds_and_reports_failures(mixed_folder, cli_env, portal_config):
    first = run(flask("ingest", str(mixed_folder)), cli_env)
    assert first.returncode == 0, first.stderr
    assert "新增 5 份，已存在 0 份，失败 2 份" in first.stdout
    assert "empty.txt" in first.stdout and "random.pdf" in first.stdout
    archive = Archive(portal_config["ARCHIVE_DIR"])
    parsed = [rid for rid in archive.ids() if archive.meta(rid)["status"] == "parsed"]
    assert len(parsed) == 5
    # the random bytes are kept, unparsed, with the reason; the empty file had nothing to keep
    unparsed = [archive.meta(rid) for rid in archive.ids() if archive.meta(rid)["status"] == "unparsed"]
    assert [m["filename"] for m in unparsed] == ["random.pdf"] and unparsed[0]["error"]
    assert index.ids(portal_config["INDEX_DIR"]) == set(parsed)

    second = run(flask("ingest", str(mixed_folder)), cli_env)
    assert second.returncode == 0
    assert "新增 0 份，已存在 6 份，失败 1 份" in second.stdout


def test_ingest_exits_nonzero_when_nothing_could_be_ingested(tmp_path, cli_env):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = run(flask("ingest", str(tmp_path / "empty.txt")), cli_env)
    assert result.returncode == 1 and "失败 1 份" in result.stdout


def test_records_carry_source_url_and_id(seed_paths, portal_config):
    summary = ingest_paths(portal_config, seed_paths[:1], source_url="http://www.jiaozuo.gov.cn/x")
    [result] = summary.results
    archive = Archive(portal_config["ARCHIVE_DIR"])
    assert archive.meta(result.id)["source_url"] == "http://www.jiaozuo.gov.cn/x"
    record = archive.record(result.id)
    assert record["id"] == result.id and record["sha256"].startswith(result.id)
    assert record["year"] == 2024 and record["sections"]


def test_upload_path_ingests_once(seed_paths, portal_config):
    data = seed_paths[2].read_bytes()
    first = ingest_bytes(portal_config, data, "report.txt")
    second = ingest_bytes(portal_config, data, "again.txt")
    assert (first.status, second.status) == ("added", "exists") and first.id == second.id
    assert first.record["agency"] == "焦作市卫生健康委员会"
    assert ingest_bytes(portal_config, b"", "e.txt").status == "failed"


def _variants(seed_paths, folder, n):
    """n distinct reports: the seeds with a line appended, so every file has its own id."""
    folder.mkdir()
    texts = [p.read_text("utf-8") for p in seed_paths]
    for i in range(n):
        (folder / f"r{i:04d}.txt").write_text(texts[i % 5] + f"\n\n附：编号 {i}\n", "utf-8")
    return folder


def test_sigkill_during_ingest_loses_nothing_and_reindex_agrees(tmp_path, seed_paths, cli_env, portal_config):
    folder = _variants(seed_paths, tmp_path / "many", 400)
    proc = subprocess.Popen(flask("ingest", "--workers", "1", str(folder)), env=cli_env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    archive = Archive(portal_config["ARCHIVE_DIR"])
    deadline = time.time() + 120
    while time.time() < deadline and len(archive.ids()) < 210:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    ids = archive.ids()
    assert 0 < len(ids) < 400, "the kill should land mid-batch"
    for rid in ids:  # every report that is there is whole
        assert archive.verify(rid) == []
        assert archive.meta(rid)["status"] == "parsed"
    assert reindex(portal_config) == len(ids)
    assert index.ids(portal_config["INDEX_DIR"]) == set(ids)
    assert check(portal_config) == ([], [])
    # finishing the interrupted batch adds exactly the rest
    summary = ingest_paths(portal_config, [folder])
    assert summary.count("added") == 400 - len(ids) and summary.count("exists") == len(ids)
    assert len(index.ids(portal_config["INDEX_DIR"])) == 400


def test_check_finds_and_repairs_index_drift(seed_paths, cli_env, portal_config):
    ingest_paths(portal_config, seed_paths)
    archive = Archive(portal_config["ARCHIVE_DIR"])
    victim = archive.ids()[0]
    index.remove(portal_config["INDEX_DIR"], [victim])
    result = run(flask("check"), cli_env)
    assert result.returncode == 1 and victim in result.stdout
    repaired = run(flask("check", "--repair"), cli_env)
    assert repaired.returncode == 0 and "存档与索引一致" in repaired.stdout
    assert victim in index.ids(portal_config["INDEX_DIR"])


def test_reparse_rebuilds_records_from_originals(seed_paths, portal_config, cli_env):
    ingest_paths(portal_config, seed_paths)
    archive = Archive(portal_config["ARCHIVE_DIR"])
    rid = archive.ids()[0]
    archive.write_record(rid, {"id": rid, "title": "stale"})
    result = run(flask("reparse"), cli_env)
    assert result.returncode == 0, result.stderr
    assert archive.record(rid)["title"] != "stale" and archive.record(rid)["sections"]


def chains(portal_config):
    """{year: carry_chain {ok, detail} or None} as the index holds it, one hit per report."""
    hits = for_config(portal_config).search_all(SearchParams.from_args({}))
    return {h["year"]: h["carry_chain"] for h in hits}


def record_bytes(portal_config):
    root = Path(portal_config["ARCHIVE_DIR"])
    return {p.parent.name: p.read_bytes() for p in root.glob("*/*/record.json")}


def test_carry_chain_links_consecutive_years(seed_paths, portal_config):
    """Two years of one agency: the index gives the later report a carry_chain check (a finding
    to filter by), while neither record in the archive is touched by it."""
    text = seed_paths[1].read_text("utf-8")
    earlier = text.replace("2024", "2023")
    folder = Path(portal_config["ARCHIVE_DIR"]).parent / "years"
    folder.mkdir()
    (folder / "2023.txt").write_text(earlier, "utf-8")
    (folder / "2024.txt").write_text(text, "utf-8")
    summary = ingest_paths(portal_config, [folder])
    archive = Archive(portal_config["ARCHIVE_DIR"])
    records = {archive.record(r.id)["year"]: archive.record(r.id) for r in summary.results}
    assert set(records) == {2023, 2024}
    assert not [c for r in records.values() for c in r["checks"] if c["rule"] == "carry_chain"]
    linked = chains(portal_config)
    assert linked[2023] is None and linked[2024]["ok"] is True and "2023年结转下年度" in linked[2024]["detail"]


def test_prepared_documents_carry_what_the_index_derives(seed_paths, portal_config):
    """The workers prepare each document from its record alone; the index completes it with the
    carry chain and scorecard it derives (nothing analysed again in the main process). Every hit
    and the postings of a word equal those of a reindex, which analyses the archive itself."""
    text = seed_paths[1].read_text("utf-8")
    folder = Path(portal_config["ARCHIVE_DIR"]).parent / "chain"
    folder.mkdir()
    for year in (2021, 2022, 2023, 2024):
        (folder / f"{year}.txt").write_text(text.replace("2024", str(year)), "utf-8")
    summary = ingest_paths(portal_config, [folder, *seed_paths])
    assert summary.count("added") == 4 + len(seed_paths) - 1  # seed 1 is the 2024 report

    def indexed():
        engine = for_config(portal_config)
        hits = sorted(engine.search_all(SearchParams.from_args({})), key=lambda h: h["id"])
        index._views.clear()
        view = index._view(portal_config["INDEX_DIR"])
        words = {f: sorted(view.id_of(d) for d in view.postings(f, "公开")[0].tolist()) for f in view.section_fields}
        return hits, words

    ingested = indexed()
    assert sum(1 for h in ingested[0] if h["carry_chain"]) == 3
    reindex(portal_config)
    assert indexed() == ingested


def test_years_arriving_out_of_order_link_as_a_full_reindex_does(seed_paths, portal_config):
    """Six years of one agency ingested one at a time in shuffled order (each linked through
    the index) end with the same checks as reindex's linking of the whole archive."""
    text = seed_paths[1].read_text("utf-8")
    folder = Path(portal_config["ARCHIVE_DIR"]).parent / "shuffled"
    folder.mkdir()
    for year in (2020, 2021, 2023, 2024, 2022, 2019):
        path = folder / f"{year}.txt"
        path.write_text(text.replace("2024", str(year)), "utf-8")
        [result] = ingest_paths(portal_config, [path]).results
        assert result.status == "added"
    linked = chains(portal_config)
    assert {year for year, chain in linked.items() if chain} == {2020, 2021, 2022, 2023, 2024}  # 2019: no previous
    reindex(portal_config)
    assert chains(portal_config) == linked


def test_reindex_leaves_every_record_byte_identical(seed_paths, portal_config):
    """record.json is a pure function of the original's bytes and the parser: ingesting a later
    year of an agency and rebuilding the index derive the carry chain without rewriting it."""
    ingest_paths(portal_config, seed_paths)
    before = record_bytes(portal_config)
    folder = Path(portal_config["ARCHIVE_DIR"]).parent / "pure"
    folder.mkdir()
    earlier = folder / "2023.txt"  # the year before a seed: the seed's carry chain changes
    earlier.write_text(seed_paths[1].read_text("utf-8").replace("2024", "2023"), "utf-8")
    [added] = ingest_paths(portal_config, [earlier]).results
    assert added.status == "added"
    after_ingest = record_bytes(portal_config)
    assert {k: after_ingest[k] for k in before} == before and len(after_ingest) == len(before) + 1
    assert reindex(portal_config) == len(after_ingest)
    assert record_bytes(portal_config) == after_ingest
    archive = Archive(portal_config["ARCHIVE_DIR"])
    for rid, data in after_ingest.items():  # and each is what the parser makes of the original
        meta = archive.meta(rid)
        assert json.loads(data) == build_record(archive.original_bytes(rid), meta["filename"])
    seed = report_id(seed_paths[1].read_bytes())
    [hit] = [h for h in for_config(portal_config).search_all(SearchParams.from_args({})) if h["id"] == seed]
    assert hit["carry_chain"]["ok"] is True 
    assert all(c["rule"] != "carry_chain" for c in json.loads(after_ingest[seed])["checks"])


def test_bulk_ingest_commits_without_merging_then_settles(tmp_path, portal_config, monkeypatch):
    """A batch of batches: each commit leaves its own segment (no re-merging as the index grows),
    and the end of the ingest merges the smallest down to MAX_SEGMENTS; every report is found."""
    from whoosh import index as windex

    from gikportal import ingest as pipeline
    from tools.generate import write_files
    from gikportal.query import SearchParams

    monkeypatch.setattr(pipeline, "BATCH", 10)
    paths = write_files(tmp_path / "src", 150, seed=3)
    commits = []
    real_add = index.add

    def counting_add(*args, **kwargs):
        commits.append(kwargs.get("merge", True))
        return real_add(*args, **kwargs)

    monkeypatch.setattr(index, "add", counting_add)
    summary = ingest_paths(portal_config, paths)
    assert summary.count("added") == 150
    assert len(commits) > whoosh_store.MAX_SEGMENTS and commits[:-1] == [False] * (len(commits) - 1)
    assert len(windex.open_dir(portal_config["INDEX_DIR"])._segments()) <= whoosh_store.MAX_SEGMENTS
    assert index.search(portal_config["INDEX_DIR"], SearchParams.from_args({}))["total"] == 150


def test_parse_command_prints_json_and_json_lines(seed_paths, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), GIKPORTAL_ARCHIVE_DIR=str(tmp_path / "arch"),
               GIKPORTAL_INDEX_DIR=str(tmp_path / "idx"))
    one = run([sys.executable, "-m", "gikportal", "parse", str(seed_paths[0])], env)
    assert one.returncode == 0, one.stderr
    record = json.loads(one.stdout)
    assert record["year"] == 2024 and record["agency"] and record["title"] and record["sections"]
    many = run([sys.executable, "-m", "gikportal", "parse", *map(str, seed_paths)], env)
    lines = many.stdout.strip().splitlines()
    assert many.returncode == 0 and len(lines) == 5
    assert [json.loads(line)["id"] for line in lines] == [
        hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in seed_paths]
    missing = run([sys.executable, "-m", "gikportal", "parse", str(tmp_path / "nope.pdf")], env)
    assert missing.returncode == 2 and missing.stdout == ""
    assert len(missing.stderr.strip().splitlines()) == 1 and "nope.pdf" in missing.stderr
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    bad = run([sys.executable, "-m", "gikportal", "parse", str(empty)], env)
    assert bad.returncode == 2 and "empty.txt" in bad.stderr
    assert not (tmp_path / "arch").exists() and not (tmp_path / "idx").exists()


def _index_contents(folder):
    """Everything a Whoosh index holds, by report id: stored fields, the meta column, and every
    field's postings (term -> {id: weight}): equal for two indexes that answer every query alike."""
    from whoosh import index as windex

    ix = windex.open_dir(str(folder))
    with ix.reader() as reader:
        ids = {docnum: fields["id"] for docnum, fields in reader.iter_docs()}
        meta = reader.column_reader("meta")
        stored = {ids[d]: (fields, meta[d]) for d, fields in reader.iter_docs()}
        postings = {}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            postings[fieldname, term] = {ids[d]: matcher.weight() for d in _walk(matcher)}
        segments = len(ix._segments())
    return stored, postings, segments


def _walk(matcher):
    while matcher.is_active():
        yield matcher.id()
        matcher.next()


def test_a_big_rebuild_analyses_in_workers_and_indexes_what_the_in_process_writer_does(tmp_path, monkeypatch):
    """From PARALLEL_FROM records a rebuild analyses in worker processes and writes a segment per
    REBUILD_SEGMENT documents (merged down to MAX_SEGMENTS): the same documents, stored values and
    postings as the one in-process segment a small rebuild writes."""
    from tests._search_helpers import generated_records

    records = generated_records(130, seed=11)
    whoosh_store.rebuild(tmp_path / "single", records)
    monkeypatch.setattr(whoosh_store, "PARALLEL_FROM", 20)
    monkeypatch.setattr(whoosh_store, "REBUILD_SEGMENT", 12)
    main, real = os.getpid(), whoosh_store._document

    def analysed(record):  # the workers are forked with this module as it is here
        assert os.getpid() != main, "a big rebuild analysed a record in the main process"
        return real(record)

    monkeypatch.setattr(whoosh_store, "_document", analysed)
    assert whoosh_store.rebuild(tmp_path / "parallel", records) == 130
    single, parallel = _index_contents(tmp_path / "single"), _index_contents(tmp_path / "parallel")
    assert single[2] == 1 and parallel[2] == whoosh_store.MAX_SEGMENTS
    assert parallel[0] == single[0] and len(single[0]) == 130
    assert parallel[1] == single[1] and len(single[1]) > 1000
