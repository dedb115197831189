"""The PostgreSQL backend: the only module that imports psycopg.

The same functions as gikportal.index with a database URL in place of the index folder. Reports,
section texts, the figures of tables 2-4 and the checks live in tables (and views) a journalist
can query (see gikportal/migrations/versions/). Text is analysed in Python by gikportal.segment
exactly as for Whoosh and stored as `tsvector` literals (simple configuration, nothing re-parsed
by PostgreSQL): jieba search-mode words, each precise word with its positions, so the pairs of
neighbouring precise words Whoosh indexes for phrases are matched by `a <-> b`. What a search
reads is the narrow `search_fields` (one row per title, headings and section, partitioned by
report year, RUM index with positions); a text leaf of the query becomes a tsquery
`'a' & 'b' & ('a' <-> 'b' | 'a b')` that must match within one field. A report's score for a
leaf is its best field's RUM rank of the leaf's words (weights: title A, sections B, headings
D); a page of one ranked leaf reads its candidates from the index in rank order (_top), other
pages rank every match. Counting, filters
on facets and sorting are numpy over each process's in-memory codes of `reports` (_Columns, one
per index generation) and the matching reports' positions, each text leaf's matches kept per
generation; year filters also prune the partitions.
A large `rebuild` COPYs into shadow tables, indexes them after the load and swaps them in; a
small one replaces the rows in one transaction: readers see the old or the new archive, never a
mix; writers are serialised by an advisory lock. Reads can go to streaming replicas
(set_replicas; health-checked, read-your-writes by WAL position), writes go to the primary.
"""
import functools
import itertools
import json
import multiprocessing
import os
import re
import sys
import threading
import time
from collections import Counter, OrderedDict
from pathlib import Path

import numpy as np
import psycopg
from psycopg import errors as pgerrors
from psycopg_pool import ConnectionPool

from . import segment
from .figures import HEADLINE_LABELS
from .labels import SCORE_LOW, SCORECARD
from .hits import HEADING_BOOST, TITLE_BOOST, hit_fields, scorecard_fields, searched_sections
from .query import CHECK_RULES, NO_VALUE, RANGE_FIGURES, And, Field, Not, Num, Or, Text, sections_of
from .searching.facets import COLUMN_FACETS, FINDING_VALUES, agency_keys
from .searching.results import NO_INDEX, ModuleEngine, paging
from .searching.seam import Matched

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ANALYSIS = "pg7/segment-positions"  # bumped (pg7: word pairs matched by `<->` over precise-word positions, not stored; pg6: weighted fields in search_fields, hits carry the scorecard, totals are printed-or-cells with figure_notes, the agency facet counts hits' agency_key; pg2: hits carry the carry_chain derived at index time) whenever what is stored per text changes: rebuild needed
FIGURES = tuple(HEADLINE_LABELS)
WRITER_LOCK = 7_310_411_208  # pg_advisory_xact_lock key shared by every writer
PARALLEL_FROM = 1000  # records; below this a rebuild analyses text in-process
BULK_FROM = 1000  # records; from this a rebuild COPYs into shadow tables, indexes them, swaps them in
MAX_POSITION = 16383  # PostgreSQL keeps positions up to this
MAX_POSITIONS = 256  # positions PostgreSQL keeps per lexeme
MAX_LEXEME_BYTES = 2046
MAX_TSVECTOR_CHARS = 900_000  # a tsvector holds at most 1 MB
POOL_SIZE = 8
UNKNOWN_INDEX = NO_INDEX

# the agency facet counts bodies (hits' agency_key, parse/agency.py), whatever name each year printed
AGENCY_KEY_SQL = "COALESCE(NULLIF(r.agency_key, ''), r.agency, 'none')"
FACET_SQL = {"year": "COALESCE(r.year::text, 'none')", "province": "COALESCE(r.province, 'none')",
             "city": "COALESCE(r.city, 'none')", "county": "COALESCE(r.county, 'none')",
             "agency": AGENCY_KEY_SQL, "kind": "COALESCE(r.kind, 'none')",
             "format": "COALESCE(r.format, 'none')"}


def _range_sql(figure):
    cases = []
    for name, _, low, high in RANGE_FIGURES[figure]:
        cond = f"r.{figure} >= {float(low)!r}" + (f" AND r.{figure} < {float(high)!r}" if high is not None else "")
        cases.append(f"WHEN {cond} THEN '{name}'")
    return f"(CASE {' '.join(cases)} ELSE '{NO_VALUE[0]}' END)"


for _figure in RANGE_FIGURES:
    FACET_SQL[f"{_figure}_range"] = _range_sql(_figure)
FACET_NAMES = list(COLUMN_FACETS)
OPS = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "=": "="}


# --- text analysis: tsvector literals --------------------------------------------------------

def _lexeme(term):
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def analyse(text, weight=""):
    """(tsvector literal, Counter of words) of a text: its search-mode words (segment.index_tokens),
    each precise word with its positions (labelled with weight: A title, B sections, "" = D
    headings), a word met only inside a longer precise word without any. So `a <-> b` holds
    exactly where precise word b follows precise word a: the word pairs Whoosh indexes
    (segment.shingles), matched from the positions instead of being stored as lexemes (they were
    60% of the tsvectors and most of the RUM index). A pair whose positions PostgreSQL cannot
    keep (a word's occurrences past MAX_POSITIONS, positions past MAX_POSITION) is stored as the
    lexeme "a b", which text_query accepts instead."""
    toks = segment.index_tokens(text) if text else []
    positions, words, precise, held = {}, Counter(), [], []
    for i, (token, pos, _, _) in enumerate(toks):
        words[token] += 1
        kept = positions.setdefault(token, [])
        if i + 1 == len(toks) or toks[i + 1][1] != pos:  # the precise word comes after its sub-words
            precise.append(token)
            held.append(pos + 1 <= MAX_POSITION and len(kept) < MAX_POSITIONS)
            if held[-1]:
                kept.append(pos + 1)
    pairs = segment.shingles(precise)
    parts = [_lexeme(t) + (f":{','.join(f'{q}{weight}' for q in p)}" if p else "") for t, p in positions.items()
             if len(t.encode("utf-8")) <= MAX_LEXEME_BYTES]
    parts += [_lexeme(pair) for pair in dict.fromkeys(pair for k, pair in enumerate(pairs)
                                                       if not (held[k] and held[k + 1]))
              if len(pair.encode("utf-8")) <= MAX_LEXEME_BYTES]
    literal = " ".join(parts)
    if len(literal) > MAX_TSVECTOR_CHARS:  # a huge section: every word and pair, no positions
        parts = [_lexeme(t) for t in dict.fromkeys(itertools.chain(positions, pairs))
                 if len(t.encode("utf-8")) <= MAX_LEXEME_BYTES]
        literal = " ".join(parts)[:MAX_TSVECTOR_CHARS].rsplit(" ", 1)[0]
    return literal, words


