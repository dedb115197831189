"""Smaller on disk: word pairs matched from positions, a report's sections and checks one row each.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Under 0003 every `search_fields` tsvector held, besides the words, each pair of neighbouring words
as a lexeme with its position ("a b", how a phrase was matched): 60% of the tsvectors and most
of the RUM index's entries. Now (analysis pg7, gikportal.pgindex.analyse) only the words are
stored, each precise word with its positions, and a pair is matched by `a <-> b` over them --
exactly the pairs Whoosh indexes.

A section was a row of `sections` (~6 a report), most of them shorter than PostgreSQL's ~2 kB
TOAST threshold and so stored uncompressed. `report_sections` holds one row per report (still
partitioned by year): its sections as one jsonb array, long enough to be compressed (lz4), and
`ns`, the numbers of the sections that have text (the `section:` filter). `checks` (a row per
cross-check, ~7 a report, two indexes) became `report_checks`, one jsonb array per report. The
views `sections` and `checks` list them a row each with 0003's columns, so SQL written against
those tables still runs.

The index is derived from the archive: upgrading empties it, `reindex` fills it again.
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PARTITIONED = ("search_fields", "report_sections", "figures")
DATA = ("search_fields", "figures", "terms", "reports")
SECTIONS_VIEW = ("CREATE VIEW sections AS SELECT s.report_id, s.year, (e.ordinality - 1)::integer AS position, "
                 "(e.value->>'n')::integer AS n, e.value->>'anchor' AS anchor, e.value->>'heading' AS heading, "
                 "e.value->>'text' AS text FROM report_sections s, jsonb_array_elements(s.sections) WITH ORDINALITY e")
CHECKS_VIEW = ("CREATE VIEW checks AS SELECT c.report_id, (e.ordinality - 1)::integer AS position, "
               "e.value->>'rule' AS rule, (e.value->>'ok')::boolean AS ok, e.value->>'detail' AS detail "
               "FROM report_checks c, jsonb_array_elements(c.checks) WITH ORDINALITY e")


def _m0002():
    spec = importlib.util.spec_from_file_location("m0002", Path(__file__).with_name("0002_scale.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_year_partitions(years):
    """0002's add_year_partitions on this schema's partitioned tables: what a later migration
    adding years calls."""
    _m0002().add_year_partitions(years, PARTITIONED)


def _empty():
    for table in DATA:
        op.execute(f"DELETE FROM {table}")
    op.execute("DELETE FROM index_state")


def upgrade():
    _empty()
    m0002 = _m0002()
    op.execute("DROP TABLE sections CASCADE")
    op.execute("""
CREATE TABLE report_sections (
    report_id text NOT NULL,
    year integer,
    ns smallint[] NOT NULL,
    sections jsonb COMPRESSION lz4 NOT NULL
) PARTITION BY RANGE (year)""")
    for year in range(m0002.FIRST_YEAR, m0002.LAST_YEAR + 1):
        op.execute(f"CREATE TABLE report_sections_y{year} PARTITION OF report_sections "
                   f"FOR VALUES FROM ({year}) TO ({year + 1})")
    op.execute("CREATE TABLE report_sections_default PARTITION OF report_sections DEFAULT")
    op.execute("CREATE UNIQUE INDEX report_sections_report ON report_sections (report_id, year)")
    op.execute("COMMENT ON TABLE report_sections IS 'Each report''s sections as a jsonb array of {n, anchor, "
               "heading, text} (snippets, report page), ns the numbers of those with text; the view sections "
               "lists them one row each; searched through search_fields'")
    op.execute(SECTIONS_VIEW)
    op.execute("COMMENT ON VIEW sections IS 'One row per section of a report (position, n, anchor, heading, text)'")
    op.execute("DROP TABLE checks")
    op.execute("CREATE TABLE report_checks (report_id text NOT NULL, checks jsonb COMPRESSION lz4 NOT NULL)")
    op.execute("CREATE UNIQUE INDEX report_checks_report ON report_checks (report_id)")
    op.execute("COMMENT ON TABLE report_checks IS 'Each report''s cross-checks as a jsonb array of {rule, ok, "
               "detail}; the view checks lists them one row each'")
    op.execute(CHECKS_VIEW)
    op.execute("COMMENT ON VIEW checks IS 'One row per cross-check of a report (position, rule, ok, detail)'")


def downgrade():
    _empty()
    m0002 = _m0002()
    op.execute("DROP VIEW sections")
    op.execute("DROP TABLE report_sections CASCADE")
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
    for year in range(m0002.FIRST_YEAR, m0002.LAST_YEAR + 1):
        op.execute(f"CREATE TABLE sections_y{year} PARTITION OF sections FOR VALUES FROM ({year}) TO ({year + 1})")
    op.execute("CREATE TABLE sections_default PARTITION OF sections DEFAULT")
    op.execute("CREATE INDEX sections_report ON sections (report_id, position)")
    op.execute("DROP VIEW checks")
    op.execute("DROP TABLE report_checks")
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
