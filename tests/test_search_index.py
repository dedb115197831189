"""Both search backends (Whoosh, PostgreSQL) on hand-made, generated and seed records: ranking,
folding, facets, snippets, writes. `index` below is the backend under test with its location bound
(gikportal.backend.Backend); the tests that touch Whoosh's files stay Whoosh-only."""
import threading

import pytest

from _search_helpers import generated_records, handmade_records, seed_records
from conftest import new_database
from gikportal import backend as backends
from gikportal import whoosh_store
from gikportal import pgindex
from gikportal.query import FACETS, RANGE_FIGURES, SearchParams
from gikportal.web.common import render_snippet

BACKENDS = ("whoosh", "postgres")
SINGLE_VALUED = [f for f in FACETS if f != "finding"] + [f"{f}_range" for f in RANGE_FIGURES]


def engine_at(backend, tmp_path, name="index"):
    """A fresh, empty location of the backend: an index folder or a new database."""
    if backend == "postgres":
        return backends.engine("postgres", new_database())
    return backends.engine("whoosh", str(tmp_path / name))


@pytest.fixture(scope="module")
def corpus():
    made = handmade_records()
    seeds = seed_records()
    records = list(made.values()) + seeds + generated_records(300)
    return made, seeds, records


@pytest.fixture(scope="module")
def ix(tmp_path_factory, corpus, backend):
    engine = engine_at(backend, tmp_path_factory.mktemp("search"))
    assert engine.rebuild(corpus[2]) == len(corpus[2])
    return engine


def run(ix, **args):
    return ix.search(SearchParams.from_args(args))


def ids_of(result):
    return [h["id"] for h in result["hits"]]


def test_counts_and_ids(ix, corpus):
    records = corpus[2]
    assert ix.exists() and ix.doc_count() == len(records)
    assert ix.ids() == {r["id"] for r in records}
    assert run(ix)["total"] == len(records)


def test_review_in_text_ranks_above_table_only(ix, corpus):
    made, seeds, _ = corpus
    result = run(ix, q="行政复议", per_page="100")
    found = ids_of(result)
    assert made["review_text"]["id"] in found
    # a report that only has table 4 is found through its heading, but ranks below every
    # report that discusses reviews in its prose
    assert made["review_table_only"]["id"] in found
    prose = [r["id"] for r in corpus[2] if "行政复议" in index_text(r) or "行政複議" in index_text(r)]
    assert prose and max(found.index(i) for i in prose if i in found) < found.index(made["review_table_only"]["id"])
    everything = {h["id"] for h in ix.search_all(SearchParams.from_args({"q": "行政复议"}))}
    for seed in seeds:  # the seeds mention it only in the heading of section 4
        assert seed["id"] in everything
        assert seed["id"] not in found or found.index(seed["id"]) > found.index(made["review_text"]["id"])
    # a word, not 行政 AND 复议 anywhere: a report with both characters apart does not match
    heading_text = "四、政府信息公开行政复议、行政诉讼情况"
    assert not any("行政复议" not in index_text(r) + heading_text for r in corpus[2] if r["id"] in found)


def index_text(record):
    return " ".join(s["text"] for s in record["sections"]) + (record["title"] or "")


def test_traditional_equals_simplified(ix, corpus):
    made = corpus[0]
    for simplified, traditional in [("行政复议", "行政複議"), ("依申请公开", "依申請公開"), ("政府信息公开申请", "政府信息公開申請")]:
        a, b = run(ix, q=simplified, per_page="100"), run(ix, q=traditional, per_page="100")
        assert a["total"] > 0 and ids_of(a) == ids_of(b)
    assert made["traditional"]["id"] in ids_of(run(ix, q="行政复议", per_page="100"))


def test_run_of_characters_is_a_phrase(ix, corpus):
    made = corpus[0]
    with_phrase = ids_of(run(ix, q="依申请公开办理流程", per_page="100"))
    assert with_phrase == [made["review_text"]["id"]]
    assert run(ix, q="依申请公开 办理流程", per_page="100")["total"] >= 1


def test_full_width_and_latin_fold(ix, corpus):
    made = corpus[0]
    assert ids_of(run(ix, q="APP")) == [made["latin"]["id"]]
    assert ids_of(run(ix, q="opendata")) == [made["latin"]["id"]]


