"""bytes -> Document: sniff the format (magic bytes first, file name second) and dispatch.

Every failure is an ExtractionError with one plain Chinese line, so an unreadable original is
archived with its reason instead of breaking a batch.
"""
import io
import re
import time
import zipfile

from .. import config
from ..document import Document, ExtractionError, NeedsOCR

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
TEXT = "text/plain"
MARKDOWN = "text/markdown"

_BY_EXTENSION = {
    "pdf": PDF, "docx": DOCX, "html": HTML, "htm": HTML, "shtml": HTML, "xhtml": HTML,
    "txt": TEXT, "text": TEXT, "md": MARKDOWN, "markdown": MARKDOWN,
}
_HTML_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|table|div|p|h[1-6])[\s>/]",
    re.IGNORECASE | re.DOTALL)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # legacy .doc, or an encrypted Office file
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

_LIMIT_KEYS = {"max_bytes": "MAX_FILE_BYTES", "max_pages": "MAX_PDF_PAGES",
               "max_unzipped_bytes": "MAX_UNZIPPED_BYTES", "timeout": "PARSE_TIMEOUT",
               "ocr_max_pages": "OCR_MAX_PAGES", "ocr_timeout": "OCR_TIMEOUT"}


def _extension(filename):
    name = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _head_as_ascii(data):
    """The first bytes with UTF-16 turned into single bytes, so markup can be recognised."""
    head = data[:4096]
    if head.startswith(_UTF16_BOMS):
        try:
            return head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
        except UnicodeError:
            return head
    return head.lstrip(b"\xef\xbb\xbf")


def _is_docx_zip(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False


def _sniff_magic(data):
    """The media type the bytes themselves declare, or None."""
    if b"%PDF-" in data[:1024]:
        return PDF
    if data.startswith(b"PK\x03\x04") and _is_docx_zip(data):
        return DOCX
    if _HTML_START.match(_head_as_ascii(data)):
        return HTML
    return None


def media_type_for(data: bytes, filename: str) -> str:
    """The media type to archive and serve the original with (never raises)."""
    sniffed = _sniff_magic(data)
    if sniffed:
        return sniffed
    ext = _BY_EXTENSION.get(_extension(filename))
    return ext or TEXT


def _limits(limits):
    """Caller's limits over the configured defaults (GIKPORTAL_* environment)."""
    merged = dict(limits or {})
    missing = [key for key in _LIMIT_KEYS if merged.get(key) is None]
    if missing:
        env = config.from_env()
        for key in missing:
            merged[key] = env[_LIMIT_KEYS[key]]
    return merged


def extract(data: bytes, filename: str, limits: dict | None = None) -> Document:
    """Read an original file into a Document, or raise ExtractionError saying why it cannot be read.

    A scan raises NeedsOCR unless limits["ocr"] is true: OCR takes seconds a page, so ingest
    archives a scan at once and a background queue reads it (see gikportal/ocrqueue.py)."""
    limits = _limits(limits)
    try:
        return _extract(data, filename, limits)
    except NeedsOCR:
        if not limits.get("ocr"):
            raise
        from . import ocr

        deadline = time.monotonic() + limits["ocr_timeout"] if limits["ocr_timeout"] else None
        if _sniff_magic(data) == DOCX:
            from .docx import docx_pictures
            return ocr.ocr_images(docx_pictures(data, limits["max_unzipped_bytes"])[:limits["ocr_max_pages"] or None],
                                  DOCX)
        return ocr.ocr_pdf(data, max_pages=limits["ocr_max_pages"], deadline=deadline)


def _extract(data, filename, limits):
    if not data or not data.strip(b" \t\r\n\x00\x0b\x0c"):
        raise ExtractionError("文件为空，没有可读取的内容。")
    if limits["max_bytes"] and len(data) > limits["max_bytes"]:
        raise ExtractionError(f"文件过大（{len(data)} 字节，上限 {limits['max_bytes']} 字节）。")
    deadline = time.monotonic() + limits["timeout"] if limits["timeout"] else None
    ext = _extension(filename)
    kind = _sniff_magic(data)
    if kind is None:
        if data.startswith(_OLE):
            raise ExtractionError("文件是旧版 Word（.doc）或已加密的 Office 文档，请另存为 .docx 或 PDF 后上传。")
        if data.startswith(b"PK\x03\x04"):
            raise ExtractionError("文件是压缩包而不是 Word 文档（缺少 word/document.xml）。")
        if ext == "pdf":
            raise ExtractionError("文件不是有效的 PDF（缺少 %PDF 文件头），可能已损坏。")
        if ext == "docx":
            raise ExtractionError("文件不是有效的 Word 文档（.docx），可能已损坏。")
        kind = _BY_EXTENSION.get(ext, TEXT)
        if kind not in (HTML, MARKDOWN):
            kind = TEXT
    if kind == PDF:
        from .pdf import read_pdf
        return read_pdf(data, max_pages=limits["max_pages"], deadline=deadline)
    if kind == DOCX:
        from .docx import read_docx
        return read_docx(data, max_unzipped_bytes=limits["max_unzipped_bytes"])
    if kind == HTML:
        from .html import read_html
        return read_html(data)
    from .text import read_text_document
    return read_text_document(data, kind)
