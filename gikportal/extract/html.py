"""HTML pages saved from government websites -> Document: the report body as lines and grids.

Site chrome (scripts, navigation, header, footer, sidebars, share bars) is removed; the body is
the deepest element holding most of the page's Chinese text. Tables become grids with rowspan
and colspan expanded ('' in the covered cells, like the seeds). Nothing is kept as HTML, so no
markup from the page can reach a reader. Every walk over the tree is iterative: a page nested
10,000 levels deep costs time proportional to its size, not stack.
"""
import codecs
import re

import lxml.etree
import lxml.html

from ..document import Document, ExtractionError, Table
from .pdf import join_wrapped
from .text import decode

_META_CHARSET = re.compile(rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "select", "button",
              "nav", "aside", "svg", "canvas", "map", "head", "link", "meta")
_CHROME_TAGS = ("header", "footer")
_CHROME = re.compile(r"(^|[\s_-])(nav|navbar|menu|breadcrumbs?|crumbs?|position|footer|foot|copyright|"
                     r"sidebar|share|bdshare|toolbar|friend-?links?|top-?bar)([\s_-]|$)", re.IGNORECASE)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BLOCK = frozenset("address article blockquote body center dd div dl dt fieldset figcaption figure form h1 h2 h3 "
                   "h4 h5 h6 hr li main ol p pre section table tbody td th thead tfoot tr ul caption".split())
_CONTAINERS = frozenset("article blockquote center div font form main section table tbody td th tr".split())
_TABLE_PARTS = frozenset("table tbody td th tr".split())
_MAX_SPAN = 64
_MAX_CELLS = 100_000
_LAYOUT_CELL_CHARS = 300     # a cell this long holds prose: its table lays out the page


def _decode(data):
    """Declared charset when it decodes cleanly (GBK family read as GB18030), else detection."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode(data)
    match = _META_CHARSET.search(data[:8192])
    if match:
        name = match.group(1).decode("ascii", "ignore").lower()
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            codec = None
        if codec in ("gbk", "gb2312", "hz", "cp936"):
            codec = "gb18030"
        if codec and not codec.startswith("utf-16"):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                pass    # mislabelled (e.g. GBK declared as UTF-8): detect instead
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode(data)


def _parse(text):
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                  huge_tree=True, default_doctype=False)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8", errors="replace"), parser=parser)
    except (lxml.etree.ParserError, ValueError):
        raise ExtractionError("网页内容为空或无法解析。") from None
    if root is None:
        raise ExtractionError("网页内容为空或无法解析。")
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        # libxml2 stops reading at its depth limit: the rest of the page would be silently lost
        raise ExtractionError("网页标签嵌套过深（超过 2000 层），无法完整读取。")
    return root


def _tag(element):
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _page_title(root):
    found = root.find(".//title")
    if found is None or not found.text:
        return ""
    return re.split(r"\s*[_|｜—–]\s*|\s+-\s+", found.text.strip())[0].strip()


def _measure(root):
    """Bottom-up, without recursion: CJK characters, all characters and 'contains a table' per element."""
    cjk, size, has_table = {}, {}, {}
    for element in reversed(list(root.iter())):
        own = (element.text or "") if isinstance(element.tag, str) else ""
        n_cjk, n_all, table = len(_CJK.findall(own)), len(own.strip()), False
        for child in element:
            tail = child.tail or ""
            n_cjk += cjk.get(child, 0) + len(_CJK.findall(tail))
            n_all += size.get(child, 0) + len(tail.strip())
            table = table or has_table.get(child, False) or _tag(child) == "table"
        cjk[element], size[element], has_table[element] = n_cjk, n_all, table
    return cjk, size, has_table


def _is_layout_table(table, size, has_table):
    if has_table.get(table):
        return True
    return any(size.get(cell, 0) > _LAYOUT_CELL_CHARS for cell in table.iter("td", "th"))


def _remove_chrome(root):
    """Drop scripts, hidden parts and site chrome; a <header> holding the report's heading stays."""
    doomed = [el for el in root.iter() if isinstance(el.tag, str) and (
        _tag(el) in _DROP_TAGS or _HIDDEN.search(el.get("style") or "")
        or (_tag(el) in _CHROME_TAGS and not any(
            "报告" in "".join(h.itertext()) for h in el.iter("h1", "h2", "h3"))))]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    cjk, _, _ = _measure(root)
    total = max(cjk.get(root, 0), 1)
    doomed = [el for el in root.iter() if isinstance(el.tag, str)
              and _CHROME.search(f"{el.get('class') or ''} {el.get('id') or ''}")
              and cjk.get(el, 0) < 0.2 * total]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _find_title(root, size):
    """The report's heading: a short element naming a 年度报告, headings preferred."""
    for tags in (("h1", "h2", "h3", "h4"), ("p", "div", "td", "span", "strong", "b", "font")):
        for element in root.iter(*tags):
            if 0 < size.get(element, 0) <= 120:
                text = "".join("".join(element.itertext()).split())
                if ("年度报告" in text or "年报" in text) and "当前位置" not in text:
                    return element
    return None


