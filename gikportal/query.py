"""Engine-neutral query language and search parameters (no whoosh here: a PostgreSQL backend can reuse it).

`parse_query(q)` turns the text of the search box into a small tree of nodes; the index evaluates
text leaves with its engine and filter leaves on its figure columns. `SearchParams` carries the
query string plus facet selections, numeric filters, sort and page, to and from URL arguments.
"""
import re
import unicodedata
from dataclasses import dataclass, field, replace

from .figures import HEADLINE_LABELS
from .labels import CHECK_RULES, NO_VALUE, SCORECARD
from .labels import FACETS as _FACET_LABELS
from .labels import FINDINGS as FINDING_LABELS

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
PER_PAGE = 20
MAX_PAGE = 10_000  # page numbers above are refused (web) or read as the last page allowed
MAX_PER_PAGE = 100

FACETS = tuple(_FACET_LABELS)
# figure -> [(value, label, low, high)] range buckets, high exclusive; "none" = report lacks the figure
RANGE_FIGURES = {
    "requests_new": [("0", "0", 0, 1), ("1-9", "1–9", 1, 10), ("10-99", "10–99", 10, 100),
                     ("100+", "100 及以上", 100, None)],
    "reviews": [("0", "0", 0, 1), ("1-9", "1–9", 1, 10), ("10+", "10 及以上", 10, None)],
    "lawsuits": [("0", "0", 0, 1), ("1-9", "1–9", 1, 10), ("10+", "10 及以上", 10, None)],
    "fees_10k_yuan": [("0", "0", 0, 1e-9), ("0-1", "不足 1 万元", 1e-9, 1), ("1-10", "1–10 万元", 1, 10),
                      ("10+", "10 万元及以上", 10, None)],
}
# every figure sorts both ways: `sort=denied` fewest first, `sort=-denied` most first (missing last)
SORTS = ("relevance", "year", "-year") + tuple(f"{s}{n}" for n in HEADLINE_LABELS for s in ("", "-"))
VIEWS = ("cards", "table")  # how a result page shows its hits; `view=table` is a stable URL
TEXT_FIELDS = ("agency", "province", "city", "county", "kind", "format")


def range_bucket(figure, value):
    """The range facet value of a figure's number (NO_VALUE[0] when the report lacks it)."""
    if value is None:
        return NO_VALUE[0]
    for name, _, low, high in RANGE_FIGURES[figure]:
        if value >= low and (high is None or value < high):
            return name
    return NO_VALUE[0]


# --- query tree -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    """Words to find; `text` is as typed. A run without spaces is one phrase-like unit."""
    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Field:
    """An exact filter: agency/province/city/county/kind/format = value, check:<rule>, failed:any,
    finding:<name>, section:<n> (reports with that section; text words then match in it only)."""
    name: str
    value: str


@dataclass(frozen=True)
class Num:
    """figure op number, op one of >= > <= < =; year is a figure here too."""
    name: str
    op: str
    value: float


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


class QuerySyntaxError(ValueError):
    pass


_TOKEN = re.compile(r'\s*(?:(")([^"]*)("?)|(\()|(\))|([^\s()"]+))')
_NUM_VALUE = re.compile(r"^(>=|<=|>|<|=)?(-?\d+(?:\.\d+)?)$")
_NUM_RANGE = re.compile(r"^(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)$")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
FIELD_ALIASES = {"机关": "agency", "省": "province", "市": "city", "县": "county", "年": "year", "年度": "year",
                 "章节": "section", "类型": "kind", "格式": "format", "校验": "check"}


def normalize_query(q):
    """Full-width forms (（）：＞＝) to ASCII, Chinese quotes to ", whitespace collapsed, bounded."""
    q = unicodedata.normalize("NFKC", (q or "").translate(_QUOTES))
    return " ".join(q.split())[:MAX_QUERY_CHARS]


