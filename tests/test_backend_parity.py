"""Whoosh and PostgreSQL on the same generated corpus answer alike: the same hit ids (in the same
order wherever the order is not a relevance score), the same facet counts, the same snippet
sections, the same suggestions; and the PostgreSQL side is a schema a journalist can query."""
import subprocess
import sys
import threading
from collections import Counter

import psycopg
import pytest

from _search_helpers import QUERY_MIX, generated_records, handmade_records, seed_records
from conftest import ROOT, new_database
from gikportal import backend as backends
from gikportal import index as whoosh_index
from gikportal import pgindex, segment
from gikportal.query import SearchParams
from gikportal.searching import SearchBackend

EXTRA_QUERIES = ["依申请公开办理流程", "\"存在的主要问题\"", "朝阳区", "焦作 -北京", "section:4 行政复议", "agency:鄭州市公安局",
                 "焦作市教育句", "依申请公干", "APP", "(焦作 OR 北京) 信息处理费", "NOT 行政复议", "行政複議 year:2021",
                 "province:河南 reviews:>=1", "kind:部门 -year:2020", "finding:fees", "failed:balance"]
FILTERS = [{}, {"province": "河南省"}, {"finding": "sued", "sort": "-requests_new"}, {"year": "2022"},
           {"year": ["2020-2021", "none"], "sort": "year"}, {"requests_new_range": "10-99", "kind": "部门"},
           {"lawsuits_min": "1", "fees_10k_yuan_max": "5", "sort": "lawsuits"}, {"finding": "check:balance"}]
QUERIES = QUERY_MIX + EXTRA_QUERIES


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    records = list(handmade_records().values()) + seed_records() + generated_records(400, seed=3)
    whoosh = backends.engine("whoosh", str(tmp_path_factory.mktemp("parity") / "index"))
    postgres = backends.engine("postgres", new_database())
    assert isinstance(whoosh, SearchBackend) and isinstance(postgres, SearchBackend)
    assert whoosh.rebuild(records) == postgres.rebuild(records) == len(records)
    return whoosh, postgres, records


def sections_by_hit(result):
    return {h["id"]: [s["section"] for s in h["snippets"]] for h in result["hits"]}


@pytest.mark.parametrize("query", QUERIES)
def test_same_hits_facets_snippets(engines, query):
    whoosh, postgres, _ = engines
    assert len(QUERIES) * len(FILTERS) >= 30
    for extra in FILTERS:
        params = SearchParams.from_args(dict(extra, q=query, per_page="100"))
        a, b = whoosh.search(params), postgres.search(params)
        where = (query, extra)
        assert (a["total"], a["pages"], a["notice"], a["suggestion"]) == \
               (b["total"], b["pages"], b["notice"], b["suggestion"]), where
        assert a["facets"] == b["facets"], where
        assert a["facets_more"] == b["facets_more"], where
        every_a = [h["id"] for h in whoosh.search_all(params)]
        every_b = [h["id"] for h in postgres.search_all(params)]
        assert set(every_a) == set(every_b), where
        ranked = params.sort == "relevance" and any(
            leaf for leaf in _positive_text(params.tree()[0]) if segment.query_tokens(leaf.text))
        if not ranked:  # no score: the order is fully defined by figures, year, date and id
            assert every_a == every_b, where
            assert [h for h in a["hits"]] == [h for h in b["hits"]], where
        snippets_a, snippets_b = sections_by_hit(a), sections_by_hit(b)
        for rid in set(snippets_a) & set(snippets_b):
            assert snippets_a[rid] == snippets_b[rid], (where, rid)
        hits_b = {h["id"]: h for h in b["hits"]}
        for hit in a["hits"]:
            if hit["id"] in hits_b:
                assert hit == hits_b[hit["id"]], (where, hit["id"])


def _positive_text(tree):
    from gikportal.query import text_leaves

    return text_leaves(tree) if tree is not None else []


def test_pages_and_search_all_agree(engines):
    whoosh, postgres, records = engines
    for engine in (whoosh, postgres):
        params = SearchParams.from_args({"q": "依申请公开", "per_page": "7"})
        first = engine.search(params)
        paged = []
        for page in range(1, first["pages"] + 1):
            paged += [h["id"] for h in engine.search(params.with_(page=page))["hits"]]
        assert paged == [h["id"] for h in engine.search_all(params)]
        beyond = engine.search(params.with_(page=10_000))
        assert beyond["page"] == first["pages"] and beyond["hits"]
    assert whoosh.ids() == postgres.ids() and whoosh.doc_count() == postgres.doc_count() == len(records)


