"""The Whoosh engine's evaluator: queries, filters, facets and sorting in numpy.

The store (whoosh_store.py, the only whoosh importer) keeps the text, the stored sections and a
small JSON column per report with the hit fields and headline figures. Here, per index
generation, that column becomes numpy arrays (facet codes, figures, failed checks) loaded once
per segment, so filters, facet counts and sorting never touch per-hit stored fields; text
leaves are BM25F over the store's postings arrays. Readers reopen when the directory is
exchanged (rebuild) or its generation changes. This module imports no whoosh.
"""
import functools
import json
import math
import os
import sys
import threading
import time
import zlib
from collections import OrderedDict
from pathlib import Path

import numpy as np

from . import colfile, segment, whoosh_store
from .figures import HEADLINE_LABELS
from .hits import HEADING_BOOST, TITLE_BOOST
from .labels import SCORE_LOW, SCORECARD
from .query import (CHECK_RULES, FACETS, NO_VALUE, RANGE_FIGURES, And, Field, Not, Num,
                    Or, Text, sections_of)
from .searching.facets import COLUMN_FACETS, FINDING_VALUES, Tally, agency_keys
from .searching.results import ModuleEngine, paging
from .searching.seam import IndexUnavailable, Matched
from .whoosh_store import INDEX_VERSION, PARALLEL_FROM, Store, prepare  # noqa: F401

B, K1 = 0.75, 1.2  # BM25 parameters, as whoosh.scoring.BM25F
LONG_FACET = 1000  # values present; a longer facet's counts stay numpy arrays (facets.Tally)
VERIFY_PHRASES_UP_TO = 400  # reports; beyond, a long phrase is matched by its word pairs alone


def _reads(fn):
    """A read of an open view that fails (its files were truncated or deleted under it) drops
    the view and is tried once more on a freshly opened one; failing again, IndexUnavailable."""
    @functools.wraps(fn)
    def guarded(index_dir, *args, **kwargs):
        try:
            return fn(index_dir, *args, **kwargs)
        except IndexUnavailable:
            raise
        except Exception:  # noqa: BLE001
            _forget(index_dir)
        try:
            return fn(index_dir, *args, **kwargs)
        except IndexUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001
            _forget(index_dir)
            raise IndexUnavailable(f"索引无法读取：{type(exc).__name__}: {exc}") from exc
    return guarded


def _forget(index_dir):
    with _views_lock:
        _views.pop(str(Path(index_dir).resolve()), None)


@_reads
def agency_years(index_dir, agencies) -> dict:
    """{agency key: [(id, year)]} of the indexed reports of these agencies, in one pass over the
    agency column (ingest links an agency's years with it, a batch of hundreds at a time)."""
    if not exists(index_dir):
        return {}
    view = _view(index_dir)
    lookup, codes = view.lookup["agency"], view.codes["agency"]  # the agency facet column holds keys
    wanted = [lookup[a] for a in set(agencies) if a in lookup]
    out = {}
    if wanted:
        vocab, years = view.vocab["agency"], view.figures["year"]
        for docnum in np.flatnonzero(np.isin(codes, wanted) & view.alive):
            year = years[docnum]
            out.setdefault(vocab[codes[docnum]], []).append((view.id_of(docnum), None if year != year else int(year)))
    return out


@_reads
def generation(index_dir):
    """A value that changes whenever the index is written or swapped (caches of results key on it)."""
    if not exists(index_dir):
        return None
    view = _view(index_dir)
    _, inode, mtime, _ = _dir_state(index_dir)
    if view._generation is None or view._generation[0] != (inode, mtime):
        view._generation = (inode, mtime), (inode, view.store.latest_generation())
    return view._generation[1]


def size_bytes(index_dir) -> int:
    """The index's size on disk."""
    return sum(p.stat().st_size for p in Path(index_dir).rglob("*") if p.is_file())


@_reads
def doc_count(index_dir) -> int:
    return _view(index_dir).n_alive if exists(index_dir) else 0


@_reads
def ids(index_dir) -> set:
    if not exists(index_dir):
        return set()
    view = _view(index_dir)
    return {i.decode("ascii") for i in view.id_array[view.alive].tolist()}


# --- reading: one view per index generation ----------------------------------------------------

