"""The PostgreSQL backend: the only module that imports psycopg.

The same functions as gikportal.index with a database URL in place of the index folder. Reports,
sections, every figure of tables 2-4 and the checks live in plain tables (see
gikportal/migrations/versions/), so they can also be queried with SQL. Text is analysed in Python
by gikportal.segment exactly as for Whoosh and stored as `tsvector` literals (simple configuration,
nothing re-parsed by PostgreSQL): jieba search-mode words at the position of their precise word,
plus "a b" pairs of neighbouring precise words, which is how a run of characters is matched as a
phrase. A text leaf of the query becomes a tsquery `'a' & 'b' & 'a b'` that must match within one
field (the title, the headings or one section), GIN-indexed; ranking is ts_rank per field with the
Whoosh backend's boosts. Filters, facets (GROUPING SETS) and sorting are SQL over `reports`.
`rebuild` replaces everything in one transaction, so readers see the old or the new archive,
never a mix; writers are serialised by an advisory lock.
"""
import itertools
import json
import multiprocessing
import os
import sys
import threading
from collections import Counter, OrderedDict
from pathlib import Path

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
ANALYSIS = "pg5/segment-pairs"  # bumped (pg5: hits carry the scorecard; pg4: totals are printed-or-cells with figure_notes, and the agency facet counts hits' agency_key; pg2: hits carry the carry_chain derived at index time) whenever what is stored per text changes: rebuild needed
FIGURES = tuple(HEADLINE_LABELS)
WRITER_LOCK = 7_310_411_208  # pg_advisory_xact_lock key shared by every writer
PARALLEL_FROM = 1000  # records; below this a rebuild analyses text in-process
MAX_POSITION = 16383  # PostgreSQL keeps positions up to this
MAX_LEXEME_BYTES = 2046
MAX_TSVECTOR_CHARS = 900_000  # a tsvector holds at most 1 MB
POOL_SIZE = 8
UNKNOWN_INDEX = NO_INDEX

# the agency facet counts bodies (hits' agency_key, parse/agency.py), whatever name each year printed
AGENCY_KEY_SQL = "COALESCE(NULLIF(r.hit->>'agency_key', ''), r.agency, 'none')"
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


def analyse(text):
    """(tsvector literal, Counter of words) of a text: the terms of segment.index_terms with positions."""
    toks = segment.index_tokens(text) if text else []
    positions, words, precise = {}, Counter(), []
    for i, (token, pos, _, _) in enumerate(toks):
        positions.setdefault(token, []).append(min(pos + 1, MAX_POSITION))
        words[token] += 1
        if i + 1 == len(toks) or toks[i + 1][1] != pos:  # the precise word comes after its sub-words
            precise.append(token)
    for k, pair in enumerate(segment.shingles(precise)):
        positions.setdefault(pair, []).append(min(k + 1, MAX_POSITION))
    parts = [f"{_lexeme(t)}:{','.join(map(str, sorted(set(p))[:256]))}" for t, p in positions.items()
             if len(t.encode("utf-8")) <= MAX_LEXEME_BYTES]
    literal = " ".join(parts)
    if len(literal) > MAX_TSVECTOR_CHARS:  # a huge section: keep every word, one position each
        literal = " ".join(p.split(":")[0] for p in parts)[:MAX_TSVECTOR_CHARS].rsplit(" ", 1)[0]
    return literal, words


def text_query(text):
    """The tsquery literal of a text leaf (None when it has no words), as index._Eval.text matches it."""
    tokens = segment.query_tokens(text)
    if not tokens:
        return None
    terms = list(dict.fromkeys(tokens)) + segment.shingles(tokens)
    if any(len(t.encode("utf-8")) > MAX_LEXEME_BYTES for t in terms):
        return ""  # cannot be in the index
    query = " & ".join(_lexeme(t) for t in terms)
    if len(tokens) > 2:  # pairs pin three words or more down only approximately: positions settle it
        query += " & (" + " <-> ".join(_lexeme(t) for t in tokens) + ")"
    return query


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
                   "kind") + FIGURES + ("failed_checks", "warnings", "hit", "title_tsv", "headings_tsv"))


def prepare(url, record):
    """Every row one record becomes (picklable): ingest calls this in its worker processes."""
    return _dedupe_keys(_rows(record))


