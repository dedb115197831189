"""The Whoosh engine's evaluator: queries, filters, facets and sorting in numpy.

The store (whoosh_store.py, the only whoosh importer) keeps the text, the stored sections and a
small JSON column per report with the hit fields and headline figures. Here, per index
generation, that column becomes numpy arrays (facet codes, figures, failed checks) loaded once
per segment, so filters, facet counts and sorting never touch per-hit stored fields; text
leaves are BM25F over the store's postings arrays. Readers reopen when the directory is
exchanged (rebuild) or its generation changes. This module imports no whoosh.
"""
import sys
import threading
import json
from collections import OrderedDict
from pathlib import Path

import numpy as np

from . import segment
from .figures import HEADLINE_LABELS
from .hits import HEADING_BOOST, TITLE_BOOST
from .labels import SCORE_LOW, SCORECARD
from .query import (CHECK_RULES, FACETS, NO_VALUE, RANGE_FIGURES, And, Field, Not, Num,
                    Or, Text, range_bucket, sections_of)
from .searching.facets import COLUMN_FACETS, FINDING_VALUES
from .searching.results import ModuleEngine, paging
from .searching.seam import Matched
from .whoosh_store import (INDEX_VERSION, PARALLEL_FROM, Store, add, exists, prepare, rebuild,  # noqa: F401
                           remove, settle)

B, K1 = 0.75, 1.2  # BM25 parameters, as whoosh.scoring.BM25F
VERIFY_PHRASES_UP_TO = 400  # reports; beyond, a long phrase is matched by its word pairs alone


def agency_years(index_dir, agencies) -> dict:
    """{agency: [(id, year)]} of the indexed reports of these agencies, in one pass over the
    agency column (ingest links an agency's years with it, a batch of hundreds at a time)."""
    if not exists(index_dir):
        return {}
    view = _view(index_dir)
    lookup, codes = view.lookup["agency"], view.codes["agency"]
    wanted = [lookup[a] for a in set(agencies) if a in lookup]
    out = {}
    if wanted:
        vocab, years = view.vocab["agency"], view.figures["year"]
        for docnum in np.flatnonzero(np.isin(codes, wanted) & view.alive):
            year = years[docnum]
            out.setdefault(vocab[codes[docnum]], []).append((view.ids[docnum], None if year != year else int(year)))
    return out


def generation(index_dir):
    """A value that changes whenever the index is written or swapped (caches of results key on it)."""
    if not exists(index_dir):
        return None
    view = _view(index_dir)
    return _dir_key(index_dir)[1], view.store.latest_generation()


def size_bytes(index_dir) -> int:
    """The index's size on disk."""
    return sum(p.stat().st_size for p in Path(index_dir).rglob("*") if p.is_file())


def doc_count(index_dir) -> int:
    return _view(index_dir).n_alive if exists(index_dir) else 0


def ids(index_dir) -> set:
    if not exists(index_dir):
        return set()
    view = _view(index_dir)
    return {view.ids[d] for d in np.flatnonzero(view.alive)}


# --- reading: one view per index generation ----------------------------------------------------

