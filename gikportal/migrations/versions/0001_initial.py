"""Initial schema: reports, sections with tsvector, the figures of tables 2-4, checks, search terms.

Revision ID: 0001
Revises:
Create Date: 2026-11-20

A journalist can query these tables directly, e.g.
    SELECT agency, year, requests_new FROM reports WHERE province = '河南省' ORDER BY requests_new DESC;
    SELECT r.agency, f.value FROM request_figures f JOIN reports r ON r.id = f.report_id
     WHERE f.row = 'denied_state_secret' AND f.applicant = 'total' AND f.value > 0;
"""
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

HEADLINE = ("requests_new", "requests_carried_over", "granted", "partially_granted", "denied", "unavailable",
            "not_processed", "other_handled", "carried_forward", "reviews", "reviews_corrected", "lawsuits",
            "lawsuits_corrected", "fees_10k_yuan", "licensing", "penalty", "normative_in_force")


def upgrade():
    figures = ",\n".join(f"    {name} double precision" for name in HEADLINE)
    op.execute(f"""
CREATE TABLE reports (
    id text PRIMARY KEY,
    sha256 text,
    title text NOT NULL DEFAULT '',
    agency text,
    year integer,
    published text,
    format text,
    province text,
    city text,
    county text,
    kind text NOT NULL,
{figures},
    failed_checks text[] NOT NULL DEFAULT '{{}}',
    warnings text[] NOT NULL DEFAULT '{{}}',
    hit jsonb NOT NULL,
    title_tsv tsvector NOT NULL,
    headings_tsv tsvector NOT NULL
)""")
    op.execute("COMMENT ON TABLE reports IS 'One parsed annual report; headline figures as columns (NULL = the "
               "report lacks that figure); hit is what a search result shows'")
    op.execute("CREATE INDEX reports_title_tsv ON reports USING gin (title_tsv)")
    op.execute("CREATE INDEX reports_headings_tsv ON reports USING gin (headings_tsv)")
    op.execute("CREATE INDEX reports_year ON reports (year)")
    op.execute("CREATE INDEX reports_agency ON reports (agency)")
    op.execute("CREATE INDEX reports_region ON reports (province, city, county)")
    op.execute("""
CREATE TABLE sections (
    report_id text NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position integer NOT NULL,
    n integer NOT NULL,
    anchor text NOT NULL,
    heading text NOT NULL DEFAULT '',
    text text NOT NULL DEFAULT '',
    tsv tsvector NOT NULL,
    PRIMARY KEY (report_id, position)
)""")
    op.execute("COMMENT ON COLUMN sections.tsv IS 'jieba search-mode words and neighbouring-word pairs "
               "(gikportal.segment), simple configuration, positions = precise-word order'")
    op.execute("CREATE INDEX sections_tsv ON sections USING gin (tsv)")
    op.execute("CREATE INDEX sections_n ON sections (report_id, n)")
    for table, columns in (("request_figures", ("row", "applicant")), ("active_figures", ("item", "measure")),
                           ("appeal_figures", ("appeal", "measure")), ("legacy_figures", ("name",))):
        cols = "".join(f"    {c} text NOT NULL,\n" for c in columns)
        op.execute(f"""
CREATE TABLE {table} (
    report_id text NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
{cols}    value numeric,
    PRIMARY KEY (report_id, {", ".join(columns)})
)""")
    op.execute("COMMENT ON TABLE request_figures IS 'Table 3: row (new_received, granted, …) x applicant "
               "(natural_person, …, total)'")
    op.execute("COMMENT ON TABLE active_figures IS 'Table 2: item (regulations, licensing, fees, …) x measure'")
    op.execute("COMMENT ON TABLE appeal_figures IS 'Table 4: appeal (review, litigation_direct, "
               "litigation_after_review) x measure (upheld, corrected, other, pending, total)'")
    op.execute("""
CREATE TABLE checks (
    report_id text NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position integer NOT NULL,
    rule text NOT NULL,
    ok boolean,
    detail text NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, position)
)""")
    op.execute("CREATE INDEX checks_failed ON checks (rule) WHERE ok = false")
    op.execute("""
CREATE TABLE terms (
    field text NOT NULL,
    term text COLLATE "C" NOT NULL,
    freq bigint NOT NULL,
    PRIMARY KEY (field, term)
)""")
    op.execute("COMMENT ON TABLE terms IS 'Indexed words per field (title, s1…) with their frequency: "
               "spelling suggestions'")
    op.execute("""
CREATE TABLE index_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    analysis text NOT NULL,
    generation bigint NOT NULL DEFAULT 0,
    built_at timestamptz NOT NULL DEFAULT now()
)""")


def downgrade():
    for table in ("index_state", "terms", "checks", "legacy_figures", "appeal_figures", "active_figures",
                  "request_figures", "sections", "reports"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
