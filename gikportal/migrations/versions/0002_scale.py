"""At scale: RUM-ranked search fields, text and figures in side tables, partitions by report year.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

What a search reads is now one narrow table, `search_fields` (report id, year, field n, tsvector:
one row for the title (n = -1), one for the headings (n = -2), one per section (n >= 0)) with a
RUM index that holds the positions, so `ORDER BY tsv <=> query LIMIT k` and phrases (`<->`) are
answered from the index. The section texts (for snippets and the report page) moved to `sections`,
and the figures of tables 2-4 to one row per report in `figures` (jsonb per table instead of a row
per cell, which was most of the database); `request_figures`, `active_figures`, `appeal_figures`
and `legacy_figures` stay as views with the columns they had, so SQL written against 0001 still runs.

search_fields, sections and figures are partitioned by report year (declarative RANGE partitions,
2008 -- the first year of these reports -- to 2030, each its own index) plus a DEFAULT partition
for reports of unknown year and years outside that range: those are found as well, only without
pruning. A later year gets its partitions from a new migration calling add_year_partitions()
(which moves that year's rows out of the default partition), not from ingest: DDL on a partitioned
table locks its readers, and the schema stays alembic's.

Data tables carry indexes but no constraints (uniqueness by unique indexes): gikportal.pgindex
rebuilds them as shadow copies (COPY, then indexes, then a swap), which copies indexes generically.
The index is derived from the archive: upgrading drops it, `reindex` fills it again.
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FIRST_YEAR, LAST_YEAR = 2008, 2030
PARTITIONED = ("search_fields", "sections", "figures")
FIGURE_VIEWS = {  # view: (jsonb column, its row key's name, its column key's name)
    "request_figures": ("requests", "row", "applicant"),
    "active_figures": ("active", "item", "measure"),
    "appeal_figures": ("appeals", "appeal", "measure"),
}


def add_year_partitions(years, tables=PARTITIONED):
    """Partitions of every partitioned table for these years; rows of those years already in the
    default partition move into them (the default is detached meanwhile). Each new partition gets
    the default partition's storage parameters (0003: search_fields' toast_tuple_target). The
    tables are the newest schema's (0004_smaller.add_year_partitions passes its own)."""
    for table in tables:
        options = op.get_bind().exec_driver_sql(
            f"SELECT reloptions FROM pg_class WHERE oid = '{table}_default'::regclass").scalar()
        op.execute(f"ALTER TABLE {table} DETACH PARTITION {table}_default")
        for year in years:
            op.execute(f"CREATE TABLE IF NOT EXISTS {table}_y{year} PARTITION OF {table} "
                       f"FOR VALUES FROM ({year}) TO ({year + 1})" + (f" WITH ({', '.join(options)})" if options else ""))
            op.execute(f"INSERT INTO {table} SELECT * FROM {table}_default WHERE year = {year}")
            op.execute(f"DELETE FROM {table}_default WHERE year = {year}")
        op.execute(f"ALTER TABLE {table} ATTACH PARTITION {table}_default DEFAULT")


def create_figure_views():
    """The cell-by-cell views of tables 2-4 over `figures` (a table here, a view from 0004, which
    calls this too)."""
    for view, (column, row, col) in FIGURE_VIEWS.items():
        op.execute(f"CREATE VIEW {view} AS SELECT f.report_id, r.key AS {row}, c.key AS {col}, "
                   f"(c.value #>> '{{}}')::numeric AS value FROM figures f, jsonb_each(f.{column}) r, "
                   f"jsonb_each(r.value) c WHERE jsonb_typeof(r.value) = 'object'")
    op.execute("CREATE VIEW legacy_figures AS SELECT f.report_id, l.key AS name, (l.value #>> '{}')::numeric AS value "
               "FROM figures f, jsonb_each(f.legacy) l")
    op.execute("COMMENT ON VIEW request_figures IS 'Table 3: row (new_received, granted, …) x applicant "
               "(natural_person, …, total)'")
    op.execute("COMMENT ON VIEW active_figures IS 'Table 2: item (regulations, licensing, fees, …) x measure'")
    op.execute("COMMENT ON VIEW appeal_figures IS 'Table 4: appeal (review, litigation_direct, "
               "litigation_after_review) x measure (upheld, corrected, other, pending, total)'")


def upgrade():
    for table in ("sections", "request_figures", "active_figures", "appeal_figures", "legacy_figures",
                  "checks", "terms"):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    op.execute("DELETE FROM reports")
    op.execute("DELETE FROM index_state")
    op.execute("CREATE EXTENSION IF NOT EXISTS rum")
    op.execute("ALTER TABLE reports DROP CONSTRAINT reports_pkey, DROP COLUMN title_tsv, DROP COLUMN headings_tsv")
    op.execute("CREATE UNIQUE INDEX reports_id ON reports (id)")
    op.execute("""
CREATE TABLE search_fields (
    report_id text NOT NULL,
    year integer,
    n smallint NOT NULL,
    tsv tsvector NOT NULL
) PARTITION BY RANGE (year)""")
    op.execute("COMMENT ON TABLE search_fields IS 'What a search reads: per report its title (n = -1), headings "
               "(n = -2) and sections (n) as tsvector (gikportal.segment words and word pairs, simple "
               "configuration; weight A title, B sections, D headings); RUM index with positions'")
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
    op.execute("COMMENT ON TABLE sections IS 'The texts of each report''s sections (snippets, report page); "
               "searched through search_fields'")
    op.execute("""
CREATE TABLE figures (
    report_id text NOT NULL,
    year integer,
    requests jsonb COMPRESSION lz4,
    active jsonb COMPRESSION lz4,
    appeals jsonb COMPRESSION lz4,
    legacy jsonb COMPRESSION lz4
) PARTITION BY RANGE (year)""")
    op.execute("COMMENT ON TABLE figures IS 'Tables 2-4 of each report as jsonb {row: {column: value}} (legacy: "
               "{name: value}); the views request_figures, active_figures, appeal_figures, legacy_figures "
               "list them cell by cell'")
    for table in PARTITIONED:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            op.execute(f"CREATE TABLE {table}_y{year} PARTITION OF {table} FOR VALUES FROM ({year}) TO ({year + 1})")
        op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    op.execute("CREATE INDEX search_fields_tsv ON search_fields USING rum (tsv rum_tsvector_ops)")
    op.execute("CREATE INDEX search_fields_report ON search_fields (report_id)")
    op.execute("CREATE INDEX sections_report ON sections (report_id, position)")
    op.execute("CREATE UNIQUE INDEX figures_report ON figures (report_id, year)")
    create_figure_views()
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
    op.execute("""
CREATE TABLE terms (
    field text NOT NULL,
    term text COLLATE "C" NOT NULL,
    freq bigint NOT NULL
)""")
    op.execute("CREATE UNIQUE INDEX terms_field_term ON terms (field, term)")
    op.execute("COMMENT ON TABLE terms IS 'Indexed words per field (title, s1…) with their frequency: "
               "spelling suggestions'")


def downgrade():
    """Back to 0001's tables, empty (the index is derived: reindex fills them again)."""
    import importlib.util
    from pathlib import Path

    for view in (*FIGURE_VIEWS, "legacy_figures"):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    for table in PARTITIONED + ("checks", "terms", "reports", "index_state"):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    spec = importlib.util.spec_from_file_location("initial", Path(__file__).with_name("0001_initial.py"))
    initial = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(initial)
    initial.upgrade()
