"""The benchmark runs end to end at N=120 on its corpus of PDFs, DOCX, HTML and text (numbers are
printed, not asserted as targets)."""
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pdfplumber

from gikportal.records import build_record
from tools import bench, corpus
from tools.generate import generate

KINDS = {"pdf-office": 54, "pdf-reportlab": 18, "docx": 24, "html": 12, "text": 12}   # 45/15/20/10/10 % of 120
PRODUCERS = {"pdf-office": "LibreOffice", "pdf-reportlab": "ReportLab"}  # the producer each PDF names


def _made_as(kind, data):
    if kind in PRODUCERS:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return PRODUCERS[kind] in pdf.metadata["Producer"]
    if kind == "docx":
        return "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    if kind == "html":
        return b"<html>" in data[:200] and b"</html>" in data[-20:]
    return not data.startswith((b"%PDF", b"PK"))


def test_bench_runs_both_pipelines_and_a_wrk_load(tmp_path, capsys):
    assert shutil.which("wrk"), "Debian's wrk is needed for the load part (tests/run.sh installs it)"
    assert shutil.which("soffice"), "LibreOffice makes the corpus's office PDFs (tests/run.sh installs it)"
    out_json, workdir, cache = tmp_path / "bench.json", tmp_path / "not" / "yet", tmp_path / "corpora"
    assert bench.main(["--reports", "120", "--reps", "1", "--load-seconds", "3", "--pdf-pool", "6",
                       "--kind-sample", "8", "--corpus-dir", str(cache),
                       "--workdir", str(workdir), "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    for label in ("ingest, reports/s", "main process's share of ingest CPU", "ingest by kind", "index on disk, MB",
                  "search p95, ms", "search + all facets p95, ms", "report page (Flask)", "peak RSS", "load (wrk"):
        assert label in printed, label
    [result] = json.loads(out_json.read_text())
    assert result["n"] == 120 and result["failed"] == 0
    # the stated mix, exactly; each kind made the way offices make it, and read back to the
    # generator's own record (an office-PDF copy beyond the pool to its pool entry's)
    assert result["corpus"]["mix"] == KINDS and not result["corpus"]["cached"]
    files, cached = corpus.build(120, 0, pdf_pool=6, root=cache)
    assert cached and files[0][0].parent == Path(result["corpus"]["dir"])
    expected = [r.expected for r in generate(120, 0)]
    office = [i for i, (_, kind, _) in enumerate(files) if kind == "pdf-office"]
    for kind in KINDS:
        i = next(i for i, (_, k, _) in enumerate(files) if k == kind)
        data = files[i][0].read_bytes()
        assert _made_as(kind, data), kind
        record = build_record(data, files[i][0].name)
        assert {k: record[k] for k in ("agency", "year", "stats")} == {k: expected[i][k] for k in ("agency", "year", "stats")}
    copy = office[6]
    assert build_record(files[copy][0].read_bytes(), "x.pdf")["stats"] == expected[office[0]]["stats"]
    # ingest by kind on both sides; the extraction workers do most of the work
    assert set(result["by_kind"]) == set(result["baseline"]["by_kind"]) == set(KINDS)
    assert all(v["rate"] > 0 and v["files"] == 8 for v in result["by_kind"].values())
    cpu = result["ingest_cpu"]
    assert cpu["workers"] > cpu["main"] > 0 and 0 < cpu["share"] < 0.5
    assert result["queries"] >= 30 and len(result["ours"]["totals"]) == result["queries"]
    assert result["ingest_rate"] > 0 and result["baseline"]["ingest_rate"] > 0
    # the mix is realistic: nearly every query finds something, and both engines agree where
    # they read the same words (政府信息 in the prose; filters alone on the same figures)
    assert sum(t > 0 for t in result["ours"]["totals"]) >= result["queries"] - 3
    queries = [json.dumps(q, ensure_ascii=False) for q in bench.QUERIES]
    agree = {queries.index(json.dumps(q, ensure_ascii=False))
             for q in ({"q": "政府信息"}, {"q": "", "year": "2023"}, {"q": "", "lawsuits_min": "1"})}
    for i in agree:
        assert result["ours"]["totals"][i] == result["baseline"]["totals"][i] > 0, bench.QUERIES[i]
    assert result["load"]["requests"] > 0 and result["load"]["errors"] == 0
    assert 0 < result["ours"]["rss"] < 2 * 1024 ** 3
    # the temporary archives are gone afterwards
    assert workdir.is_dir() and not list(workdir.glob("gikportal-bench-*"))
    assert re.search(r"120 reports, whoosh backend \(", printed) and "per CPU second" in printed


def test_bench_runs_the_postgres_backend_side_by_side(tmp_path, capsys):
    out_json = tmp_path / "bench.json"
    assert bench.main(["--reports", "60", "--reps", "1", "--backend", "whoosh,postgres", "--no-baseline",
                       "--mix", "text=100", "--corpus-dir", str(tmp_path / "corpora"),
                       "--workdir", str(tmp_path), "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "60 reports, whoosh backend" in printed and "60 reports, postgres backend" in printed
    whoosh, postgres = json.loads(out_json.read_text())
    assert (whoosh["backend"], postgres["backend"]) == ("whoosh", "postgres")
    assert postgres["failed"] == 0 and postgres["index_bytes"] > 0
    # the same reports and queries give the same hit counts on both engines
    assert whoosh["ours"]["totals"] == postgres["ours"]["totals"]


def test_bench_measures_an_existing_archive(tmp_path, capsys, seed_paths):
    """--archive measures search on an archive built earlier (nothing generated, no corpus line)."""
    from gikportal import config as _config
    from gikportal.ingest import ingest_paths

    cfg = _config.from_env()
    cfg.update(ARCHIVE_DIR=str(tmp_path / "archive"), INDEX_DIR=str(tmp_path / "index"), BACKEND="whoosh")
    assert ingest_paths(cfg, seed_paths).count("added") == 5
    out_json = tmp_path / "existing.json"
    assert bench.main(["--archive", str(tmp_path), "--reps", "1", "--no-drop-caches", "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "5 reports, whoosh (existing archive) backend" in printed
    assert "search + all facets p95, ms" in printed and "corpus:" not in printed
    assert json.loads(out_json.read_text())[0]["n"] == 5


def _shard_files(archive):
    """{path: bytes} of every file a report keeps in the archive (originals, records, metadata)."""
    return {p: p.read_bytes() for shard in archive.iterdir() if len(shard.name) == 2 for p in shard.rglob("*")
            if p.is_file()}


def test_bench_runs_whoosh_and_postgres_side_by_side_on_an_existing_archive(tmp_path, capsys, monkeypatch):
    """--archive DIR --backend whoosh,postgres: Whoosh searched from DIR/index, PostgreSQL from a
    throw-away server's database reindexed from DIR/archive by the bulk path (lowered here to 20
    reports: workers, COPY into shadow tables, indexes after the load, swap), timed by phase; the
    same queries and report pages in two columns, the archive only read."""
    from gikportal import config as _config
    from gikportal import pgindex
    from gikportal.ingest import ingest_paths

    files, _ = corpus.build(40, 0, mix={"text": 100}, root=tmp_path / "corpora")
    cfg = _config.from_env()
    cfg.update(ARCHIVE_DIR=str(tmp_path / "w" / "archive"), INDEX_DIR=str(tmp_path / "w" / "index"), BACKEND="whoosh")
    assert ingest_paths(cfg, [p for p, _, _ in files]).count("added") == 40
    archived = _shard_files(tmp_path / "w" / "archive")
    monkeypatch.setattr(pgindex, "BULK_FROM", 20)
    monkeypatch.setattr(pgindex, "PARALLEL_FROM", 20)
    out_json = tmp_path / "both.json"
    assert bench.main(["--archive", str(tmp_path / "w"), "--backend", "whoosh,postgres", "--reps", "1",
                       "--no-drop-caches", "--workdir", str(tmp_path / "scratch"), "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    whoosh, postgres = json.loads(out_json.read_text())
    assert whoosh["backend"].startswith("whoosh") and postgres["backend"].startswith("postgres")
    assert whoosh["n"] == postgres["n"] == 40 and postgres["same_queries"]
    # the texts are the originals alone (not the records beside them); each engine's own size
    assert whoosh["texts_bytes"] == postgres["texts_bytes"] == sum(p.stat().st_size for p, _, _ in files)
    assert 0 < whoosh["index_bytes"] < postgres["index_bytes"]
    totals = whoosh["ours"]["totals"]
    assert totals == postgres["ours"]["totals"] and sum(t > 0 for t in totals) >= len(totals) - 3
    timing = postgres["reindex"]
    assert timing["count"] == 40 and "reindex" not in whoosh
    assert [p["phase"] for p in timing["phases"]] == [
        "cross-report facts (archive read twice)", "analysis in workers + COPY", "index builds", "VACUUM ANALYZE",
        "swap", "after the swap"]
    # the text was analysed in worker processes; the server is on this machine and did the COPY
    assert timing["total"]["workers"] > 0 and timing["server_measured"] and timing["total"]["server"] > 0
    assert timing["inside_copy"]["calls"] >= 1 and 0 < timing["inside_copy"]["seconds"] < timing["total"]["seconds"]
    header = next(line for line in printed.splitlines() if line.strip().startswith("whoosh"))
    assert header.split() == ["whoosh", "postgres"]
    assert "40 reports side by side" in printed and "reindex into PostgreSQL: 40 reports" in printed
    assert "queries with whoosh's hit count" in printed and f"{len(totals)}/{len(totals)}" in printed
    assert _shard_files(tmp_path / "w" / "archive") == archived