def _rows(record):
    """Every row one record becomes, plus its words per field (for suggestions)."""
    record = _clean(record)
    rid = record["id"]
    hit = hit_fields(record)
    region = hit["region"]
    sections = searched_sections(record)
    title = record.get("title") or ""
    title_tsv, title_words = analyse(title)
    headings_tsv, _ = analyse("\n".join(s["heading"] for s in sections if s["heading"]))
    words = Counter({("title", w): c for w, c in title_words.items()})
    section_rows = []
    for position, s in enumerate(sections):
        tsv, found = analyse(s["text"]) if s["text"] else ("", Counter())
        words.update({(f"s{s['n']}", w): c for w, c in found.items()})
        section_rows.append((rid, position, s["n"], s["anchor"], s["heading"], s["text"], tsv))
    figures = hit["figures"]
    report = ((rid, record.get("sha256"), title, _text_or_none(record.get("agency")),
               _int_or_none(record.get("year")), _text_or_none(record.get("published")),
               _text_or_none(record.get("format")), _text_or_none(region.get("province")),
               _text_or_none(region.get("city")), _text_or_none(region.get("county")), hit["kind"])
              + tuple(_number(figures.get(name)) for name in FIGURES)
              + (list(hit["failed_checks"]), [str(w) for w in record.get("warnings") or []],
                 json.dumps(hit, ensure_ascii=False), title_tsv, headings_tsv))
    stats = record.get("stats") or {}
    tables = {"request_figures": [], "active_figures": [], "appeal_figures": [], "legacy_figures": []}
    for key, table in (("requests", "request_figures"), ("active", "active_figures"), ("appeals", "appeal_figures")):
        for row, cells in (stats.get(key) or {}).items():
            if isinstance(cells, dict):
                tables[table] += [(rid, str(row), str(col), _number(v)) for col, v in cells.items()]
    for name, v in (stats.get("legacy") or {}).items():
        tables["legacy_figures"].append((rid, str(name), _number(v)))
    checks = [(rid, i, str(c.get("rule") or ""), c.get("ok") if isinstance(c.get("ok"), bool) else None,
               str(c.get("detail") or "")) for i, c in enumerate(record.get("checks") or []) if isinstance(c, dict)]
    return {"id": rid, "reports": [report], "sections": section_rows, "checks": checks, "words": words, **tables}


TABLE_COLUMNS = {
    "reports": REPORT_COLUMNS,
    "sections": ("report_id", "position", "n", "anchor", "heading", "text", "tsv"),
    "request_figures": ("report_id", "row", "applicant", "value"),
    "active_figures": ("report_id", "item", "measure", "value"),
    "appeal_figures": ("report_id", "appeal", "measure", "value"),
    "legacy_figures": ("report_id", "name", "value"),
    "checks": ("report_id", "position", "rule", "ok", "detail"),
}
CHILD_TABLES = ("sections", "request_figures", "active_figures", "appeal_figures", "legacy_figures", "checks")


def _dedupe_keys(prepared):
    """Figure tables are keyed by their cells: keep the last value of a repeated key."""
    for table in ("request_figures", "active_figures", "appeal_figures", "legacy_figures"):
        rows = prepared[table]
        keyed = {row[:-1]: row for row in rows}
        if len(keyed) != len(rows):
            prepared[table] = list(keyed.values())
    return prepared


def _copy(cur, batch):
    """COPY a batch of prepared records into every table (reports first, for the foreign keys)."""
    for table, columns in TABLE_COLUMNS.items():
        rows = [row for prepared in batch for row in prepared[table]]
        if not rows:
            continue
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _store_terms(cur, words, replace):
    if replace:
        cur.execute("DELETE FROM terms")
    if not words:
        return
    items = [(f, t, c) for (f, t), c in words.items()]
    for start in range(0, len(items), 50_000):
        chunk = items[start:start + 50_000]
        cur.execute("INSERT INTO terms (field, term, freq) SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[]) "
                    "ON CONFLICT (field, term) DO UPDATE SET freq = terms.freq + excluded.freq",
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
            pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, configure=_configure, open=True,
                                  name="gikportal", check=ConnectionPool.check_connection, timeout=15)
            _pools[key] = pool
            while len(_pools) > 8:
                _, old = _pools.popitem(last=False)
                old.close(timeout=1)
        else:
            _pools.move_to_end(key)
    return pool.connection()


def close_pools():
    """Close this process's connection pools (tests dropping their databases call it)."""
    with _pools_lock:
        for key in [k for k in _pools if k[0] == os.getpid()]:
            _pools.pop(key).close(timeout=1)


def _state(conn):
    """(alembic revision, analysis, generation) or None when the schema is not there."""
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
    return _dedupe_keys(_rows(record))