def text_query(text, rank=False):
    """The tsquery literal of a text leaf (None when it has no words), as index._Eval.text matches
    it: every word, and each pair of neighbouring words next to each other (`a <-> b`, or its
    lexeme "a b" where analyse could not keep the positions); a phrase of three words or more in
    one run (`<->`: pairs pin it down only approximately). rank: the words alone, what `<=>` ranks
    a matching field by -- free of phrase operators, so the RUM index orders by the same distance
    as a row gives (with `<->` in it RUM orders by other distances)."""
    tokens = segment.query_tokens(text)
    if not tokens:
        return None
    words = list(dict.fromkeys(tokens))
    if any(len(t.encode("utf-8")) > MAX_LEXEME_BYTES for t in words):
        return ""  # cannot be in the index
    parts = [_lexeme(t) for t in words]
    if rank:
        return " & ".join(parts)
    for a, b in zip(tokens, tokens[1:]):
        pair = a + segment.SHINGLE + b
        lexeme = f" | {_lexeme(pair)}" if len(pair.encode("utf-8")) <= MAX_LEXEME_BYTES else ""
        parts.append(f"({_lexeme(a)} <-> {_lexeme(b)}{lexeme})")
    if len(tokens) > 2:
        parts.append("(" + " <-> ".join(_lexeme(t) for t in tokens) + ")")
    return " & ".join(parts)


# --- records -> rows ---------------------------------------------------------------------------

def _clean(value):
    """PostgreSQL text cannot hold NUL characters."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _text_or_none(value):
    return None if value in (None, "") else str(value)


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


REPORT_COLUMNS = (("id", "sha256", "title", "agency", "year", "published", "format", "province", "city", "county",
                   "kind") + FIGURES + ("failed_checks", "warnings", "agency_key", "doubtful", "score",
                                        "scorecard_failed"))  # the hit itself: report_details.hit
TITLE_FIELD, HEADINGS_FIELD = -1, -2  # search_fields.n of the title and the headings; sections are n >= 0
WEIGHTS = {TITLE_FIELD: "A", HEADINGS_FIELD: "", "section": "B"}  # ranked 1.0, 0.1, 0.4 by RUM's <=>
FIGURE_KEYS = (("requests", True), ("active", True), ("appeals", True), ("legacy", False))  # (key, a grid)


def prepare(url, record):
    """Every row one record becomes (picklable): ingest calls this in its worker processes."""
    return _rows(record)


def _grid(cells, nested):
    """{row: {column: number}} (nested) or {name: number} of one stats table, for report_details.stats."""
    if not isinstance(cells, dict) or not cells:
        return None
    if not nested:
        return {str(k): _number(v) for k, v in cells.items()}
    rows = {str(row): {str(col): _number(v) for col, v in values.items()}
            for row, values in cells.items() if isinstance(values, dict)}
    return rows or None


def _rows(record):
    """Every row one record becomes, plus its words per field (for suggestions)."""
    record = _clean(record)
    rid = record["id"]
    hit = hit_fields(record)
    region = hit["region"]
    year = _int_or_none(record.get("year"))
    sections = searched_sections(record)
    title = record.get("title") or ""
    title_tsv, title_words = analyse(title, WEIGHTS[TITLE_FIELD])
    headings_tsv, _ = analyse("\n".join(s["heading"] for s in sections if s["heading"]), WEIGHTS[HEADINGS_FIELD])
    words = Counter({("title", w): c for w, c in title_words.items()})
    fields = [(rid, year, n, tsv) for n, tsv in ((TITLE_FIELD, title_tsv), (HEADINGS_FIELD, headings_tsv)) if tsv]
    for s in sections:
        tsv, found = analyse(s["text"], WEIGHTS["section"]) if s["text"] else ("", Counter())
        words.update({(f"s{s['n']}", w): c for w, c in found.items()})
        if tsv:
            fields.append((rid, year, s["n"], tsv))
    stored = [{"n": s["n"], "anchor": s["anchor"], "heading": s["heading"], "text": s["text"]} for s in sections]
    figures = hit["figures"]
    report = ((rid, record.get("sha256"), title, _text_or_none(record.get("agency")), year,
               _text_or_none(record.get("published")),
               _text_or_none(record.get("format")), _text_or_none(region.get("province")),
               _text_or_none(region.get("city")), _text_or_none(region.get("county")), hit["kind"])
              + tuple(_number(figures.get(name)) for name in FIGURES)
              + (list(hit["failed_checks"]), [str(w) for w in record.get("warnings") or []])
              + _hit_columns(hit))
    stats = record.get("stats") or {}
    grids = tuple(_grid(stats.get(key), nested) for key, nested in FIGURE_KEYS)
    checks = [{"rule": str(c.get("rule") or ""), "ok": c.get("ok") if isinstance(c.get("ok"), bool) else None,
               "detail": str(c.get("detail") or "")} for c in record.get("checks") or [] if isinstance(c, dict)]
    kept = {key: grid for (key, _), grid in zip(FIGURE_KEYS, grids) if grid is not None}
    if checks:
        kept["checks"] = checks
    details = (rid, year, [s["n"] for s in sections if s["text"]], json.dumps(stored, ensure_ascii=False),
               json.dumps(kept, ensure_ascii=False), json.dumps(hit, ensure_ascii=False))
    return {"id": rid, "reports": [report], "search_fields": fields, "report_details": [details], "words": words}


def _hit_columns(hit):
    """The columns of `reports` a query filters on that come from the hit (agency facet, findings,
    score): the hit itself is in report_details, compressed with the texts."""
    return (str(hit.get("agency_key") or "") or None, bool(hit.get("doubtful")), _number(hit.get("score")),
            [str(c) for c in hit.get("scorecard_failed") or []])


TABLE_COLUMNS = {
    "reports": REPORT_COLUMNS,
    "search_fields": ("report_id", "year", "n", "tsv"),
    # the rest of a report in one row, compressed (0004); the views sections, figures, checks list it
    "report_details": ("report_id", "year", "ns", "sections", "stats", "hit"),
}
CHILD_TABLES = ("search_fields", "report_details")
DATA_TABLES = tuple(TABLE_COLUMNS) + ("terms",)  # what a rebuild replaces (shadow copies, then a swap)
SHADOW = "_next"


def _copy(cur, batch, suffix=""):
    """COPY a batch of prepared records into every table (suffix: into the shadow copies)."""
    for table, columns in TABLE_COLUMNS.items():
        rows = [row for prepared in batch for row in prepared[table]]
        if not rows:
            continue
        with cur.copy(f"COPY {table}{suffix} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _store_terms(cur, words):
    if not words:
        return
    items = [(f, t, c) for (f, t), c in words.items()]
    for start in range(0, len(items), 50_000):
        chunk = items[start:start + 50_000]
        cur.execute("INSERT INTO terms AS t (field, term, freq) SELECT * FROM unnest(%s::text[], %s::text[], "
                    "%s::bigint[]) ON CONFLICT (field, term) DO UPDATE SET freq = t.freq + excluded.freq",
                    ([f for f, _, _ in chunk], [t for _, t, _ in chunk], [c for _, _, c in chunk]))


# --- schema ------------------------------------------------------------------------------------

def sqlalchemy_url(url):
    """The SQLAlchemy spelling of a libpq URL (psycopg 3 driver)."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _alembic_config(url):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return cfg


_head = None


def head_revision():
    global _head
    if _head is None:
        from alembic.script import ScriptDirectory

        _head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    return _head


def upgrade(url, revision="head"):
    """Create or migrate the schema (alembic), serialised by an advisory lock."""
    from alembic import command
    from sqlalchemy import create_engine, text

    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url))
    try:
        with engine.begin() as conn:
            conn.execute(text(f"SELECT pg_advisory_xact_lock({WRITER_LOCK + 1})"))
            cfg = _alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def current_revision(url):
    with psycopg.connect(url) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except pgerrors.UndefinedTable:
            return None
    return row[0] if row else None


# --- connections -------------------------------------------------------------------------------

_pools = OrderedDict()
_pools_lock = threading.Lock()


def _configure(conn):
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True