class _View:
    """An open store plus numpy columns for filters, facets and sorting.

    Each segment's columns come memory-mapped from its column file (colfile.py), written when
    the segment was, so opening a view costs the number of segments, not of reports."""

    def __init__(self, index_dir):
        self.store = Store(index_dir)
        self.lock = threading.Lock()  # the evaluator's caches; the store locks its searcher itself
        n = self.store.n
        self.alive = np.ones(n, dtype=bool)
        self.alive[self.store.deleted] = False
        self.n_alive = int(self.alive.sum())
        segments = self.store.segments()
        self.files = _segment_files(index_dir, [key for key, _ in segments])
        parts = [_segment_columns(self.store, key, load) for key, load in segments]
        self.n = n
        self._starts = np.cumsum([0] + [p.n for p in parts])
        self.id_array = _concat([p.ids for p in parts], "S1")
        self.section_fields = self.store.section_fields
        self.codes, self.vocab, self.lookup = {}, {}, {}
        for name in FACETS[:-1]:
            self._merge_categorical(name, [p.cats[name] for p in parts])
        table = _concat([p.table for p in parts], float, (0, len(FIGURES)))
        self.figures = {name: table[:, i] for i, name in enumerate(FIGURES)}
        for figure in RANGE_FIGURES:
            self._range_categorical(figure)
        self.figures["year"] = _concat([p.year for p in parts], float)
        failed = _concat([p.failed for p in parts], bool, (0, len(CHECK_RULES)))
        self.failed = {rule: failed[:, i] for i, rule in enumerate(CHECK_RULES)}
        self.doubtful = _concat([p.doubtful for p in parts], bool)
        self.figures["score"] = _concat([p.score for p in parts], float)
        card = _concat([p.card for p in parts], bool, (0, len(SCORECARD)))
        self.card_failed = {key: card[:, i] for i, key in enumerate(SCORECARD)}
        self._merge_categorical("_published", [p.published for p in parts])
        self.published_rank = self.codes.pop("_published").astype(np.int64)  # dense rank of the dates
        del self.vocab["_published"], self.lookup["_published"]
        self._merge_categorical("agency_name", [p.names for p in parts])   # the names printed; "agency" holds keys
        self.agencies = [v for v in self.vocab["agency_name"] if v != NO_VALUE[0]]
        self._agency_pairs = self._agency_labels = None
        self._parts = parts
        self._lengths, self._postings, self._folded = {}, OrderedDict(), {}
        self.findings = {}
        self._base_rank = None
        self._id_order = None
        self.unchanged_since = None  # the folder's mtime while this view is known current (_open_view)
        self._generation = None

    def _merge_categorical(self, name, parts):
        """One facet's codes over all segments: each segment's (codes, vocabulary) renumbered into
        the sorted union of the vocabularies (-1: the report has no value at all)."""
        vocab = sorted({v for _, values in parts for v in values})
        lookup = {v: i for i, v in enumerate(vocab)}
        self.vocab[name], self.lookup[name] = vocab, lookup
        self.codes[name] = _concat([np.append(np.array([lookup[v] for v in values], dtype=np.int32), -1)[codes]
                                    for codes, values in parts], np.int32)

    def _range_categorical(self, figure):
        """A figure's range facet, bucketed in numpy as query.range_bucket does value by value."""
        values = self.figures[figure]
        names = [name for name, _, _, _ in RANGE_FIGURES[figure]] + [NO_VALUE[0]]
        bucket = np.full(len(values), len(names) - 1, dtype=np.int32)
        with np.errstate(invalid="ignore"):
            for i, (_, _, low, high) in reversed(list(enumerate(RANGE_FIGURES[figure]))):
                bucket[(values >= low) & (values < (np.inf if high is None else high))] = i
        present = np.unique(bucket)
        vocab = sorted(names[i] for i in present.tolist())
        lookup = {v: i for i, v in enumerate(vocab)}
        remap = np.array([lookup.get(v, -1) for v in names], dtype=np.int32)
        name = f"{figure}_range"
        self.vocab[name], self.lookup[name], self.codes[name] = vocab, lookup, remap[bucket]

    def id_of(self, docnum):
        return self.id_array[docnum].decode("ascii")

    def docnum(self, rid):
        """The live document number of a report id, or None (a binary search in the sorted ids)."""
        if not rid.isascii() or len(self.id_array) == 0:
            return None
        if self._id_order is None:
            order = np.argsort(self.id_array, kind="stable")
            self._id_order = order, self.id_array[order]
        order, ordered = self._id_order
        key = np.array(rid.encode("ascii"), dtype=self.id_array.dtype)
        lo, hi = np.searchsorted(ordered, key, "left"), np.searchsorted(ordered, key, "right")
        for docnum in order[lo:hi].tolist():
            if self.alive[docnum] and self.id_of(docnum) == rid:
                return docnum
        return None

    def lengths(self, fieldname):
        """(per-doc length array, average) of a text field, from the lengths kept in the meta column."""
        if fieldname not in self._lengths:
            arrays = [p.lens.get(fieldname, np.zeros(p.n, dtype=np.int32)) for p in self._parts]
            arr = (np.concatenate(arrays) if arrays else np.zeros(0)).astype(float)
            present = arr[arr > 0]
            self._lengths[fieldname] = (arr, float(present.mean()) if len(present) else 1.0)
        return self._lengths[fieldname]

    def hit(self, docnum):
        """The hit dict of a document, parsed from its meta column bytes."""
        return self.hits([docnum])[0]

    def raw(self, docnum):
        """The meta JSON bytes of a document, from its segment's column file."""
        i = int(np.searchsorted(self._starts, docnum, "right")) - 1
        part, local = self._parts[i], docnum - int(self._starts[i])
        return _unpack_hit(part.blob[int(part.offsets[local]):int(part.offsets[local + 1])].tobytes())

    def hits(self, docnums):
        """Hit dicts of many documents, parsed in one JSON call."""
        raw = [self.raw(d) or b"{}" for d in docnums]
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
            id_rank = np.unique(self.id_array, return_inverse=True)[1].astype(np.int64).ravel()
            order = np.lexsort([id_rank, -self.published_rank, -year])
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            self._base_rank = rank
        return self._base_rank

    def agency_pairs(self):
        """Distinct (agency key, printed name) of the index ("" for no name)."""
        if self._agency_pairs is None:
            keys, names = self.vocab["agency"], self.vocab["agency_name"]
            both = np.unique(np.stack([self.codes["agency"], self.codes["agency_name"]]), axis=1) \
                if self.n else np.zeros((2, 0), int)
            self._agency_pairs = [(keys[k], "" if names[n] == NO_VALUE[0] else names[n])
                                  for k, n in both.T.tolist() if k >= 0 and keys[k] != NO_VALUE[0]]
        return self._agency_pairs

    def agency_labels(self):
        """{agency key: the printed name of its newest report} (newest year, then published, then id)."""
        if self._agency_labels is None:
            docs = np.flatnonzero(self.alive & (self.codes["agency_name"] != self.lookup["agency_name"].get(
                NO_VALUE[0], -1)))
            docs = docs[np.argsort(self.base_rank()[docs], kind="stable")]
            keys, names = self.vocab["agency"], self.vocab["agency_name"]
            out = {}
            for k, n in zip(self.codes["agency"][docs].tolist(), self.codes["agency_name"][docs].tolist()):
                out.setdefault(keys[k], names[n])
            self._agency_labels = out
        return self._agency_labels

    def sections(self, docnum):
        """The stored sections of a document ([{n, anchor, heading, text}])."""
        return self.store.sections(docnum)

    def folded_vocab(self, name):
        """[(folded value, code)] of a facet, for values typed in the query."""
        if name not in self._folded:
            self._folded[name] = [(segment.fold(v), i) for v, i in self.lookup[name].items()]
        return self._folded[name]

    def postings(self, fieldname, token):
        """(docnums, term frequencies, idf) of a term, from the store, cached. The idf is
        Whoosh's (log(N / (df + 1)) + 1, df counting deleted reports as Whoosh's term info does),
        taken from the postings just read rather than by a second term lookup per segment."""
        key = (fieldname, token)
        if key in self._postings:
            self._postings.move_to_end(key)
            return self._postings[key]
        ids, tfs = self.store.postings(fieldname, token)
        result = ids, tfs, math.log(self.n / (len(ids) + 1)) + 1 if self.n else 0.0
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

    def files_intact(self):
        """The segment files this view reads are all there, at the sizes they had when it opened
        (segments never change: a file deleted or truncated under the portal is damage)."""
        try:
            return all(os.stat(path).st_size == size for path, size in self.files)
        except OSError:
            return False

    def close(self):
        self.store.close()