def rebuild(url, records) -> int:
    """Replace the whole index with records in one transaction; returns the count.

    Text is analysed in worker processes (forked before any connection is opened) when there are
    PARALLEL_FROM records or more; readers keep seeing the old index until the commit."""
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
        return _rebuild(url, prepared_stream)
    finally:
        if workers is not None:
            workers.terminate()
            workers.join()


def _rebuild(url, prepared_stream):
    count, words = 0, Counter()
    with _writer(url) as conn:
        with conn.cursor() as cur:
            for table in CHILD_TABLES + ("reports",):
                cur.execute(f"DELETE FROM {table}")
            batch = []
            for prepared in prepared_stream:
                words.update(prepared["words"])
                batch.append(prepared)
                count += 1
                if len(batch) >= 200:
                    _copy(cur, batch)
                    batch = []
            _copy(cur, batch)
            _store_terms(cur, words, replace=True)
            cur.execute("INSERT INTO index_state (analysis, generation) VALUES (%s, 1) ON CONFLICT (singleton) "
                        "DO UPDATE SET analysis = excluded.analysis, generation = index_state.generation + 1, "
                        "built_at = now()", (ANALYSIS,))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")  # flushes the GIN pending lists, sets the visibility map
    return count


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
            cur.execute("DELETE FROM reports WHERE id = ANY(%s)", ([p["id"] for p in prepared],))
            _copy(cur, prepared)
            words = Counter()
            for p in prepared:
                words.update(p["words"])
            _store_terms(cur, words, replace=False)
            cur.execute("UPDATE index_state SET generation = generation + 1")
    return len(records)


_HIT = REPORT_COLUMNS.index("hit")


def _with_scorecard(rows, record):
    """Prepared rows with the scorecard the index derived for their record (continuity.py): the
    workers prepare them from the record alone."""
    if rows is None or record.get("scorecard") is None:
        return rows
    report = list(rows["reports"][0])
    hit = json.loads(report[_HIT])
    hit.update(scorecard_fields(record))
    report[_HIT] = json.dumps(hit, ensure_ascii=False)
    return dict(rows, reports=[tuple(report)])


def remove(url, ids):
    """Delete reports by id (unknown ids are ignored)."""
    ids = list(ids)
    if not ids or not exists(url):
        return 0
    with _writer(url) as conn:
        conn.execute("DELETE FROM reports WHERE id = ANY(%s)", (ids,))
        conn.execute("UPDATE index_state SET generation = generation + 1")
    return len(ids)


# --- reading -----------------------------------------------------------------------------------

def exists(url) -> bool:
    """The schema is at the current revision and an index of the current analysis is there."""
    with _reader(url) as conn:
        return _current(_state(conn))


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


def generation(url):
    """A value that changes whenever the index is written (caches of results key on it)."""
    with _reader(url) as conn:
        state = _state(conn)
        return state[2] if state else None