class _View:
    """An open store plus numpy columns for filters, facets and sorting."""

    def __init__(self, index_dir):
        self.store = Store(index_dir)
        self.lock = threading.Lock()  # the evaluator's caches; the store locks its searcher itself
        n = self.store.n
        self.alive = np.zeros(n, dtype=bool)
        self.alive[self.store.live] = True
        self.n_alive = int(self.alive.sum())
        parts = [_segment_columns(key, load) for key, load in self.store.segments()]
        self.n = n
        self.raw = [b for p in parts for b in p.raw]
        self.ids = [i for p in parts for i in p.ids]
        self.section_fields = self.store.section_fields
        self.codes, self.vocab, self.lookup = {}, {}, {}
        for name in FACETS[:-1]:
            self._categorical(name, [v for p in parts for v in p.cats[name]])
        table = np.concatenate([p.table for p in parts]) if parts else np.zeros((0, len(FIGURES)))
        self.figures = {name: table[:, i] for i, name in enumerate(FIGURES)}
        for figure in RANGE_FIGURES:
            self._categorical(f"{figure}_range", [range_bucket(figure, None if v != v else v)
                                                  for v in self.figures[figure].tolist()])
        self.figures["year"] = np.concatenate([p.year for p in parts]) if parts else np.zeros(0)
        failed = np.concatenate([p.failed for p in parts]) if parts else np.zeros((0, len(CHECK_RULES)), bool)
        self.failed = {rule: failed[:, i] for i, rule in enumerate(CHECK_RULES)}
        self.doubtful = np.concatenate([p.doubtful for p in parts]) if parts else np.zeros(0, bool)
        self.figures["score"] = np.concatenate([p.score for p in parts]) if parts else np.zeros(0)
        card = np.concatenate([p.card for p in parts]) if parts else np.zeros((0, len(SCORECARD)), bool)
        self.card_failed = {key: card[:, i] for i, key in enumerate(SCORECARD)}
        self.id_rank = _rank(self.ids)
        self.published_rank = _rank([v for p in parts for v in p.published])
        self.agencies = [v for v in self.vocab["agency"] if v != NO_VALUE[0]]
        self._parts = parts
        self._lengths, self._postings, self._folded = {}, OrderedDict(), {}
        self.findings = {}
        self._base_rank = None
        self._docnums = None

    def docnum(self, rid):
        """The live document number of a report id, or None."""
        if self._docnums is None:
            self._docnums = {i: d for d, i in enumerate(self.ids) if self.alive[d]}
        return self._docnums.get(rid)

    def lengths(self, fieldname):
        """(per-doc length array, average) of a text field, from the lengths kept in the meta column."""
        if fieldname not in self._lengths:
            arrays = [p.lens.get(fieldname, np.zeros(len(p.ids))) for p in self._parts]
            arr = np.concatenate(arrays) if arrays else np.zeros(0)
            present = arr[arr > 0]
            self._lengths[fieldname] = (arr, float(present.mean()) if len(present) else 1.0)
        return self._lengths[fieldname]

    def hit(self, docnum):
        """The hit dict of a document, parsed from its meta column bytes."""
        return self.hits([docnum])[0]

    def hits(self, docnums):
        """Hit dicts of many documents, parsed in one JSON call."""
        raw = [self.raw[d] or b"{}" for d in docnums]
        return [self._finish(m) for m in json.loads(b"[" + b",".join(raw) + b"]")] if raw else []

    @staticmethod
    def _finish(meta):
        meta.pop("lens", None)
        values = meta.pop("fv", None)
        if "figures" not in meta:
            meta["figures"] = dict(zip(FIGURES, values or [None] * len(FIGURES)))
        meta.setdefault("region", {})
        meta.setdefault("failed_checks", [])
        return meta

    def base_rank(self):
        """Each document's place when nothing else decides: newest year, then newest published
        date, then id; computed once per view, so ordering a result sorts one or two keys."""
        if self._base_rank is None:
            year = np.nan_to_num(self.figures["year"], nan=-1.0)
            order = np.lexsort([self.id_rank, -self.published_rank, -year])
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            self._base_rank = rank
        return self._base_rank

    def sections(self, docnum):
        """The stored sections of a document ([{n, anchor, heading, text}])."""
        return self.store.sections(docnum)

    def folded_vocab(self, name):
        """[(folded value, code)] of a facet, for values typed in the query."""
        if name not in self._folded:
            self._folded[name] = [(segment.fold(v), i) for v, i in self.lookup[name].items()]
        return self._folded[name]

    def postings(self, fieldname, token):
        """(docnums, term frequencies) of a term as numpy arrays, from the store, cached."""
        key = (fieldname, token)
        if key in self._postings:
            self._postings.move_to_end(key)
            return self._postings[key]
        result = self.store.postings(fieldname, token)
        self._postings[key] = result
        if len(self._postings) > 4096:
            self._postings.popitem(last=False)
        return result

    def _categorical(self, name, values):
        vocab = sorted({v for v in values if v is not None})
        lookup = {v: i for i, v in enumerate(vocab)}
        self.vocab[name] = vocab
        self.lookup[name] = lookup
        self.codes[name] = np.array([lookup.get(v, -1) for v in values] or [], dtype=np.int32)

    def finding(self, value):
        if value not in self.findings:
            self.findings[value] = self._finding(value)
        return self.findings[value]

    def _finding(self, value):
        n = self.n
        if value.startswith("check:") and value[6:] in self.failed:
            return self.failed[value[6:]]
        if value == "failed":
            return np.logical_or.reduce(list(self.failed.values())) if self.failed else np.zeros(n, bool)
        if value == "doubtful":
            return self.doubtful.copy()
        if value.startswith("scorecard:") and value[10:] in self.card_failed:
            return self.card_failed[value[10:]]
        if value == "score_low":
            with np.errstate(invalid="ignore"):
                return self.figures["score"] < SCORE_LOW
        figure = {"sued": "lawsuits", "reviewed": "reviews", "fees": "fees_10k_yuan"}.get(value)
        if figure:
            with np.errstate(invalid="ignore"):
                return self.figures[figure] > 0
        return np.zeros(n, dtype=bool)

    def close(self):
        self.store.close()


