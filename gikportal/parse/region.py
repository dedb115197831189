"""Province, city and county of a report from the administrative divisions table that cpca ships.

The table (`cpca/resources/adcodes.csv`) lists every province, prefecture and county with its
adcode; the code says who contains whom (4419xx is in 44, 3502xx in 3502). Names are found with
an Aho-Corasick automaton over full names (长兴县) and their short forms (长兴), longest first.

Two ways to use it:
- `chain(name)`: the places an issuing body names, in order, each inside the one before
  (芜湖市公安镜湖分局 -> 芜湖市 > 镜湖区). A short form only counts at the start of the name
  or inside a place already named, and never when a street or town word follows it (向阳街道
  is not 向阳区).
- `from_text(texts)`: a region the prose supports. A county (and any short form) needs its
  prefecture or province named too, or a full name that is unique, so `公开平台` is not
  开平市; Taiwan, Hong Kong and Macao are never a report's region (the regulation is the
  mainland's), so a mention of 台湾地区 or a Hong Kong spam banner places nothing.
"""
import csv
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

_MUNICIPALITIES = ("11", "12", "31", "50")
_OUTSIDE = ("71", "81", "82")  # 台湾, 香港, 澳门
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_PROVINCE_TAIL = re.compile(r"(?:省|市|特别行政区|自治区)$")
_CITY_TAIL = re.compile(r"(?:市|地区|盟|自治州)$")
_COUNTY_TAIL = re.compile(r"(?:市|县|区|旗|自治县|自治旗|林区|特区)$")
# a short form followed by one of these names a street, town or village, not the county; by a
# department word, the department's field (公安局 is no office of 公安县)
_LOWER_UNIT = re.compile(r"(?:街道|镇|乡|村|社区|路|街|大道|里|屯|苏木|嘎查|[局厅部委署])")
_EMPTY = {"province": None, "city": None, "county": None}


class Place:
    __slots__ = ("code", "name", "level", "placeholder")

    def __init__(self, code, name, level, placeholder=False):
        self.code, self.name, self.level, self.placeholder = code, name, level, placeholder

    def __repr__(self):
        return f"Place({self.code}, {self.name})"

    def contains(self, other):
        """True when other lies inside self (or is self)."""
        return other.code.startswith(self.prefix)

    @property
    def prefix(self):
        if self.level == 2 and self.code[2:4] == "90":  # 济源市 (419001) holds no other 4190xx
            return self.code
        return self.code[:2 * self.level]


class Gazetteer:
    def __init__(self):
        import importlib.util

        import ahocorasick

        # cpca's own table, read without importing cpca (which loads pandas and builds frames)
        resources = Path(importlib.util.find_spec("cpca").origin).parent / "resources"
        with open(resources / "adcodes.csv", encoding="utf-8") as f:
            rows = [(r["adcode"][:6], r["name"]) for r in csv.DictReader(f)]
        with open(resources / "56_nations.csv", encoding="utf-8") as f:
            nations = sorted((line.strip() for line in f if line.strip()), key=len, reverse=True)
        nations += [n[:-1] for n in nations if n.endswith("族") and len(n) > 2]
        self.by_code = {}
        for code, name in rows:
            if name == "市辖区" and not code.endswith("00") and code[:2] not in _MUNICIPALITIES:
                # a city's 市辖区 as printed after the city (温州市市辖区…): only ever inside its city
                self.by_code[code] = Place(code, name, 3, placeholder=True)
                continue
            if name in _PLACEHOLDERS:
                continue
            if code.endswith("0000"):
                level = 1
            elif code.endswith("00"):
                level = 2
            elif code[2:4] == "90":  # a county-level city directly under its province: a city
                level = 2
            else:
                level = 3
            self.by_code[code] = Place(code, name, level)
        names = {}
        for place in self.by_code.values():
            forms = ((place.name, True),) if place.placeholder else \
                ((place.name, True), (self._short(place, nations), False))
            for form, full in forms:
                if form and len(form) >= 2:
                    names.setdefault(form, []).append((place, full))
        self.automaton = ahocorasick.Automaton()
        for form, entries in names.items():
            self.automaton.add_word(form, (form, entries))
        self.automaton.make_automaton()
        self.full_count = Counter(p.name for p in self.by_code.values())

    @staticmethod
    def _short(place, nations):
        name = place.name
        tail = (_PROVINCE_TAIL, _CITY_TAIL, _COUNTY_TAIL)[place.level - 1]
        if place.level == 2 and place.code[2:4] == "90":
            tail = _COUNTY_TAIL
        short = tail.sub("", name)
        stripped = True
        while stripped:  # 德宏傣族景颇族 -> 德宏
            stripped = False
            for nation in nations:
                if short.endswith(nation) and len(short) > len(nation) + 1:
                    short, stripped = short[:-len(nation)], True
                    break
        return short if short != name else None

    def parent(self, place):
        if place.level == 1:
            return None
        if place.level == 2:
            return self.by_code.get(place.code[:2] + "0000")
        return self.by_code.get(place.code[:4] + "00") or self.by_code.get(place.code[:2] + "0000")

    def lineage(self, place):
        out = []
        while place is not None:
            out.append(place)
            place = self.parent(place)
        return out[::-1]

    def region(self, place):
        if place is None:
            return dict(_EMPTY)
        out = dict(_EMPTY)
        for p in self.lineage(place):
            out[("province", "city", "county")[p.level - 1]] = p.name
        if place.code[:2] in _MUNICIPALITIES:
            out["city"] = out["province"]
        return out

    def mentions(self, text):
        """[(start, end, form, [(place, full)])], leftmost-longest, not overlapping."""
        found = [(end - len(form) + 1, end + 1, form, entries)
                 for end, (form, entries) in self.automaton.iter(text)]
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        out, reach = [], 0
        for m in found:
            if m[0] >= reach:
                out.append(m)
                reach = m[1]
        return out


