"""The PostgreSQL backend's paths to scale, asserted on the database itself: partitions pruned by
a year filter (EXPLAIN), the ranked page read from the RUM index in rank order and equal to
ranking every match, the bulk rebuild (COPY into shadow tables, indexes after, a swap) leaving
the same schema and answers as the in-place one, and the figures still queryable cell by cell."""
import re

import psycopg
import pytest

from _search_helpers import generated_records, handmade_records
from conftest import new_database
from gikportal import backend as backends
from gikportal import pgindex
from gikportal.query import SearchParams

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus():
    return list(handmade_records().values()) + generated_records(120, seed=11)


@pytest.fixture(scope="module")
def engine(corpus):
    engine = backends.engine("postgres", new_database())
    engine.rebuild(corpus)
    return engine


def partitions_read(plan):
    return set(re.findall(r" on (search_fields_(?:y\d+|default))\b", plan))


def test_a_year_filter_reads_only_its_partitions(engine, corpus):
    years = sorted({r["year"] for r in corpus if r.get("year")})
    year = years[len(years) // 2]
    for args in ({"q": "依申请公开", "year": str(year)}, {"q": f"依申请公开 year:{year}"}):
        plans = pgindex.explain(engine.location, SearchParams.from_args(args))
        for name in ("count", "page", "top"):
            assert partitions_read(plans[name]) == {f"search_fields_y{year}"}, (args, name, plans[name])
    unfiltered = pgindex.explain(engine.location, SearchParams.from_args({"q": "依申请公开"}))
    assert {f"search_fields_y{y}" for y in years} <= partitions_read(unfiltered["count"])
    ranged = pgindex.explain(engine.location, SearchParams.from_args(
        {"q": "行政复议", "year": [f"{years[0]}-{years[1]}", "none"]}))
    assert partitions_read(ranged["count"]) == {f"search_fields_y{years[0]}", f"search_fields_y{years[1]}",
                                                 "search_fields_default"}


def test_ranked_pages_come_from_the_index_in_rank_order(engine, monkeypatch):
    with psycopg.connect(engine.location, autocommit=True) as conn:  # as the planner picks it at scale
        conn.execute(f"ALTER DATABASE {conn.info.dbname} SET enable_seqscan = off")
        conn.execute(f"ALTER DATABASE {conn.info.dbname} SET enable_bitmapscan = off")
    pgindex.close_pools(engine.location)
    try:
        top = pgindex.explain(engine.location, SearchParams.from_args({"q": "依申请公开"}))["top"]
    finally:
        with psycopg.connect(engine.location, autocommit=True) as conn:
            conn.execute(f"ALTER DATABASE {conn.info.dbname} RESET ALL")
        pgindex.close_pools(engine.location)
    scans = re.findall(r"Index Scan using (search_fields_\w+) on (search_fields_\w+)", top)
    assert len(scans) >= 3 and all(index == f"{table}_tsv_idx" for index, table in scans), top
    assert top.count("Order By: (tsv <=>") == len(scans), top  # the rank computed by the index
    queries = ["依申请公开", "行政复议", "\"存在的主要问题\"", "焦作 -北京", "section:4 行政复议", "政府信息公开 kind:部门"]
    for query in queries:
        for per_page, page in ((10, 1), (10, 3), (50, 1)):
            params = SearchParams.from_args({"q": query, "per_page": str(per_page), "page": str(page)})
            monkeypatch.setattr(pgindex, "RANK_DIRECT", 0)  # else a corpus this small is ranked directly
            monkeypatch.setattr(pgindex, "TOP_FIRST", 3)  # candidates read in several rounds
            from_index = [h["id"] for h in engine.search(params, facets=False)["hits"]]
            monkeypatch.setattr(pgindex, "TOP_MAX", 0)  # every match ranked from the heap
            from_heap = [h["id"] for h in engine.search(params, facets=False)["hits"]]
            monkeypatch.undo()
            assert from_index == from_heap, (query, per_page, page)
        every = [h["id"] for h in engine.search_all(SearchParams.from_args({"q": query}))]
        pages = min(3, (len(every) + 9) // 10)
        paged = [h["id"] for p in range(1, pages + 1)
                 for h in engine.search(SearchParams.from_args({"q": query, "per_page": "10", "page": str(p)}),
                                        facets=False)["hits"]]
        assert paged and paged == every[:len(paged)], query


def test_bulk_rebuild_swaps_in_the_same_schema_and_answers(engine, corpus, monkeypatch):
    bulk = backends.engine("postgres", new_database())
    monkeypatch.setattr(pgindex, "BULK_FROM", 1)
    assert bulk.rebuild(corpus[:30]) == 30
    assert bulk.rebuild(corpus) == len(corpus)  # a second swap: names must come back the same

    def schema(url):
        with psycopg.connect(url) as conn:
            relations = {(r[0], tuple(r[1] or ())) for r in conn.execute(  # with storage parameters (0003)
                "SELECT relname, reloptions FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN "
                "('r', 'p', 'i', 'I', 'v')")}
            comments = conn.execute("SELECT obj_description('search_fields'::regclass), "
                                    "obj_description('request_figures'::regclass)").fetchone()
        return relations, comments

    relations, comments = schema(bulk.location)
    assert not any(pgindex.SHADOW in name for name, _ in relations)
    assert ("search_fields_y2022", ("toast_tuple_target=128",)) in relations
    assert schema(engine.location) == (relations, comments) and all(comments)
    for query in ("依申请公开", "行政复议 year:2022", "", "province:河南"):
        params = SearchParams.from_args({"q": query, "per_page": "200"})
        a, b = engine.search(params), bulk.search(params)
        assert (a["total"], a["facets"], [h["id"] for h in a["hits"]]) == \
               (b["total"], b["facets"], [h["id"] for h in b["hits"]]), query
    assert bulk.ids() == engine.ids()


def test_searched_table_holds_no_text_and_figures_read_cell_by_cell(engine, corpus):
    with psycopg.connect(engine.location) as conn:
        columns = {r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = 'search_fields'")}
        assert columns == {"report_id", "year", "n", "tsv"}
        compressed = {r[0] for r in conn.execute("SELECT DISTINCT pg_column_compression(tsv) FROM search_fields")}
        assert compressed == {None, "lz4"}  # long sections' tsvectors compressed (0003: lz4, not pglz)
        record = next(r for r in corpus if (r.get("stats") or {}).get("requests"))
        cells = {(row, col): float(v) for row, col, v in conn.execute(
            "SELECT row, applicant, value FROM request_figures WHERE report_id = %s", (record["id"],))}
        expected = {(row, col): float(v) for row, values in record["stats"]["requests"].items()
                    for col, v in values.items() if v is not None}
        assert {k: v for k, v in cells.items() if k in expected} == expected and cells


def test_a_new_year_partition_takes_its_rows_from_the_default(engine):
    """add_year_partitions (for a later migration) moves a year's rows out of the default partition."""
    import importlib.util

    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import create_engine

    spec = importlib.util.spec_from_file_location("m0004", pgindex.MIGRATIONS / "versions" / "0004_smaller.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    url = new_database()
    record = dict(next(iter(handmade_records().values())), id="far_future", year=2041)
    pgindex.add(url, [record])
    sa = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url))
    with sa.begin() as conn:
        with Operations.context(MigrationContext.configure(conn)):
            migration.add_year_partitions([2041])
    sa.dispose()
    with psycopg.connect(url) as conn:
        for table in ("search_fields", "report_details"):
            assert conn.execute(f"SELECT count(*) FROM {table}_default").fetchone()[0] == 0, table
            assert conn.execute(f"SELECT count(*) FROM {table}_y2041").fetchone()[0] > 0, table
        assert conn.execute("SELECT reloptions FROM pg_class WHERE relname = 'search_fields_y2041'").fetchone()[0] \
            == ["toast_tuple_target=128"]  # narrow rows as in every other partition
    plans = pgindex.explain(url, SearchParams.from_args({"q": "行政复议 year:2041"}))
    assert partitions_read(plans["count"]) == {"search_fields_y2041"}
    assert backends.engine("postgres", url).search(SearchParams.from_args({"q": "year:2041"}))["total"] == 1


def test_kept_matches_and_codes_follow_every_write(corpus):
    """What a process keeps per index generation (each text leaf's reports, the facet codes) is
    never used across a write: a report added or removed is counted, filtered and ranked at once."""
    engine = backends.engine("postgres", new_database())
    engine.rebuild(corpus[:40])
    word, filtered = SearchParams.from_args({"q": "依申请公开"}), SearchParams.from_args({"q": "依申请公开 -北京"})
    before = engine.search(word)
    found = [h["id"] for h in engine.search_all(word)]
    twin = dict(next(r for r in corpus if r["id"] == found[0]), id="kept_twin")
    year = str(twin.get("year") or "none")

    def answer(params):
        result = engine.search(params)
        years = {v["value"]: v["count"] for v in result["facets"]["year"]}
        return result["total"], years.get(year, 0), [h["id"] for h in result["hits"]]

    base, base_filtered = answer(word), answer(filtered)
    engine.add([twin])
    total, in_year, hits = answer(word)
    assert (total, in_year) == (base[0] + 1, base[1] + 1) and before["total"] == base[0]
    assert "kept_twin" in [h["id"] for h in engine.search_all(word)]
    assert answer(filtered)[0] == base_filtered[0] + (1 if "kept_twin" in [h["id"] for h in engine.search_all(
        filtered)] else 0)
    engine.forget_cached()
    assert answer(word) == (total, in_year, hits)  # kept or read again: the same answer
    engine.remove(["kept_twin"])
    assert answer(word) == base and answer(filtered) == base_filtered