def _lex(q):
    tokens, pos = [], 0
    while pos < len(q):
        m = _TOKEN.match(q, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        if m.group(1):
            if not m.group(3):
                raise QuerySyntaxError("引号未闭合")
            tokens.append(("phrase", m.group(2)))
        elif m.group(4):
            tokens.append(("(", "("))
        elif m.group(5):
            tokens.append((")", ")"))
        else:
            word = m.group(6)
            tokens.append(("op", word) if word in ("OR", "AND", "NOT", "|") else ("word", word))
    return tokens


def _field_node(name, value):
    name = FIELD_ALIASES.get(name, name).lower()
    if not value:
        raise QuerySyntaxError(f"“{name}:”后缺少值")
    if name in TEXT_FIELDS:
        return Field(name, value)
    if name == "section":
        if not value.isdigit():
            raise QuerySyntaxError("section: 后应为章节序号")
        return Field("section", str(int(value)))
    if name == "check":
        if value not in CHECK_RULES:
            raise QuerySyntaxError(f"未知的校验规则 {value}")
        return Field("finding", f"check:{value}")
    if name == "failed":
        return Field("finding", "failed") if value in ("any", "yes", "true", "1") else \
            Field("finding", f"check:{value}") if value in CHECK_RULES else _bad(f"未知的校验规则 {value}")
    if name == "finding":
        return Field("finding", value)
    if name == "scorecard":
        if value not in SCORECARD:
            raise QuerySyntaxError(f"未知的评分项 {value}")
        return Field("finding", f"scorecard:{value}")
    if name == "year" or name == "score" or name in HEADLINE_LABELS:
        rng = _NUM_RANGE.match(value)
        if rng:
            return And((Num(name, ">=", float(rng.group(1))), Num(name, "<=", float(rng.group(2)))))
        m = _NUM_VALUE.match(value)
        if not m:
            raise QuerySyntaxError(f"“{name}:{value}”不是数字条件")
        return Num(name, m.group(1) or "=", float(m.group(2)))
    raise QuerySyntaxError(f"未知的字段 {name}:")


def _bad(message):
    raise QuerySyntaxError(message)


_FIELD_WORD = re.compile(r"^([A-Za-z_]+|机关|省|市|县|年|年度|章节|类型|格式|校验):(.*)$")


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.i, self.terms = tokens, 0, 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def parse(self):
        node = self.expr()
        if self.peek()[0] is not None:
            raise QuerySyntaxError("多余的右括号" if self.peek()[0] == ")" else "无法理解的查询")
        return node

    def expr(self):
        items = [self.conj()]
        while self.peek() in (("op", "OR"), ("op", "|")):
            self.take()
            items.append(self.conj())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conj(self):
        items = []
        while True:
            kind, value = self.peek()
            if kind is None or kind == ")" or (kind == "op" and value in ("OR", "|")):
                break
            if kind == "op" and value == "AND":
                self.take()
                continue
            items.append(self.unary())
        if not items:
            raise QuerySyntaxError("OR 或括号两侧缺少检索词")
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self):
        kind, value = self.peek()
        if kind == "op" and value == "NOT":
            self.take()
            return Not(self.unary())
        if kind == "word" and value.startswith("-") and len(value) > 1:
            self.tokens[self.i] = ("word", value[1:])
            return Not(self.unary())
        return self.atom()

    def atom(self):
        kind, value = self.take()
        if kind == "(":
            node = self.expr()
            if self.take()[0] != ")":
                raise QuerySyntaxError("括号未闭合")
            return node
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QuerySyntaxError(f"检索词过多（上限 {MAX_TERMS} 个）")
        if kind == "phrase":
            return Text(value, phrase=True)
        if kind == "word":
            m = _FIELD_WORD.match(value)
            if m:
                return _field_node(m.group(1), m.group(2))
            return Text(value)
        raise QuerySyntaxError("无法理解的查询")


def parse_query(q):
    """(tree or None, notice or None). Bad syntax never raises: a plain search with a Chinese notice."""
    q = normalize_query(q)
    if not q:
        return None, None
    try:
        tokens = _lex(q)
        tree = _Parser(tokens).parse() if tokens else None
        return tree, None
    except QuerySyntaxError as err:
        words = [w for w in re.split(r'[\s()"]+', q) if w and w not in ("OR", "AND", "NOT", "|")]
        words = [w.lstrip("-") for w in words][:MAX_TERMS]
        words = [w for w in words if w and not _FIELD_WORD.match(w)]
        tree = And(tuple(Text(w) for w in words)) if len(words) > 1 else (Text(words[0]) if words else None)
        return tree, f"查询语法有误（{err}），已按普通检索处理。"


def text_leaves(node, negated=False):
    """Positive Text leaves (for highlighting and suggestions)."""
    if isinstance(node, Text):
        return [] if negated else [node]
    if isinstance(node, (And, Or)):
        return [t for item in node.items for t in text_leaves(item, negated)]
    if isinstance(node, Not):
        return text_leaves(node.item, not negated)
    return []


def sections_of(node):
    """Section numbers named by section:<n> anywhere in the tree (they restrict text search)."""
    if isinstance(node, Field) and node.name == "section":
        return {int(node.value)}
    if isinstance(node, (And, Or)):
        return set().union(*(sections_of(i) for i in node.items))
    if isinstance(node, Not):
        return sections_of(node.item)
    return set()


# --- parameters -------------------------------------------------------------------------------

def _int(value, default, low, high):
    try:
        return max(low, min(high, int(str(value).strip())))
    except (TypeError, ValueError):
        return default


def _num(value):
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _getlist(args, key):
    if hasattr(args, "getlist"):
        values = args.getlist(key)
    else:
        value = args.get(key)
        values = [] if value is None else list(value) if isinstance(value, (list, tuple, set)) else [value]
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def _one_of(value, allowed):
    return value if value in allowed else allowed[0]


def sort_parts(sort):
    """(figure, descending) of a sort value: "-denied" -> ("denied", True)."""
    return sort.lstrip("-"), sort.startswith("-")


