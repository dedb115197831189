"""The search seam: what an engine must do (`SearchBackend`) and the plain types that cross it.

Two engines implement it: `gikportal.index.WhooshIndex` (embedded, the default) and
`gikportal.pgindex.PostgresIndex`. They return raw material only -- the ids of the page's hits in
order, the total, `{facet: {value: count}}`, the stored sections of the page's hits -- and the
engine-neutral `searching.results` turns it into the finished `SearchResult`: facet values with
labels and order (`searching.facets`), the spelling suggestion, snippets with highlight spans as
character offsets. No HTML crosses the seam: the web layer renders spans as <mark>.

Everything here is a TypedDict or a Protocol, so results stay plain JSON-able dicts (the API
returns them as they are) while "go to definition" and a type checker know their shape.
"""
from typing import Any, Iterable, Optional, Protocol, TypedDict, runtime_checkable

from ..query import SearchParams


class IndexUnavailable(RuntimeError):
    """The index cannot be read (lost, truncated, damaged) while the archive holds reports. The
    web layer answers 503 until a rebuild (reindex, check --repair, the next start) is in place;
    the archive, the source of truth, is untouched."""


class Span(TypedDict):
    """A highlighted run of a snippet's text: text[start:end], offsets in characters."""
    start: int
    end: int


class Snippet(TypedDict, total=False):
    section: int           # the section's number n
    anchor: str            # its anchor on the report page (s1 …)
    heading: str
    text: str              # the excerpt, plain text; "…" marks where it was cut
    spans: list            # [Span]: the matched terms within text
    url: str               # added by the web layer


class Hit(TypedDict, total=False):
    """One report as a hit: hits.hit_fields(record) plus snippets (search only)."""
    id: str
    title: str
    agency: str            # as printed
    agency_key: str        # the body across its names (parse/agency.py canonical_key); "" unknown
    year: Optional[int]
    published: Optional[str]
    format: Optional[str]
    region: dict           # {province, city, county}
    kind: str
    figures: dict          # {headline figure: number or None}
    failed_checks: list    # [rule]
    snippets: list         # [Snippet]
    url: str               # added by the web layer


class FacetValue(TypedDict, total=False):
    value: str
    label: str
    count: int
    selected: bool
    url: str               # the URL that toggles it, added by the web layer


class SearchResult(TypedDict):
    query: str
    total: int
    page: int
    per_page: int
    pages: int
    sort: str
    notice: Optional[str]
    suggestion: Optional[str]       # a query that finds something under the same filters
    suggestion_total: Optional[int]  # how many reports it finds
    hits: list             # [Hit]
    facets: dict           # {facet: [FacetValue]}
    facets_more: dict      # {facet: reports under values cut off by the facet's limit}


class Matched(TypedDict):
    """What an engine's match() returns: raw material, nothing rendered or labelled."""
    tree: Any              # the parsed query tree (query.parse_query), None for an empty query
    notice: Optional[str]  # the query parser's notice (bad syntax fell back to words)
    total: int
    page: int              # the page actually returned (the last one when asked past it)
    pages: int
    hits: list             # [Hit] of the page, in display order, without snippets
    counts: Optional[dict]  # {facet: {value: count}} over the whole result incl. "finding"; None: not asked


@runtime_checkable
class SearchBackend(Protocol):
    """A search engine at one location (an index folder, a database URL).

    Writers: rebuild replaces everything atomically; add/remove change reports by id; bulk adds
    are followed by one settle(). prepare() runs in ingest's worker processes and returns a
    picklable document that add() then only writes (or None: add analyses the records itself).
    Readers: search() answers a page (implemented once in `searching.results.SearchEngine` over
    the raw match()/sections()/spelling methods); search_all() every matching hit, no snippets.
    """
    name: str
    location: str

    def rebuild(self, records: Iterable[dict]) -> int: ...
    def prepare(self, record: dict) -> Any: ...
    def add(self, records: Iterable[dict], prepared: Optional[dict] = None, bulk: bool = False) -> int: ...
    def settle(self) -> Any: ...
    def remove(self, ids: Iterable[str]) -> int: ...
    def exists(self) -> bool: ...
    def doc_count(self) -> int: ...
    def ids(self) -> set: ...
    def generation(self) -> Any: ...
    def size_bytes(self) -> int: ...
    def agency_years(self, agencies: Iterable[str]) -> dict: ...  # {agency key: [(id, year)]}

    def match(self, params: SearchParams, facets: bool = True) -> Matched: ...
    def sections(self, ids: list, numbers: set) -> dict: ...
    def agency_names(self) -> list: ...  # printed names (suggestions)
    def agency_labels(self) -> dict: ...  # {agency key: the latest printed name}
    def nearest_term(self, token: str) -> Optional[str]: ...
    def known_term(self, token: str) -> bool: ...

    def search(self, params: SearchParams, facets: bool = True) -> SearchResult: ...
    def search_all(self, params: SearchParams) -> list: ...
