"""Smaller on disk: word pairs matched from positions, checks as one jsonb row per report.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Under 0003 every `search_fields` tsvector held, besides the words, each pair of neighbouring words
as a lexeme with its position ("a b", how a phrase was matched): 60% of the tsvectors and most
of the RUM index's entries. Now (analysis pg7, gikportal.pgindex.analyse) only the words are
stored, each precise word with its positions, and a pair is matched by `a <-> b` over them --
exactly the pairs Whoosh indexes. `checks` (a row per cross-check, ~7 a report, with two indexes)
became `report_checks`, one jsonb array per report, behind a view `checks` with 0003's columns,
so SQL written against it still runs.

The index is derived from the archive: upgrading empties it, `reindex` fills it again.
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DATA = ("search_fields", "sections", "figures", "terms", "reports")
CHECKS_VIEW = ("CREATE VIEW checks AS SELECT c.report_id, (e.ordinality - 1)::integer AS position, "
               "e.value->>'rule' AS rule, (e.value->>'ok')::boolean AS ok, e.value->>'detail' AS detail "
               "FROM report_checks c, jsonb_array_elements(c.checks) WITH ORDINALITY e")


def _empty():
    for table in DATA:
        op.execute(f"DELETE FROM {table}")
    op.execute("DELETE FROM index_state")


def upgrade():
    _empty()
    op.execute("DROP TABLE checks")
    op.execute("CREATE TABLE report_checks (report_id text NOT NULL, checks jsonb COMPRESSION lz4 NOT NULL)")
    op.execute("CREATE UNIQUE INDEX report_checks_report ON report_checks (report_id)")
    op.execute("COMMENT ON TABLE report_checks IS 'Each report''s cross-checks as a jsonb array of {rule, ok, "
               "detail}; the view checks lists them one row each'")
    op.execute(CHECKS_VIEW)
    op.execute("COMMENT ON VIEW checks IS 'One row per cross-check of a report (rule, ok, detail)'")


def downgrade():
    _empty()
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