def _reader(url):
    """A pooled read-only connection (one REPEATABLE READ transaction per `with`)."""
    key = (os.getpid(), url)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            replica = any(url in r.urls for r in _routes.values())  # fail fast: the primary takes over
            pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, configure=_configure, open=True,
                                  name="gikportal", check=ConnectionPool.check_connection,
                                  timeout=REPLICA_TIMEOUT if replica else 15,
                                  kwargs={"connect_timeout": 2} if replica else None)
            _pools[key] = pool
            while len(_pools) > 8:
                _, old = _pools.popitem(last=False)
                old.close(timeout=1)
        else:
            _pools.move_to_end(key)
    return pool.connection()


def close_pools(url=None):
    """Close this process's connection pools (of one URL when given; tests dropping their
    databases call it)."""
    with _pools_lock:
        for key in [k for k in _pools if k[0] == os.getpid() and url in (None, k[1])]:
            _pools.pop(key).close(timeout=1)


# --- read replicas -----------------------------------------------------------------------------
# Reads of a primary URL with replicas go to the replicas in turn; a replica that fails is left
# out for REPLICA_RETRY seconds (then one connection probes it) and the read is answered by the
# primary instead, so a read never fails for a replica's sake. Read-your-writes: after this
# process wrote, a replica answers only once it has replayed the primary's WAL up to that write.

REPLICA_RETRY = 2.0  # seconds a failed replica is left out before it is probed again
REPLICA_TIMEOUT = 1.0  # seconds to wait for a replica's pooled connection
_routes = {}  # primary URL -> _Replicas
_written = {}  # primary URL -> the WAL position after this process's last write there
_local = threading.local()


class _Replicas:
    def __init__(self, urls):
        self.urls = tuple(urls)
        self.down = {}  # url -> when to probe it again
        self.caught_up = {}  # url -> a WAL position it has replayed
        self.turn = itertools.count()
        self.lock = threading.Lock()

    def pick(self):
        """The next healthy replica in turn (probing one whose time out is over), else None."""
        now = time.monotonic()
        for _ in range(len(self.urls)):
            url = self.urls[next(self.turn) % len(self.urls)]
            with self.lock:
                again = self.down.get(url)
                if again is not None and again > now:
                    continue
                if again is not None:
                    self.down[url] = now + REPLICA_RETRY  # one probe at a time
            if again is not None and not _alive(url):
                continue
            with self.lock:
                self.down.pop(url, None)
            return url
        return None

    def failed(self, url):
        with self.lock:
            self.down[url] = time.monotonic() + REPLICA_RETRY
        close_pools(url)


class _Behind(Exception):
    """The replica has not yet replayed this process's last write."""


def _alive(url):
    try:
        with psycopg.connect(url, connect_timeout=1) as conn:
            return conn.execute("SELECT pg_is_in_recovery()").fetchone() is not None
    except psycopg.Error:
        return False


def set_replicas(url, replica_urls):
    """Route the reads of primary `url` to these replica URLs (none: every read to the primary)."""
    replica_urls = [u for u in replica_urls or () if u and u != url]
    if replica_urls:
        if url not in _routes or _routes[url].urls != tuple(replica_urls):
            _routes[url] = _Replicas(replica_urls)
    else:
        _routes.pop(url, None)


def _note_write(url):
    """Remember the primary's WAL position after a write of this process (read-your-writes): the
    insert position, past the write's commit record even when synchronous_commit = off has not yet
    written it out (the write position can then be short of it)."""
    if url in _routes:
        with psycopg.connect(url, autocommit=True) as conn:
            _written[url] = conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]


def _check_replayed(conn):
    """Inside a replica's read transaction: raise _Behind unless it has replayed our last write."""
    need = getattr(_local, "need", None)
    if need is None:
        return
    replicas, url, lsn = need
    if replicas.caught_up.get(url) == lsn:
        return
    if not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0]:
        raise _Behind(url)
    replicas.caught_up[url] = lsn


def _routed(read):
    """A read function of (url, …) that a replica answers when it can, else the primary."""
    @functools.wraps(read)
    def routed(url, *args, **kwargs):
        replicas = _routes.get(url)
        target = replicas.pick() if replicas else None
        if target is None:
            return read(url, *args, **kwargs)
        _local.need = (replicas, target, _written[url]) if url in _written else None
        try:
            return read(target, *args, **kwargs)
        except _Behind:
            pass
        except (psycopg.OperationalError, pgerrors.SerializationFailure):  # down, or a replay conflict
            replicas.failed(target)
        finally:
            _local.need = None
        return read(url, *args, **kwargs)
    return routed


def _state(conn):
    """(alembic revision, analysis, generation) or None when the schema is not there. Every read
    starts here (so the rebuild's swap, which locks index_state, waits for reads in flight)."""
    _check_replayed(conn)
    try:
        return conn.execute("SELECT (SELECT version_num FROM alembic_version), analysis, generation "
                            "FROM index_state").fetchone()
    except pgerrors.UndefinedTable:
        conn.rollback()
        return None


def _current(state):
    return state is not None and state[0] == head_revision() and state[1] == ANALYSIS


# --- writing -----------------------------------------------------------------------------------

def _writer(url):
    conn = psycopg.connect(url)
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
    return conn


def _ensure_schema(url):
    if current_revision(url) != head_revision():
        upgrade(url)


def _prepare_for_pool(record):
    return _rows(record)


def rebuild(url, records) -> int:
    """Replace the whole index with records; returns the count. From BULK_FROM records by COPY
    into shadow tables and a swap (_rebuild), below in one transaction (_rebuild_in_place).

    Text is analysed in worker processes (forked before any connection is opened) when there are
    PARALLEL_FROM records or more; readers keep seeing the old index until the swap or commit."""
    _ensure_schema(url)
    records = iter(records)
    first = list(itertools.islice(records, PARALLEL_FROM))
    procs = min(os.cpu_count() or 1, 4)
    workers = None
    if len(first) == PARALLEL_FROM and procs > 1:
        workers = multiprocessing.get_context("fork").Pool(procs)
        prepared_stream = workers.imap(_prepare_for_pool, itertools.chain(first, records), chunksize=8)
    else:
        prepared_stream = (_prepare_for_pool(r) for r in first)
    try:
        if len(first) >= BULK_FROM:
            return _rebuild(url, prepared_stream)
        return _rebuild_in_place(url, prepared_stream)
    finally:
        if workers is not None:
            workers.terminate()
            workers.join()


def _rebuild_in_place(url, prepared_stream):
    """A small rebuild: one transaction replaces the rows of the live tables (their indexes kept
    up to date as it goes), cheaper than building and swapping shadow tables below BULK_FROM."""
    count, words = 0, Counter()
    with _writer(url) as conn:
        with conn.cursor() as cur:
            for table in DATA_TABLES:
                cur.execute(f"DELETE FROM {table}")
            batch = list(prepared_stream)
            for prepared in batch:
                words.update(prepared["words"])
            count = len(batch)
            _copy(cur, batch)
            _store_terms(cur, words)
            cur.execute(STATE_BUMP, (ANALYSIS,))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) " + ", ".join(DATA_TABLES))  # sets the visibility map, statistics
    _note_write(url)
    return count


STATE_BUMP = ("INSERT INTO index_state (analysis, generation) VALUES (%s, 1) ON CONFLICT (singleton) DO UPDATE "
              "SET analysis = excluded.analysis, generation = index_state.generation + 1, built_at = now()")