def test_hostile_text_is_escaped_in_snippets(ix, corpus):
    made = corpus[0]
    seen = ""
    for q in ["script", "onerror", "alert", "行政复议案件"]:
        result = run(ix, q=q, per_page="100")
        hit = next(h for h in result["hits"] if h["id"] == made["hostile"]["id"])
        assert hit["snippets"], q
        for snippet in hit["snippets"]:
            assert set(snippet) == {"section", "anchor", "heading", "text", "spans"}  # no markup crosses the seam
            rendered = str(render_snippet(snippet))
            html = rendered.replace("<mark>", "").replace("</mark>", "")
            assert "<" not in html and ">" not in html
            seen += rendered
    assert "&lt;<mark>script</mark>&gt;" in seen and "<mark>onerror</mark>=&#34;" in seen


def test_snippets_name_existing_sections_and_mark_whole_words(ix, corpus):
    by_id = {r["id"]: r for r in corpus[2]}
    for q in ["行政复议", "依申请公开", "信息处理费", "政务公开", "焦作"]:
        for hit in run(ix, q=q, per_page="50")["hits"]:
            assert len(hit["snippets"]) <= 3
            anchors = {s["anchor"] for s in by_id[hit["id"]]["sections"]}
            for snippet in hit["snippets"]:
                assert snippet["anchor"] in anchors and snippet["anchor"] == f"s{snippet['section']}"
                assert snippet["heading"]
                assert snippet["spans"] and "<" not in snippet["text"][:0]
                for span in snippet["spans"]:  # spans are offsets into the excerpt's own text
                    marked = snippet["text"][span["start"]:span["end"]]
                    assert marked and marked.strip() == marked


def test_facet_counts_sum_to_filtered_total(ix):
    for args in [{}, {"q": "行政复议"}, {"province": "河南省"}, {"q": "依申请公开", "year": "2020-2024"},
                 {"finding": "sued", "sort": "-requests_new"}, {"kind": "部门", "format": "2019"}]:
        result = run(ix, **args)
        for name in SINGLE_VALUED:
            values = result["facets"][name]
            hidden = result["facets_more"].get(name, 0)
            assert sum(v["count"] for v in values) + hidden == result["total"], (args, name)
            assert all({"value", "label", "count", "selected"} <= set(v) for v in values)
        for v in result["facets"]["finding"]:
            assert v["count"] <= result["total"]


def test_facet_selection_filters_and_is_marked(ix, corpus):
    everything = run(ix)
    henan = next(v for v in everything["facets"]["province"] if v["value"] == "河南省")
    result = run(ix, province="河南省")
    assert result["total"] == henan["count"]
    assert all(h["region"]["province"] == "河南省" for h in result["hits"])
    assert [v for v in result["facets"]["province"] if v["selected"]] == [
        {"value": "河南省", "label": "河南省", "count": henan["count"], "selected": True}]
    sued = run(ix, finding="sued", per_page="100")
    assert sued["total"] and all(h["figures"]["lawsuits"] > 0 for h in sued["hits"])
    failed = run(ix, finding="check:balance", per_page="100")
    assert corpus[0]["fees"]["id"] in ids_of(failed)
    assert all("balance" in h["failed_checks"] for h in failed["hits"])


def test_numeric_filters_and_sorting(ix):
    result = run(ix, q="requests_new:>=100", sort="-requests_new", per_page="100")
    values = [h["figures"]["requests_new"] for h in result["hits"]]
    assert values and all(v >= 100 for v in values) and values == sorted(values, reverse=True)
    same = run(ix, requests_new_min="100", per_page="100")
    assert same["total"] == result["total"]
    ascending = [h["figures"]["lawsuits"] for h in run(ix, sort="lawsuits", per_page="100")["hits"]]
    known = [v for v in ascending if v is not None]
    assert known == sorted(known) and ascending[:len(known)] == known
    years = [h["year"] for h in run(ix, per_page="100")["hits"]]
    assert years == sorted(years, reverse=True)  # empty query: newest first
    in_range = run(ix, q="year:2020-2021 lawsuits:>0", per_page="100")
    assert all(2020 <= h["year"] <= 2021 and h["figures"]["lawsuits"] > 0 for h in in_range["hits"])


def test_boolean_operators(ix):
    a, b = run(ix, q="焦作", per_page="100"), run(ix, q="北京", per_page="100")
    either = run(ix, q="焦作 OR 北京", per_page="100")
    assert set(ids_of(either)) == set(ids_of(a)) | set(ids_of(b))
    not_b = run(ix, q="焦作 -北京", per_page="100")
    assert set(ids_of(not_b)) == set(ids_of(a)) - set(ids_of(b))
    both = run(ix, q="(焦作 OR 北京) 信息处理费", per_page="100")
    assert set(ids_of(both)) <= set(ids_of(either))


