"""Smaller on disk: word pairs matched from positions, the rest of a report in one compressed row.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Under 0003 every `search_fields` tsvector held, besides the words, each pair of neighbouring words
as a lexeme with its position ("a b", how a phrase was matched): 60% of the tsvectors and most
of the RUM index's entries. Now (analysis pg7, gikportal.pgindex.analyse) only the words are
stored, each precise word with its positions, and a pair is matched by `a <-> b` over them --
exactly the pairs Whoosh indexes.

A report's sections (~6 rows of `sections`), tables 2-4 (a row of `figures`) and cross-checks (~7
rows of `checks`, two indexes) were rows mostly shorter than PostgreSQL's ~2 kB TOAST threshold,
so stored uncompressed, and so was each report's hit (reports.hit, 1 kB). `report_details` holds
one row per report (still partitioned by year): the sections as one jsonb array, the tables and
the checks in one jsonb `stats`, the hit, long enough together to be compressed, and `ns`, the numbers of the sections that have text (the `section:`
filter). Every value of such a row is compressed (toast_tuple_target = 128; PostgreSQL stops at
2 kB otherwise) with pglz, which packed them 8% smaller than lz4 (they are read a page of hits
at a time, not per match, so its slower reading does not count); a jsonb per table and for the
checks was 15% more (a TOAST value each). The hit is lz4-compressed and kept in the row (storage
MAIN): as a TOAST value of its own (pglz) it cost 10 MB at 10,000 reports, in the row 5.5. `reports` keeps, as columns, what filters read of the
hit: agency_key (the agency facet), doubtful, score, scorecard_failed. 0001's indexes on its year,
agency and region are dropped: the engine filters on codes it holds in memory, and SQL over
`reports` reads a table of a few hundred bytes a report.
The views `sections`, `figures` and `checks` list them with 0003's columns (and
request_figures, active_figures, appeal_figures, legacy_figures cell by cell, as before), so SQL
written against 0003 still runs.

The index is derived from the archive: upgrading empties it, `reindex` fills it again.
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PARTITIONED = ("search_fields", "report_details")
UNUSED = ("reports_year", "reports_agency", "reports_region")  # 0001's; the engine filters on in-memory codes
COMPRESS_ALL = "toast_tuple_target = 128"  # a row long enough to be compressed has every jsonb compressed
VIEWS = {
    "sections": ("SELECT d.report_id, d.year, (e.ordinality - 1)::integer AS position, (e.value->>'n')::integer AS n, "
                 "e.value->>'anchor' AS anchor, e.value->>'heading' AS heading, e.value->>'text' AS text "
                 "FROM report_details d, jsonb_array_elements(d.sections) WITH ORDINALITY e",
                 "One row per section of a report (position, n, anchor, heading, text)"),
    "figures": ("SELECT report_id, year, stats->'requests' AS requests, stats->'active' AS active, "
                "stats->'appeals' AS appeals, stats->'legacy' AS legacy FROM report_details WHERE stats ?| "
                "array['requests', 'active', 'appeals', 'legacy']",
                "Tables 2-4 of each report as jsonb {row: {column: value}} (legacy: {name: value}); the views "
                "request_figures, active_figures, appeal_figures, legacy_figures list them cell by cell"),
    "checks": ("SELECT d.report_id, (e.ordinality - 1)::integer AS position, e.value->>'rule' AS rule, "
               "(e.value->>'ok')::boolean AS ok, e.value->>'detail' AS detail "
               "FROM report_details d, jsonb_array_elements(d.stats->'checks') WITH ORDINALITY e",
               "One row per cross-check of a report (position, rule, ok, detail)"),
}


def _m0002():
    spec = importlib.util.spec_from_file_location("m0002", Path(__file__).with_name("0002_scale.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_year_partitions(years):
    """0002's add_year_partitions on this schema's partitioned tables: what a later migration
    adding years calls."""
    _m0002().add_year_partitions(years, PARTITIONED)


def _partitions(m0002, table, options=""):
    for year in range(m0002.FIRST_YEAR, m0002.LAST_YEAR + 1):
        op.execute(f"CREATE TABLE {table}_y{year} PARTITION OF {table} FOR VALUES FROM ({year}) TO ({year + 1}){options}")
    op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT{options}")


def _empty():
    for table in ("search_fields", "terms", "reports"):
        op.execute(f"DELETE FROM {table}")
    op.execute("DELETE FROM index_state")


def upgrade():
    _empty()
    m0002 = _m0002()
    for table in ("sections", "figures", "checks"):
        op.execute(f"DROP TABLE {table} CASCADE")  # with the figure views
    jsonb = "jsonb COMPRESSION pglz"
    op.execute(f"""