def _rebuild(url, prepared_stream):
    """The bulk path: COPY into shadow copies of the data tables (no indexes yet), build their
    indexes once, VACUUM ANALYZE them, then swap them in (_swap). Readers keep the old tables
    until the swap; the writer lock is held by this session throughout."""
    count, words = 0, Counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (WRITER_LOCK,))
        try:
            with conn.transaction(), conn.cursor() as cur:
                _create_shadows(cur)
                batch = []
                for prepared in prepared_stream:
                    words.update(prepared["words"])
                    batch.append(prepared)
                    count += 1
                    if len(batch) >= 500:
                        _copy(cur, batch, SHADOW)
                        batch = []
                _copy(cur, batch, SHADOW)
                with cur.copy(f"COPY terms{SHADOW} (field, term, freq) FROM STDIN") as copy:
                    for (field, term), freq in words.items():
                        copy.write_row((field, term, freq))
            with conn.transaction():
                conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
                _index_shadows(conn)
            conn.execute("VACUUM (ANALYZE) " + ", ".join(t + SHADOW for t in DATA_TABLES))
            _swap(conn)
        finally:
            with conn.transaction():
                for table in DATA_TABLES:  # left over when the rebuild failed
                    conn.execute(f"DROP TABLE IF EXISTS {table}{SHADOW} CASCADE")
            conn.execute("SELECT pg_advisory_unlock(%s)", (WRITER_LOCK,))
    _note_write(url)
    return count


def _create_shadows(cur):
    """{table}_next for every data table: same columns, partitions, bounds and storage parameters, no indexes."""
    for table in DATA_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS {table}{SHADOW} CASCADE")
        key = cur.execute("SELECT pg_get_partkeydef(%s::regclass)", (table,)).fetchone()[0]
        cur.execute(f"CREATE TABLE {table}{SHADOW} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                    f"INCLUDING STORAGE INCLUDING COMPRESSION)" + (f" PARTITION BY {key}" if key else ""))
        parts = cur.execute("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reloptions FROM pg_inherits i "
                            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
                            (table,)).fetchall()
        for name, bound, options in parts:  # with its storage parameters (0003: toast_tuple_target)
            cur.execute(f"CREATE TABLE {table}{SHADOW}{name[len(table):]} PARTITION OF {table}{SHADOW} {bound}"
                        + (f" WITH ({', '.join(options)})" if options else ""))


def _index_shadows(conn):
    """The live tables' indexes, built on the loaded shadow copies (named {table}_next_…)."""
    for table in DATA_TABLES:
        for name, definition in conn.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c "
                "ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass", (table,)).fetchall():
            unique, method = re.match(r"CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)", definition).groups()
            conn.execute(f"CREATE {unique or ''}INDEX {table}{SHADOW}{name[len(table):]} ON {table}{SHADOW} {method}")


