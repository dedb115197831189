"""The benchmark runs end to end at N=200 (numbers are printed, not asserted as targets)."""
import json
import re
import shutil

from tools import bench


def test_bench_runs_both_pipelines_and_a_wrk_load(tmp_path, capsys):
    assert shutil.which("wrk"), "Debian's wrk is needed for the load part (tests/run.sh installs it)"
    out_json = tmp_path / "bench.json"
    assert bench.main(["--reports", "200", "--reps", "1", "--load-seconds", "3",
                       "--workdir", str(tmp_path), "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    for label in ("ingest, reports/s", "index on disk, MB", "search p95, ms", "search + all facets p95, ms",
                  "report page (Flask)", "peak RSS", "load (wrk"):
        assert label in printed, label
    [result] = json.loads(out_json.read_text())
    assert result["n"] == 200 and result["failed"] == 0
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
    assert not list(tmp_path.glob("gikportal-bench-*"))
    assert re.search(r"200 reports, whoosh backend \(", printed) and "naive by its CPU time" in printed


def test_bench_runs_the_postgres_backend_side_by_side(tmp_path, capsys):
    out_json = tmp_path / "bench.json"
    assert bench.main(["--reports", "60", "--reps", "1", "--backend", "whoosh,postgres", "--no-baseline",
                       "--workdir", str(tmp_path), "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "60 reports, whoosh backend" in printed and "60 reports, postgres backend" in printed
    whoosh, postgres = json.loads(out_json.read_text())
    assert (whoosh["backend"], postgres["backend"]) == ("whoosh", "postgres")
    assert postgres["failed"] == 0 and postgres["index_bytes"] > 0
    # the same reports and queries give the same hit counts on both engines
    assert whoosh["ours"]["totals"] == postgres["ours"]["totals"]