MAPPED = (whoosh_store.COLUMN_FILE_EXT, whoosh_store.POSTINGS_FILE_EXT)


def _segment_files(index_dir, segment_ids):
    """[(path, size)] of the memory-mapped files of these segments (column and postings files):
    checked before every use of the view, since touching a page a truncation took away is a
    SIGBUS, not an exception. Whoosh reads its own files with read(), so their damage raises
    (and _reads reports it); they are not stat'ed per search (30 a segment)."""
    wanted = {f"{key}.{ext}" for key in segment_ids if key for ext in MAPPED}
    with os.scandir(index_dir) as entries:
        return [(e.path, e.stat().st_size) for e in entries if e.name in wanted and e.is_file()]


FIGURES = tuple(HEADLINE_LABELS)
_segment_cache = OrderedDict()
_segment_lock = threading.Lock()
# what a column file holds; a file of another layout is made again from the segment's meta column
COLUMNS_LAYOUT = json.dumps(["4", INDEX_VERSION, FACETS[:-1], FIGURES, CHECK_RULES, SCORECARD], ensure_ascii=False)


class _Columns:
    """One segment's columns: facet (codes, vocabulary), figures, year, failed checks, the
    published date, doubt, text lengths, and each report's meta JSON (offsets into one blob for
    building hits). Arrays may be memory-mapped from the segment's column file."""

    def __init__(self, arrays, extra):
        self.n = int(extra["n"])
        self.ids = arrays["ids"]
        self.cats = {name: (arrays[f"cat:{name}"], extra["vocab"][name]) for name in FACETS[:-1]}
        self.published = (arrays["published"], extra["vocab"]["published"])
        self.names = (arrays["cat:agency_name"], extra["vocab"]["agency_name"])
        self.table, self.year, self.failed = arrays["table"], arrays["year"], arrays["failed"]
        self.doubtful = arrays["doubtful"]
        self.score, self.card = arrays["score"], arrays["card"]
        self.lens = {name[4:]: a for name, a in arrays.items() if name.startswith("len:")}
        self.offsets, self.blob = arrays["offsets"], arrays["blob"]

    @staticmethod
    def derive(raw):
        """(arrays, extra) of a segment from its meta column bytes: the one O(reports) step,
        done once per segment when it is written (or by the first reader of an older index)."""
        metas = [json.loads(b) if b else {} for b in raw]
        n = len(metas)
        arrays = {"ids": np.array([(m.get("id") or "").encode("ascii") for m in metas] or [b""], dtype="S")[:n]}
        vocab = {}
        for name in FACETS[:-1]:
            arrays[f"cat:{name}"], vocab[name] = _encode([_facet_value(m, name) for m in metas])
        arrays["published"], vocab["published"] = _encode([m.get("published") or "" for m in metas])
        arrays["cat:agency_name"], vocab["agency_name"] = _encode([_facet_value(m, "agency_name") for m in metas])
        arrays["table"] = np.array([m.get("fv") or _figure_values(m) for m in metas] or np.zeros((0, len(FIGURES))),
                                   dtype=float).reshape(n, len(FIGURES))
        arrays["year"] = np.array([_f(m.get("year")) for m in metas], dtype=float)
        arrays["failed"] = np.array([[rule in (m.get("failed_checks") or ()) for rule in CHECK_RULES] for m in metas]
                                    or np.zeros((0, len(CHECK_RULES))), dtype=bool).reshape(n, len(CHECK_RULES))
        arrays["doubtful"] = np.array([bool(m.get("doubtful")) for m in metas], dtype=bool)
        arrays["score"] = np.array([_f(m.get("score")) for m in metas], dtype=float)
        arrays["card"] = np.array([[key in (m.get("scorecard_failed") or ()) for key in SCORECARD] for m in metas]
                                  or np.zeros((0, len(SCORECARD))), dtype=bool).reshape(n, len(SCORECARD))
        for f in sorted({f for m in metas for f in (m.get("lens") or {})}):
            arrays[f"len:{f}"] = np.array([(m.get("lens") or {}).get(f, 0) for m in metas], dtype=np.int32)
        packed = [_pack_hit(b) for b in raw]
        arrays["offsets"] = np.cumsum([0] + [len(b) for b in packed], dtype=np.int64)
        arrays["blob"] = np.frombuffer(b"".join(packed), dtype=np.uint8)
        return arrays, {"n": n, "layout": COLUMNS_LAYOUT, "vocab": vocab}