def _swap(conn):
    """In one short transaction: the shadow copies replace the data tables (every relation named
    {table}_next… renamed to {table}…), views and comments re-created. It first waits for the
    readers in flight (each reads index_state first) and holds new ones until it commits."""
    with conn.transaction():
        conn.execute("LOCK TABLE index_state IN ACCESS EXCLUSIVE MODE")
        views = conn.execute("SELECT c.relname, pg_get_viewdef(c.oid), obj_description(c.oid, 'pg_class') "
                             "FROM pg_class c WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace "
                             "ORDER BY c.oid").fetchall()  # in the order they were made: views over views
        for name, _, _ in reversed(views):
            conn.execute(f"DROP VIEW {name}")
        for table in DATA_TABLES:
            comment = conn.execute("SELECT obj_description(%s::regclass, 'pg_class')", (table,)).fetchone()[0]
            conn.execute(f"DROP TABLE {table}")
            names = [r[0] for r in conn.execute(
                "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                "AND starts_with(relname, %s)", (table + SHADOW,))]
            for name in names:
                kind = "INDEX" if conn.execute("SELECT relkind IN ('i', 'I') FROM pg_class WHERE relname = %s "
                                               "AND relnamespace = current_schema()::regnamespace",
                                               (name,)).fetchone()[0] else "TABLE"
                conn.execute(f"ALTER {kind} {name} RENAME TO {table}{name[len(table) + len(SHADOW):]}")
            if comment:
                conn.execute(f"COMMENT ON TABLE {table} IS {_literal(comment)}")
        for name, definition, comment in views:
            conn.execute(f"CREATE VIEW {name} AS {definition}")
            if comment:
                conn.execute(f"COMMENT ON VIEW {name} IS {_literal(comment)}")
        conn.execute(STATE_BUMP, (ANALYSIS,))


def _literal(text):
    return "'" + text.replace("'", "''") + "'"


def _open_for_write(url):
    """A writer connection on an index of the current analysis (created empty when missing)."""
    _ensure_schema(url)
    conn = _writer(url)
    state = conn.execute("SELECT analysis FROM index_state").fetchone()
    if state is None:
        conn.execute("INSERT INTO index_state (analysis) VALUES (%s)", (ANALYSIS,))
    elif state[0] != ANALYSIS:
        conn.close()
        raise RuntimeError("索引格式已更新，请先运行 flask --app app reindex 从存档重建索引")
    return conn


def add(url, records, prepared=None):
    """Add or replace reports by id; prepared: {id: prepare(url, record)} made elsewhere (ingest's workers)."""
    records = list(records)
    if not records:
        return 0
    prepared = [_with_scorecard((prepared or {}).get(r["id"]), r) or _prepare_for_pool(r) for r in records]
    prepared = list({p["id"]: p for p in prepared}.values())
    with _open_for_write(url) as conn:
        with conn.cursor() as cur:
            _delete(cur, [p["id"] for p in prepared])
            _copy(cur, prepared)
            words = Counter()
            for p in prepared:
                words.update(p["words"])
            _store_terms(cur, words)
            cur.execute("UPDATE index_state SET generation = generation + 1")
    _note_write(url)
    return len(records)


_HIT = TABLE_COLUMNS["report_details"].index("hit")
_HIT_COLUMNS = REPORT_COLUMNS.index("agency_key")


def _with_scorecard(rows, record):
    """Prepared rows with the scorecard the index derived for their record (continuity.py): the
    workers prepare them from the record alone."""
    if rows is None or record.get("scorecard") is None:
        return rows
    details = list(rows["report_details"][0])
    hit = json.loads(details[_HIT])
    hit.update(scorecard_fields(record))
    details[_HIT] = json.dumps(hit, ensure_ascii=False)
    report = rows["reports"][0]
    report = report[:_HIT_COLUMNS] + _hit_columns(hit)
    return dict(rows, reports=[report], report_details=[tuple(details)])


def _delete(cur, ids):
    cur.execute("DELETE FROM reports WHERE id = ANY(%s)", (ids,))
    for table in CHILD_TABLES:
        cur.execute(f"DELETE FROM {table} WHERE report_id = ANY(%s)", (ids,))


def remove(url, ids):
    """Delete reports by id (unknown ids are ignored)."""
    ids = list(ids)
    if not ids or not exists.__wrapped__(url):
        return 0
    with _writer(url) as conn, conn.cursor() as cur:
        _delete(cur, ids)
        cur.execute("UPDATE index_state SET generation = generation + 1")
    _note_write(url)
    return len(ids)


# --- reading -----------------------------------------------------------------------------------

@_routed
def exists(url) -> bool:
    """The schema is at the current revision and an index of the current analysis is there."""
    with _reader(url) as conn:
        return _current(_state(conn))


@_routed
def agency_years(url, agencies) -> dict:
    """{agency key: [(id, year)]} of the indexed reports of these agencies."""
    agencies = sorted({a for a in agencies if a})
    if not agencies or not exists(url):
        return {}
    out = {}
    with _reader(url) as conn:
        for agency, rid, year in conn.execute(f"SELECT {AGENCY_KEY_SQL}, id, year FROM reports r "
                                              f"WHERE {AGENCY_KEY_SQL} = ANY(%s)", (agencies,)):
            out.setdefault(agency, []).append((rid, year))
    return out


@_routed
def generation(url):
    """A value that changes whenever the index is written (caches of results key on it)."""
    with _reader(url) as conn:
        state = _state(conn)
        return state[2] if state else None


def size_bytes(url) -> int:
    """The database's size on disk (tables, TOAST and indexes), for the benchmark."""
    with _reader(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


@_routed
def doc_count(url) -> int:
    with _reader(url) as conn:
        if not _current(_state(conn)):
            return 0
        return conn.execute("SELECT count(*) FROM reports").fetchone()[0]


@_routed
def ids(url) -> set:
    with _reader(url) as conn:
        if not _current(_state(conn)):
            return set()
        return {row[0] for row in conn.execute("SELECT id FROM reports")}


_vocab_cache = OrderedDict()
_vocab_lock = threading.Lock()


def _cached(key, compute):
    """A value per (url, index generation, name), computed once; the cache is shared by threads."""
    with _vocab_lock:
        if key in _vocab_cache:
            _vocab_cache.move_to_end(key)
            return _vocab_cache[key]
    value = compute()
    with _vocab_lock:
        _vocab_cache[key] = value
        while len(_vocab_cache) > 256:
            _vocab_cache.popitem(last=False)
    return value


def _vocab(conn, url, generation, name):
    """Sorted distinct facet values of the whole index (cached per index generation)."""
    return _cached((url, generation, name), lambda: sorted(
        r[0] for r in conn.execute(f"SELECT DISTINCT {FACET_SQL[name]} FROM reports r").fetchall()))


class _Sql:
    """A query tree as SQL over `reports r`: one CTE per text leaf (RUM match, best field's rank)."""

    def __init__(self, conn, url, generation, sections, rank=True, years=None):
        self.conn, self.url, self.generation, self.rank = conn, url, generation, rank
        self.sections, self.years = sorted(sections), years
        self.params, self.ctes, self.joins, self.scores = {}, {}, [], []
        self.ranked = []  # (CTE alias, tsquery SQL, WHERE on search_fields, index-orderable) per scored leaf
        self.leaves = {}  # id(Text node) -> its CTE alias, or "TRUE" / "FALSE"
        self.conditions = []

    def param(self, value):
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def __call__(self, node, negated=False):
        if isinstance(node, Text):
            return self.text(node, negated)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Num):
            return self.num(node)
        if isinstance(node, Not):
            return f"(NOT {self(node.item, not negated)})"
        if isinstance(node, (And, Or)):
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(self(item, negated) for item in node.items) + ")"
        return "TRUE"

    def text(self, node, negated):
        literal = text_query(node.text)
        if literal is None or literal == "":
            self.leaves[id(node)] = "TRUE" if literal is None else "FALSE"
            return self.leaves[id(node)]
        q = self.param(literal) + "::tsquery"
        # a leaf matches within one field: the title, the headings or one section (search_fields.n)
        cond = f"tsv @@ {q}" + (f" AND n = ANY({self.param(self.sections)})" if self.sections else "")
        cond += f" AND {self.years}" if self.years else ""  # prunes search_fields' year partitions
        ranked = self.rank and not negated
        alias = f"t{len(self.ctes)}"
        self.leaves[id(node)] = alias
        # score: the best field's RUM rank (1 / distance) by the leaf's words (text_query(rank=True));
        # from the heap here, from the index in _top (the distances computed below the aggregate: a
        # sort under it would carry every tsvector)
        r = self.param(text_query(node.text, rank=True)) + "::tsquery" if ranked else None
        self.ctes[alias] = (f"SELECT report_id, 1.0::float8 / min(d) AS score FROM (SELECT report_id, tsv <=> {r} "
                            f"AS d FROM search_fields WHERE {cond} OFFSET 0) f GROUP BY report_id" if ranked else
                            f"SELECT DISTINCT report_id, 0 AS score FROM search_fields WHERE {cond}")
        self.joins.append(f"LEFT JOIN {alias} ON {alias}.report_id = r.id")
        if not negated:
            self.scores.append(f"COALESCE({alias}.score, 0)")
        if ranked:
            self.ranked.append((alias, r, cond, True))
        return f"({alias}.report_id IS NOT NULL)"

    def field(self, node):
        name, value = node.name, node.value
        if name == "section":
            return (f"EXISTS (SELECT 1 FROM report_details s WHERE s.report_id = r.id "
                    f"AND {self.param(int(value))} = ANY(s.ns))")
        if name == "finding":
            return self.finding(value)
        match = self.facet_values(node)
        return f"({FACET_SQL[name]} = ANY({self.param(match)}))" if match else "FALSE"

    def facet_values(self, node):
        """The values of its facet a Field node (not section or finding) accepts ([]: none)."""
        name, value = node.name, node.value
        if name not in FACET_SQL:
            return []
        if name.endswith("_range"):
            return [value]
        if name == "agency" and value != NO_VALUE[0]:
            return agency_keys(value, _agency_pairs(self.conn, self.url, self.generation))
        vocab = _vocab(self.conn, self.url, self.generation, name)
        if value in vocab:
            return [value]
        folded = segment.fold(value)  # typed in the query: folded equal, else any value containing it
        pairs = [(segment.fold(v), v) for v in vocab]
        return [v for f, v in pairs if f == folded] or [v for f, v in pairs if folded in f]

    def finding(self, value):
        if value == "failed":
            return f"(r.failed_checks && {self.param(list(CHECK_RULES))}::text[])"
        if value == "doubtful":
            return "COALESCE(r.doubtful, false)"
        if value.startswith("check:") and value[6:] in CHECK_RULES:
            return f"({self.param(value[6:])} = ANY(r.failed_checks))"
        if value.startswith("scorecard:") and value[10:] in SCORECARD:
            return f"COALESCE({self.param(value[10:])} = ANY(r.scorecard_failed), false)"
        if value == "score_low":
            return f"COALESCE(r.score < {self.param(float(SCORE_LOW))}, false)"
        figure = {"sued": "lawsuits", "reviewed": "reviews", "fees": "fees_10k_yuan"}.get(value)
        return f"COALESCE(r.{figure} > 0, false)" if figure else "FALSE"

    def num(self, node):
        if node.name == "score":
            return f"COALESCE(r.score {OPS[node.op]} {self.param(float(node.value))}, false)"
        if node.name != "year" and node.name not in HEADLINE_LABELS:
            return "FALSE"
        return f"COALESCE(r.{node.name} {OPS[node.op]} {self.param(float(node.value))}, false)"

    def score(self):
        return " + ".join(self.scores) if self.scores else None

    def with_(self):
        """The WITH clause of the text leaves."""
        ctes = self.ctes
        return ("WITH " + ", ".join(f"{alias} AS ({body})" for alias, body in ctes.items()) + " ") if ctes else ""


def _match_from_the_index(conn, sql):
    """Text leaves are matched by the RUM index (bitmap scans reading only report_id from the
    heap): the planner, which does not cost detoasting, would rather test `tsv @@ q` on every row
    of a common word's partitions, reading each tsvector from TOAST (300 ms at 2,000 reports)."""
    if sql.ctes:
        conn.execute("SET LOCAL enable_seqscan = off")


def _year_sql(node):
    """The SQL on a child table's `year` column implied by a filter node that speaks only of the
    year (year:2021, the year facet, year ranges), else None. And keeps what it can (a superset)."""
    if isinstance(node, Num) and node.name == "year":
        return f"year {OPS[node.op]} {int(node.value) if float(node.value).is_integer() else float(node.value)!r}"
    if isinstance(node, Field) and node.name == "year":
        if node.value == NO_VALUE[0]:
            return "year IS NULL"
        return f"year = {int(node.value)}" if str(node.value).isdigit() else None
    if isinstance(node, (And, Or)):
        parts = [_year_sql(item) for item in node.items]
        if isinstance(node, And):
            parts = [p for p in parts if p]
            return "(" + " AND ".join(parts) + ")" if parts else None
        return "(" + " OR ".join(parts) + ")" if all(parts) else None
    return None


def _years(tree, conditions):
    """The year predicate every hit satisfies (top-level conjuncts of the query and the filters)."""
    nodes = list(conditions) + ([] if tree is None else list(tree.items) if isinstance(tree, And) else [tree])
    parts = [p for p in map(_year_sql, nodes) if p]
    return " AND ".join(parts) or None


def _compile(conn, url, generation, params, rank=True):
    """(tree, notice, _Sql, WHERE clause); rank=False leaves scores out (counts, facets, other sorts)."""
    tree, notice = params.tree()
    conditions = params.conditions()
    sql = _Sql(conn, url, generation, sections_of(tree) if tree is not None else set(), rank=rank,
               years=_years(tree, conditions))
    where = [sql(tree)] if tree is not None else []
    where += [sql(condition) for condition in conditions]
    sql.conditions = conditions
    return tree, notice, sql, " AND ".join(where) or "TRUE"


DEFAULT_ORDER = "COALESCE(r.year, -1) DESC, COALESCE(r.published, '') COLLATE \"C\" DESC, r.id COLLATE \"C\""


def _order_sql(sort, score):
    """As index._order: missing figures last, ties newest first, then published, then id."""
    if sort == "relevance" and score is not None:
        return f"score DESC, {DEFAULT_ORDER}"
    if sort == "year":
        return "COALESCE(r.year, 1e9) ASC, COALESCE(r.published, '') COLLATE \"C\" DESC, r.id COLLATE \"C\""
    name = sort.lstrip("-")
    if name in HEADLINE_LABELS:
        return f"(r.{name} IS NULL), r.{name} {'DESC' if sort.startswith('-') else 'ASC'}, {DEFAULT_ORDER}"
    return DEFAULT_ORDER


def _page_sql(sql, where, sort, limit=True):
    score = sql.score()
    select = f"r.id, hd.hit, {score or 'NULL::float8'} AS score"
    return (f"{sql.with_()}SELECT {select} FROM reports r JOIN report_details hd ON hd.report_id = r.id "
            f"{' '.join(sql.joins)} WHERE {where} "
            f"ORDER BY {_order_sql(sort, score)}" + (" LIMIT %(_limit)s OFFSET %(_offset)s" if limit else ""))


class _Columns:
    """Every report's facet values as codes, its finding flags and its place in the default order,
    in memory per index generation (one scan of `reports`): counting a match set and ordering a
    page by anything but relevance are then numpy over the matching reports' positions, not a
    GROUPING SETS aggregate reading every matching row (and its hit jsonb) again per request."""

    def __init__(self, conn, url, generation):
        sql = _Sql(conn, url, generation, set())
        flags = [sql.finding(value) for value in FINDING_VALUES]
        exprs = [FACET_SQL[name] for name in FACET_NAMES] + [f"COALESCE({f}, false)" for f in flags]
        rows = conn.execute(f"SELECT r.id, {', '.join(exprs)} FROM reports r ORDER BY {DEFAULT_ORDER}",
                            sql.params).fetchall()
        self.ids = [row[0] for row in rows]
        self.pos = {rid: i for i, rid in enumerate(self.ids)}  # position = place in DEFAULT_ORDER
        self.facets = {}
        for k, name in enumerate(FACET_NAMES, start=1):
            labels = {}
            codes = np.fromiter((labels.setdefault(row[k], len(labels)) for row in rows), dtype=np.int32,
                                count=len(rows))
            self.facets[name] = (np.array(list(labels), dtype=object), codes)
        first = len(FACET_NAMES) + 1
        self.flags = [np.fromiter((bool(row[first + i]) for row in rows), dtype=bool, count=len(rows))
                      for i in range(len(FINDING_VALUES))]
        self.flag_matrix = np.array(self.flags, dtype=np.int32).reshape(len(FINDING_VALUES), len(rows))
        self.orders = {DEFAULT_ORDER: None}  # ORDER BY -> rank per position (None: the position itself)
        self.matches = OrderedDict()  # a text leaf's SQL and values -> positions of its reports
        self.lock = threading.Lock()

    def kept(self, key, compute):
        """compute(), kept under key (a text leaf's matches or scores) for this generation."""
        with self.lock:
            if key in self.matches:
                self.matches.move_to_end(key)
                return self.matches[key]
        value = compute()
        with self.lock:
            self.matches[key] = value
            while len(self.matches) > MATCHES_KEPT:
                self.matches.popitem(last=False)
        return value

    def positions(self, ids):
        return np.fromiter((self.pos[rid] for rid in ids), dtype=np.int32, count=len(ids))

    def mask(self, positions):
        out = np.zeros(len(self.ids), dtype=bool)
        out[positions] = True
        return out

    def counts(self, found):
        """(total, {facet: {value: count}}) of the reports at positions `found` (distinct)."""
        per_facet = {}
        for name, (labels, codes) in self.facets.items():
            counted = np.bincount(codes[found], minlength=len(labels))
            present = np.flatnonzero(counted)
            per_facet[name] = dict(zip(labels[present].tolist(), counted[present].tolist()))
        per_facet["finding"] = dict(zip(FINDING_VALUES, self.flag_matrix[:, found].sum(axis=1).tolist()))
        return len(found), per_facet

    def page(self, conn, found, order, start, per_page):
        """The ids of page [start, start + per_page) of the reports at positions `found` in `order`."""
        rank = self.orders.get(order, False)
        if rank is False:
            rank = np.empty(len(self.ids), dtype=np.int64)
            ordered = self.positions([r[0] for r in _ids(conn, f"SELECT r.id FROM reports r ORDER BY {order}", {},
                                                         seqscan=True)])
            rank[ordered] = np.arange(len(ordered))
            self.orders[order] = rank
        keys = found if rank is None else rank[found]
        end = min(start + per_page, len(found))
        if end <= start:
            return []
        if end < len(found):
            first = np.argpartition(keys, end - 1)[:end]
            chosen = first[np.argsort(keys[first], kind="stable")]
        else:
            chosen = np.argsort(keys, kind="stable")
        return [self.ids[i] for i in found[chosen[start:end]]]

    def ranked_page(self, found, scores, start, per_page):
        """The ids of page [start, start + per_page) of the reports at positions `found` by score
        (descending), ties in the default order, as _order_sql's relevance order."""
        chosen = np.lexsort((found, -np.asarray(scores, dtype=np.float64)))[start:start + per_page]
        return [self.ids[i] for i in found[chosen]]


_held = OrderedDict()  # url -> (generation, _Columns): only the newest generation's is kept


def _columns(conn, url, generation):
    with _vocab_lock:
        held = _held.get(url)
    if held is not None and held[0] == generation:
        return held[1]
    columns = _Columns(conn, url, generation)
    with _vocab_lock:
        _held[url] = (generation, columns)
        _held.move_to_end(url)
        while len(_held) > 8:
            _held.popitem(last=False)
    return columns


def _found(conn, sql, tree, columns):
    """The positions (in _Columns) of the reports matching the query and the filters, combined in
    numpy: each text leaf's reports straight from its field matches and each facet or finding
    filter from the codes (both kept per index generation), anything else in SQL over `reports`."""
    nodes = ([] if tree is None else [tree]) + list(sql.conditions)
    mask = np.ones(len(columns.ids), dtype=bool)
    for node in nodes:
        mask &= _mask(conn, sql, node, columns)
    return np.flatnonzero(mask)


def _mask(conn, sql, node, columns):
    if isinstance(node, Text):
        alias = sql.leaves[id(node)]
        if alias in ("TRUE", "FALSE"):
            return np.full(len(columns.ids), alias == "TRUE")
        body = sql.ctes[alias]
        return columns.mask(columns.kept(_key(sql, body), lambda: columns.positions([r[0] for r in _ids(
            conn, f"WITH t AS ({body}) SELECT report_id FROM t", sql.params, seqscan=False)])))
    if isinstance(node, Not):
        return ~_mask(conn, sql, node.item, columns)
    if isinstance(node, (And, Or)):
        masks = [_mask(conn, sql, item, columns) for item in node.items]
        return functools.reduce(np.logical_and if isinstance(node, And) else np.logical_or, masks)
    if isinstance(node, Field) and node.name == "finding" and node.value in FINDING_VALUES:
        return columns.flags[FINDING_VALUES.index(node.value)]
    if isinstance(node, Field) and node.name in columns.facets:
        labels, codes = columns.facets[node.name]
        values = set(sql.facet_values(node))
        wanted = [i for i, label in enumerate(labels) if label in values]
        return np.isin(codes, wanted)
    condition = sql(node)  # a filter on figures, scores, sections: SQL over reports, kept
    return columns.mask(columns.kept(_key(sql, condition), lambda: columns.positions([r[0] for r in _ids(
        conn, f"SELECT r.id FROM reports r WHERE {condition}", sql.params, seqscan=True)])))


def _ids(conn, query, params, seqscan):
    """Rows of a query, sequential scans allowed or not (text matches come from the RUM index)."""
    conn.execute(f"SET LOCAL enable_seqscan = {'on' if seqscan else 'off'}")
    return conn.execute(query, params).fetchall()


def _key(sql, text):
    """A cache key of SQL text with the values of its parameters in place of their names."""
    return re.sub(r"%\((\w+)\)s", lambda m: repr(sql.params[m.group(1)]), text)


def _scores(conn, sql, columns, found):
    """Every matching report's score (the sum of its ranked leaves' best-field ranks, as
    _order_sql's relevance order): few matches are ranked from their own fields, else each leaf's
    ranking of every report it matches is computed once and kept."""
    total = np.zeros(len(found))
    ids = [columns.ids[i] for i in found] if len(found) <= RANK_DIRECT else None
    for alias, q, cond, _ in sql.ranked:
        body = sql.ctes[alias]
        dense = np.zeros(len(columns.ids))
        if ids is not None:
            rows = _ids(conn, f"SELECT report_id, 1.0::float8 / min(tsv <=> {q}) FROM search_fields WHERE {cond} "
                        f"AND report_id IN (SELECT unnest(%(_ids)s::text[])) GROUP BY report_id",
                        dict(sql.params, _ids=ids), seqscan=False)
            dense[columns.positions([r[0] for r in rows])] = [r[1] for r in rows]
        else:
            at, scores = columns.kept(_key(sql, body), lambda: _leaf_scores(conn, sql, body, columns))
            dense[at] = scores
        total = total + dense[found]
    return total


def _leaf_scores(conn, sql, body, columns):
    rows = _ids(conn, f"WITH t AS ({body}) SELECT report_id, score FROM t", sql.params, seqscan=False)
    return columns.positions([r[0] for r in rows]), np.array([r[1] for r in rows], dtype=np.float64)


RANK_DIRECT = 500  # matching reports up to which a page is ranked from those reports' fields alone
MATCHES_KEPT = 128  # text leaves' matches (and filters', rankings) each _Columns keeps: at most ~1.2 MB each at 100,000


def forget_cached(url):
    """Forget the text matches this process keeps (the benchmark's first runs start from none)."""
    with _vocab_lock:
        held = _held.get(url)
    if held is not None:
        with held[1].lock:
            held[1].matches.clear()


def _hits_of(conn, ids):
    """The hits of these report ids, in that order."""
    hits = dict(conn.execute("SELECT report_id, hit FROM report_details WHERE report_id = ANY(%s)",
                             (list(ids),)).fetchall())
    return [(rid, hits[rid], None) for rid in ids]


def _damerau1(a, b):
    """Damerau-Levenshtein distance of a and b is at most 1."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1:] == b[i + 1:] or (a[i + 2:] == b[i + 2:] and a[i:i + 2] == b[i:i + 2][::-1])
    return a[i + 1:] == b[i:] if la > lb else a[i:] == b[i + 1:]


@_routed
def nearest_term(url, token):
    """The most frequent indexed word one edit from token, in the first field (title, s1, …)
    that has one, as Whoosh's correctors walk them; else None."""
    if not token:
        return None
    with _reader(url) as conn:
        state = _state(conn)
        if not _current(state):
            return None
        fields = _text_fields(conn, url, state[2])
        first = token[0]
        rows = conn.execute("SELECT field, term, freq FROM terms WHERE field = ANY(%s) AND term >= %s AND term < %s "
                            "AND char_length(term) BETWEEN %s AND %s",
                            (fields, first, chr(ord(first) + 1), len(token) - 1, len(token) + 1)).fetchall()
    by_field = {}
    for field, term, freq in rows:
        if term != token and segment.SHINGLE not in term and _damerau1(term, token):
            by_field.setdefault(field, []).append((-freq, term))
    for field in fields:
        if by_field.get(field):
            return min(by_field[field])[1]
    return None


@_routed
def known_term(url, token):
    with _reader(url) as conn:
        state = _state(conn)
        if not _current(state):
            return False
        fields = _text_fields(conn, url, state[2])
        return conn.execute("SELECT 1 FROM terms WHERE field = ANY(%s) AND term = %s LIMIT 1",
                            (fields, token)).fetchone() is not None


@_routed
def agency_names(url):
    with _reader(url) as conn:
        state = _state(conn)
        if not _current(state):
            return []
        return sorted({n for _, n in _agency_pairs(conn, url, state[2]) if n})


def _agency_pairs(conn, url, generation):
    """Distinct (agency key, printed name) of the index, as index._View.agency_pairs."""
    return _cached((url, generation, "_agency_pairs"), lambda: [
        (k, n or "") for k, n in conn.execute(f"SELECT DISTINCT {AGENCY_KEY_SQL}, r.agency FROM reports r").fetchall()
        if k != NO_VALUE[0]])


def agency_labels(url):
    """{agency key: the printed name of its newest report} (newest year, then published, then id)."""
    with _reader(url) as conn:
        state = _state(conn)
        if not _current(state):
            return {}
        return _cached((url, state[2], "_agency_labels"), lambda: dict(conn.execute(
            f"SELECT DISTINCT ON (k) k, agency FROM (SELECT {AGENCY_KEY_SQL} AS k, r.* FROM reports r "
            f"WHERE r.agency IS NOT NULL) r ORDER BY k, {DEFAULT_ORDER}").fetchall()))


def _text_fields(conn, url, generation):
    """["title", "s1", "s10", "s2", …]: the fields Whoosh's correctors walk, in its order."""
    return _cached((url, generation, "_fields"), lambda: ["title"] + sorted(
        f"s{r[0]}" for r in conn.execute("SELECT DISTINCT unnest(ns) FROM report_details").fetchall()))


@_routed
def match(url, params, facets=True) -> Matched:
    """The raw answer (seam.Matched): the page's hits in order, the total, the facet counts."""
    with _reader(url) as conn:
        state = _state(conn)
        if not _current(state):
            return {"tree": None, "notice": UNKNOWN_INDEX, "total": 0, "page": 1, "pages": 0, "hits": [],
                    "counts": None}
        generation = state[2]
        tree, notice, sql, _ = _compile(conn, url, generation, params, rank=False)
        columns = _columns(conn, url, generation)
        found = _found(conn, sql, tree, columns)
        if facets:
            total, counts = columns.counts(found)
        else:
            total, counts = len(found), None
        page, pages, start = paging(total, params)
        if params.sort == "relevance" and sql.scores:
            tree, _, sql, _ = _compile(conn, url, generation, params)
            ids = None
            if len(sql.ranked) == 1 and sql.ranked[0][3] and len(found) > RANK_DIRECT:
                key = _key(sql, sql.ctes[sql.ranked[0][0]])
                if key not in columns.matches:  # index-ordered passes, else every match ranked and kept
                    ids = _top(conn, sql, columns, found, start, params.per_page)
            if ids is None:
                ids = columns.ranked_page(found, _scores(conn, sql, columns, found), start, params.per_page)
        else:
            ids = columns.page(conn, found, _order_sql(params.sort, None), start, params.per_page)
        rows = _hits_of(conn, ids)
    return {"tree": tree, "notice": notice, "total": total, "page": page, "pages": pages,
            "hits": [_finish(hit) for _, hit, _ in rows], "counts": counts}


def explain(url, params, analyze=False):
    """{"count": plan, "page": plan, "top": plan or None} of a search as EXPLAIN prints them (with
    ANALYZE, BUFFERS when analyze): which partitions and indexes a query reads, and why it is slow."""
    how = "(ANALYZE, BUFFERS)" if analyze else ""
    with psycopg.connect(url) as conn:
        state = _state(conn)
        _, _, sql, where = _compile(conn, url, state[2], params, rank=False)
        _match_from_the_index(conn, sql)

        def plan(query, args):
            return "\n".join(r[0] for r in conn.execute(f"EXPLAIN {how} {query}", args))

        out = {"count": plan(f"{sql.with_()}SELECT count(*) FROM reports r {' '.join(sql.joins)} WHERE {where}",
                             sql.params), "top": None}
        _, _, sql, where = _compile(conn, url, state[2], params, rank=params.sort == "relevance")
        out["page"] = plan(_page_sql(sql, where, params.sort), dict(sql.params, _limit=params.per_page, _offset=0))
        if len(sql.ranked) == 1:
            _, q, cond, _ = sql.ranked[0]
            out["top"] = plan(f"SELECT report_id, tsv <=> {q} FROM search_fields WHERE {cond} "
                              f"ORDER BY tsv <=> {q} LIMIT %(_k)s", dict(sql.params, _k=TOP_FIRST))
    return out


TOP_FIRST = 2000  # search_fields rows the index-ordered pass reads (x8 per further pass up to TOP_MAX)
TOP_MAX = 2000  # one pass: beyond, every match is ranked once from the rows and kept (cheaper than passes of 16,000+)


def _candidates(conn, sql, q, cond, k, columns):
    """(positions, scores, complete) of the reports with a field among the first k the RUM index
    gives in rank order, those at the k-th distance left out unless every match was read."""
    rows = _ids(conn, f"SELECT report_id, tsv <=> {q} FROM search_fields WHERE {cond} "
                f"ORDER BY tsv <=> {q} LIMIT %(_k)s", dict(sql.params, _k=k), seqscan=False)
    complete = len(rows) < k
    best = {}
    for rid, distance in rows:
        best.setdefault(rid, distance)
    if not complete:
        best = {rid: d for rid, d in best.items() if d < rows[-1][1]}
    scores = 1.0 / np.fromiter(best.values(), dtype=np.float64, count=len(best))
    return columns.positions(list(best)), scores, complete


def _top(conn, sql, columns, found, start, per_page):
    """The page's ids for a query with one ranked text leaf, its candidates read from the RUM index
    in rank order (ORDER BY tsv <=> q LIMIT k) instead of ranking every match from the heap; None
    when k rows cannot settle the page (then the caller ranks every match). A report's score is
    its best field's, so a report with any field among the first k has its score among them --
    except at the k-th distance itself, whose ties may go on past k: those are left out, and the
    page is settled once the matching reports (`found`, filters applied) scored above it fill it."""
    _, q, cond, _ = sql.ranked[0]
    want = min(per_page, len(found) - start)
    if want <= 0:
        return []
    inside = np.zeros(len(columns.ids), dtype=bool)
    inside[found] = True
    k = max(TOP_FIRST, (start + per_page) * 20)
    leaf = _key(sql, sql.ctes[sql.ranked[0][0]])
    while k <= TOP_MAX:
        at, scores, complete = columns.kept((leaf, k), lambda: _candidates(conn, sql, q, cond, k, columns))
        keep = inside[at]
        at, scores = at[keep], scores[keep]
        if complete:  # every match seen: reports of found without a score rank last (score 0)
            inside[at] = False
            rest = np.flatnonzero(inside)
            at, scores = np.concatenate([at, rest]), np.concatenate([scores, np.zeros(len(rest))])
        if complete or len(at) >= start + want:
            return columns.ranked_page(at, scores, start, per_page)
        k *= 8
    return None


@_routed
def sections(url, ids, numbers) -> dict:
    """{id: [stored section]} of these reports in their order, only sections `numbers` when given."""
    out = {}
    with _reader(url) as conn:
        for rid, stored in conn.execute("SELECT report_id, sections FROM report_details WHERE report_id = ANY(%s)",
                                        (list(ids),)):
            out[rid] = [s for s in stored if not numbers or s["n"] in numbers]
    return {rid: out[rid] for rid in ids if out.get(rid)}


def _finish(hit):
    hit.setdefault("region", {})
    hit.setdefault("failed_checks", [])
    return hit


@_routed
def search_all(url, params) -> list:
    """Every matching report in display order, without snippets."""
    with _reader(url) as conn:
        state = _state(conn)
        if not _current(state):
            return []
        _, _, sql, where = _compile(conn, url, state[2], params, rank=params.sort == "relevance")
        _match_from_the_index(conn, sql)
        return [_finish(row[1]) for row in conn.execute(_page_sql(sql, where, params.sort, limit=False), sql.params)]


class PostgresIndex(ModuleEngine):
    """The PostgreSQL engine at one database URL (seam.SearchBackend). Every add is one
    transaction, so a bulk add needs no settling."""
    name = "postgres"
    module = sys.modules[__name__]

    def __init__(self, location, replicas=()):
        super().__init__(location)
        self.replicas = tuple(replicas or ())
        if self.replicas:  # an engine made without them (ingest's workers) leaves the routing as it is
            set_replicas(self.location, self.replicas)

    def forget_cached(self):
        """Forget the text matches this process keeps (the benchmark's first runs start from none)."""
        forget_cached(self.location)
        for replica in self.replicas:
            forget_cached(replica)


def search(url, params, facets=True):
    """PostgresIndex(url).search(params): for scripts and tests that hold a URL."""
    return PostgresIndex(url).search(params, facets=facets)
