"""Text files -> Document: decoding, and the table layouts that text extraction tools produce.

Three layouts are recognised line by line: Markdown tables (`| a | b |`), tab-separated rows
(PDF text tools) and one-cell-per-line text (DOCX text tools: a row is a run of lines each
starting with one tab, rows end at a blank line, a tab-less line continues the previous cell).
"""
import re

import charset_normalizer

from ..document import Document, ExtractionError, Table

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_LIKELY = ["utf_8", "gb18030", "big5", "utf_16", "utf_32"]
_ARTEFACT = re.compile(r"\[bookmark:[^\]]*\]")
_MD_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
# control characters that never occur in a text document (tab, newlines, form feed excepted)
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f]")


def decode(data: bytes) -> str:
    """Decode a text file: a BOM decides; otherwise charset-normalizer (UTF-8, GB18030/GBK, UTF-16 …)."""
    if not data or not data.strip():
        raise ExtractionError("文件为空，没有可读取的文字。")
    text = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise ExtractionError("文件编码损坏，无法读取文字。") from None
            break
    if text is None:
        best = charset_normalizer.from_bytes(data).best()
        if best is None:  # OCR noise and tab runs look "chaotic"; allow more within the likely codecs
            best = charset_normalizer.from_bytes(data, threshold=0.5, cp_isolation=_LIKELY).best()
        if best is None:
            raise ExtractionError("无法识别文件编码，可能不是文本文件。")
        encoding = best.encoding
        if encoding in ("gbk", "gb2312", "hz"):
            encoding = "gb18030"
        text = data.decode(encoding, errors="replace")
    text = text.lstrip("\ufeff").replace("\x00", "")
    if not text.strip():
        raise ExtractionError("文件为空，没有可读取的文字。")
    if len(_CONTROL.findall(text)) > max(8, len(text) // 100):
        raise ExtractionError("文件包含二进制内容，不是文本文件。")
    return text


def _join(a, b):
    """Join a cell's continuation line: no space between CJK characters (split DOCX cells)."""
    if not a or not b:
        return a + b
    if _CJK.match(a[-1]) or _CJK.match(b[0]):
        return a + b
    return a + " " + b


def _clean(line):
    return _ARTEFACT.sub("", line).replace("\r", "")


def _kind(line):
    """'md', 'tsv', 'cell' (one DOCX cell), 'blank' or 'text'."""
    stripped = line.strip(" \u3000\xa0")
    if not stripped.strip():
        return "cell" if line.startswith("\t") and line.count("\t") == 1 else "blank"
    if stripped.startswith("|") and stripped.count("|") >= 2:
        return "md"
    if "\t" in line:
        if line.startswith("\t") and line.count("\t") == 1:
            return "cell"
        return "tsv"
    return "text"


def _md_row(line):
    inner = line.strip()
    inner = inner[1:-1] if inner.endswith("|") else inner[1:]
    return [c.strip() for c in inner.split("|")]


def read_text_document(data: bytes, media_type="text/plain") -> Document:
    """Decode `data` and turn its lines into Document blocks (str lines and Tables)."""
    text = decode(data)
    lines = [_clean(line) for line in text.splitlines()]
    blocks = []
    table = None          # rows of the table being built (md / tsv / docx)
    mode = None
    row = None            # current DOCX row
    prev_kind = "blank"

    def close():
        nonlocal table, mode, row
        if mode == "cell" and row:
            table.append(row)
        if table and all(sum(1 for c in r if c) <= 1 for r in table):
            # a tab-indented paragraph or a stray tab, not a grid
            blocks.extend(c for r in table for c in r if c)
        elif table:
            width = max(len(r) for r in table)
            blocks.append(Table(rows=[r + [""] * (width - len(r)) for r in table]))
        table, mode, row = None, None, None

    for line in lines:
        kind = _kind(line)
        if mode == "cell":
            if kind == "cell":
                if row is None:
                    row = []
                row.append(line.strip())
                prev_kind = kind
                continue
            if kind == "blank":
                if row:
                    table.append(row)
                row = None
                prev_kind = kind
                continue
            if kind == "text" and prev_kind == "cell" and row:
                row[-1] = _join(row[-1], line.strip())
                continue
            close()
        elif mode is not None and kind != mode:
            close()
        if kind == "blank":
            prev_kind = kind
            continue
        if kind == "md":
            if mode is None:
                table, mode = [], "md"
            if not _MD_SEPARATOR.match(line.strip()):
                table.append(_md_row(line))
        elif kind == "tsv":
            if mode is None:
                table, mode = [], "tsv"
            table.append([c.strip() for c in line.split("\t")])
        elif kind == "cell":
            table, mode, row = [], "cell", [line.strip()]
        else:
            stripped = line.strip()
            if stripped:
                blocks.append(stripped)
        prev_kind = kind
    close()
    return Document(blocks=blocks, media_type=media_type)