FIGURES = tuple(HEADLINE_LABELS)
_segment_cache = OrderedDict()


class _Columns:
    """One segment's meta column as compact arrays; the JSON bytes are kept only to build hits."""

    def __init__(self, raw):
        self.raw = raw
        metas = [json.loads(b) if b else {} for b in raw]
        intern = {}
        self.ids = [m.get("id") or "" for m in metas]
        self.cats = {name: [intern.setdefault(v, v) for v in (_facet_value(m, name) for m in metas)]
                     for name in FACETS[:-1]}
        self.table = np.array([m.get("fv") or _figure_values(m) for m in metas] or np.zeros((0, len(FIGURES))),
                              dtype=float).reshape(len(metas), len(FIGURES))
        self.year = np.array([_f(m.get("year")) for m in metas], dtype=float)
        self.failed = np.array([[rule in (m.get("failed_checks") or ()) for rule in CHECK_RULES] for m in metas]
                               or np.zeros((0, len(CHECK_RULES))), dtype=bool).reshape(len(metas), len(CHECK_RULES))
        self.published = [intern.setdefault(v, v) for v in (m.get("published") or "" for m in metas)]
        self.doubtful = np.array([bool(m.get("doubtful")) for m in metas], dtype=bool)
        self.score = np.array([_f(m.get("score")) for m in metas], dtype=float)
        self.card = np.array([[key in (m.get("scorecard_failed") or ()) for key in SCORECARD] for m in metas]
                             or np.zeros((0, len(SCORECARD))), dtype=bool).reshape(len(metas), len(SCORECARD))
        names = {f for m in metas for f in (m.get("lens") or {})}
        self.lens = {f: np.array([(m.get("lens") or {}).get(f, 0) for m in metas], dtype=float) for f in names}


def _facet_value(meta, name):
    if not meta:
        return None
    value = (meta.get("region") or {}).get(name) if name in ("province", "city", "county") else meta.get(name)
    return NO_VALUE[0] if value in (None, "") else str(value)


def _figure_values(meta):
    figures = meta.get("figures") or {}
    return [figures.get(name) for name in FIGURES]


def _segment_columns(key, load):
    """A segment's _Columns; segments never change, so they are cached by segment id."""
    if key is not None and key in _segment_cache:
        _segment_cache.move_to_end(key)
        return _segment_cache[key]
    columns_ = _Columns(load())
    if key is not None:
        _segment_cache[key] = columns_
        while len(_segment_cache) > 64:
            _segment_cache.popitem(last=False)
    return columns_


def _rank(values):
    """Dense rank of each value (equal values, equal rank), so strings sort inside numpy's lexsort."""
    if not values:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.array(values, dtype=object), return_inverse=True)[1].astype(np.int64).ravel()


def _f(value):
    return float("nan") if value is None else float(value)


_views = OrderedDict()
MAX_VIEWS = 8  # open index directories kept; a dropped view's files close once no search uses it
_views_lock = threading.Lock()


def _dir_key(index_dir):
    path = Path(index_dir).resolve()
    st = path.stat()
    return str(path), st.st_ino


def _view(index_dir):
    """The current view of an index; reopened when it was rebuilt (new inode) or written to."""
    path, inode = _dir_key(index_dir)
    with _views_lock:
        entry = _views.get(path)
        if entry is not None:
            view_inode, view = entry
            try:
                fresh = view_inode == inode and view.store.up_to_date()
            except Exception:  # the files of a swapped-out index are gone
                fresh = False
            if fresh:
                _views.move_to_end(path)
                return view
            _views.pop(path, None)
        view = _View(index_dir)
        _views[path] = (inode, view)
        while len(_views) > MAX_VIEWS:
            _views.popitem(last=False)
        return view


# --- evaluating a query tree -------------------------------------------------------------------