def _hits_dictionary():
    """zlib's preset dictionary for the hit JSON in column files: the samples' own hits, whose
    keys and common values every hit repeats, so a hit shrinks to about a quarter (at 100,000
    reports the column files had been a fifth of the index, two thirds of it hit JSON). Fixed
    for a layout: changing the file means bumping COLUMNS_LAYOUT."""
    return (Path(__file__).resolve().parent / "data" / "hits.zdict").read_bytes()


_HITS_ZDICT = _hits_dictionary()


def _pack_hit(raw):
    """A hit's JSON bytes deflated (raw deflate, no header: a few bytes a hit) on the dictionary."""
    if not raw:
        return b""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15, zdict=_HITS_ZDICT)
    return packer.compress(raw) + packer.flush()


def _unpack_hit(packed):
    if not packed:
        return b""
    unpacker = zlib.decompressobj(-15, zdict=_HITS_ZDICT)
    return unpacker.decompress(packed) + unpacker.flush()


def _encode(values):
    """(int32 codes, sorted vocabulary) of a list of strings or None (code -1)."""
    vocab = sorted({v for v in values if v is not None})
    lookup = {v: i for i, v in enumerate(vocab)}
    return np.array([lookup.get(v, -1) for v in values], dtype=np.int32), vocab


def _concat(arrays, dtype, empty_shape=(0,)):
    if not arrays:
        return np.zeros(empty_shape, dtype=dtype)
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _facet_value(meta, name):
    if not meta:
        return None
    if name == "agency":  # the facet counts bodies, whatever name each year printed
        value = meta.get("agency_key") or meta.get("agency")
    elif name == "agency_name":
        value = meta.get("agency")
    else:
        value = (meta.get("region") or {}).get(name) if name in ("province", "city", "county") else meta.get(name)
    return NO_VALUE[0] if value in (None, "") else str(value)