CREATE TABLE report_details (
    report_id text NOT NULL,
    year integer,
    ns smallint[] NOT NULL DEFAULT '{{}}',
    sections {jsonb} NOT NULL DEFAULT '[]',
    stats {jsonb} NOT NULL DEFAULT '{{}}',
    hit jsonb COMPRESSION lz4 NOT NULL
) PARTITION BY RANGE (year)""")
    op.execute("ALTER TABLE reports DROP COLUMN hit, ADD COLUMN agency_key text, ADD COLUMN doubtful boolean, "
               "ADD COLUMN score double precision, ADD COLUMN scorecard_failed text[]")
    for index in UNUSED:
        op.execute(f"DROP INDEX IF EXISTS {index}")
    _partitions(m0002, "report_details", f" WITH ({COMPRESS_ALL})")
    op.execute("ALTER TABLE report_details ALTER COLUMN hit SET STORAGE MAIN")  # and its partitions
    op.execute("CREATE UNIQUE INDEX report_details_report ON report_details (report_id, year)")
    op.execute("COMMENT ON TABLE report_details IS 'The rest of each report, one row: its sections as a jsonb "
               "array of {n, anchor, heading, text} (snippets, report page; ns the numbers of those with text); in "
               "stats tables 2-4 (requests, active, appeals: {row: {column: value}}, legacy: {name: value}) and the "
               "cross-checks (checks: [{rule, ok, detail}]); hit: what a search result shows; the views sections, "
               "figures, checks list them'")
    for view, (query, comment) in VIEWS.items():
        op.execute(f"CREATE VIEW {view} AS {query}")
        op.execute(f"COMMENT ON VIEW {view} IS '{comment}'")
    m0002.create_figure_views()


def downgrade():
    """Back to 0003's tables, empty (the index is derived: reindex fills them again)."""
    _empty()
    m0002 = _m0002()
    op.execute("DROP TABLE report_details CASCADE")  # with every view over it
    op.execute("ALTER TABLE reports DROP COLUMN agency_key, DROP COLUMN doubtful, DROP COLUMN score, "
               "DROP COLUMN scorecard_failed, ADD COLUMN hit jsonb COMPRESSION lz4 NOT NULL")
    op.execute("CREATE INDEX reports_year ON reports (year)")
    op.execute("CREATE INDEX reports_agency ON reports (agency)")
    op.execute("CREATE INDEX reports_region ON reports (province, city, county)")
    op.execute("""
CREATE TABLE sections (
    report_id text NOT NULL,
    year integer,
    position integer NOT NULL,
    n integer NOT NULL,
    anchor text NOT NULL,
    heading text NOT NULL DEFAULT '',
    text text COMPRESSION lz4 NOT NULL DEFAULT ''
) PARTITION BY RANGE (year)""")
    op.execute("""
CREATE TABLE figures (
    report_id text NOT NULL,
    year integer,
    requests jsonb COMPRESSION lz4,
    active jsonb COMPRESSION lz4,
    appeals jsonb COMPRESSION lz4,
    legacy jsonb COMPRESSION lz4
) PARTITION BY RANGE (year)""")
    for table in ("sections", "figures"):
        _partitions(m0002, table)
    op.execute("CREATE INDEX sections_report ON sections (report_id, position)")
    op.execute("CREATE UNIQUE INDEX figures_report ON figures (report_id, year)")
    m0002.create_figure_views()
    op.execute("""
CREATE TABLE checks (
    report_id text NOT NULL,
    position integer NOT NULL,
    rule text NOT NULL,
    ok boolean,
    detail text NOT NULL DEFAULT ''
)""")
    op.execute("CREATE UNIQUE INDEX checks_report ON checks (report_id, position)")
    op.execute("CREATE INDEX checks_failed ON checks (rule) WHERE ok = false")