def size_bytes(url) -> int:
    """The database's size on disk (tables, TOAST and indexes), for the benchmark."""
    with _reader(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def doc_count(url) -> int:
    with _reader(url) as conn:
        if not _current(_state(conn)):
            return 0
        return conn.execute("SELECT count(*) FROM reports").fetchone()[0]


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
    """A query tree as SQL over `reports r`: one CTE per text leaf (GIN match + ts_rank per field)."""

    def __init__(self, conn, url, generation, sections, rank=True):
        self.conn, self.url, self.generation, self.rank = conn, url, generation, rank
        self.sections = sorted(sections)
        self.params, self.ctes, self.joins, self.scores = {}, [], [], []

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
        if literal is None:
            return "TRUE"
        if literal == "":
            return "FALSE"
        q = self.param(literal) + "::tsquery"
        # ranking reads every matching tsvector; matching alone is answered by the GIN indexes
        ranked = self.rank and not negated
        rank = (lambda column, boost: f"{boost!r} * ts_rank({column}, {q})") if ranked else (lambda *_: "0")
        parts = [f"SELECT report_id, {rank('tsv', 1.0)} AS score FROM sections WHERE tsv @@ {q}"
                 + (f" AND n = ANY({self.param(self.sections)})" if self.sections else "")]
        if not self.sections:
            parts.append(f"SELECT id, {rank('title_tsv', TITLE_BOOST)} FROM reports WHERE title_tsv @@ {q}")
            parts.append(f"SELECT id, {rank('headings_tsv', HEADING_BOOST)} FROM reports WHERE headings_tsv @@ {q}")
        alias = f"t{len(self.ctes)}"
        body = (f"SELECT report_id, sum(score) AS score FROM ({' UNION ALL '.join(parts)}) x GROUP BY report_id"
                if ranked else f"SELECT DISTINCT report_id, 0 AS score FROM ({' UNION ALL '.join(parts)}) x")
        self.ctes.append(f"{alias} AS ({body})")
        self.joins.append(f"LEFT JOIN {alias} ON {alias}.report_id = r.id")
        if not negated:
            self.scores.append(f"COALESCE({alias}.score, 0)")
        return f"({alias}.report_id IS NOT NULL)"

    def field(self, node):
        name, value = node.name, node.value
        if name == "section":
            return (f"EXISTS (SELECT 1 FROM sections s WHERE s.report_id = r.id AND s.n = {self.param(int(value))} "
                    f"AND s.text <> '')")
        if name == "finding":
            return self.finding(value)
        if name not in FACET_SQL:
            return "FALSE"
        if name.endswith("_range"):
            return f"({FACET_SQL[name]} = {self.param(value)})"
        if name == "agency" and value != NO_VALUE[0]:
            match = agency_keys(value, _agency_pairs(self.conn, self.url, self.generation))
            return f"({FACET_SQL[name]} = ANY({self.param(match)}))" if match else "FALSE"
        vocab = _vocab(self.conn, self.url, self.generation, name)
        if value in vocab:
            match = [value]
        else:  # typed in the query: folded equal, else any value containing it (agency:卫生健康)
            folded = segment.fold(value)
            pairs = [(segment.fold(v), v) for v in vocab]
            match = [v for f, v in pairs if f == folded] or [v for f, v in pairs if folded in f]
        if not match:
            return "FALSE"
        return f"({FACET_SQL[name]} = ANY({self.param(match)}))"

    def finding(self, value):
        if value == "failed":
            return f"(r.failed_checks && {self.param(list(CHECK_RULES))}::text[])"
        if value == "doubtful":
            return "COALESCE((r.hit->>'doubtful')::boolean, false)"
        if value.startswith("check:") and value[6:] in CHECK_RULES:
            return f"({self.param(value[6:])} = ANY(r.failed_checks))"
        if value.startswith("scorecard:") and value[10:] in SCORECARD:
            return f"COALESCE(r.hit->'scorecard_failed' ? {self.param(value[10:])}, false)"
        if value == "score_low":
            return f"COALESCE((r.hit->>'score')::float8 < {self.param(float(SCORE_LOW))}, false)"
        figure = {"sued": "lawsuits", "reviewed": "reviews", "fees": "fees_10k_yuan"}.get(value)
        return f"COALESCE(r.{figure} > 0, false)" if figure else "FALSE"

    def num(self, node):
        if node.name == "score":
            return f"COALESCE((r.hit->>'score')::float8 {OPS[node.op]} {self.param(float(node.value))}, false)"
        if node.name != "year" and node.name not in HEADLINE_LABELS:
            return "FALSE"
        return f"COALESCE(r.{node.name} {OPS[node.op]} {self.param(float(node.value))}, false)"

    def score(self):
        return " + ".join(self.scores) if self.scores else None

    def with_(self):
        return ("WITH " + ", ".join(self.ctes) + " ") if self.ctes else ""


def _compile(conn, url, generation, params, rank=True):
    """(tree, notice, _Sql, WHERE clause); rank=False leaves scores out (counts, facets, other sorts)."""
    tree, notice = params.tree()
    sql = _Sql(conn, url, generation, sections_of(tree) if tree is not None else set(), rank=rank)
    where = [sql(tree)] if tree is not None else []
    where += [sql(condition) for condition in params.conditions()]
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
    select = f"r.id, r.hit, {score or 'NULL::float8'} AS score"
    return (f"{sql.with_()}SELECT {select} FROM reports r {' '.join(sql.joins)} WHERE {where} "
            f"ORDER BY {_order_sql(sort, score)}" + (" LIMIT %(_limit)s OFFSET %(_offset)s" if limit else ""))


def _counts(conn, sql, where):
    """(total, {facet: {value: count}}) of the matching reports in one GROUPING SETS query."""
    exprs = [f"{FACET_SQL[name]} AS f{i}" for i, name in enumerate(FACET_NAMES)]
    flags = [f"{_Sql.finding(sql, value)} AS x{i}" for i, value in enumerate(FINDING_VALUES)]
    keys = ", ".join(f"(f{i})" for i in range(len(FACET_NAMES)))
    counts = ", ".join(f"count(*) FILTER (WHERE x{i})" for i in range(len(FINDING_VALUES)))
    query = (f"{sql.with_()}{', ' if sql.ctes else 'WITH '}m AS (SELECT {', '.join(exprs + flags)} FROM reports r "
             f"{' '.join(sql.joins)} WHERE {where}) "
             f"SELECT {', '.join(f'f{i}' for i in range(len(FACET_NAMES)))}, count(*), {counts} FROM m "
             f"GROUP BY GROUPING SETS ({keys}, ())")
    rows = conn.execute(query, sql.params).fetchall()
    per_facet = {name: {} for name in FACET_NAMES}
    total, finding_counts = 0, [0] * len(FINDING_VALUES)
    n = len(FACET_NAMES)
    for row in rows:
        which = [i for i in range(n) if row[i] is not None]
        if not which:
            total, finding_counts = row[n], row[n + 1:]
            continue
        per_facet[FACET_NAMES[which[0]]][row[which[0]]] = int(row[n])
    per_facet["finding"] = {v: int(c) for v, c in zip(FINDING_VALUES, finding_counts)}
    return int(total), per_facet


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


def known_term(url, token):
    with _reader(url) as conn:
        state = _state(conn)
        if not _current(state):
            return False
        fields = _text_fields(conn, url, state[2])
        return conn.execute("SELECT 1 FROM terms WHERE field = ANY(%s) AND term = %s LIMIT 1",
                            (fields, token)).fetchone() is not None


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
        f"s{r[0]}" for r in conn.execute("SELECT DISTINCT n FROM sections WHERE text <> ''").fetchall()))