def _figure_values(meta):
    figures = meta.get("figures") or {}
    return [figures.get(name) for name in FIGURES]


def _read_columns(path):
    """A segment's column file, or None when it is missing or of another layout."""
    if path is None:
        return None
    try:
        arrays, extra = colfile.read(path)
    except (OSError, ValueError, KeyError):
        return None
    return _Columns(arrays, extra) if extra.get("layout") == COLUMNS_LAYOUT else None


def _segment_columns(store, key, load):
    """A segment's _Columns: cached by segment id (segments never change), else mapped from its
    column file, else derived from its meta column and the file written for the next reader."""
    with _segment_lock:
        if key is not None and key in _segment_cache:
            _segment_cache.move_to_end(key)
            return _segment_cache[key]
    path = store.column_file(key)
    columns_ = _read_columns(path)
    if columns_ is None:
        arrays, extra = _Columns.derive(load())
        if path is not None:
            try:
                colfile.write(path, arrays, extra)
            except OSError:  # a read-only index: keep the columns in memory only
                pass
        columns_ = _Columns(arrays, extra)
    if key is not None:
        with _segment_lock:
            _segment_cache[key] = columns_
            while len(_segment_cache) > 64:
                _segment_cache.popitem(last=False)
    return columns_


def write_columns(index_dir):
    """Write the column file of every segment that lacks one (right after each commit), so no
    reader has to derive it on a search's path; two writers of one file rename whole files.
    Each segment's postings file (postfile.py) is written here too."""
    if not exists(index_dir):
        return 0
    whoosh_store.write_postings(index_dir)
    store = Store(index_dir)
    try:
        made = 0
        for key, load in store.segments():
            path = store.column_file(key)
            if path is not None and _read_columns(path) is None:
                try:
                    colfile.write(path, *_Columns.derive(load()))
                except OSError:     # a full disk or a read-only index: readers derive the columns in memory
                    continue
                made += 1
        return made
    finally:
        store.close()


