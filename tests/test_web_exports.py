"""Exports: a repeated export is served from memory, and a write to the index is seen at once."""
import csv
import io

from _web_helpers import SAMPLES, export_id, ingest, ingest_seeds, make_app, next_year_variant

BACKENDS = ("whoosh", "postgres")


def csv_ids(body):
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return {export_id(row[0]) for row in rows[1:]}


def test_repeated_export_is_cached_and_a_new_report_shows_at_once(tmp_path, backend):
    app = make_app(tmp_path)
    ingest_seeds(app)
    client = app.test_client()
    first = client.get("/export.csv?q=政府信息")
    assert first.status_code == 200 and len(csv_ids(first.data)) == 5
    again = client.get("/export.csv?q=政府信息")
    assert again.data == first.data

    from gikportal.web import exports
    assert any(key[0] == "csv" for key in exports._cache)
    added = ingest(app, next_year_variant(sorted(SAMPLES.glob("*.txt"))[0]), "next.txt").record
    after = client.get("/export.csv?q=政府信息")
    assert csv_ids(after.data) == csv_ids(first.data) | {added["id"]}
    # the host is part of the key: links in the file are absolute
    other = client.get("/export.csv?q=政府信息", base_url="http://mirror.example.org")
    assert b"http://mirror.example.org/reports/" in other.data
