"""From an engine's raw match to the finished SearchResult, once for every engine.

`SearchEngine` is the base both engines derive from: it implements `search()` over the engine's
raw `match()`, `sections()` and spelling methods (see seam.py), so paging, the empty result,
facets, the spelling suggestion and snippets exist in one copy and the two engines cannot drift.
"""
import difflib
import threading
from collections import OrderedDict

import numpy as np

from .. import segment
from ..query import SearchParams, sections_of, text_leaves
from .facets import facet_results, label_agencies
from .seam import Matched, SearchResult

SNIPPETS_PER_HIT = 3
SUGGEST_CANDIDATES = 200  # agency names compared closely, out of those sharing most characters
NO_INDEX = "索引尚未建立。"


def paging(total, params: SearchParams):
    """(page, pages, offset): a page past the end shows the last one."""
    pages = (total + params.per_page - 1) // params.per_page
    page = min(params.page, max(pages, 1))
    return page, pages, (page - 1) * params.per_page


def empty_result(params: SearchParams, notice=None) -> SearchResult:
    """The answer when there is nothing to search (no index yet), in the shape of every answer."""
    return {"query": params.q, "total": 0, "page": 1, "per_page": params.per_page, "pages": 0,
            "sort": params.sort, "notice": notice, "suggestion": None, "suggestion_total": None, "hits": [], "facets": {},
            "facets_more": {}}


# --- snippets: excerpts with highlight spans ----------------------------------------------------

def highlight_terms(tree):
    """The folded words and phrases of a query's positive text leaves, to mark in snippets."""
    terms = []
    for leaf in text_leaves(tree):
        tokens = segment.query_tokens(leaf.text)
        if len(tokens) > 1:
            terms.append(segment.fold(leaf.text))
        terms += tokens
    return [t for t in terms if t.strip()]


def hit_snippets(sections, terms):
    """Up to SNIPPETS_PER_HIT snippets of a hit's sections: whole phrases first, else words,
    else the heading that matched, linked to its section."""
    if not terms:
        return []
    phrase_terms = [t for t in terms if len(segment.query_tokens(t)) > 1]
    result = segment.snippets(sections, phrase_terms, SNIPPETS_PER_HIT) if phrase_terms else []
    if not result:
        result = segment.snippets(sections, terms, SNIPPETS_PER_HIT)
    if not result:
        result = segment.snippets([dict(s, text=s["heading"]) for s in sections], terms, SNIPPETS_PER_HIT)
    return result


# --- the spelling suggestion --------------------------------------------------------------------

def corrected_query(typed, words, nearest, known):
    """The query with its words corrected (依申请公干 -> 依申请公开): the whole run if an engine
    knows a word next to it, else each unknown word replaced by its nearest known word, else None."""
    whole = nearest(typed)
    if whole:
        return whole
    tokens = [t for w in words for t in segment.query_tokens(w)]
    corrected = [t if known(t) else (nearest(t) or t) for t in tokens]
    return "".join(corrected) if corrected != tokens else None


class AgencyNames:
    """Agency names folded (one fold of all of them joined: OpenCC called once, not per name)
    and, per character, the names that have it: a suggestion then counts shared characters
    with numpy instead of comparing the typed text with every name of a 100,000-report index."""

    def __init__(self, agencies):
        agencies = list(agencies)
        folded = segment.fold("\n".join(agencies)).split("\n")
        if len(folded) != len(agencies):  # a name with a line break in it
            folded = [segment.fold(name) for name in agencies]
        self.names = {}
        for name, f in zip(agencies, folded):
            self.names.setdefault(f, name)
        self.folded = list(self.names)
        having = {}
        for i, f in enumerate(self.folded):
            for c in set(f):
                having.setdefault(c, []).append(i)
        self.having = {c: np.array(ids, dtype=np.int32) for c, ids in having.items()}

    def nearest(self, typed):
        """The agency name closest to what was typed (folded), among those sharing its characters."""
        chars = set(typed)
        need = min(2, len(chars))
        found = [self.having[c] for c in chars if c in self.having]
        shared = np.bincount(np.concatenate(found), minlength=len(self.folded)) if found else np.zeros(0, int)
        ids = np.flatnonzero(shared >= need) if need else np.arange(len(self.folded))
        best = ids[np.lexsort((ids, -shared[ids]))][:SUGGEST_CANDIDATES] if len(shared) else ids
        close = difflib.get_close_matches(typed, [self.folded[i] for i in best.tolist()], n=1, cutoff=0.5)
        return self.names[close[0]] if close else None


_agency_names = OrderedDict()


def agency_names(engine):
    """The engine's AgencyNames for its current generation, made once."""
    key = (engine.name, engine.location, engine.generation())
    with _suggestions_lock:
        if key in _agency_names:
            return _agency_names[key]
    names = AgencyNames(engine.agency_names())
    with _suggestions_lock:
        _agency_names[key] = names
        while len(_agency_names) > 4:
            _agency_names.popitem(last=False)
    return names