def _f(value):
    return float("nan") if value is None else float(value)


_views = OrderedDict()
MAX_VIEWS = 8  # open index directories kept; a dropped view's files close once no search uses it
_views_lock = threading.Lock()


def _dir_key(index_dir):
    return _dir_state(index_dir)[:2]


SETTLED_NS = 2_000_000_000  # a folder's mtime this old is trusted to change with its next write


def _dir_state(index_dir):
    """(path, inode, mtime in ns, settled): adding, removing or renaming a file in the folder (a
    commit's new TOC, a merge deleting segments) changes its mtime, so an unchanged mtime means
    an unchanged index -- if it was already older than SETTLED_NS when seen (a write within the
    same clock tick as the look would leave it equal)."""
    path = Path(index_dir).resolve()
    st = path.stat()
    return str(path), st.st_ino, st.st_mtime_ns, time.time_ns() - st.st_mtime_ns > SETTLED_NS


_exists = {}


def exists(index_dir) -> bool:
    """whoosh_store.exists (reads the version file, lists the folder), remembered while the
    folder is unchanged: every search asks."""
    try:
        path, inode, mtime, settled = _dir_state(index_dir)
    except OSError:
        return False
    cached = _exists.get(path)
    if cached is not None and cached[0] == (inode, mtime):
        return cached[1]
    found = whoosh_store.exists(index_dir)
    if settled:
        _exists[path] = ((inode, mtime), found)
    return found


_opening = set()  # index folders whose next view a background thread is making (under _views_lock)


def _open_in_background(index_dir, path, inode):
    """When a segment of the index's new generation has no column file yet (a writer in another
    process has just committed a merge and is writing it, or an index of before column files),
    make the new view in a thread and return True: searches meanwhile use the current view
    instead of waiting seconds for the columns of a merged 100,000-report segment."""
    store = Store(index_dir)
    try:
        pending = [key for key, _ in store.segments()
                   if key is not None and key not in _segment_cache and not store.column_file(key).is_file()]
    finally:
        store.close()
    if not pending:
        return False
    _opening.add(path)

    def run():
        try:
            view = _View(index_dir)
            with _views_lock:
                _views[path] = (inode, view)
                _views.move_to_end(path)
        finally:
            with _views_lock:
                _opening.discard(path)

    threading.Thread(target=run, name="gikportal-reopen", daemon=True).start()
    return True


def _view(index_dir):
    """The current view of an index; reopened when it was rebuilt (new inode) or written to.
    An index that cannot be opened (deleted or damaged under a running portal) raises
    IndexUnavailable; a rebuild puts a new directory in place and the next call opens it."""
    try:
        return _open_view(index_dir)
    except IndexUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a lost or truncated file raises in Whoosh
        raise IndexUnavailable(f"索引无法打开：{type(exc).__name__}: {exc}") from exc