def _pick_body(root, cjk, size, has_table):
    """Descend from <body> into the container holding most (70%) of the Chinese text."""
    body = root.find("body")
    node = body if body is not None else root
    while True:
        total = cjk.get(node, 0)
        children = [c for c in node if _tag(c) in _CONTAINERS]
        if not children or total == 0:
            return node
        best = max(children, key=lambda c: cjk.get(c, 0))
        if cjk.get(best, 0) < 0.7 * total:
            return node
        if _tag(best) in _TABLE_PARTS:
            table = best if _tag(best) == "table" else next(best.iterancestors("table"), None)
            if table is None or not _is_layout_table(table, size, has_table):
                return node
        node = best


def _cell_text(cell):
    return join_wrapped(" ".join(piece.split()) for piece in cell.itertext())


_LEADING_INT = re.compile(r"\s*\+?(\d+)")


def _span(cell, name, limit):
    """A rowspan/colspan read the way browsers read it: the leading digits only ("2.0" and "2px"
    are 2), 1 when missing or unreadable, 0 (rowspan: to the end of the row group) kept as 0."""
    match = _LEADING_INT.match(cell.get(name) or "")
    if not match:
        return 1
    return min(limit, int(match.group(1)))


def _row_groups(table):
    """This table's own rows (not a nested table's), in groups: <thead>, each <tbody>, <tfoot>,
    or the rows standing directly in <table>. A rowspan never reaches past its group."""
    groups, loose = [], []
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            loose.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            if loose:
                groups.append(loose)
                loose = []
            rows = [tr for tr in child if _tag(tr) == "tr"]
            if rows:
                groups.append(rows)
    if loose:
        groups.append(loose)
    return groups


def _grid(table):
    """Cells placed as the HTML table model places them: a cell goes to the first slot of its row
    that no rowspan from above covers, merged cells are expanded with '' in the covered slots."""
    grid, width, r = {}, 0, 0
    for group in _row_groups(table):
        end = r + len(group)
        for tr in group:
            c = 0
            for cell in tr:
                if _tag(cell) not in ("td", "th"):
                    continue
                while (r, c) in grid:
                    c += 1
                rowspan = _span(cell, "rowspan", end - r) or end - r
                colspan = max(1, _span(cell, "colspan", _MAX_SPAN))
                if len(grid) + rowspan * colspan > _MAX_CELLS:
                    raise ExtractionError("网页中的表格过大，无法读取。")
                text = _cell_text(cell)
                for i in range(rowspan):
                    for j in range(colspan):
                        grid.setdefault((r + i, c + j), text if i == 0 and j == 0 else "")
                c += colspan
                width = max(width, c)
            r += 1
    return [[grid.get((row, col), "") for col in range(width)] for row in range(r)]


def _blocks(body, size, has_table, title_text):
    blocks, line = [], []

    def flush():
        text = join_wrapped(" ".join(part.split()) for part in line)
        line.clear()
        if text:
            blocks.append(text)

    walker = lxml.etree.iterwalk(body, events=("start", "end"))
    for event, element in walker:
        tag = _tag(element)
        if event == "start":
            if tag == "table" and not _is_layout_table(element, size, has_table):
                flush()
                rows = _grid(element)
                if rows and any(any(row) for row in rows):
                    blocks.append(Table(rows=rows))
                walker.skip_subtree()
                continue
            if tag in _BLOCK or tag == "br":
                flush()
            if element.text and tag:
                line.append(element.text)
        else:
            if tag in _BLOCK:
                flush()
            if element is not body and element.tail:
                line.append(element.tail)
    flush()
    key = "".join(title_text.split())
    if key and not any(key in "".join(b.split()) for b in blocks[:5] if isinstance(b, str)):
        blocks.insert(0, title_text)
    return blocks


def read_html(data: bytes) -> Document:
    """Extract the report body of an HTML page; ExtractionError when the page holds no text."""
    root = _parse(_decode(data))
    page_title = _page_title(root)
    _remove_chrome(root)
    cjk, size, has_table = _measure(root)
    title_element = _find_title(root, size)
    body = _pick_body(root, cjk, size, has_table)
    title_text = ""
    if title_element is not None:
        title_text = join_wrapped(title_element.itertext())
    elif "报告" in page_title:
        title_text = page_title
    blocks = _blocks(body, size, has_table, title_text)
    if not blocks:
        raise ExtractionError("网页中没有可读取的正文。")
    return Document(blocks=blocks, media_type="text/html")
