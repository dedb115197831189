"""DOCX -> Document with python-docx: body paragraphs and tables in document order.

Merged cells are expanded to the grid: a horizontally merged cell (gridSpan) keeps its text in
its first column and '' in the others, a vertically merged one (vMerge) '' below its first
row — the layout of the seeds, where labels stand once at the top of their group.
The zip's declared sizes are checked before anything is decompressed (zip bombs).
"""
import io
import zipfile

import docx
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PACKAGE_URI
from docx.opc.pkgreader import PackageReader
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml

from ..document import Document, ExtractionError, NeedsOCR, Table
from .pdf import join_wrapped

_P, _TBL, _SDT, _SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")
_TR, _TC, _TC_PR = qn("w:tr"), qn("w:tc"), qn("w:tcPr")
_GRID_SPAN, _V_MERGE, _VAL = qn("w:gridSpan"), qn("w:vMerge"), qn("w:val")
_TR_PR, _GRID_BEFORE, _GRID_AFTER = qn("w:trPr"), qn("w:gridBefore"), qn("w:gridAfter")
_BLIP, _EMBED = qn("a:blip"), qn("r:embed")
_R, _HYPERLINK, _T, _BR, _TYPE = qn("w:r"), qn("w:hyperlink"), qn("w:t"), qn("w:br"), qn("w:type")
_RUN_CHARS = {qn("w:tab"): "\t", qn("w:ptab"): "\t", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}
_MAX_SPAN = 64
_MAX_RATIO = 200      # deflate rarely beats 100:1 on real documents


