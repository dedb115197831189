"""The archive keeps originals byte for byte, content-addressed, and never half-writes."""
import hashlib
import json

import pytest

from gikportal.archive import Archive, is_report_id, report_id, safe_filename


def test_put_keeps_bytes_and_meta(tmp_path, seed_paths):
    archive = Archive(tmp_path / "a")
    data = seed_paths[0].read_bytes()
    rid, created = archive.put(data, seed_paths[0].name, "text/plain", record={"id": "x"},
                               source_url="http://example.gov.cn/r.html")
    assert created and rid == hashlib.sha256(data).hexdigest()[:16]
    assert archive.original_bytes(rid) == data
    meta = archive.meta(rid)
    assert meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert meta["size"] == len(data) and meta["filename"] == seed_paths[0].name
    assert meta["source_url"] == "http://example.gov.cn/r.html" and meta["status"] == "parsed"
    assert archive.record(rid) == {"id": "x"}
    assert archive.ids() == [rid]
    assert archive.verify(rid) == []


def test_same_bytes_twice_is_a_no_op(tmp_path, seed_paths):
    archive = Archive(tmp_path / "a")
    data = seed_paths[1].read_bytes()
    rid, created = archive.put(data, "one.txt", "text/plain", record={"v": 1})
    again, created_again = archive.put(data, "two.txt", "text/plain", record={"v": 2})
    assert (again, created_again) == (rid, False)
    assert archive.meta(rid)["filename"] == "one.txt" and archive.record(rid) == {"v": 1}


def test_unparsed_original_is_kept_with_reason(tmp_path):
    archive = Archive(tmp_path / "a")
    rid, _ = archive.put(b"%PDF-garbage", "bad.pdf", "application/pdf", error="无法读取 PDF")
    meta = archive.meta(rid)
    assert meta["status"] == "unparsed" and meta["error"] == "无法读取 PDF"
    assert archive.record(rid) is None and archive.original_bytes(rid) == b"%PDF-garbage"
    archive.write_record(rid, {"id": rid})
    assert archive.meta(rid)["status"] == "parsed" and archive.record(rid) == {"id": rid}


def test_tampered_original_is_detected(tmp_path, seed_paths):
    archive = Archive(tmp_path / "a")
    rid, _ = archive.put(seed_paths[2].read_bytes(), "s.txt", "text/plain", record={})
    archive.original_path(rid).write_bytes(b"changed")
    assert archive.verify(rid) == ["原始文件的 SHA-256 与编号不符"]


def test_leftover_temp_dirs_are_not_reports(tmp_path):
    archive = Archive(tmp_path / "a")
    (tmp_path / "a" / ".tmp" / "0123456789abcdef-x").mkdir(parents=True)
    (tmp_path / "a" / "01" / "0123456789abcdef").mkdir(parents=True)  # no meta: incomplete
    assert archive.ids() == []
    archive.clean_tmp()
    assert not (tmp_path / "a" / ".tmp").exists()


@pytest.mark.parametrize("bad", ["../etc/passwd", "0123456789ABCDEF", "0123", "", "0123456789abcdeg"])
def test_ids_are_validated(tmp_path, bad):
    archive = Archive(tmp_path / "a")
    assert not is_report_id(bad) and not archive.has(bad)
    assert archive.meta(bad) is None and archive.record(bad) is None


def test_safe_filename_strips_paths_and_controls():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("a\x00b\x1fc.pdf") == "abc.pdf"
    long = "报" * 500 + ".pdf"
    assert len(safe_filename(long)) <= 200 and safe_filename(long).endswith(".pdf")
    assert safe_filename("") == "report"


def test_meta_is_utf8_json(tmp_path):
    archive = Archive(tmp_path / "a")
    rid, _ = archive.put("报告".encode(), "年度报告.txt", "text/plain", record={"title": "报告"})
    raw = (archive.dir_for(rid) / "meta.json").read_text("utf-8")
    assert "年度报告.txt" in raw and json.loads(raw)["id"] == rid == report_id("报告".encode())
