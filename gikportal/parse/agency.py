"""The issuing body when the title does not name it: where reports name themselves.

In the order a reader would trust them:
1. the sentence that publishes or compiles the report: `现公布X2020年政府信息公开工作年度报告`,
   `特编制X2018年度…报告`, `X编制了2017年…报告`;
2. `本报告由X（根据…）编制`;
3. the signature: a short line naming a body above the closing date;
4. the contact line: `如对本报告有任何疑问，请与X联系` (X less the office inside it that
   answers: 办公室, 信息公开处, 秘书股…);
5. the subject of the first sentence of the overview: `2025年，X坚持…`;
6. the page's 发布机构 field;
7. how the report speaks of itself: a government says 全市/我县/我镇 and never 我局, so with no
   body named anywhere it is the government of the place the report is in (a town's is the
   `X镇人民政府` its text names).
A name that is only a place (上海市, 辽宁) means that place's 人民政府; a town (柳林镇) its
人民政府. Self-references (我局, 本机关) are never a name.
"""
import re
import unicodedata
from functools import lru_cache

from . import region

_NAME = r"[\u3400-\u9fff·]"  # a body's name is written in characters: no punctuation, digits or site chrome
_YEAR = r"(?:(?:19|20)\d{2}\s*年度?)"
_REPORT = r"(?:的)?" + _YEAR + r"?(?:政府|政务)?信息公开(?:工作)?(?:情况)?(?:年度)?(?:工作)?(?:报告|年报)"
_PUBLISH = re.compile(r"(?:公布|公开|发布|编制|制作|印发|现将|特将|兹将)(?:了)?" + _YEAR + r"?(" + _NAME + r"{2,40}?)" + _REPORT)
_COMPILED_BY = re.compile(r"由(" + _NAME + r"{2,40}?)(?:[(（]以下简称[^)）]{1,20}[)）])?"
                          r"(?:根据|依据|按照|结合|综合|汇总|编制|负责|牵头|组织|撰写)")
_COMPILES = re.compile(r"(" + _NAME + r"{2,40}?)(?:编制|制作|撰写)(?:了|完成了?)?(?:本|" + _YEAR + r")")
_CONTACT = re.compile(r"(?:请与|可直接与|直接与|请径与|可与)(" + _NAME + r"{2,40}?)联系"
                      r"|请联系[:：]?(" + _NAME + r"{2,40}?)[,，(（;；。]"
                      r"|联系(?:单位|部门|机构)[:：](" + _NAME + r"{2,40}?)[,，(（;；。\s]")
_SUBJECT = re.compile(r"(?:^|[。\n]|情况|概述)" + _YEAR + r"(?:以来)?[,，](" + _NAME + r"{2,25}?)"
                      r"(?:坚持|认真|深入|全面|高度|严格|紧紧|紧密|紧扣|围绕|按照|始终|持续|进一步|积极|扎实|"
                      r"不断|继续|切实|大力|着力|聚焦|贯彻|以习近平|在[^，。]{0,12}(?:领导|指导|下))")
_ABBREVIATION = re.compile(r"(" + _NAME + r"{3,40})[(（]以下简称[“\"]?(" + _NAME + r"{2,20}?)[”\"]?[)）]")
# 我局, 本机关, 该单位, 全市, 各部门 (but 本溪市, 贵阳市, 全椒县 are places: see is_self_reference)
_SELF_WORD = re.compile(r"^(?:我|本|该|其|贵|全|各|上级|下级|相关|有关)")
_GENERIC = re.compile(r"(?:人民)?政府|政务|机关|单位|部门|本级|行政机关|政府部门|街道|乡镇|镇|乡|区|县|市|省|自治区")
_LEAD = re.compile(r"^(?:.*?(?:要求|规定|精神|部署|安排|通知|办法)(?=[^，。]{3,}$))?(?:现|特|兹|经)?")
_BODY_END = re.compile(r"(?:政府|办公室|办公厅|局|分局|委|委员会|管委会|会|厅|办|院|署|处|所|站|队|中心|区|县|市|旗|盟|"
                       r"州|省|镇|乡|街道|社区|集团|公司|馆|部|司|园|学校|校|台|社|联|协|团|场|厂|行|室)$")
_INFO_OFFICE = re.compile(r"^(.*?(?:政府|办公室|办公厅|局|委|委员会|管委会|会|厅|办|院|省|州|盟|区|县|市|旗|镇|乡|街道))"
                          r"(?:政府|政务)?(?:信息)?公开(?:工作)?(?:领导小组)?(?:办公室|处|科|股|中心|组|办)$")