def _clean_number(value):
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True)
class SearchParams:
    """Everything a search needs; built from URL arguments, turned back into canonical ones."""
    q: str = ""
    facets: dict = field(default_factory=dict)   # facet name or <figure>_range -> tuple of values
    mins: dict = field(default_factory=dict)     # figure -> number
    maxs: dict = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE
    view: str = "cards"

    def __hash__(self):
        return hash(tuple(self.to_args()))

    @classmethod
    def facet_names(cls):
        return FACETS + tuple(f"{f}_range" for f in RANGE_FIGURES)

    @classmethod
    def from_args(cls, args):
        args = args or {}
        facets = {}
        for name in cls.facet_names():
            values = _getlist(args, name)
            if name == "year":
                values = [v for v in values if re.fullmatch(r"\d{4}(-\d{4})?", v) or v == NO_VALUE[0]]
            if values:
                facets[name] = tuple(sorted(set(values)))
        mins, maxs = {}, {}
        for name in HEADLINE_LABELS:
            for suffix, target in (("_min", mins), ("_max", maxs)):
                values = _getlist(args, name + suffix)
                number = _num(values[0]) if values else None
                if number is not None:
                    target[name] = _clean_number(number)
        sort = (_getlist(args, "sort") or ["relevance"])[0]
        q = normalize_query((_getlist(args, "q") or [""])[0])
        return cls(q=q, facets=facets, mins=mins, maxs=maxs,
                   sort=sort if sort in SORTS else "relevance",
                   page=_int((_getlist(args, "page") or [1])[0], 1, 1, MAX_PAGE),
                   per_page=_int((_getlist(args, "per_page") or [PER_PAGE])[0], PER_PAGE, 1, MAX_PER_PAGE),
                   view=_one_of((_getlist(args, "view") or [VIEWS[0]])[0], VIEWS))

    def to_args(self):
        """Canonical, minimal [(key, value)]: defaults dropped, values sorted, so URLs are stable."""
        out = [("q", self.q)] if self.q else []
        for name in self.facet_names():
            out += [(name, v) for v in self.facets.get(name, ())]
        for name in HEADLINE_LABELS:
            if name in self.mins:
                out.append((f"{name}_min", str(self.mins[name])))
            if name in self.maxs:
                out.append((f"{name}_max", str(self.maxs[name])))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.page != 1:
            out.append(("page", str(self.page)))
        if self.per_page != PER_PAGE:
            out.append(("per_page", str(self.per_page)))
        if self.view != VIEWS[0]:
            out.append(("view", self.view))
        return out

    def selected(self, facet, value):
        return str(value) in self.facets.get(facet, ())

    def toggle(self, facet, value):
        """Select or deselect one facet value; back to page 1."""
        value = str(value)
        current = set(self.facets.get(facet, ()))
        current ^= {value}
        facets = dict(self.facets)
        if current:
            facets[facet] = tuple(sorted(current))
        else:
            facets.pop(facet, None)
        return replace(self, facets=facets, page=1)

    def without(self, key):
        """Drop a facet, a numeric filter (<figure>_min/_max), q, sort or page."""
        if key in self.facets:
            facets = dict(self.facets)
            facets.pop(key)
            return replace(self, facets=facets, page=1)
        for suffix, attr in (("_min", "mins"), ("_max", "maxs")):
            if key.endswith(suffix) and key[:-len(suffix)] in getattr(self, attr):
                values = dict(getattr(self, attr))
                values.pop(key[:-len(suffix)])
                return replace(self, page=1, **{attr: values})
        defaults = {"q": "", "sort": "relevance", "page": 1, "per_page": PER_PAGE, "view": VIEWS[0]}
        return replace(self, **{key: defaults[key]}) if key in defaults else self

    def with_(self, **changes):
        """A copy with q/sort/page/per_page (or facets/mins/maxs) replaced."""
        if "q" in changes:
            changes["q"] = normalize_query(changes["q"])
        return replace(self, **changes)

    def tree(self):
        """(query tree or None, notice or None)."""
        return parse_query(self.q)

    def conditions(self):
        """Filters from the facet selections and numeric bounds, as query-tree nodes (ANDed)."""
        out = []
        for name, values in self.facets.items():
            if name == "finding":
                out += [Field("finding", v) for v in values]
            elif name == "year":
                alts = []
                for v in values:
                    if v == NO_VALUE[0]:
                        alts.append(Field("year", v))
                        continue
                    low, _, high = v.partition("-")
                    alts.append(And((Num("year", ">=", float(low)), Num("year", "<=", float(high or low)))))
                out.append(Or(tuple(alts)) if len(alts) > 1 else alts[0])
            elif name.endswith("_range"):
                out.append(Or(tuple(Field(name, v) for v in values)))
            else:
                out.append(Or(tuple(Field(name, v) for v in values)))
        out += [Num(n, ">=", v) for n, v in self.mins.items()]
        out += [Num(n, "<=", v) for n, v in self.maxs.items()]
        return out