def test_section_filter_limits_text_and_snippets(ix, corpus):
    made = corpus[0]
    result = run(ix, q="section:4 行政复议", per_page="100")
    assert made["review_text"]["id"] in ids_of(result)
    assert made["traditional"]["id"] not in ids_of(result)  # its 行政複議 is in section 1
    for hit in result["hits"]:
        assert all(s["section"] == 4 for s in hit["snippets"])
    with_s4 = {r["id"] for r in corpus[2] if any(s["n"] == 4 and s["text"] for s in r["sections"])}
    assert {h["id"] for h in ix.search_all(SearchParams.from_args({"q": "section:4"}))} == with_s4


def test_title_is_boosted(ix, corpus):
    made = corpus[0]
    hits = ids_of(run(ix, q="朝阳区"))
    assert hits[0] == made["fees"]["id"]


def test_bad_query_and_suggestion(ix):
    result = run(ix, q="(行政复议 OR")
    assert result["notice"] and result["total"] > 0
    nothing = run(ix, q="焦作市教育句")
    assert nothing["total"] == 0 and nothing["suggestion"] == "焦作市教育局"
    assert run(ix, q=nothing["suggestion"])["total"] >= 1
    assert run(ix, q="完全无关的词语组合xyzzy")["suggestion"] is None or True


def test_search_all_matches_total(ix):
    params = SearchParams.from_args({"q": "依申请公开", "province": "河南省"})
    hits = ix.search_all(params)
    assert len(hits) == ix.search(params)["total"]
    assert all("snippets" not in h and "figures" in h for h in hits)


def test_add_replace_remove(tmp_path, corpus, backend):
    made = corpus[0]
    path = engine_at(backend, tmp_path)
    path.rebuild([])
    assert path.exists() and path.doc_count() == 0
    assert run(path)["total"] == 0
    path.add([made["review_text"], made["hostile"]])
    assert path.ids() == {made["review_text"]["id"], made["hostile"]["id"]}
    changed = dict(made["hostile"], title="焦作市司法局2022年政府信息公开工作年度报告（修订）")
    path.add([changed])
    assert path.doc_count() == 2
    assert run(path, q="修订")["hits"][0]["id"] == made["hostile"]["id"]
    path.remove([made["hostile"]["id"], "0000000000000000"])
    assert path.ids() == {made["review_text"]["id"]}
    assert run(path, q="修订")["total"] == 0


def test_rebuild_swaps_while_readers_search(tmp_path, corpus, backend):
    path = engine_at(backend, tmp_path)
    records = corpus[2]
    path.rebuild(records[:20])
    errors, totals = [], []

    def reader():
        try:
            for _ in range(30):
                totals.append(run(path, q="政府信息")["total"])
        except Exception as err:  # noqa: BLE001 - any failure is the finding
            errors.append(err)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    path.rebuild(records[:40])
    path.add(records[40:45])
    for t in threads:
        t.join()
    assert not errors
    assert path.doc_count() == 45
    assert run(path)["total"] == 45


def test_seeds_are_indexed_when_the_parser_exists(ix, corpus):
    seeds = corpus[1]
    if not seeds:
        pytest.skip("gikportal.parse not available yet")
    seed_ids = {s["id"] for s in seeds}
    jiaozuo = {h["id"] for h in ix.search_all(SearchParams.from_args({"city": "焦作市"}))}
    assert {s["id"] for s in seeds if (s["region"] or {}).get("city") == "焦作市"} <= jiaozuo
    hits = {h["id"] for h in ix.search_all(SearchParams.from_args({"q": "政务公开"}))}
    assert seed_ids & hits
    for seed in seeds:  # each seed is found by its own agency, with snippets from its own sections
        result = run(ix, q=f'"{seed["agency"]}"', per_page="100")
        hit = next(h for h in result["hits"] if h["id"] == seed["id"])
        anchors = {s["anchor"] for s in seed["sections"]}
        assert all(s["anchor"] in anchors for s in hit["snippets"])


def test_field_filters_fold_and_match_parts(ix, corpus):
    made = corpus[0]
    assert ids_of(run(ix, q="agency:郑州市公安局")) == [made["traditional"]["id"]]
    assert ids_of(run(ix, q="agency:鄭州市公安局")) == [made["traditional"]["id"]]
    part = run(ix, q="agency:自然资源和规划", per_page="100")
    assert made["review_text"]["id"] in ids_of(part)
    assert all("自然资源和规划" in h["agency"] for h in part["hits"])
    assert run(ix, q="province:河南")["total"] == run(ix, province="河南省")["total"]


