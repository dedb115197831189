"""bytes -> record: the one place where extraction, parsing and the archive id meet."""
from .archive import report_id, sha256_hex
from .document import ExtractionError
from .extract import extract
from .parse import parse_document


class ParseFailure(ExtractionError):
    """The parser itself broke on a document; kept distinct so the archive can say why."""


def build_record(data, filename, limits=None):
    """Return the parsed record of an original file, or raise ExtractionError with a clear reason."""
    doc = extract(data, filename, limits)
    try:
        parsed = parse_document(doc)
    except ExtractionError:
        raise
    except Exception as exc:  # a parser bug must not lose the original: it is archived unparsed
        raise ParseFailure(f"解析失败：{type(exc).__name__}: {exc}") from exc
    record = {"id": report_id(data), "sha256": sha256_hex(data)}
    record.update(parsed)
    if doc.warnings:
        record["warnings"] = list(doc.warnings) + list(record.get("warnings") or [])
    return record
