"""How the benchmark's naive baseline reads a file: each library's plain call, as a first attempt
would write it (pdfplumber's `extract_text` page by page, python-docx's paragraphs and table
cells, lxml's `text_content`, the bytes decoded), no layout or table analysis of its own."""
import io

import docx
import lxml.html
import pdfplumber


def text_of(data, filename):
    """The plain text of one original."""
    kind = filename.rsplit(".", 1)[-1].lower()
    if kind == "pdf":
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    if kind == "docx":
        document = docx.Document(io.BytesIO(data))
        lines = [p.text for p in document.paragraphs]
        for table in document.tables:
            lines += ["\t".join(cell.text for cell in row.cells) for row in table.rows]
        return "\n".join(lines)
    if kind in ("html", "htm"):
        return lxml.html.document_fromstring(data).text_content()
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")
