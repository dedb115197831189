"""The search seam and everything engine-neutral about an answer.

seam.py     the SearchBackend Protocol and the plain result types (Hit, Snippet, Span, FacetValue,
            SearchResult, Matched)
facets.py   facet kinds as small classes (label, order, limit, toggle) over raw counts
results.py  SearchEngine.search(): paging, the empty result, facets, suggestion, snippet spans
"""
from .seam import FacetValue, Hit, IndexUnavailable, Matched, SearchBackend, SearchResult, Snippet, Span  # noqa: F401