_suggestions = OrderedDict()
_suggestions_lock = threading.Lock()


def suggestion(engine, tree, params):
    """(query, its number of hits) to suggest, or (None, None): the nearest agency name, else the
    query with each word replaced by a close indexed word -- the first of these that finds
    something under the same filters, so a suggestion never leads to nothing. Remembered per
    index generation and filters (the same typo is typed again)."""
    words = [leaf.text for leaf in text_leaves(tree)]
    if not words:
        return None, None
    typed = segment.fold("".join(words))
    key = (engine.name, engine.location, engine.generation(), typed, tuple(params.with_(q="").to_args()))
    with _suggestions_lock:
        if key in _suggestions:
            return _suggestions[key]
    found = (None, None)
    candidates = (lambda: agency_names(engine).nearest(typed),
                  lambda: corrected_query(typed, words, engine.nearest_term, engine.known_term))
    tried = set()
    for candidate in candidates:
        text = candidate()
        if not text or text in tried or segment.fold(text) == typed:
            continue
        tried.add(text)
        total = engine.match(params.with_(q=text, page=1, per_page=1), facets=False)["total"]
        if total:
            found = (text, total)
            break
    with _suggestions_lock:
        _suggestions[key] = found
        while len(_suggestions) > 1000:
            _suggestions.popitem(last=False)
    return found


# --- the finished result ------------------------------------------------------------------------

def finish(engine, params: SearchParams, matched: Matched) -> SearchResult:
    tree = matched["tree"]
    terms = highlight_terms(tree) if tree is not None else []
    hits = matched["hits"]
    if hits and terms:
        stored = engine.sections([h["id"] for h in hits], sections_of(tree))
        for hit in hits:
            hit["snippets"] = hit_snippets(stored.get(hit["id"], []), terms)
    else:
        for hit in hits:
            hit["snippets"] = []
    facets, facets_more = facet_results(matched["counts"], params) if matched["counts"] is not None else ({}, {})
    suggested, suggested_total = (suggestion(engine, tree, params) if matched["total"] == 0 and tree is not None
                                  else (None, None))
    if facets.get("agency"):
        label_agencies(facets["agency"], engine.agency_labels())
    return {"query": params.q, "total": matched["total"], "page": matched["page"], "per_page": params.per_page,
            "pages": matched["pages"], "sort": params.sort, "notice": matched["notice"],
            "suggestion": suggested, "suggestion_total": suggested_total,
            "hits": hits, "facets": facets, "facets_more": facets_more}


class SearchEngine:
    """What both engines share: `search()` over their raw methods. An engine sets name and
    location and implements the rest of seam.SearchBackend."""
    name = "engine"
    location = None

    def search(self, params: SearchParams, facets=True) -> SearchResult:
        """One page of hits with snippets, the facets of the whole filtered result, notice and
        suggestion; facets=False skips the facet counts (the API and the benchmark's plain search)."""
        if not self.exists():
            return empty_result(params, NO_INDEX)
        return finish(self, params, self.match(params, facets=facets))

    def __repr__(self):
        return f"<{type(self).__name__} {self.name} at {self.location}>"


class ModuleEngine(SearchEngine):
    """An engine whose module holds its functions, each taking the location first (index.py,
    pgindex.py): each operation of seam.SearchBackend is one explicit method here, so a call
    site's "go to definition" lands on it and the engine's own function is one step further."""
    module = None

    def __init__(self, location):
        self.location = str(location)

    def rebuild(self, records):
        return self.module.rebuild(self.location, records)

    def prepare(self, record):
        return self.module.prepare(self.location, record)

    def add(self, records, prepared=None, bulk=False):
        return self.module.add(self.location, records, prepared=prepared)

    def settle(self):
        return None

    def remove(self, ids):
        return self.module.remove(self.location, ids)

    def exists(self):
        return self.module.exists(self.location)

    def doc_count(self):
        return self.module.doc_count(self.location)

    def ids(self):
        return self.module.ids(self.location)

    def generation(self):
        return self.module.generation(self.location)

    def size_bytes(self):
        return self.module.size_bytes(self.location)

    def agency_years(self, agencies):
        return self.module.agency_years(self.location, agencies)

    def match(self, params, facets=True):
        return self.module.match(self.location, params, facets=facets)

    def sections(self, ids, numbers):
        return self.module.sections(self.location, ids, numbers)

    def agency_names(self):
        return self.module.agency_names(self.location)

    def agency_labels(self):
        return self.module.agency_labels(self.location)

    def nearest_term(self, token):
        return self.module.nearest_term(self.location, token)

    def known_term(self, token):
        return self.module.known_term(self.location, token)

    def search_all(self, params):
        return self.module.search_all(self.location, params)