@lru_cache(maxsize=1)
def gazetteer():
    return Gazetteer()


def _usable(entries, text, end):
    """Drop places outside the mainland and short forms that name a street or town; of a
    short form shared by a place and one inside it (邢台: the city and 邢台县), the outer one."""
    lower = bool(_LOWER_UNIT.match(text, end))
    kept = [(p, full) for p, full in entries if p.code[:2] not in _OUTSIDE and (full or not lower)]
    return [(p, full) for p, full in kept
            if full or not any(q is not p and not f and q.contains(p) for q, f in kept)]


@lru_cache(maxsize=20000)
def chain(name):
    """Candidate deepest places for an issuing body's name: a tuple of Place (several when the
    name fits more than one place, 朝阳区 of Beijing and of Changchun), () when it names none."""
    if not name:
        return ()
    g = gazetteer()
    candidates = None  # list of deepest places so far
    for start, end, form, entries in g.mentions(name):
        entries = _usable(entries, name, end)
        if candidates is None:
            entries = [(p, full) for p, full in entries if (full or start == 0) and not p.placeholder]
            if entries:
                candidates = [p for p, _ in entries]
            continue
        deeper = [p for p, _ in entries for c in candidates if c.contains(p) and p.code != c.code]
        if deeper:
            candidates = list(dict.fromkeys(deeper))
    return tuple(candidates or ())


def is_place_only(name):
    """True when the name is nothing but places (上海市, 辽宁, 湖南省长沙市)."""
    g = gazetteer()
    covered = 0
    for start, end, form, entries in g.mentions(name):
        if start != covered or not _usable(entries, name, end):
            return False
        covered = end
    return covered == len(name) and covered > 0


def _support(texts):
    """Counter of place codes named in the texts: each mention counts for the place."""
    g = gazetteer()
    seen = Counter()
    full_seen = Counter()
    for text in texts:
        for start, end, form, entries in g.mentions(text):
            for p, full in _usable(entries, text, end):
                if p.placeholder:
                    continue
                seen[p.code] += 1
                if full:
                    full_seen[p.code] += 1
    return seen, full_seen


def pick(candidates, texts, depth=3):
    """The one place of candidates that the texts support best; when the texts cannot tell,
    the deepest place the candidates share."""
    g = gazetteer()
    candidates = list(candidates)
    if not candidates:
        return None
    if len(candidates) > 1:
        seen, _ = _support(texts)
        scores = [sum(seen[a.code] for a in g.lineage(c)[:-1]) for c in candidates]
        best = max(scores)
        if best and scores.count(best) == 1:
            candidates = [candidates[scores.index(best)]]
    place = _common(candidates)
    while place is not None and place.level > depth:
        place = g.parent(place)
    return place


def _common(places):
    g = gazetteer()
    if not places:
        return None
    shared = g.lineage(places[0])
    for p in places[1:]:
        line = g.lineage(p)
        n = 0
        while n < len(shared) and n < len(line) and shared[n].code == line[n].code:
            n += 1
        shared = shared[:n]
    return shared[-1] if shared else None


def from_text(texts, within=None, depth=3, level=None, accept=None):
    """The deepest place the texts support, inside `within` when given, at most `depth` deep
    (1 province, 2 city, 3 county) and, when `level` is given, at exactly that level (a body
    named 自治区… is a province's). None when the texts support none."""
    g = gazetteer()
    seen, full_seen = _support(texts)
    best, best_score = [], 0
    for code, count in seen.items():
        place = g.by_code[code]
        if place.level > depth or (within is not None and not within.contains(place)):
            continue
        if level is not None and place.level != level or accept is not None and not accept(place):
            continue
        ancestors = g.lineage(place)[:-1]
        backed = sum(seen[a.code] for a in ancestors) + (within is not None)  # the agency names `within`
        if place.level == 3 and not backed and not (full_seen[code] and g.full_count[place.name] == 1):
            continue
        # a short city name alone may be a word (长治久安): it must come back often
        if place.level == 2 and not backed and not full_seen[code] and count < 3 and place.code[2:4] != "90":
            continue
        score = count + backed
        # deeper places win when supported: the chain county > city > province
        key_ = (place.level, score)
        if not best or key_ > best_score:
            best, best_score = [place], key_
        elif key_ == best_score:
            best.append(place)
    if not best:
        return None
    if len(best) > 1:
        return _common(best) if len({p.code[:2] for p in best}) == 1 else None
    return best[0]


def to_record(place):
    return gazetteer().region(place)
