"""Title, agency, year, publication date and region of a report."""
import re
from collections import Counter

from . import agency as agency_rules
from . import chrome, region
from .cells import key, tidy
from .sections import chinese_number

_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_YEAR = re.compile(r"((?:19|20)\d{2}|[二][〇○零Ｏ一二三四五六七八九]{3})\s*年")
DATE = re.compile(r"((?:19|20)\d{2}|[二][〇○零Ｏ一二三四五六七八九]{3})\s*年\s*([\d一二三四五六七八九十]{1,3})\s*月\s*"
                   r"([\d一二三四五六七八九十]{1,3})\s*日")
_ISODATE = re.compile(r"(?:发布|印发|日期|时间)[^\d]{0,6}((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_ISODATE_ANY = re.compile(r"(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}")
_BARE_ISODATE = re.compile(r"^\s*((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")
_PERIOD = re.compile(r"统计(?:期限|时限|时间|周期|区间)[^。]{0,12}?((?:19|20)\d{2})\s*年")
_TITLE_MARK = re.compile(r"年度报告|工作报告|年报(?!名)")


def year_number(text):
    if text.isdigit():
        return int(text)
    return int("".join(_CN_DIGITS.get(c, c) for c in text))


class Title:
    """Where the title is: lines start..end (simplified copy), its printed and simplified text,
    and the first line of the body (the title's own line when the title runs into the text)."""
    __slots__ = ("start", "end", "text", "text_s", "body_from")

    def __init__(self, start=None, end=-1, text=None, text_s=None, body_from=0):
        self.start, self.end, self.text, self.text_s, self.body_from = start, end, text, text_s, body_from


def _units(lines, originals, limit=15):
    """The first lines as title candidates: [(line, a, b, simplified, printed)].

    A short line is one unit, or, when it is a page's metadata row, only the value of its
    名称/标题 cell; a long line (a crawled page as one line) is read as its pieces."""
    out = []
    for i, line in enumerate(lines[:limit]):
        orig = originals[i] if originals is not None else line
        if len(orig) != len(line):
            orig = chrome.strip_glosses(orig)  # the matching copy reads 報(bào)告 as 報告
        same = len(orig) == len(line)
        short = len(line) <= 80 and "。" not in line
        if short and chrome.is_nav(line) and not chrome.is_field_row(line):
            # a breadcrumb or toolbar line: only a breadcrumb's last step can be the title
            tail = chrome.breadcrumb_tail(line)
            if tail:
                a = line.rfind(tail)
                out.append((i, a, a + len(tail), tail, orig[a:a + len(tail)] if same else tail))
            continue
        if short and chrome.is_field_row(line):
            value = chrome.labelled_title(line)
            if value:
                a = line.find(value)
                out.append((i, a, a + len(value), value, orig[a:a + len(value)] if same else value))
            continue
        spans = chrome.pieces(line) if not short or re.search(r"\s", line.strip()) else [(0, len(line))]
        for a, b in spans:
            out.append((i, a, b, line[a:b], orig[a:b] if same else line[a:b]))
        if not short and len(out) > 60:
            break
    return out


_SENTENCE = re.compile(r"[。，,；;]|(?<=.)[《〈]|^(?:本|根据|依据|按照|现将|现就)")


def _title_piece(text):
    """A title names a report and is no sentence (本年度报告根据《条例》… is the first sentence)."""
    return (_TITLE_MARK.search(text) and len(text) <= 80 and not _SENTENCE.search(text)
            and not chrome.is_nav(text) and not chrome.is_field_row(text))


def _joinable(text):
    return (len(text) <= 40 and not re.search(r"[。，,；;：:]", text) and not chrome.is_nav(text)
            and not chrome.is_field_row(text) and not DATE.search(text) and not _ISODATE_ANY.search(text)
            and not re.match(r"[一二三四五六七八九十\d]+\s*[、.．]", text))


def find_title(lines, originals=None):
    """The report's title among the first lines (simplified text).

    A piece naming 信息公开 and a report wins over other report pieces (breadcrumbs); site
    chrome (breadcrumbs, 索引号｜发布机构 rows, 来源：…, toolbars) is never the title; a title
    split over lines or pieces (agency, then 政府信息公开工作年度报告) is joined; a title run
    into the text of its line is still the title."""
    units = _units(lines, originals)
    marked = [j for j, u in enumerate(units) if _title_piece(u[3])]
    if marked:
        # a title names 信息公开 and a year; a menu entry (政府信息公开年报) names neither year nor body
        j = max(marked, key=lambda k: (bool(re.search("信息公开|政务公开", key(units[k][3]))),
                                       bool(re.search(r"(?:19|20)\d{2}", units[k][3])), -k))
        first = j
        joined = units[j][3]
        while first > 0 and j - first < 2:
            if find_agency(joined) and not re.match(r"[(（]", joined):
                break  # the title names its body; a piece that opens with a bracket goes on above
            prev = units[first - 1]
            if not _joinable(prev[3]) or prev[0] < units[first][0] - 1:
                break
            above = find_agency(prev[3] + joined)
            if above and not re.match(r"[(（]", above) and not agency_rules.clean(above):
                break  # what is above reads as no body (a banner): the title starts here
            first -= 1
            joined = prev[3] + joined
        start, end = units[first][0], units[j][0]
        text_s = tidy(" ".join(u[3] for u in units[first:j + 1]))
        text = tidy(" ".join(u[4] for u in units[first:j + 1]))
        last = units[j]
        inline = last[2] < len(lines[end].rstrip())  # the text goes on after the title on its line
        body_from = end if inline else end + 1
        return Title(start, end, text, text_s, body_from)
    if lines and len(lines[0]) <= 60 and _joinable(lines[0]) and re.search("信息公开|政务公开", lines[0]) \
            and agency_rules.clean(find_agency(lines[0])):
        return Title(0, 0, tidy(originals[0] if originals else lines[0]), tidy(lines[0]), 1)
    return Title()


def find_agency(title_simplified):
    """The issuing body: the title before the year or before 政府信息公开."""
    if not title_simplified:
        return None
    printed = re.sub(r"\s+", "", title_simplified)
    t = key(printed)
    if len(t) != len(printed):  # NFKC changed the length: keep the normalised text
        printed = t
    lead = re.match(r"(?:(?:名称|标题)[:：|])?(?:关于)?(?:(?:19|20)\d{2}年度?)?", t)
    start = lead.end() if lead else 0
    m = re.compile(r"(?:19|20)\d{2}(?:年度?)?|[二][〇○零一二三四五六七八九]{3}年度?|关于|(?:政府|政务)?信息公开|"
                   r"(?:政府|政务)?(?:信息)?公开工作|工作(?:年度)?报告|年度报告|年报").search(t, start)
    agency = printed[start:m.start() if m else len(t)]
    agency = agency.strip("《》“”\"'()（）:：,，、|｜ ")
    if agency.endswith("人民") and t.startswith("政府", m.start() if m else len(t)):
        agency += "政府"  # 2019年某县人民政府信息公开…: 政府 belongs to the body
    return agency or None


def find_year(title_simplified, lines, published=None):
    """The year reported on: title, else 统计期限, else the commonest year of the prose other than
    the publication year."""
    if title_simplified:
        m = _YEAR.search(title_simplified)
        if m:
            return year_number(m.group(1))
    for line in lines:
        m = _PERIOD.search(line)
        if m:
            return int(m.group(1))
    seen = Counter()
    for line in lines[:60]:
        if not DATE.fullmatch(line.strip()):
            seen.update(year_number(y) for y in _YEAR.findall(line))
    if published and len(seen) > 1:
        seen.pop(int(published[:4]), None)
    return seen.most_common(1)[0][0] if seen else None


def _date_parts(y, mo, d):
    try:
        month, day = chinese_number(mo), chinese_number(d)
        year = year_number(y)
    except (TypeError, ValueError):
        return None
    if not month or not day or not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _closing(lines):
    """The last lines, the last line read as its pieces when it is long (a page as one line)."""
    lines = list(lines[-9:])
    if lines and len(lines[-1]) > 80:
        last = lines.pop()
        lines += [last[a:b] for a, b in chrome.pieces(last)[-9:]]
    return lines


def _signature_date(lines):
    for line in reversed(_closing(lines)[-8:]):
        m = (DATE.search(line) if len(line) <= 30 else None) or _BARE_ISODATE.match(line)
        if m:
            return _date_parts(*m.groups())
    return None


_LABEL_RANK = {"发布": 0, "公开": 0, "发表": 0, "印发": 0, "": 1, "发文": 2, "成文": 2, "生成": 3}


def find_published(lines, head=None):
    """The release date: the date under the signature at the end, else the page's date line
    (发布时间：2016-03-28, 发文日期｜…, a body and a date under the title), never a date in
    the prose. `head`: the lines before the body (page chrome and title), else the first 6."""
    found = _signature_date(lines)
    if found:
        return found
    top = lines[:6] if head is None else head
    top = [line[:300] for line in top]
    dated = sorted(chrome.labelled_dates(top), key=lambda d: _LABEL_RANK.get(d[0], 1))
    for label, y, mo, d in dated:
        found = _date_parts(y, mo, d)
        if found:
            return found
    for line in top:
        parts = chrome.body_date(line) or chrome.body_date_inline(line) or chrome.leading_date(line)
        m = parts or _ISODATE.search(line) or _BARE_ISODATE.match(line) \
            or (DATE.search(line) if len(line) <= 30 else None)
        if m and (parts or not chrome.is_period(line, m)):
            found = _date_parts(*(parts or m.groups()))
            if found:
                return found
    return None


def chrome_lines(lines, title):
    """The page's lines before the body: up to the title, and any leading run of short lines,
    metadata rows and breadcrumbs (where 发布机构 and 发布时间 are)."""
    n = 0
    while n < min(len(lines), 15) and not re.match(r"[一二三四五六七八九十]+\s*[、.．]|\d+\s*[、．]", lines[n]) \
            and (len(lines[n]) <= 80 and "。" not in lines[n] or chrome.is_field_row(lines[n][:80])):
        n += 1
    end = title.end + 1 if title.start is not None else 0
    if title.start is not None and title.body_from <= title.end:
        end = title.end + 1
    return lines[:max(n, end, 1)]


def find_agency_anywhere(title_agency, head, body, tail):
    """The issuing body: the title's, else what the report's sentences, signature, contact line,
    overview or the page's 发布机构 field name (see agency.py). Returns (agency, uncertain)."""
    head_text = "\n".join(head + body[:12])[:4000]
    name = title_agency
    if name and agency_rules.clean(name):
        name = agency_rules.expand_abbreviation(agency_rules.clean(name), head_text)
        return agency_rules.complete(name), False
    signature = signature_body(tail)
    for found in (agency_rules.from_sentences(head_text), signature and agency_rules.clean(signature),
                  agency_rules.from_contact(head_text), agency_rules.from_subject(head_text)):
        if found:
            return agency_rules.complete(agency_rules.expand_abbreviation(found, head_text)), True
    for issuer in chrome.issuers(head):
        found = agency_rules.clean(issuer)
        if found and region.chain(found):
            return agency_rules.complete(found), True
    if name and not agency_rules.is_self_reference(name):
        return name, False  # as the title prints it, though it ends in no usual word for a body
    return None, True


def region_evidence(head, body):
    """Names that place an agency with no place in its name: the page's 发布机构 field, the
    body the contact line names (江岸区政府办公室), the body that compiled the report."""
    text = "\n".join(head + body)[:4000]
    names = chrome.issuers(head) + [agency_rules.from_contact(text), agency_rules.from_sentences(text)]
    return [n for n in names if n]


_SIGNATURE_PUNCT = re.compile(r"[。，,；;：:！？]")


def signature_body(lines):
    """The body named in the short lines right above the closing date, else None."""
    lines = _closing(lines)
    for j in range(len(lines) - 1, -1, -1):
        if _signature_date([lines[j]]):
            names = []
            k = j - 1
            while k >= 0 and j - k <= 3 and len(lines[k]) <= 30 and not _SIGNATURE_PUNCT.search(lines[k]) \
                    and agency_rules.clean(lines[k].strip()):
                names.insert(0, lines[k].strip())
                k -= 1
            return "".join(names) or None
    return None


_LEVEL = re.compile(r"^(自治区|省|市|区|县|旗)")
_SELF_LEVEL = re.compile(r"(?:我|全|本)(自治区|省|市|州|盟|县|区|旗|镇|乡|街道)")
_DEPTH = {"自治区": 1, "省": 1, "市": 2, "州": 2, "盟": 2}


def _self_level(texts):
    """How deep a report that names no body of its own can be placed, by the words it uses for
    itself: 全市/我市 a city's (no county), 我县/全区 a county's, 我省 a province's; None when it
    says nothing of itself (我局)."""
    said = Counter(m.group(1) for t in texts for m in _SELF_LEVEL.finditer(t))
    if not said:
        return None
    return _DEPTH.get(said.most_common(1)[0][0], 3)


def find_region(agency, texts, evidence=()):
    """{province, city, county} of the issuing body.

    From the places the agency's own name gives (county, city, province: the levels below the
    deepest place it names stay null, so a city's department has no county), the text only
    choosing between places of one name (朝阳区 of Beijing or of Changchun) and, for a
    街道办事处 or town named under a city, which county. An agency that names no place is placed
    by the evidence (发布机构, contact line), then by the prose, at the agency's level when its
    name starts with one (自治区人民政府办公厅: a province, and an autonomous one), else as deep
    as the report speaks of itself (全市, 我镇). `evidence` may be a function giving the names,
    called only when the agency alone does not settle the region."""
    texts = [t for t in texts if t]
    if len(texts) > 40 or sum(map(len, texts)) > 6000:
        texts = list(texts[:40])
        budget, kept = 6000, []
        for t in texts:
            kept.append(t[:budget])
            budget -= len(kept[-1])
            if budget <= 0:
                break
        texts = kept
    place = None
    places = region.chain(agency) if agency else ()
    if places and len(places) == 1 and not re.search(r"(?:街道|镇|乡)", agency):
        return region.to_record(places[0])  # the agency's own places settle it
    if callable(evidence):
        evidence = evidence()
    if places:
        place = region.pick(places, texts + list(evidence))
        if place is not None and place.level < 3 and re.search(r"(?:街道|镇|乡)", agency or "") \
                and not re.search(r"(?:街道|镇|乡)$", place.name):
            inner = region.from_text(texts + list(evidence), within=place)
            if inner is not None and inner.level > place.level:
                place = inner
        return region.to_record(place)
    level = _LEVEL.match(agency or "")
    depth, exact = 3, None
    if level:
        word = level.group(1)
        depth = {"自治区": 1, "省": 1, "市": 2}.get(word, 3)
        exact = depth if word in ("自治区", "省") else None
    elif not agency or not re.search(r"(?:街道|镇|乡|村|社区)", agency):
        depth = _self_level(texts) or depth
    for e in evidence:
        candidates = region.chain(e)
        if candidates:
            place = region.pick(candidates, texts, depth=depth)
            if place is not None and (exact is None or place.level >= exact):
                if exact is not None:
                    place = region.gazetteer().lineage(place)[exact - 1]
                break
            place = None
    autonomous = bool(level) and level.group(1) == "自治区"
    if place is not None and autonomous and "自治区" not in region.gazetteer().lineage(place)[0].name:
        place = None
    if place is None:
        place = region.from_text(texts, depth=depth, level=exact,
                                 accept=(lambda p: "自治区" in p.name) if autonomous else None)
    return region.to_record(place)
