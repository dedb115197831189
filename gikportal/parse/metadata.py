"""Title, agency, year, publication date and region of a report."""
import re
from collections import Counter

from .cells import key
from .sections import chinese_number

_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_YEAR = re.compile(r"((?:19|20)\d{2}|[二][〇○零Ｏ一二三四五六七八九]{3})\s*年")
DATE = re.compile(r"((?:19|20)\d{2}|[二][〇○零Ｏ一二三四五六七八九]{3})\s*年\s*([\d一二三四五六七八九十]{1,3})\s*月\s*"
                   r"([\d一二三四五六七八九十]{1,3})\s*日")
_ISODATE = re.compile(r"(?:发布|印发|日期|时间)[^\d]{0,6}((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_BARE_ISODATE = re.compile(r"^\s*((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")
_PERIOD = re.compile(r"统计(?:期限|时限|时间|周期|区间)[^。]{0,12}?((?:19|20)\d{2})\s*年")
_TITLE_MARK = re.compile(r"年度报告|工作报告|年报")
_NAV = re.compile(r"[>›»|]|首页|当前位置")
_TITLE_TAIL = re.compile(r"^(?:(?:19|20)\d{2}\s*年度?)?\s*(?:政府|政务)?信息公开")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


def year_number(text):
    if text.isdigit():
        return int(text)
    return int("".join(_CN_DIGITS.get(c, c) for c in text))


def find_title(lines):
    """(first, last) line index of the title among the first lines (simplified text), or (None, -1).

    A line naming 信息公开 and a report wins over other report lines (breadcrumbs); a title
    split over lines (agency, then 政府信息公开工作年度报告) is joined."""
    marked = [i for i, line in enumerate(lines[:15]) if _TITLE_MARK.search(line) and len(line) <= 80
              and not _NAV.search(line) and "。" not in line]
    if marked:
        i = next((j for j in marked if re.search("信息公开|政务公开", key(lines[j]))), marked[0])
        start = i
        if _TITLE_TAIL.match(key(lines[i])):
            while start > 0 and i - start < 2 and len(lines[start - 1]) <= 40 \
                    and not re.search(r"[。，,；;：:]", lines[start - 1]) and not _NAV.search(lines[start - 1]) \
                    and not DATE.search(lines[start - 1]):
                start -= 1
        return start, i
    if lines and len(lines[0]) <= 60 and not re.match(r"[一二三四五六七八九十\d]+\s*[、.．]", lines[0]):
        return 0, 0
    return None, -1


def find_agency(title_simplified):
    """The issuing body: the title before the year or before 政府信息公开."""
    if not title_simplified:
        return None
    printed = re.sub(r"\s+", "", title_simplified)
    t = key(printed)
    if len(t) != len(printed):  # NFKC changed the length: keep the normalised text
        printed = t
    lead = re.match(r"(?:19|20)\d{2}年度?", t)
    start = lead.end() if lead else 0
    m = re.compile(r"(?:19|20)\d{2}年度?|[二][〇○零一二三四五六七八九]{3}年度?|关于|(?:政府|政务)?信息公开|年度报告"
                   ).search(t, start)
    agency = printed[start:m.start() if m else len(t)]
    agency = agency.strip("《》“”\"'()（）:：,，、 ")
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


def find_published(lines):
    """A printed date on a line of its own: the signature block at the end, else under the title."""
    for line in reversed(lines[-8:]):
        m = (DATE.search(line) if len(line) <= 30 else None) or _BARE_ISODATE.match(line)
        if m:
            return _date_parts(*m.groups())
    for line in lines[:6]:
        m = _ISODATE.search(line) or (DATE.search(line) if len(line) <= 30 else None)
        if m:
            return _date_parts(*m.groups())
    return None


_cpca = None


def _resolve(texts):
    """cpca's (province, city, county) for each text. cpca builds a pandas frame per call (about
    2 ms), and an agency's name comes back every year, so answers are remembered per text."""
    missing = [t for t in dict.fromkeys(texts) if t not in _resolved]
    if missing:
        global _cpca
        if _cpca is None:
            import cpca
            _cpca = cpca
        frame = _cpca.transform(missing)
        for text, row in zip(missing, frame.itertuples(index=False)):
            if len(_resolved) >= 100_000:
                _resolved.clear()
            _resolved[text] = tuple(v if isinstance(v, str) and v else None for v in row[:3])
    return [_resolved[t] for t in texts]


_resolved = {}


def _appears(name, text):
    if not name:
        return False
    if name in text:
        return True
    short = re.sub(r"(?:省|市|区|县|自治州|自治县|地区|盟|旗)$", "", name)
    return len(short) >= 2 and short in text


def _region_of(source, province, city, county):
    """Map cpca's placeholders to the record's names; None when cpca guessed from nothing printed."""
    if not province:
        return None
    if city in ("省直辖县级行政区划", "自治区直辖县级行政区划"):
        city, county = county, None
    elif city in ("市辖区", "县"):
        city = None
    if province in _MUNICIPALITIES:
        city = province
    if not any(_appears(n, source) for n in (province, city, county)):
        return None
    if county and not _appears(county, source):
        county = None
    return {"province": province, "city": city, "county": county}


def _first_region(batch):
    batch = [t for t in batch if t]
    if batch:
        for source, parts in zip(batch, _resolve(batch)):
            region = _region_of(source, *parts)
            if region:
                return region
    return None


def find_region(agency, texts):
    """{province, city, county} via cpca from the agency, else from the given text lines.

    A county named alone (朝阳区 is in Beijing and in Changchun) is placed by the province and
    city the text names, when the text names them."""
    region = _first_region([agency]) if agency else None
    if region and region["county"] and not _appears(region["province"], agency) \
            and not _appears(region["city"], agency):
        context = _first_region(texts)
        if context and context["province"] != region["province"]:
            prefix = (context["province"] or "") + (context["city"] if context["city"] != context["province"] else "")
            placed = _first_region([prefix + agency])
            if placed and placed["county"] == region["county"]:
                region = placed
    return region or _first_region(texts) or {"province": None, "city": None, "county": None}