def _open_view(index_dir):
    path, inode, mtime, settled = _dir_state(index_dir)
    with _views_lock:
        entry = _views.get(path)
        if entry is not None:
            view_inode, view = entry
            unchanged = view.unchanged_since == mtime  # no new generation: Whoosh need not list the folder
            try:
                fresh = view_inode == inode and (unchanged or view.store.up_to_date()) and view.files_intact()
            except Exception:  # the files of a swapped-out index are gone
                fresh = False
            if fresh:
                if settled:
                    view.unchanged_since = mtime  # seen before the check that found it up to date
                _views.move_to_end(path)
                return view
            if view_inode == inode and (path in _opening or _open_in_background(index_dir, path, inode)):
                return view  # searched as it was until the new generation's columns are ready
            _views.pop(path, None)
        view = _View(index_dir)
        view.unchanged_since = mtime if settled else None
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

    def _bm25(self, fieldname, ids, tfs, idf):
        lengths, avg = self.view.lengths(fieldname)
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
                fmask, found = None, []
                for token in dict.fromkeys(tokens):
                    ids, tfs, idf = self.view.postings(fieldname, token)
                    tmask = np.zeros(self.n, dtype=bool)
                    tmask[ids] = True
                    fmask = tmask if fmask is None else fmask & tmask
                    if not fmask.any():
                        break
                    found.append((ids, tfs, idf))
                if fmask is None or not fmask.any():
                    continue
                for shingle in segment.shingles(tokens):
                    if not fmask.any():
                        break
                    ids, _, _ = self.view.postings(fieldname, shingle)
                    phrase = np.zeros(self.n, dtype=bool)
                    phrase[ids] = True
                    fmask &= phrase
                # scored after the mask is known, on the reports it keeps only: a phrase of
                # common words keeps few of their postings (BM25 is elementwise: same scores)
                fscore = np.zeros(self.n, dtype=float)
                kept = np.count_nonzero(fmask) if len(found) > 1 else None
                for ids, tfs, idf in found:
                    if kept is not None and 2 * kept < len(ids):
                        keep = fmask[ids]
                        ids, tfs = ids[keep], tfs[keep]
                    fscore[ids] += boost * self._bm25(fieldname, ids, tfs, idf)
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
        if node.name == "agency" and node.value != NO_VALUE[0]:
            return np.isin(codes, [lookup[k] for k in agency_keys(node.value, view.agency_pairs())]), None
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
        if len(present) > LONG_FACET:
            counts[name] = Tally(vocab, view.lookup[name], present, tally[present])
        else:
            counts[name] = dict(zip(map(vocab.__getitem__, present.tolist()), tally[present].tolist()))
    counts["finding"] = {value: int((view.finding(value) & mask).sum()) for value in FINDING_VALUES}
    return counts


def _nearest_term(view, token):
    """The indexed word one edit from token (title first, then the sections), else None."""
    return view.store.nearest(token, ["title"] + view.section_fields)


def _known_term(view, token):
    return view.store.known(token, ["title"] + view.section_fields)


@_reads
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


@_reads
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


@_reads
def search_all(index_dir, params) -> list:
    """Every matching report in display order, without snippets."""
    if not exists(index_dir):
        return []
    view = _view(index_dir)
    _, _, mask, scores = _match(view, params)
    return view.hits(_order(view, np.flatnonzero(mask), scores, params.sort).tolist())


@_reads
def agency_names(index_dir):
    return _view(index_dir).agencies


@_reads
def agency_labels(index_dir):
    return _view(index_dir).agency_labels() if exists(index_dir) else {}


@_reads
def nearest_term(index_dir, token):
    return _nearest_term(_view(index_dir), token)


@_reads
def known_term(index_dir, token):
    return _known_term(_view(index_dir), token)


# --- writing: the store writes, then each new segment gets its column file ---------------------

def rebuild(index_dir, records) -> int:
    return whoosh_store.rebuild(index_dir, records, finish=write_columns)


def add(index_dir, records, prepared=None, merge=True):
    count = whoosh_store.add(index_dir, records, prepared=prepared, merge=merge)
    write_columns(index_dir)
    return count


def settle(index_dir):
    done = whoosh_store.settle(index_dir)
    write_columns(index_dir)
    return done


def remove(index_dir, ids):
    count = whoosh_store.remove(index_dir, ids)
    write_columns(index_dir)  # a commit may merge small segments
    return count


class WhooshIndex(ModuleEngine):
    """The Whoosh engine at one index folder (seam.SearchBackend)."""
    name = "whoosh"
    module = sys.modules[__name__]
    completes_prepared = True  # whoosh_store.add puts a record's derived facts into its prepared document

    def add(self, records, prepared=None, bulk=False):
        """bulk: more batches follow and settle() comes after the last, so segments are not
        re-merged after every commit."""
        return add(self.location, records, prepared=prepared, merge=not bulk)

    def settle(self):
        return settle(self.location)

    def forget_cached(self):
        """Forget the postings this process has read (the benchmark's first runs start from none)."""
        forget_cached(self.location)


def forget_cached(index_dir):
    if exists(index_dir):
        view = _view(index_dir)
        with view.lock:
            view._postings.clear()


def search(index_dir, params, facets=True):
    """WhooshIndex(index_dir).search(params): for scripts and tests that hold a folder."""
    return WhooshIndex(index_dir).search(params, facets=facets)