class _Eval:
    def __init__(self, view, sections):
        self.view = view
        fields_ = view.section_fields
        if sections:
            fields_ = [f for f in fields_ if int(f[1:]) in sections]
        self.fields = fields_
        self.with_title = not sections
        self.sections = sections
        self.n = view.n

    def _bm25(self, fieldname, token, ids, tfs):
        lengths, avg = self.view.lengths(fieldname)
        idf = self.view.store.idf(fieldname, token)
        return idf * (tfs * (K1 + 1)) / (tfs + K1 * ((1 - B) + B * lengths[ids] / avg))

    def text(self, node):
        """BM25F over the title (boosted) and the section fields, vectorised with numpy;
        several precise-mode words must stand next to each other (their shingles are indexed)."""
        tokens = segment.query_tokens(node.text)
        if not tokens:
            return np.ones(self.n, dtype=bool), None
        mask = np.zeros(self.n, dtype=bool)
        scores = np.zeros(self.n, dtype=float)
        fieldnames = self.fields + (["title", "headings"] if self.with_title else [])
        with self.view.lock:
            for fieldname in fieldnames:
                boost = {"title": TITLE_BOOST, "headings": HEADING_BOOST}.get(fieldname, 1.0)
                fmask, fscore = None, np.zeros(self.n, dtype=float)
                for token in dict.fromkeys(tokens):
                    ids, tfs = self.view.postings(fieldname, token)
                    tmask = np.zeros(self.n, dtype=bool)
                    tmask[ids] = True
                    fmask = tmask if fmask is None else fmask & tmask
                    if not fmask.any():
                        break
                    fscore[ids] += boost * self._bm25(fieldname, token, ids, tfs)
                if fmask is None or not fmask.any():
                    continue
                for shingle in segment.shingles(tokens):
                    if not fmask.any():
                        break
                    ids, _ = self.view.postings(fieldname, shingle)
                    phrase = np.zeros(self.n, dtype=bool)
                    phrase[ids] = True
                    fmask &= phrase
                mask |= fmask
                scores += np.where(fmask, fscore, 0.0)
        if len(tokens) > 2:
            mask = self._verify_phrase(mask, tokens)
        return mask, scores

    def _verify_phrase(self, mask, tokens):
        """Word pairs pin a phrase of three words or more down only approximately (its pairs may
        stand apart); when few reports are left, read their text and keep those with the run."""
        docs = np.flatnonzero(mask)
        if len(docs) > VERIFY_PHRASES_UP_TO:
            return mask
        run = "".join(tokens)
        kept = np.zeros(self.n, dtype=bool)
        for docnum in docs:
            secs = self.view.sections(docnum)
            texts = [s["text"] for s in secs if not self.sections or s.get("n") in self.sections]
            if self.with_title:  # the title and headings fields are searched too
                texts += [self.view.hit(docnum).get("title") or ""] + [s.get("heading") or "" for s in secs]
            kept[docnum] = any(run in segment.squeeze(t) for t in texts)
        return kept

    def field(self, node):
        view = self.view
        if node.name == "section":  # reports that have this section; it also narrows text search
            return view.lengths(f"s{node.value}")[0] > 0, None
        if node.name == "finding":
            return view.finding(node.value), None
        codes = view.codes.get(node.name)
        if codes is None:
            return np.zeros(self.n, dtype=bool), None
        lookup = view.lookup[node.name]
        if node.value in lookup:
            return codes == lookup[node.value], None
        if node.name.endswith("_range"):
            return np.zeros(self.n, dtype=bool), None
        # typed in the query: traditional/full-width folded, else any value containing it (agency:卫生健康)
        value = segment.fold(node.value)
        folded = view.folded_vocab(node.name)
        match = [i for v, i in folded if v == value] or [i for v, i in folded if value in v]
        return np.isin(codes, match), None

    def num(self, node):
        values = self.view.figures.get(node.name)
        if values is None:
            return np.zeros(self.n, dtype=bool), None
        with np.errstate(invalid="ignore"):
            op = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less,
                  "=": np.equal}[node.op]
            return op(values, node.value), None

    def __call__(self, node):
        if isinstance(node, Text):
            return self.text(node)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Num):
            return self.num(node)
        if isinstance(node, Not):
            mask, _ = self(node.item)
            return ~mask, None
        if isinstance(node, (And, Or)):
            combine = np.logical_and if isinstance(node, And) else np.logical_or
            mask, scores = None, None
            for item in node.items:
                m, s = self(item)
                mask = m if mask is None else combine(mask, m)
                if s is not None:
                    scores = s if scores is None else scores + s
            if scores is not None:
                scores = np.where(mask, scores, 0.0)
            return mask, scores
        return np.ones(self.n, dtype=bool), None


