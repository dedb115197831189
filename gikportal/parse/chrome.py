"""What a crawled page puts around a report: breadcrumbs, index-number tables, 来源/发布时间
lines, toolbars and banners; and what of it is evidence (发布机构, the release date).

A crawled page often reaches us as one line (`当前位置：首页… 标题 来源：… 时间：… 正文…`), so
the first lines are also read as their whitespace-separated pieces ("pieces").
"""
import re

from .cells import key

# 報(bào)告, 標(biāo)題: a pinyin gloss glued to the character it reads
_GLOSS = re.compile(r"(?<=[\u3400-\u9fff])(?:\((?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]{1,7}\))+")
_GAP = re.compile(r"\s+")
_FIELD_LABELS = ("索引号", "主题分类", "分类", "发布机构", "发文机关", "发文日期", "成文日期", "公开日期",
                 "发布日期", "生成日期", "文号", "发文字号", "有效性", "是否有效", "关键词", "公开形式",
                 "责任部门", "信息来源", "来源", "浏览次数", "字体", "名称", "标题", "作者", "所属机构")
_FIELD = re.compile(r"[\[【]?\s*(?:" + "|".join(sorted(_FIELD_LABELS, key=len, reverse=True)) + r")\s*[\]】]?\s*[:：|｜]")
_NAV = re.compile(r"[>›»]|首页|当前位置|您的位置|所在位置|无障碍|长者模式|关怀模式|简体版|繁体版|繁體|"
                  r"微信|微博|QQ空间|打印|分享|收藏|字号|字体|【\s*[大中小]|^[|｜]+$|附件下载|相关链接|-->")
_LABELLED_TITLE = re.compile(r"^(?:[\[【]?\s*(?:名\s*称|标\s*题|题\s*名)\s*[\]】]?\s*[:：|｜])\s*")
_ISSUER = re.compile(r"(?:发布机构|发文机关|所属机构)\s*[\]】]?\s*[:：|｜]?\s*([^\s|｜:：\[\]【】]{2,40})")
_DATE_LABEL = re.compile(r"(发布|公开|发文|发表|成文|生成|印发)?\s*(?:日期|时间)\s*[\]】]?\s*[:：|｜]?\s*"
                         r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_PERIOD_BEFORE = re.compile(r"统计|截至|截止|期限|时限|周期|区间|数据")
_RANGE_AFTER = re.compile(r"\s*日?\s*(?:至|到|起|—|–|~|～|-\s*(?:19|20)\d{2})")
_BODY_DATE = re.compile(r"^([^\d\s:：|｜，。,]{3,30})\s*((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                        r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")


def strip_glosses(text):
    """報(bào)告 -> 報告: the matching copy reads the characters, not their pinyin."""
    return _GLOSS.sub("", text) if "(" in text else text


def pieces(line):
    """(start, end) of the whitespace-separated pieces of a line."""
    out, at = [], 0
    for m in _GAP.finditer(line):
        before = line[m.start() - 1] if m.start() else ""
        after = line[m.end()] if m.end() < len(line) else ""
        if (before.isdigit() and after in "年月日") or (before in "年月" and after.isdigit()):
            continue  # a date printed with spaces (2024 年 1 月) is one piece
        if m.start() > at:
            out.append((at, m.start()))
        at = m.end()
    if at < len(line):
        out.append((at, len(line)))
    return out


def breadcrumb_tail(line):
    """The last step of a breadcrumb when it reads as a report's title (a year and 信息公开)."""
    steps = [step.strip() for step in re.split(r"\s*[>›»|｜/]\s*|\s{2,}", line) if step.strip()]
    if len(steps) < 2:
        return None
    tail = steps[-1]
    if re.search(r"(?:19|20)\d{2}", tail) and re.search("信息公开|政务公开", tail) and not re.search(r"…|\.\.\.", tail) \
            and not _NAV.search(key(tail)):
        return tail
    return None


def is_field_row(text):
    """A metadata table row of the page (索引号｜分类｜发布机构｜…, 来源：…, 发布时间：…)."""
    k = key(text)
    return bool(_FIELD.search(k)) or k.startswith(("来源", "信息来源", "发布时间", "发布日期", "时间:"))


def is_nav(text):
    return bool(_NAV.search(key(text)))


def labelled_title(text):
    """The value of a 名称：/标题｜ cell, else None."""
    k = text.strip()
    m = _LABELLED_TITLE.match(k)
    if not m:
        return None
    value = re.split(r"\s*[|｜]\s*", k[m.end():])[0]
    return value.strip() or None


def issuers(lines):
    """发布机构 values of the page's metadata rows (evidence for the agency and its region)."""
    out = []
    for line in lines:
        for m in _ISSUER.finditer(line):
            value = re.split(r"[;；,，]", m.group(1))[0]
            if not re.search(r"\d|日期|时间|文号", value):
                out.append(value)
    return out


def labelled_dates(lines):
    """[(label, y, m, d)] of the page's date fields (发布时间：2016-03-28, 发文日期 | …)."""
    out = []
    for line in lines:
        for m in _DATE_LABEL.finditer(line):
            if is_period(line, m):
                continue  # 统计时间：2019年1月1日至12月31日 is the period reported on, not a release
            out.append((m.group(1) or "", m.group(2), m.group(3), m.group(4)))
    return out


def is_period(line, m):
    """True when the date matched at m opens or closes the period reported on."""
    return bool(_PERIOD_BEFORE.search(line[max(0, m.start() - 12):m.start()]) or _RANGE_AFTER.match(line, m.end()))


_BODY_ISODATE = re.compile(r"(?:政府|办公厅|办公室|局|委|委员会|管委会|办|厅|院|中心)\s+((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?=\s|$)")


_LEADING_DATE = re.compile(r"^\s*((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                           r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?=\s|$)")


def leading_date(line):
    """(y, m, d) of a page line that opens with its date (2016-03-28 10:00 来源：…)."""
    m = _LEADING_DATE.match(line)
    return m.groups() if m and not is_period(line, m) else None


def body_date_inline(line):
    """(y, m, d) of a body and a numeric date run into a page's one line (…办公厅 2016/3/28 …)."""
    m = _BODY_ISODATE.search(line)
    return m.groups() if m else None


def body_date(line):
    """(y, m, d) of a short line that names a body and a date (湖北省人民政府办公厅 2021/3/30)."""
    m = _BODY_DATE.match(line.strip())
    if m and re.search(r"(?:政府|办公厅|办公室|局|委|委员会|管委会|办|厅|院|中心|街道|镇|乡)$", m.group(1).strip()):
        return m.group(2), m.group(3), m.group(4)
    return None