_OFFICE = re.compile(r"^(.*(?:局|委|委员会|管委会|开发区|实验区|示范区|园区|新区|高新区|中心|院|馆|厅|署))(?:综合)?办公室$"
                     r"|^(.*(?:政府|办公室|办公厅|办事处))综合办公室$"
                     r"|^(.*(?:政府|办公室|办公厅|局|委|委员会|管委会|厅|办|开发区))(?:综合处|综合科|[\u4e00-\u9fff]{1,4}(?:科|股))$")


@lru_cache(maxsize=16)
def _norm(text):
    """NFKC (full-width punctuation and digits to ASCII), no spaces; line breaks kept."""
    return re.sub(r"[^\S\n]+", "", unicodedata.normalize("NFKC", text))


def peel(name):
    """The body less the office inside it that answers questions (综合办公室, 信息公开处, 秘书股)."""
    for _ in range(3):
        m = _INFO_OFFICE.match(name) or _OFFICE.match(name)
        if not m:
            break
        rest = next(g for g in m.groups() if g)
        if rest.endswith("人民"):
            rest += "政府"
        if len(rest) < 3:
            break
        name = rest
    return name


def clean(name):
    """A candidate name as a body's name, or None."""
    if not name:
        return None
    name = re.sub(r"\s+", "", name)
    name = re.sub(r"^(?:名称|标题|题名)[:：|｜]", "", name)
    name = re.sub(r"^" + _YEAR, "", name)
    name = re.sub(r"^(?:关于|对于)", "", name)
    name = re.sub(r"(?:(?:19|20)\d{2}(?:年度?)?)$", "", name)
    name = name.strip("《》“”\"'()（）:：,，、|｜ ")
    if name.endswith("人民"):
        name += "政府"
    if is_self_reference(name) or not _BODY_END.search(name) and not region.is_place_only(name):
        return None
    return name


def is_self_reference(name):
    """我局, 本机关, 全区, 政府: words a report uses for itself or for bodies in general."""
    if len(name) < 2 or _GENERIC.fullmatch(name):
        return True
    return bool(_SELF_WORD.match(name)) and not region.chain(name)


def complete(name):
    """A place's name alone means its 人民政府; a town's, its 人民政府; a 街道, its 办事处."""
    if not name:
        return name
    places = region.chain(name)
    if places and region.is_place_only(name):
        deepest = places[0] if len(places) == 1 else None
        if deepest is not None and len(deepest.name) >= len(name):
            return deepest.name + "人民政府"
        return name + "人民政府"
    if re.fullmatch(r"[\u4e00-\u9fff]{2,8}(?:镇|乡)", name):
        return name + "人民政府"
    if re.fullmatch(r"[\u4e00-\u9fff]{2,8}街道", name):
        return name + "办事处"
    return name


_LEVEL_WORD = re.compile(r"^(自治区|省|市|区|县|旗)(?=\S)")


def qualify(name, record_region):
    """区人民政府办公室 -> 江岸区人民政府办公室 when the report places itself in 江岸区: a name
    that opens with a bare level word takes the name of the place of that level."""
    m = _LEVEL_WORD.match(name or "")
    if not m or not record_region:
        return name
    word = m.group(1)
    level = {"自治区": "province", "省": "province", "市": "city"}.get(word, "county")
    place = record_region.get(level)  # a municipality's 市 is the municipality itself
    if place and place.endswith(word):
        return full_form(place + name[len(word):])
    return name


def expand_abbreviation(name, text):
    """自治区北部湾办 -> the full name the report gives for it (`X（以下简称自治区北部湾办）`)."""
    if not name or "简称" not in text:
        return name
    for m in _ABBREVIATION.finditer(_norm(text)):
        if m.group(2) == name:
            full = clean(m.group(1).split("由")[-1])
            if full:
                return full
    return name


def _first(pattern, text, peel_it=False):
    for m in pattern.finditer(text):
        raw = next((g for g in m.groups() if g), None)
        if raw is None:
            continue
        raw = _LEAD.sub("", raw)
        name = clean(peel(raw) if peel_it else raw)
        if name:
            return name
    return None


def from_sentences(text):
    """The body the report's own sentences name (rules 1, 2, 4, 5 above), else None."""
    t = _norm(text)
    return (_first(_PUBLISH, t) or _first(_COMPILED_BY, t, peel_it=True) or _first(_COMPILES, t)
            or None)


def from_contact(text):
    return _first(_CONTACT, _norm(text), peel_it=True)


def from_subject(text):
    return _first(_SUBJECT, _norm(text))


# 7. a government speaking of itself; a department's words for itself rule it out
_GOV_SELF = re.compile(r"(?:我|本|全)(市|县|区|旗|镇|乡)")
_DEPT_SELF = re.compile(r"(?:我|本)(?:局|委|办|厅|院|署|部门|中心|站|所|处|科|股|馆|队|公司|单位)")
_TOWN_GOV = re.compile(r"([\u4e00-\u9fff]{2,10})(镇|乡)人民政府")
_FUNCTION = re.compile(r"^(?:我[镇乡]|本[镇乡]|全[镇乡]|通过|经过|经由|经|由|在|向|对|为|与|和|及|以|将|把|被)")
_LEVEL_KEY = {"市": "city", "县": "county", "区": "county", "旗": "county"}


