"""Narrow searched rows: long fields' tsvectors out of line (TOAST, lz4), lz4 for the hits.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Matching a word reads `report_id` from every matching `search_fields` row (RUM bitmap scans,
then the heap). Under 0002 a row carried its tsvector inline (compressed below the 2 kB TOAST
threshold), two rows per 8 kB page: a word found in every report read 62,321 heap pages at
100,140 reports. With `toast_tuple_target = 128` on every partition the rows that reach
PostgreSQL's TOAST threshold (about 2 kB, fixed at build time) keep only a pointer to their
tsvector in the heap; shorter fields stay inline whatever the setting (measured at 100,140: 9.6
-> 12.7 rows a heap page, 62,311 -> 47,133 pages read for a word of every report). The tsvector
is read from TOAST only where a row is ranked (`tsv <=> q` on the row) or checked. Compression is lz4 (tsvectors: faster to read back
than pglz; reports.hit likewise), which applies to values written from now on.

Rows written before this migration keep their layout until the next `reindex` (the bulk rebuild
creates its shadow partitions with the live partitions' storage parameters), and are read
correctly either way: nothing needs rebuilding.
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NARROW = "toast_tuple_target = 128"


def _partitions(table):
    return [r[0] for r in op.get_bind().exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        f"WHERE i.inhparent = '{table}'::regclass ORDER BY 1").fetchall()]


def upgrade():
    op.execute("ALTER TABLE search_fields ALTER COLUMN tsv SET COMPRESSION lz4")
    op.execute("ALTER TABLE reports ALTER COLUMN hit SET COMPRESSION lz4")
    for name in _partitions("search_fields"):  # later partitions copy the default's (add_year_partitions)
        op.execute(f"ALTER TABLE {name} SET ({NARROW}), ALTER COLUMN tsv SET COMPRESSION lz4")  # not recursive


def downgrade():
    for name in _partitions("search_fields"):
        op.execute(f"ALTER TABLE {name} RESET (toast_tuple_target), ALTER COLUMN tsv SET COMPRESSION default")
    op.execute("ALTER TABLE search_fields ALTER COLUMN tsv SET COMPRESSION default")
    op.execute("ALTER TABLE reports ALTER COLUMN hit SET COMPRESSION default")