def match(url, params, facets=True) -> Matched:
    """The raw answer (seam.Matched): the page's hits in order, the total, the facet counts."""
    with _reader(url) as conn:
        state = _state(conn)
        if not _current(state):
            return {"tree": None, "notice": UNKNOWN_INDEX, "total": 0, "page": 1, "pages": 0, "hits": [],
                    "counts": None}
        generation = state[2]
        tree, notice, sql, where = _compile(conn, url, generation, params, rank=False)
        if facets:
            total, counts = _counts(conn, sql, where)
        else:
            counts = None
            total = conn.execute(f"{sql.with_()}SELECT count(*) FROM reports r {' '.join(sql.joins)} WHERE {where}",
                                 sql.params).fetchone()[0]
        page, pages, start = paging(total, params)
        if params.sort == "relevance" and sql.scores:
            _, _, sql, where = _compile(conn, url, generation, params)
        rows = conn.execute(_page_sql(sql, where, params.sort),
                            dict(sql.params, _limit=params.per_page, _offset=start)).fetchall()
    return {"tree": tree, "notice": notice, "total": total, "page": page, "pages": pages,
            "hits": [_finish(hit) for _, hit, _ in rows], "counts": counts}


def sections(url, ids, numbers) -> dict:
    """{id: [stored section]} of these reports in their order, only sections `numbers` when given."""
    query = "SELECT report_id, n, anchor, heading, text FROM sections WHERE report_id = ANY(%(ids)s)"
    args = {"ids": list(ids)}
    if numbers:
        query += " AND n = ANY(%(ns)s)"
        args["ns"] = sorted(numbers)
    out = {}
    with _reader(url) as conn:
        for rid, n, anchor, heading, text in conn.execute(query + " ORDER BY report_id, position", args):
            out.setdefault(rid, []).append({"n": n, "anchor": anchor, "heading": heading, "text": text})
    return out


def _finish(hit):
    hit.setdefault("region", {})
    hit.setdefault("failed_checks", [])
    return hit


def search_all(url, params) -> list:
    """Every matching report in display order, without snippets."""
    with _reader(url) as conn:
        state = _state(conn)
        if not _current(state):
            return []
        _, _, sql, where = _compile(conn, url, state[2], params, rank=params.sort == "relevance")
        return [_finish(row[1]) for row in conn.execute(_page_sql(sql, where, params.sort, limit=False), sql.params)]


class PostgresIndex(ModuleEngine):
    """The PostgreSQL engine at one database URL (seam.SearchBackend). Every add is one
    transaction, so a bulk add needs no settling."""
    name = "postgres"
    module = sys.modules[__name__]


def search(url, params, facets=True):
    """PostgresIndex(url).search(params): for scripts and tests that hold a URL."""
    return PostgresIndex(url).search(params, facets=facets)