def from_self_reference(text, record_region):
    """The government a report without a named body is, by rule 7; None when it may be a department
    or the place is unknown."""
    t = _norm(text)
    if _DEPT_SELF.search(t):
        return None
    levels = [m.group(1) for m in _GOV_SELF.finditer(t)]
    if len(levels) < 2:
        return None
    level = max(set(levels), key=levels.count)
    if level in ("镇", "乡"):
        names = set()
        for m in _TOWN_GOV.finditer(t):
            if m.group(2) != level:
                continue
            name = m.group(1)
            while _FUNCTION.match(name):
                name = _FUNCTION.sub("", name, count=1)
            if len(name) >= 2:
                names.add(name + level)
        return next(iter(names)) + "人民政府" if len(names) == 1 else None
    place = (record_region or {}).get(_LEVEL_KEY[level])
    if place and place.endswith(level):
        return place + "人民政府"
    return None


# a body's usual short form, for a name the parser composes itself (县工信局 -> X县工业和信息化局);
# a name printed whole is kept as printed
SHORT_FORMS = {
    "工信局": "工业和信息化局", "发改委": "发展和改革委员会", "发改局": "发展和改革局",
    "人社局": "人力资源和社会保障局", "住建局": "住房和城乡建设局", "卫健委": "卫生健康委员会",
    "卫健局": "卫生健康局", "市监局": "市场监督管理局", "医保局": "医疗保障局", "应急局": "应急管理局",
    "文旅局": "文化和旅游局", "文广旅局": "文化广电和旅游局",
}


def full_form(name):
    """The official form of a composed name whose body is written in its usual short form."""
    for short, full in SHORT_FORMS.items():
        if name.endswith(short):
            return name[:-len(short)] + full
    return name


# --- one body under several names: the canonical key ----------------------------------------

def canonical_key(name, record_region=None):
    """One key for the names one body prints in different years: the places its name opens
    with, written out as the gazetteer's chain of full names, then the rest as printed
    (某市某区人民政府, 某区人民政府 and 某省某区人民政府 -> 某省某市某区人民政府;
    …政府 -> …人民政府). The rest keeps the body's kind, so a government's 办公室 is not the
    government. A name whose places are not one chain, or fit several places the report's
    region cannot tell apart (朝阳区 alone), keeps its own name: two keys, never a wrong merge.
    None for no name. A pure function of the name (and the record's region)."""
    if not name:
        return None
    name = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    g = region.gazetteer()
    runs, covered = [], 0
    for start, end, _, entries in g.mentions(name):
        entries = [(p, full) for p, full in region._usable(entries, name, end) if not p.placeholder]
        if start != covered or not entries:
            break
        runs.append((end, entries))
        covered = end
    while runs and not any(full for _, full in runs[-1][1]):  # 中山大学: a short form alone is a word
        runs.pop()
    if not runs:
        return name
    candidates = None
    for _, entries in runs:
        places = [p for p, _ in entries]
        if candidates is None:
            candidates = places
            continue
        deeper = list(dict.fromkeys(p for p in places for c in candidates if c.contains(p) and p.code != c.code))
        if not deeper:
            return name
        candidates = deeper
    if len(candidates) > 1:
        candidates = [p for p in candidates if _agrees(g.region(p), record_region)] if record_region else []
        if len(candidates) != 1:
            return name
    return "".join(p.name for p in g.lineage(candidates[0])) + _body_form(name[runs[-1][0]:])


_TOWN = re.compile(r"[\u4e00-\u9fff]{2,8}(?:镇|乡)")
_STREET = re.compile(r"(?:人民政府)?([\u4e00-\u9fff]{2,10}街道)(?:办事处)?")


def _body_form(rest):
    """What follows the places, in the one form a body's name takes: nothing or 政府 is the
    place's 人民政府, a town alone its 人民政府, a 街道 (under its city's 人民政府 or not) its 办事处."""
    if not rest:
        return "人民政府"
    if rest.startswith("政府"):
        return "人民" + rest
    if _TOWN.fullmatch(rest):
        return rest + "人民政府"
    street = _STREET.fullmatch(rest)
    return street.group(1) + "办事处" if street else rest


def _agrees(place_region, record_region):
    """The record's region says nothing against this place (every level both name is the same)."""
    named = [k for k in ("province", "city", "county") if record_region.get(k) and place_region.get(k)]
    return bool(named) and all(record_region[k] == place_region[k] for k in named)