def _match(view, params):
    tree, notice = params.tree()
    evaluate = _Eval(view, sections_of(tree) if tree is not None else set())
    mask, scores = evaluate(tree) if tree is not None else (np.ones(view.n, bool), None)
    mask = mask & view.alive
    for condition in params.conditions():
        m, _ = evaluate(condition)
        mask &= m
    return tree, notice, mask, scores


def _order(view, docs, scores, sort, limit=None):
    """Document numbers in display order; missing figures last, ties newest first. With a limit,
    only the first `limit` are ordered (a partition finds them), not every matching report."""
    if not len(docs):
        return docs
    base = view.base_rank()[docs]
    primary = None
    if sort == "relevance" and scores is not None:
        primary = -scores[docs]
    elif sort == "year":
        primary = np.nan_to_num(view.figures["year"][docs], nan=np.inf)
    elif sort.lstrip("-") in HEADLINE_LABELS:
        values = view.figures[sort.lstrip("-")][docs]
        primary = np.where(np.isnan(values), np.inf, -values if sort.startswith("-") else values)
    if primary is None:
        if limit and len(docs) > limit:
            keep = np.argpartition(base, limit - 1)[:limit]
            docs, base = docs[keep], base[keep]
        return docs[np.argsort(base, kind="stable")]
    if limit and len(docs) > 2 * limit:
        kth = np.partition(primary, limit - 1)[limit - 1]
        keep = primary <= kth  # every tie of the last place stays, so the order is exact
        docs, base, primary = docs[keep], base[keep], primary[keep]
    return docs[np.lexsort([base, primary])]


def _counts(view, mask):
    """{facet: {value: count}} over the matching reports: bincounts of the facet columns, and
    the findings' flags."""
    counts = {}
    for name in COLUMN_FACETS:
        vocab = view.vocab[name]
        codes = view.codes[name][mask]
        tally = np.bincount(codes[codes >= 0], minlength=len(vocab)) if len(vocab) else np.zeros(0, int)
        present = np.flatnonzero(tally)
        counts[name] = dict(zip(map(vocab.__getitem__, present.tolist()), tally[present].tolist()))
    counts["finding"] = {value: int((view.finding(value) & mask).sum()) for value in FINDING_VALUES}
    return counts


def _nearest_term(view, token):
    """The indexed word one edit from token (title first, then the sections), else None."""
    return view.store.nearest(token, ["title"] + view.section_fields)


def _known_term(view, token):
    return view.store.known(token, ["title"] + view.section_fields)


def match(index_dir, params, facets=True) -> Matched:
    """The raw answer (seam.Matched): the page's hits in order, the total, the facet counts."""
    view = _view(index_dir)
    tree, notice, mask, scores = _match(view, params)
    matching = np.flatnonzero(mask)
    total = len(matching)
    page, pages, start = paging(total, params)
    docs = _order(view, matching, scores, params.sort, limit=start + params.per_page)
    return {"tree": tree, "notice": notice, "total": total, "page": page, "pages": pages,
            "hits": view.hits(docs[start:start + params.per_page].tolist()),
            "counts": _counts(view, mask) if facets else None}


def sections(index_dir, ids, numbers) -> dict:
    """{id: [stored section]} of these reports, only sections `numbers` when given."""
    view = _view(index_dir)
    out = {}
    for rid in ids:
        docnum = view.docnum(rid)
        if docnum is not None:
            secs = view.sections(docnum)
            out[rid] = [s for s in secs if s.get("n") in numbers] if numbers else secs
    return out


def search_all(index_dir, params) -> list:
    """Every matching report in display order, without snippets."""
    if not exists(index_dir):
        return []
    view = _view(index_dir)
    _, _, mask, scores = _match(view, params)
    return view.hits(_order(view, np.flatnonzero(mask), scores, params.sort).tolist())


def agency_names(index_dir):
    return _view(index_dir).agencies


def nearest_term(index_dir, token):
    return _nearest_term(_view(index_dir), token)


def known_term(index_dir, token):
    return _known_term(_view(index_dir), token)


class WhooshIndex(ModuleEngine):
    """The Whoosh engine at one index folder (seam.SearchBackend)."""
    name = "whoosh"
    module = sys.modules[__name__]

    def add(self, records, prepared=None, bulk=False):
        """bulk: more batches follow and settle() comes after the last, so segments are not
        re-merged after every commit."""
        return add(self.location, records, prepared=prepared, merge=not bulk)

    def settle(self):
        return settle(self.location)


def search(index_dir, params, facets=True):
    """WhooshIndex(index_dir).search(params): for scripts and tests that hold a folder."""
    return WhooshIndex(index_dir).search(params, facets=facets)
