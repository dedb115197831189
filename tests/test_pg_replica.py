"""Read replicas for real: a primary and a streaming hot standby of Debian's PostgreSQL on loopback
(tools.pgserver, `pg_basebackup -R`). Reads go to the replica, writes and the reads right after a
write to the primary; the replica is killed during a load of searches and report pages without a
failed read (the primary answers), and takes its share again once restarted."""
import threading
import time

import psycopg
import pytest

from _search_helpers import generated_records, handmade_records
from gikportal import backend as backends
from gikportal import config as config_module
from gikportal import pgindex
from gikportal.query import SearchParams
from tools.pgserver import PostgresServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    primary = PostgresServer(tcp=True).start()
    try:
        url = primary.create_database("gik")
        replica = primary.start_replica()
        yield primary, replica, url, replica.url_for("gik")
    finally:
        pgindex.close_pools()
        primary.stop()


def transactions(url):
    """Committed transactions of the database at url, as its server counts them."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").fetchone()[0]


def test_config_reads_the_replica_urls(monkeypatch):
    monkeypatch.setenv("GIKPORTAL_DATABASE_REPLICA_URLS", "postgresql://a/gik, postgresql://b/gik")
    assert config_module.from_env()["DATABASE_REPLICA_URLS"] == ["postgresql://a/gik", "postgresql://b/gik"]
    monkeypatch.delenv("GIKPORTAL_DATABASE_REPLICA_URLS")
    assert config_module.from_env()["DATABASE_REPLICA_URLS"] == []


def test_replica_serves_reads_and_a_write_is_read_back_at_once(cluster):
    primary, replica, url, replica_url = cluster
    engine = backends.for_config({"BACKEND": "postgres", "DATABASE_URL": url, "DATABASE_REPLICA_URLS": [replica_url]})
    records = list(handmade_records().values()) + generated_records(40, seed=5)
    engine.rebuild(records[:-1])
    primary.wait_replayed()
    on_replica = backends.engine("postgres", replica_url)  # the replica alone: it has what the primary has
    assert on_replica.ids() == {r["id"] for r in records[:-1]}
    before = transactions(replica_url)
    for _ in range(20):
        assert engine.search(SearchParams.from_args({"q": "依申请公开"}))["total"] > 0
    pgindex.close_pools(replica_url)  # its backends end and so report their statistics
    time.sleep(0.5)
    assert transactions(replica_url) - before >= 20  # the searches ran there
    with psycopg.connect(replica_url) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("DELETE FROM reports")
    last = records[-1]
    engine.add([last])  # written on the primary; read right after: found even if not yet replayed
    assert last["id"] in engine.ids()
    params = SearchParams.from_args({"q": f"agency:{last['agency']}"})
    assert last["id"] in [h["id"] for h in engine.search(params)["hits"]]
    primary.wait_replayed()
    assert last["id"] in on_replica.ids()


def test_replica_killed_during_load_fails_no_read_and_rejoins(cluster):
    primary, replica, url, replica_url = cluster
    engine = backends.engine("postgres", url, replicas=[replica_url])
    if not engine.exists():
        engine.rebuild(list(handmade_records().values()) + generated_records(40, seed=5))
        primary.wait_replayed()
    ids = sorted(engine.ids())
    queries = ["依申请公开", "行政复议", "政府信息公开 year:2022", "", "\"存在的主要问题\""]
    expected = {q: engine.search(SearchParams.from_args({"q": q}))["total"] for q in queries}
    done, failures, reads = threading.Event(), [], [0]

    def reader(k):
        i = k
        while not done.is_set():
            i += 1
            try:
                q = queries[i % len(queries)]
                assert engine.search(SearchParams.from_args({"q": q}))["total"] == expected[q]
                assert engine.sections([ids[i % len(ids)]], set())  # the report page's texts
                reads[0] += 1
            except Exception as err:  # noqa: BLE001 - any failure is the finding
                failures.append(repr(err))

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    started = transactions(replica_url)
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        served = transactions(replica_url) - started
        replica.kill()
        killed_at = reads[0]
        time.sleep(3)
        during = reads[0] - killed_at
        replica.restart()
        time.sleep(pgindex.REPLICA_RETRY + 2)
        rejoined = transactions(replica_url)
        time.sleep(2)
        after = transactions(replica_url)
    finally:
        done.set()
        for t in threads:
            t.join(60)
    assert failures == []
    assert served > 10 and during > 0  # the replica served, and reads went on while it was down
    assert after - rejoined > 10  # and went back to it once it was up again