def test_tsvector_holds_the_whoosh_words_and_matches_exactly_its_pairs(engines):
    """Both backends index the same analysis (segment.term_counts): PostgreSQL stores the words with
    positions and matches a word pair by `a <-> b` exactly where Whoosh indexed the pair -- never
    for two words that stand apart or for a sub-word next to a word (行政复议 机关 is a pair of
    行政复议机关, 复议 机关 is not)."""
    _, postgres, records = engines
    checked = 0
    with psycopg.connect(postgres.location) as conn:
        for record in records[:40]:
            for section in record["sections"]:
                if not section["text"]:
                    continue
                terms = segment.term_counts(section["text"])
                pairs = {t for t in terms if segment.SHINGLE in t}
                words = sorted(set(terms) - pairs)
                where = (record["id"], section["n"])
                stored = conn.execute("SELECT array_agg(lexeme) FROM search_fields s, unnest(s.tsv) "
                                      "WHERE report_id = %s AND n = %s", where).fetchone()[0]
                assert set(stored) == set(words), where
                at = {}  # position -> the tokens there (sub-words first, the precise word last)
                for token, position, _, _ in segment.index_tokens(section["text"]):
                    at.setdefault(position, []).append(token)
                beside = {f"{a}{segment.SHINGLE}{b}" for p, here in at.items() for a in here
                          for b in at.get(p + 1, ())}  # sub-words beside a word: no pair
                candidates = sorted(pairs | beside | {f"{a}{segment.SHINGLE}{b}" for a in words[:9] for b in words[-9:]})
                tsquery = [f"{pgindex._lexeme(a)} <-> {pgindex._lexeme(b)}"
                           for a, b in (pair.split(segment.SHINGLE) for pair in candidates)]
                matched = conn.execute("SELECT array_agg(q.pair) FROM search_fields s, unnest(%s::text[], "
                                       "%s::tsquery[]) q(pair, query) WHERE report_id = %s AND n = %s "
                                       "AND s.tsv @@ q.query", (candidates, tsquery) + where).fetchone()[0]
                assert set(matched or ()) == pairs, where
                checked += len(candidates) - len(pairs)
    assert checked > 1000  # non-pairs among the candidates


def test_tables_answer_sql_questions(engines):
    """The figures of tables 2-4 and the checks are rows a journalist can query directly."""
    _, postgres, records = engines
    by_id = {r["id"]: r for r in records}
    with psycopg.connect(postgres.location) as conn:
        rows = conn.execute("SELECT r.id, r.requests_new, f.value FROM reports r JOIN request_figures f "
                            "ON f.report_id = r.id WHERE f.row = 'new_received' AND f.applicant = 'total'").fetchall()
        assert rows and all(float(v) == rn for _, rn, v in rows if rn is not None)
        for rid, _, value in rows[:50]:
            assert float(value) == by_id[rid]["stats"]["requests"]["new_received"]["total"]
        reviews = dict(conn.execute("SELECT report_id, value FROM appeal_figures "
                                    "WHERE appeal = 'review' AND measure = 'total'").fetchall())
        for rid, value in list(reviews.items())[:50]:
            assert float(value) == by_id[rid]["stats"]["appeals"]["review"]["total"]
        failed = Counter(rule for (rule,) in conn.execute("SELECT rule FROM checks WHERE ok = false"))
        expected = Counter(c["rule"] for r in records for c in r.get("checks") or [] if c.get("ok") is False)
        assert failed == expected
        fees = conn.execute("SELECT count(*) FROM active_figures WHERE item = 'fees' "
                            "AND measure = 'amount_10k_yuan' AND value > 0").fetchone()[0]
        assert fees == postgres.search(SearchParams.from_args({"finding": "fees"}))["total"]


def test_rebuild_is_atomic_for_readers(engines):
    """While a rebuild of 120 reports replaces 20, every search sees 20 or 120, never a mix."""
    _, _, records = engines
    engine = backends.engine("postgres", new_database())
    engine.rebuild(records[:20])
    seen, errors, done = set(), [], threading.Event()

    def reader():
        try:
            while not done.is_set():
                seen.add(engine.search(SearchParams.from_args({}), facets=False)["total"])
        except Exception as err:  # noqa: BLE001 - any failure is the finding
            errors.append(err)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        engine.rebuild(records[:120])
    finally:
        done.set()
        thread.join(30)
    assert not errors and seen <= {20, 120}
    assert engine.search(SearchParams.from_args({}))["total"] == 120


def flask(env, *args):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_db_upgrade_then_reindex_switches_without_loss(cli_env, portal_config, seed_paths):
    """`db upgrade` creates the schema; the archive fills either backend with the same reports."""
    env = dict(cli_env, GIKPORTAL_BACKEND="postgres", DATABASE_URL=new_database())
    current = flask(env, "db", "current")
    assert current.returncode == 1 and "未建立" in current.stdout
    done = flask(env, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert flask(env, "db", "current").returncode == 0
    whoosh_env = dict(env, GIKPORTAL_BACKEND="whoosh")
    assert flask(whoosh_env, "ingest", *map(str, seed_paths)).returncode == 0
    reindexed = flask(env, "reindex")
    assert reindexed.returncode == 0 and "5" in reindexed.stdout, reindexed.stderr
    checked = flask(env, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    pg = backends.engine("postgres", env["DATABASE_URL"])
    wh = backends.engine("whoosh", portal_config["INDEX_DIR"])
    assert pg.ids() == wh.ids() and len(pg.ids()) == 5
