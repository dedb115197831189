"""The loopback load test in short: the real app under waitress answers a mixed load without one error."""
from tools import loadtest


def test_load_mix_has_no_errors():
    out = loadtest.run(reports=5, clients=4, seconds=3)
    rows = {row["kind"]: row for row in out["rows"]}
    assert out["errors"] == []
    assert out["hung_clients"] == 0
    for kind in loadtest.KINDS:
        assert rows[kind]["requests"] >= 1, kind
        assert rows[kind]["errors"] == 0, kind
    assert rows["all"]["requests"] == sum(rows[k]["requests"] for k in loadtest.KINDS)


def test_summary_counts_errors_and_percentiles():
    results = [("search", float(ms), None, "/search") for ms in range(1, 101)]
    results.append(("api", 5.0, "HTTP 500", "/api/search"))
    rows = {row["kind"]: row for row in loadtest.summarise(results, 10)}
    assert rows["search"]["errors"] == 0 and rows["api"]["errors"] == 1
    assert rows["all"]["requests"] == 101
    assert 49 <= rows["search"]["p50"] <= 51 and rows["search"]["p99"] >= 99
    assert "api" in loadtest.format_table(loadtest.summarise(results, 10))
