"""bytes -> record: the one place where extraction, parsing and the archive id meet."""
from .archive import report_id, sha256_hex
from .document import ExtractionError, NeedsOCR
from .extract import extract
from .parse import parse_document


class ParseFailure(ExtractionError):
    """The parser itself broke on a document; kept distinct so the archive can say why."""


OCR_PENDING = "扫描件，文字识别中"
_FROM_TABLES = ("row ", "table ", "column ")


def scan_record(data, reason):
    """The record of a scan before OCR: archived and indexed at once, nothing read yet, and it
    says so. The OCR queue (ocrqueue.py) replaces it with the record of the machine-read text."""
    return {"id": report_id(data), "sha256": sha256_hex(data), "title": None, "agency": None,
            "year": None, "published": None, "region": {"province": None, "city": None, "county": None},
            "format": None, "preface": "", "sections": [], "stats": {}, "checks": [],
            "warnings": [f"{OCR_PENDING}：{reason}"], "ocr": {"state": "pending"}}


def build_record(data, filename, limits=None):
    """Return the parsed record of an original file, or raise ExtractionError with a clear reason.
    A scan without limits["ocr"] gives scan_record (OCR takes seconds a page: a queue does it)."""
    try:
        doc = extract(data, filename, limits)
    except NeedsOCR as exc:
        return scan_record(data, str(exc))
    try:
        parsed = parse_document(doc)
    except ExtractionError:
        raise
    except Exception as exc:  # a parser bug must not lose the original: it is archived unparsed
        raise ParseFailure(f"解析失败：{type(exc).__name__}: {exc}") from exc
    record = {"id": report_id(data), "sha256": sha256_hex(data)}
    record.update(parsed)
    if doc.ocr:
        # a guessed or missing cell of a machine-read table is OCR's doing more often than the report's
        record["warnings"] = [f"{w}（文字识别）" if w.startswith(_FROM_TABLES) else w
                              for w in record.get("warnings") or []]
        record["ocr"] = {"state": "done", **doc.ocr}
    if doc.warnings:
        record["warnings"] = list(doc.warnings) + list(record.get("warnings") or [])
    return record