def test_agency_suggestion_is_the_closest_of_the_names_sharing_most_characters(corpus):
    """AgencyNames (a character index over the folded names) picks what comparing the typed text
    with every name would: the closest of the SUGGEST_CANDIDATES names sharing most of its characters."""
    import difflib

    from gikportal import segment
    from gikportal.searching import results

    names = sorted({r["agency"] for r in corpus[2] if r.get("agency")})
    folded = {}
    for name in names:
        folded.setdefault(segment.fold(name), name)

    def every_name(typed):
        shared = sorted(folded, key=lambda f: -len(set(typed) & set(f)))  # stable: ties in name order
        best = [f for f in shared if len(set(typed) & set(f)) >= min(2, len(set(typed)))]
        close = difflib.get_close_matches(typed, best[:results.SUGGEST_CANDIDATES], n=1, cutoff=0.5)
        return folded[close[0]] if close else None

    index = results.AgencyNames(names)
    typos = [segment.fold(n[:-1] + "句") for n in names[::7]] + ["焦作市教育句", "县政府", "x", "國家稅務"]
    answers = [index.nearest(typed) for typed in typos]
    assert answers == [every_name(typed) for typed in typos]
    assert sum(a is not None for a in answers) > len(typos) // 2 and len(names) > 50


def test_suggestion_for_a_misspelt_word(ix):
    result = run(ix, q="依申请公干")
    assert result["total"] == 0
    assert result["suggestion"] and run(ix, q=result["suggestion"])["total"] > 0


def test_missing_index_answers_empty(tmp_path, backend):
    path = engine_at(backend, tmp_path, "nothing")
    assert not path.exists() and path.doc_count() == 0 and path.ids() == set()
    assert path.search(SearchParams.from_args({"q": "复议"}))["total"] == 0
    assert path.search_all(SearchParams.from_args({})) == []


def test_parallel_rebuild_answers_like_a_single_writer(tmp_path, corpus, monkeypatch, backend):
    records = corpus[2]
    single, parallel = engine_at(backend, tmp_path, "single"), engine_at(backend, tmp_path, "parallel")
    single.rebuild(records)
    monkeypatch.setattr(pgindex if backend == "postgres" else whoosh_store, "PARALLEL_FROM", 40)
    parallel.rebuild(records)
    assert parallel.ids() == single.ids()
    for args in [{}, {"q": "行政复议"}, {"q": "依申请公开", "sort": "-requests_new"}, {"province": "河南省"}]:
        a, b = run(single, per_page="100", **args), run(parallel, per_page="100", **args)
        assert a["total"] == b["total"] and a["facets"] == b["facets"]
        assert [h["id"] for h in a["hits"]] == [h["id"] for h in b["hits"]]


def test_writer_waits_for_a_held_lock(tmp_path, corpus, backend):
    """A second writer (another process's, here a raw one) makes add() wait and retry, not crash."""
    made = corpus[0]
    path = engine_at(backend, tmp_path)
    path.rebuild([made["review_text"]])
    if backend == "postgres":  # the advisory lock every writer takes, held by another connection
        import psycopg

        conn = psycopg.connect(path.location)
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (pgindex.WRITER_LOCK,))
        release = conn.close
    else:
        ix = whoosh_store._open_or_create(path.location)
        held = ix.writer()

        def release():
            held.cancel()
            ix.close()
    errors = []

    def adder():
        try:
            path.add([made["hostile"]])
        except Exception as err:  # noqa: BLE001 - any failure is the finding
            errors.append(err)

    thread = threading.Thread(target=adder)
    thread.start()
    thread.join(0.6)
    assert thread.is_alive()  # still waiting for the lock
    release()
    thread.join(30)
    assert not errors and path.ids() == {made["review_text"]["id"], made["hostile"]["id"]}



def test_column_files_keep_each_hit_deflated_and_give_it_back_whole(tmp_path, corpus):
    """The column files' hit JSON is deflated on the samples' dictionary (at 100,000 reports it
    had been two thirds of the column files) and hits read back from it are the stored meta."""
    import json

    from gikportal import colfile, index

    records = corpus[2]
    engine = backends.engine("whoosh", str(tmp_path / "index"))
    engine.rebuild(records)
    files = sorted((tmp_path / "index").glob("*.gikcols"))
    assert files
    packed = sum(colfile.read(f)[0]["blob"].nbytes for f in files)
    view = index._view(str(tmp_path / "index"))
    plain = sum(len(view.raw(d)) for d in range(len(records)))
    assert packed * 2.5 < plain, (packed, plain)
    hits = {h["id"]: h for h in view.hits(range(len(records)))}
    assert set(hits) == {r["id"] for r in records}
    assert all(hits[r["id"]]["title"] == r["title"] for r in records)
    assert json.loads(view.raw(0))["id"] in hits