def _check_zip(data, max_unzipped_bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ExtractionError("Word 文档（.docx）已损坏，无法打开。") from None
    total = sum(info.file_size for info in infos)
    if max_unzipped_bytes and total > max_unzipped_bytes:
        raise ExtractionError(f"Word 文档解压后过大（{total} 字节，上限 {max_unzipped_bytes} 字节），可能是压缩炸弹。")
    for info in infos:
        if info.file_size > 1_000_000 and info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise ExtractionError(f"Word 文档中的 {info.filename} 压缩比异常，可能是压缩炸弹。")
    if any(info.flag_bits & 0x1 for info in infos):
        raise ExtractionError("Word 文档已加密，无法读取。")


def _int_attr(element, tag):
    found = element.find(tag) if element is not None else None
    try:
        return max(0, min(_MAX_SPAN, int(found.get(_VAL)))) if found is not None else 0
    except (TypeError, ValueError):
        return 0


def _run_text(run):
    """python-docx's run text (w:t, tabs, line breaks, non-breaking hyphens) from one pass over
    the run's children instead of an XPath query per run."""
    out = []
    for e in run:
        tag = e.tag
        if tag == _T:
            out.append(e.text or "")
        elif tag == _BR:
            out.append("\n" if e.get(_TYPE, "textWrapping") == "textWrapping" else "")
        else:
            out.append(_RUN_CHARS.get(tag, ""))
    return "".join(out)


def _paragraph_text(p):
    """python-docx's Paragraph.text: its runs and its hyperlinks' runs, in order."""
    out = []
    for child in p:
        if child.tag == _R:
            out.append(_run_text(child))
        elif child.tag == _HYPERLINK:
            out.extend(_run_text(r) for r in child if r.tag == _R)
    return "".join(out)


def _cell_text(tc):
    return join_wrapped(_paragraph_text(p) for p in tc.iter(_P))


def _own(element, tag, owner_tag):
    """Descendants `tag` whose nearest `owner_tag` ancestor is `element` (through w:sdt and the like,
    not into nested tables)."""
    return [e for e in element.iter(tag) if next(e.iterancestors(owner_tag), None) is element]


def _grid(tbl):
    rows = []
    for tr in _own(tbl, _TR, _TBL):
        tr_pr = tr.find(_TR_PR)
        row = [""] * _int_attr(tr_pr, _GRID_BEFORE)
        for tc in _own(tr, _TC, _TR):
            tc_pr = tc.find(_TC_PR)
            span = _int_attr(tc_pr, _GRID_SPAN) or 1
            v_merge = tc_pr.find(_V_MERGE) if tc_pr is not None else None
            continued = v_merge is not None and v_merge.get(_VAL) in (None, "continue")
            row.append("" if continued else _cell_text(tc))
            row.extend([""] * (span - 1))
        row.extend([""] * _int_attr(tr_pr, _GRID_AFTER))
        rows.append(row)
    if not rows:
        return None
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def page_pictures(document):
    """The bytes of the pictures in the body, in document order (a scan pasted into Word)."""
    blobs = []
    for blip in document.element.body.iter(_BLIP):
        part = document.part.related_parts.get(blip.get(_EMBED))
        if part is not None and getattr(part, "blob", None):
            blobs.append(part.blob)
    return blobs


def docx_pictures(data: bytes, max_unzipped_bytes: int = 200 * 1024 * 1024) -> list:
    """The pictures of a .docx that holds a scan (see page_pictures)."""
    _check_zip(data, max_unzipped_bytes)
    return page_pictures(docx.Document(io.BytesIO(data)))


def _main_body(data):
    """The main document's w:body as docx.Document gives it, or None where docx.Document must
    decide (and say why it cannot). The package is read by python-docx's own reader (content
    types, the relationships walked, every part they name present) and its main part found and
    checked as docx.Document finds and checks it, but only that part is parsed: docx.Document
    parses every XML part, and the styles a Word-made file carries (hundreds of KB) took half
    the time of a DOCX and give nothing the body's text uses."""
    try:
        package = PackageReader.from_file(io.BytesIO(data))
    except Exception:
        return None
    rels = {}       # the package's relationships by id, as python-docx keeps them (a repeated id: the last)
    for source, srel in package.iter_srels():
        if source == PACKAGE_URI:
            rels[srel.rId] = srel
    main = [srel for srel in rels.values() if srel.reltype == RELATIONSHIP_TYPE.OFFICE_DOCUMENT]
    if len(main) != 1 or main[0].is_external:
        return None
    for partname, content_type, _, blob in package.iter_sparts():
        if partname == main[0].target_partname:
            if content_type != CONTENT_TYPE.WML_DOCUMENT_MAIN:
                return None
            try:
                return parse_xml(blob).body
            except Exception:
                return None
    return None


def _open(data):
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise ExtractionError(f"Word 文档（.docx）无法解析（{type(exc).__name__}），文件可能已损坏。") from None


def read_docx(data: bytes, max_unzipped_bytes: int = 200 * 1024 * 1024) -> Document:
    """Extract a .docx's body; ExtractionError for broken, encrypted or bomb-like files."""
    _check_zip(data, max_unzipped_bytes)
    body = _main_body(data)
    document = None
    if body is None:
        document = _open(data)
        body = document.element.body
    blocks = []
    stack = [iter(body.iterchildren())]
    while stack:
        element = next(stack[-1], None)
        if element is None:
            stack.pop()
            continue
        if element.tag == _P:
            text = _paragraph_text(element)
            blocks.extend(" ".join(line.split()) for line in text.splitlines() if line.strip())
        elif element.tag == _TBL:
            rows = _grid(element)
            if rows and any(any(row) for row in rows):
                blocks.append(Table(rows=rows))
        elif element.tag == _SDT:
            content = element.find(_SDT_CONTENT)
            if content is not None:
                stack.append(iter(content.iterchildren()))
    if not blocks:
        if page_pictures(document or _open(data)):
            raise NeedsOCR("扫描件：Word 文档中只有图片，需要文字识别（OCR）后才能读取。")
        raise ExtractionError("Word 文档中没有可读取的文字。")
    return Document(blocks=blocks, media_type=(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
