"""The Whoosh store: the only module that imports whoosh.

It keeps the text (title, headings and one field per section: jieba search-mode words and
shingles of neighbouring precise words for phrases, no positions), the stored sections and, per
report, a small JSON column with the hit fields and headline figures. Writers are serialised by
a file lock beside the index; `rebuild` writes a sibling directory and exchanges it atomically.
Segments are separate files, not compound ones: Whoosh copies the parts of a compound file into
memory when it opens them.

Reading goes through `Store`: postings as numpy arrays, idf, stored sections, the meta column of
each segment, the spelling correctors. Postings are read a block at a time through private
matcher internals (`_read_data`, `_data`, `_next_block`; ids and weights decoded by numpy) and
the codec is a subclass of W3Codec: both are pinned to Whoosh-Reloaded 2.7.5 (requirements.txt), confined to this module,
and checked by tests/test_whoosh_store.py, which fails loudly when an upgrade changes them.
The numpy evaluator (index.py) imports no whoosh.
"""
import ctypes
import heapq
import itertools
import json
import os
import pickle
import shutil
import threading
import time
import uuid
import zlib
from array import array
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from filelock import FileLock
from whoosh import columns, fields, formats, index as windex, spelling, writing
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.index import LockError
from whoosh.support.levenshtein import distance
from whoosh.system import pack_int, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte

from . import postfile, segment
from .figures import HEADLINE_LABELS
from .hits import derived_fields, hit_fields, searched_sections

LOCK_TIMEOUT = 120
PARALLEL_FROM = 1000  # records; below this a rebuild writes in-process
# Bumped whenever what is indexed changes; an index of another version counts as missing, so the
# app's start (ensure_samples) rebuilds it from the archive instead of mixing two analyses.
INDEX_VERSION = "9"  # 9: hits carry the scorecard (score, failed criteria, copy); 8: totals are printed-or-cells (figures.counted) with figure_notes, and hits carry agency_key (the agency facet counts by it); 6: hits say doubtful; 5: the preface is indexed as section 0 (4: carry_chain derived at index time)
VERSION_FILE = "GIKPORTAL_INDEX_VERSION"
COLUMN_FILE_EXT = "gikcols"  # Whoosh's TOC._segment_pattern: <segment id>.<letters> goes with the segment
POSTINGS_FILE_EXT = "gikpost"  # likewise
WORDS_FILE_EXT = "gikwords"  # likewise
PRIVATE_MATCHER_API = ("_read_data", "_next_block", "_data", "_byteids", "_i")
PRIVATE_TERMS_API = ("_terms", "_codec", "_postfile")  # SegmentReader._terms, its W3TermsReader's


class AnalysedText(fields.TEXT):
    """A text field fed {term: frequency} already counted by segment.term_counts, so Whoosh makes
    no Token per word. It stays scorable: without a length column Whoosh looks for the missing
    column file once per posting while writing."""

    def __init__(self):
        super().__init__(phrase=False)

    def index(self, value, **kwargs):
        counts = segment.term_counts(value) if isinstance(value, str) else value
        return [(term.encode("utf-8"), freq, float(freq), pack_uint(freq)) for term, freq in counts.items()]


class _Codec(W3Codec):
    """Whoosh's codec without per-block length statistics: they serve Whoosh's own scorer, which
    is not used (BM25 runs on numpy), and cost a column read for every posting written."""

    length_stats = False

    def __init__(self, blocklimit=1024, compression=3, inlinelimit=1):
        # blocks of 1,024 postings, not 128: a common word is read in an eighth of the Python
        # steps (cold search p95 47 -> 36 ms at 20,000 reports) and the index is 17% smaller
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)


def _schema():
    schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                           title=AnalysedText(), headings=AnalysedText(),
                           meta=fields.COLUMN(columns.VarBytesColumn()),
                           secs=fields.STORED())
    schema.add("s*", AnalysedText(), glob=True)
    return schema


# --- documents ---------------------------------------------------------------------------------

def _document(record):
    sections = searched_sections(record)
    headings = "\n".join(s["heading"] for s in sections if s["heading"])
    doc = {"id": record["id"], "title": record.get("title") or "", "headings": headings,
           "meta": _meta(record, sections), "secs": _pack_sections(sections)}
    doc["title"] = segment.term_counts(doc["title"])
    doc["headings"] = segment.term_counts(headings)
    for s in sections:
        if s["text"]:
            doc[f"s{s['n']}"] = segment.term_counts(s["text"])
    return doc


def _meta(record, sections):
    """The meta column of a record: its hit fields, headline figures and text lengths (JSON)."""
    meta = hit_fields(record)
    figures = meta.pop("figures")
    meta["fv"] = [figures.get(name) for name in HEADLINE_LABELS]
    meta["lens"] = {"title": len(record.get("title") or "")}
    meta["lens"].update({f"s{s['n']}": len(s["text"]) for s in sections if s["text"]})
    meta["lens"]["headings"] = len("\n".join(s["heading"] for s in sections if s["heading"]))
    return json.dumps(meta, ensure_ascii=False).encode("utf-8")


def _sections_dictionary():
    """zlib's preset dictionary for stored sections: the seeds' own sections, whose national
    template wording most reports repeat, so a report's sections shrink to about 40%.
    Fixed for an index's lifetime: changing the file means bumping INDEX_VERSION."""
    return (Path(__file__).resolve().parent / "data" / "sections.zdict").read_bytes()


_ZDICT = _sections_dictionary()


def _pack_sections(sections):
    packer = zlib.compressobj(9, zdict=_ZDICT)
    return packer.compress(json.dumps(sections, ensure_ascii=False).encode("utf-8")) + packer.flush()


def _unpack_sections(stored):
    unpacker = zlib.decompressobj(zdict=_ZDICT)
    return json.loads(unpacker.decompress(stored) + unpacker.flush())


# --- writing -----------------------------------------------------------------------------------

def _lock(index_dir):
    path = Path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path.parent / f".{path.name}.lock"), timeout=LOCK_TIMEOUT)


# --- the segment writer: postings sorted in memory, written a block at a time ----------------

class _Vocabulary(dict):
    """term -> number, numbered as first met (a dict lookup per posting, in C)."""

    def __missing__(self, term):
        number = self[term] = len(self)
        return number


class _Gathered:
    """One field's postings of the documents added to a writer, as flat arrays: term numbers and
    frequencies per posting, and per document its number and how many terms it has."""

    def __init__(self):
        self.terms, self.freqs = array("I"), array("I")
        self.docs, self.sizes = array("I"), array("I")


class _SegmentWriter(writing.SegmentWriter):
    """Whoosh's segment writer with the same files, written without its per-posting Python.

    Whoosh puts every posting through a pure-Python pool (a tuple, a size estimate, an external
    sort of pickled runs) and then through its posting writer one call per posting; with
    documents already analysed into {term: count} (segment.term_counts) this writer keeps each
    field's postings as arrays, sorts them with numpy at the commit and writes each term's
    blocks whole: the same bytes as Whoosh's (tests/test_whoosh_store.py compares the files).
    Segments merged in (a commit's merge, settle) are read a block at a time and merged term
    by term instead of going through the pool. Only the formats of this schema are written
    (Existence and Frequency, boost 1); another raises at once."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        if self.codec.length_stats or self.codec._inlinelimit > 1:
            raise TypeError("SegmentWriter writes no length statistics and inlines no postings")
        for name, field in self.schema.items():
            if field.indexed and not _plain_format(field.format):
                raise TypeError(f"{name}: {type(field.format).__name__} postings are not written by SegmentWriter")
        self._vocab = _Vocabulary()
        self._gathered = {}
        self._merged = []  # (reader of a segment merged in, first new document number, {old: new} or None)

    def add_document(self, **fields):
        """SegmentWriter.add_document for this schema: stored values, lengths and columns go to
        the per-document writer as Whoosh writes them; postings are gathered as numbers."""
        self._check_state()
        perdoc, schema, docnum = self.perdocwriter, self.schema, self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    if isinstance(field, AnalysedText) and not isinstance(value, str):
                        counts = value
                    else:  # the id, or text not yet analysed
                        counts = {}
                        for tbytes, freq, weight, _ in field.index(value):
                            counts[tbytes.decode("utf-8")] = freq
                    total = self._gather(name, docnum, counts)
                    length = total if field.scorable else 0
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _gather(self, name, docnum, counts):
        gathered = self._gathered.get(name)
        if gathered is None:
            gathered = self._gathered[name] = _Gathered()
        gathered.terms.extend(map(self._vocab.__getitem__, counts))
        gathered.freqs.extend(counts.values())
        gathered.docs.append(docnum)
        gathered.sizes.append(len(counts))
        return sum(counts.values())

    def add_postings_to_pool(self, reader, startdoc, docmap):
        """A segment merged in (add_reader): its postings are read at the commit, so the reader is
        opened again here (the merge policy closes its own before the commit writes)."""
        from whoosh.reading import SegmentReader

        mine = SegmentReader(self.storage, self.schema, reader.segment())
        n = mine.doc_count_all()
        if docmap is None:
            mapping = np.arange(startdoc, startdoc + n, dtype=np.int64)
        else:
            mapping = np.full(n, -1, dtype=np.int64)
            if docmap:
                mapping[np.fromiter(docmap.keys(), np.int64)] = np.fromiter(docmap.values(), np.int64)
        self._merged.append((mine, mapping))

    def _flush_segment(self):
        self.perdocwriter.close()
        sources = [_gathered_terms(self._gathered, self._vocab)] if self._gathered else []
        sources += [_segment_terms(reader, mapping) for reader, mapping in self._merged]
        _write_field_terms(self.fieldwriter, self.schema, heapq.merge(*sources, key=lambda t: t[:2]))
        self.fieldwriter.close()

    def _close_segment(self):
        try:
            super()._close_segment()
        finally:
            for reader, _ in self._merged:
                reader.close()
            self._merged = []
            self._gathered = {}


def _plain_format(fmt):
    """Postings whose value is nothing (Existence) or the frequency (Frequency), weight = frequency."""
    return type(fmt) in (formats.Existence, formats.Frequency) and fmt.field_boost == 1.0


def _gathered_terms(gathered, vocab):
    """(field, term bytes, docnums, frequencies, deltas, packed frequencies) of the documents
    added, in field and term order; lists sliced from arrays sorted once per field (a delta is
    a docnum minus the one before it, the first of a term being meaningless)."""
    words = list(vocab)
    order = sorted(range(len(words)), key=words.__getitem__)  # code point order is UTF-8 byte order
    rank = np.empty(len(words), dtype=np.int64)
    rank[order] = np.arange(len(words))
    encoded = [None] * len(words)
    for name in sorted(gathered):
        g = gathered[name]
        ranks = rank[np.frombuffer(g.terms, dtype=np.uint32)]
        by_term = np.argsort(ranks, kind="stable")  # documents stay in number order within a term
        docs = np.repeat(np.frombuffer(g.docs, dtype=np.uint32), np.frombuffer(g.sizes, dtype=np.uint32))[by_term]
        freqs = np.frombuffer(g.freqs, dtype=np.uint32)[by_term]
        ranks = ranks[by_term]
        if not len(ranks):
            continue
        starts = np.flatnonzero(np.r_[True, ranks[1:] != ranks[:-1]])
        ids, weights = docs.tolist(), freqs.astype(float).tolist()
        deltas = np.diff(docs.astype(np.int64), prepend=0).tolist()
        packed = freqs.astype(">u4").tobytes()
        for rank_, s, e in zip(ranks[starts].tolist(), starts.tolist(), np.r_[starts[1:], len(ranks)].tolist()):
            term = order[rank_]
            btext = encoded[term]
            if btext is None:
                btext = encoded[term] = words[term].encode("utf-8")
            yield name, btext, ids[s:e], weights[s:e], deltas[s:e], packed[4 * s:4 * e]


def _segment_terms(reader, mapping):
    """(field, term bytes, new docnums, frequencies, None, None) of a segment being merged, in
    field and term order, its deleted documents left out (mapping: old docnum -> new, -1 deleted)."""
    postfile, codec = reader._terms._postfile, reader.codec()
    for (name, btext), info in reader._terms.items():
        if name not in reader.schema:
            continue
        matcher = codec.postings_reader(postfile, info, reader.schema[name].format)
        ids, weights = [], []
        if info.is_inlined():
            while matcher.is_active():
                ids.append(np.array([matcher.id()]))
                weights.append(np.array([matcher.weight()]))
                matcher.next()
        else:
            while matcher.is_active():
                block = _block_ids(matcher)
                ids.append(block)
                weights.append(_block_weights(matcher, len(block)))
                matcher._next_block()
        docs = mapping[np.concatenate(ids)]
        freqs = np.concatenate(weights)
        live = docs >= 0
        if not live.all():
            docs, freqs = docs[live], freqs[live]
        if len(docs):
            yield name, btext, docs.tolist(), freqs.tolist(), None, None


class _PostingsFile:
    """The segment's postings file and where its end is (asking the file costs a system call)."""

    def __init__(self, fieldwriter):
        self.file = fieldwriter._postfile
        self.at = self.file.tell()

    def write(self, data):
        self.file.write(data)
        self.at += len(data)


def _write_field_terms(fieldwriter, schema, terms):
    """Write (field, term bytes, docnums, frequencies, deltas, packed) in field and term order,
    the postings of a term that several sources have joined in source order, as W3FieldWriter
    and W3PostingsWriter would write them posting by posting."""
    current, pending, out = None, [], _PostingsFile(fieldwriter)
    for term in terms:
        name = term[0]
        if pending and pending[0][0] == name and pending[0][1] == term[1]:
            pending.append(term)
            continue
        if pending:
            _write_joined(fieldwriter, out, pending)
        if name != current:
            if current is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(name, schema[name])
            current = name
        pending = [term]
    if pending:
        _write_joined(fieldwriter, out, pending)
    if current is not None:
        fieldwriter.finish_field()


def _write_joined(fieldwriter, out, parts):
    if len(parts) == 1:
        _write_term(fieldwriter, out, *parts[0])
    else:
        _write_term(fieldwriter, out, parts[0][0], parts[0][1], list(itertools.chain.from_iterable(p[2] for p in parts)),
                    list(itertools.chain.from_iterable(p[3] for p in parts)))


_LENGTH_BYTE_0 = length_to_byte(0)
SMALL_BLOCK = 200  # bytes: deflate with a 512-byte window reaches back 250 bytes, so it finds every match


def _compress(raw, level):
    """zlib.compress(raw, level), for the small blocks of rare terms (most terms) without its cost:
    zlib.compress sets up a 32 KB window per call (~100 us, most of writing a one-posting term).
    A block shorter than a 512-byte window's reach deflates to the same bytes with that window;
    only the header's window size differs and is written as zlib.compress writes it."""
    if len(raw) > SMALL_BLOCK:
        return zlib.compress(raw, level)
    header = _ZLIB_HEADERS.get(level)
    if header is None:
        header = _ZLIB_HEADERS[level] = zlib.compress(b"", level)[:2]
    packer = zlib.compressobj(level, zlib.DEFLATED, 9, 8)
    return header + (packer.compress(raw) + packer.flush())[2:]


_ZLIB_HEADERS = {}


def _write_term(fieldwriter, out, name, btext, ids, weights, deltas=None, packed=None):
    """One term's blocks and its term-index entry, byte for byte what W3PostingsWriter writes
    (blocks of blocklimit postings: delta-coded ids, weights None / one float / a tuple, values
    as packed frequencies, a pickled info tuple; no length statistics, nothing inlined)."""
    codec = fieldwriter._codec
    limit, level = codec._blocklimit, codec._compression
    with_values = fieldwriter._format.fixed_value_size() != 0
    n = len(ids)
    if deltas is None:
        deltas = [0] + [b - a for a, b in zip(ids, ids[1:])]
    if with_values and packed is None:
        packed = np.asarray(weights, dtype=">u4").tobytes()
    start = out.at
    out.write(WHOOSH3_HEADER_MAGIC)
    for s in range(0, n, limit):
        e = min(s + limit, n)
        block = weights[s:e] if n > limit else weights
        top, low = max(block), min(block)
        mini = None if top == low == 1.0 else block[0] if top == low else tuple(block)
        data = _compress(pickle.dumps((tuple([ids[s]] + deltas[s + 1:e]), mini,
                                       packed[4 * s:4 * e] if with_values else None), 2), level)
        info = pickle.dumps((e - s, ids[e - 1], top, level, 0, _LENGTH_BYTE_0), 2)
        length = len(info) + len(data)
        out.write(pack_int(-length if e == n else length) + info + data)
    terminfo = W3TermInfo(weight=float(sum(weights)), df=n, maxweight=max(weights), minid=ids[0], maxid=ids[-1])
    terminfo.set_extent(start, out.at - start)
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + btext, terminfo.to_bytes())


def _writer(ix):
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            return _SegmentWriter(ix, compound=False, codec=_Codec())
        except LockError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def _committing(ix, writer, **commit_options):
    """Commit the writer when the block succeeds, cancel it otherwise; close the index either way."""
    try:
        yield writer
        writer.commit(**commit_options)
    except BaseException:
        try:
            writer.cancel()
        except Exception:  # noqa: BLE001 - closing the segment can fail the way the commit did
            pass
        _drop_unreferenced(ix)
        raise
    finally:
        ix.close()


def _drop_unreferenced(ix):
    """After a failed commit (a full disk): delete what it wrote and no TOC names — the new
    segment's files, a TOC draft, the writer's pool — so no half-written segment stays behind."""
    from whoosh.index import TOC, EmptyIndexError, clean_files

    storage, name = ix.storage, ix.indexname
    try:
        toc = TOC.read(storage, name)
    except (EmptyIndexError, OSError, ValueError):
        return
    clean_files(storage, name, toc.generation, toc.segments)
    for filename in list(storage):
        if filename.startswith(f"_{name}_") and ".toc." in filename:
            storage.delete_file(filename)
    shutil.rmtree(Path(storage.folder) / f"{name}.tmp", ignore_errors=True)


def _exchange(a, b):
    """Swap two directories atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _make_room_for_a_second_index(target):
    """A rebuild writes a whole second index before the swap. On a disk with less room than the
    current index takes, drop its postings and words files first: they are derived from the
    segments, searches read through Whoosh without them, and the new index gets its own."""
    if not target.is_dir():
        return
    derived = [p for ext in (POSTINGS_FILE_EXT, WORDS_FILE_EXT) for p in target.glob(f"*.{ext}")]
    if not derived:
        return
    used = sum(p.stat().st_size for p in target.iterdir() if p.is_file())
    if shutil.disk_usage(target.parent).free < used:
        for path in derived:
            path.unlink(missing_ok=True)


def rebuild(index_dir, records, finish=None) -> int:
    """Build a fresh index from records in a sibling temp dir, then swap it in; returns the count.
    finish(dir), if given, runs on the built directory before the swap (index.py writes each
    segment's column file there, so the first reader of the new index maps them at once).

    From PARALLEL_FROM records the text is analysed in worker processes (_documents_in_workers)
    and the documents written by the same _SegmentWriter as ingest's, a segment per
    REBUILD_SEGMENT documents, the smallest merged down to MAX_SEGMENTS; below, all in-process."""
    target = Path(index_dir)
    with _lock(index_dir):
        _make_room_for_a_second_index(target)
        tmp = target.parent / f".{target.name}.new-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        try:
            windex.create_in(str(tmp), _schema()).close()
            (tmp / VERSION_FILE).write_text(INDEX_VERSION)
            records = iter(records)
            first = list(itertools.islice(records, PARALLEL_FROM))
            procs = min(os.cpu_count() or 1, 4) if len(first) == PARALLEL_FROM else 1
            records = itertools.chain(first, records)
            docs = _documents_in_workers(records, procs) if procs > 1 else map(_document, records)
            count = _write_segments(tmp, docs)
            if finish is not None:
                finish(tmp)
            if target.exists():
                if _exchange(tmp, target):
                    shutil.rmtree(tmp, ignore_errors=True)
                else:
                    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
                    os.rename(target, old)
                    os.rename(tmp, target)
                    shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return count


REBUILD_SEGMENT = 10_000  # documents per segment of a rebuild: the writer holds a segment's postings in memory


def _write_segments(folder, docs):
    """Write prepared documents into the new index at folder, REBUILD_SEGMENT to a segment
    (none merged while writing), then merge the smallest down to MAX_SEGMENTS. The count."""
    docs, count, segments = iter(docs), 0, 0
    while True:
        ix = windex.open_dir(str(folder))
        written = 0
        with _committing(ix, _SegmentWriter(ix, compound=False, codec=_Codec()), merge=False) as writer:
            for doc in itertools.islice(docs, REBUILD_SEGMENT):
                writer.add_document(**doc)
                written += 1
        count, segments = count + written, segments + (written > 0)
        if written < REBUILD_SEGMENT:
            break
    if segments > MAX_SEGMENTS:
        ix = windex.open_dir(str(folder))
        with _committing(ix, _SegmentWriter(ix, compound=False, codec=_Codec()), mergetype=_merge_down):
            pass
    return count


def _documents_in_workers(records, procs, chunk=64):
    """_document of each record, in order, made by procs worker processes (forked where the
    platform does, sharing the analyser's dictionary built here first); at most 2 * procs chunks
    of records are in flight, so a big archive is never all in memory."""
    import collections
    import concurrent.futures
    import multiprocessing

    segment.engine()
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else None)
    with concurrent.futures.ProcessPoolExecutor(max_workers=procs, mp_context=context) as pool:
        pending = collections.deque()
        while part := list(itertools.islice(records, chunk)):
            pending.append(pool.submit(_documents, part))
            if len(pending) > 2 * procs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _documents(records):
    return [_document(record) for record in records]


def _open_or_create(index_dir):
    if exists(index_dir):
        return windex.open_dir(str(index_dir))
    if windex.exists_in(str(index_dir)):
        raise RuntimeError("索引格式已更新，请先运行 flask --app app reindex 从存档重建索引")
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(index_dir), _schema())
    (Path(index_dir) / VERSION_FILE).write_text(INDEX_VERSION)
    return ix


def prepare(index_dir, record):
    """The document of a record with its text analysed: picklable, made in ingest's workers."""
    return _document(record)


def add(index_dir, records, prepared=None, merge=True):
    """Add or replace reports by id; prepared: {id: prepare(record)} made elsewhere, if any.

    merge=False leaves the new segment as it is: a bulk ingest commits many batches and settles
    once at the end, instead of Whoosh re-merging ever larger segments after every commit."""
    records = list(records)
    if not records:
        return 0
    prepared = prepared or {}
    with _lock(index_dir):
        ix = _open_or_create(index_dir)
        with _committing(ix, _writer(ix), merge=merge) as writer:
            indexed = _indexed_ids(writer, {record["id"] for record in records})
            for record in records:
                doc = prepared.get(record["id"])
                doc = _completed(doc, record) if doc else _document(record)
                # only a report the index may hold is looked up (in every segment) to be replaced
                (writer.update_document if record["id"] in indexed else writer.add_document)(**doc)
    return len(records)


_segment_ids = {}  # segment id -> the report ids it holds, deleted ones included (segments never change)


def _indexed_ids(writer, ids):
    """Which of these ids a segment of the index holds (maybe deleted there): a set lookup per
    segment instead of Whoosh's term lookup per segment and document."""
    found, known = set(), {}
    for reader, _ in writer.searcher().reader().leaf_readers():
        if not reader.doc_count_all():
            continue
        segment_ = reader.segment() if hasattr(reader, "segment") else None
        if segment_ is None:  # not a segment reader: every id may be there
            return set(ids)
        key = segment_.segment_id()
        held = _segment_ids.get(key)
        if held is None:
            held = frozenset(term.decode("utf-8") for term in reader.lexicon("id"))
        known[key] = held
        found |= ids & held
    _segment_ids.clear()
    _segment_ids.update(known)
    return found


def _completed(doc, record):
    """A prepared document with the facts the index derived for its record (the carry chain,
    crossyear.py; the scorecard, continuity.py): the workers prepare documents from the record
    alone, and what is derived changes only the meta column, never the analysed text."""
    meta = json.loads(doc["meta"])
    meta.update(derived_fields(record))
    return dict(doc, meta=json.dumps(meta, ensure_ascii=False).encode("utf-8"))


MAX_SEGMENTS = 8  # after settle(); each query reads every segment's postings


def settle(index_dir):
    """Merge the smallest segments into one until at most MAX_SEGMENTS remain (after a bulk add)."""
    if not exists(index_dir):
        return 0
    with _lock(index_dir):
        ix = windex.open_dir(str(index_dir))
        with _committing(ix, _writer(ix), mergetype=_merge_down):
            pass
    return 1


def _merge_down(writer, segments):
    from whoosh.reading import SegmentReader

    ordered = sorted(segments, key=lambda seg: seg.doc_count_all())
    if len(ordered) <= MAX_SEGMENTS:
        return segments
    cut = len(ordered) - MAX_SEGMENTS + 1
    for seg in ordered[:cut]:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return ordered[cut:]


def remove(index_dir, ids):
    """Delete reports by id (unknown ids are ignored)."""
    ids = list(ids)
    if not ids or not exists(index_dir):
        return 0
    with _lock(index_dir):
        ix = windex.open_dir(str(index_dir))
        with _committing(ix, _writer(ix)) as writer:
            for rid in ids:
                writer.delete_by_term("id", rid)
    return len(ids)


def exists(index_dir) -> bool:
    """An index of the current version is there (an older one must be rebuilt first)."""
    try:
        version = (Path(index_dir) / VERSION_FILE).read_text().strip()
    except OSError:
        return False
    return version == INDEX_VERSION and windex.exists_in(str(index_dir))


# --- reading -----------------------------------------------------------------------------------

class Store:
    """One open generation of an index: what the evaluator reads, in numpy arrays and dicts."""

    def __init__(self, index_dir):
        self.dir = Path(index_dir)
        self.ix = windex.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.lock = threading.Lock()
        reader = self.searcher.reader()
        self.n = reader.doc_count_all()
        self.deleted = self._deleted()
        self.section_fields = sorted(f for f in reader.indexed_field_names() if _section_field(f))
        self._leaf_postings = None
        self._leaf_words = None

    def _deleted(self):
        """Document numbers of the deleted reports, from each segment's deletion set: O(deleted),
        where walking every document number (all_doc_ids) is O(archive)."""
        out = []
        for sub, offset in self.searcher.leaf_searchers():
            reader = sub.reader()
            try:
                deleted = reader.segment().deleted_docs()
            except Exception:  # noqa: BLE001 - an unusual reader: ask it document by document
                deleted = (d for d in range(reader.doc_count_all()) if reader.is_deleted(d))
            out.append(np.fromiter(deleted, dtype=np.int64) + offset)
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)

    def column_file(self, key):
        """Where a reader keeps what it derives from segment `key` (index.py's column file): named
        like the segment's own files, so Whoosh deletes it with the segment after a merge."""
        return self.dir / f"{key}.{COLUMN_FILE_EXT}" if key else None

    def segments(self):
        """[(segment id or None, the segment's meta column bytes)] in document order; segments
        never change, so a caller may cache what it derives from one by its id."""
        out = []
        for sub, _ in self.searcher.leaf_searchers():
            reader = sub.reader()
            out.append((_segment_key(reader), lambda reader=reader: _meta_column(reader)))
        return out

    def up_to_date(self):
        return self.searcher.up_to_date()

    def latest_generation(self):
        return self.ix.latest_generation()

    def idf(self, fieldname, token):
        return self.searcher.idf(fieldname, token)

    def sections(self, docnum):
        """The stored sections of a document ([{n, anchor, heading, text}])."""
        with self.lock:
            stored = self.searcher.stored_fields(int(docnum)).get("secs")
        return _unpack_sections(stored) if stored else []

    def postings(self, fieldname, token):
        """(docnums, term frequencies) of a term as numpy arrays: from each segment's postings
        file (postfile.py) when it has one, else read a block at a time through the matcher's
        private block API (PRIVATE_MATCHER_API); deletions are not masked here."""
        key = np.uint64(postfile.term_key(fieldname, token.encode("utf-8")))
        mapped_rows, ids, weights = [], [], []
        for reader, offset, mapped in self._leaves():
            if mapped is not None:
                row = mapped.row(key)
                if row is not None:
                    mapped_rows.append((mapped, row, offset))
                continue
            with self.lock:
                found = _read_postings(reader, fieldname, token)
            if found is not None:
                ids.append(found[0] + offset)
                weights.append(found[1])
        if mapped_rows:
            found = postfile.gather(mapped_rows)
            ids.append(found[0])
            weights.append(found[1])
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=float)
        if len(ids) == 1:
            return ids[0], weights[0]
        ids = np.concatenate(ids)  # segments with and without a file: back in document order
        order = np.argsort(ids, kind="stable")
        return ids[order], np.concatenate(weights)[order]

    def _leaves(self):
        """[(segment reader, first document number, its mapped postings file or None)]."""
        if self._leaf_postings is None:
            leaves = []
            for sub, offset in self.searcher.leaf_searchers():
                reader = sub.reader()
                path = self.postings_file(_segment_key(reader))
                leaves.append((reader, offset, _mapped(postfile.Postings, path, reader.doc_count_all())))
            self._leaf_postings = leaves
        return self._leaf_postings

    def postings_file(self, key):
        """Where segment `key`'s postings file is (postfile.py), named to go with the segment."""
        return self.dir / f"{key}.{POSTINGS_FILE_EXT}" if key else None

    def words_file(self, key):
        """Where segment `key`'s words file is (postfile.Words), named to go with the segment."""
        return self.dir / f"{key}.{WORDS_FILE_EXT}" if key else None

    def _words(self):
        """Each segment's mapped words file, or None when one has none (then Whoosh's term index
        is walked instead)."""
        if self._leaf_words is None:
            found = []
            for reader, _, mapped in self._leaves():
                path = self.words_file(_segment_key(reader))
                words = _mapped(postfile.Words, path, reader.doc_count_all()) if mapped is not None else None
                found.append(words)
            self._leaf_words = found
        return None if any(w is None for w in self._leaf_words) else self._leaf_words

    def nearest(self, token, fieldnames):
        """The indexed word one edit from token (Whoosh's correctors, in field order), else None.
        Whoosh's corrector ranks what its reader's terms_within yields; the candidates come from
        each segment's words and postings files when all have them (a binary search per segment
        instead of a walk over every term, shingles included, sharing the first character)."""
        words = self._words() if token and segment.SHINGLE not in token else None
        if words is None:
            with self.lock:
                return _nearest(self.searcher.corrector, token, fieldnames)
        candidates = _Candidates(self.searcher.schema, self._candidates(token, fieldnames, words))
        return _nearest(candidates.corrector, token, fieldnames)

    def _candidates(self, token, fieldnames, words):
        """{field: {term: frequency}} of the terms one edit or none from token sharing its first
        character, as Whoosh's terms_within and frequency give them: the words from the words
        files (their frequencies summed over segments), the shingles ("a b", which can only be
        token with a space put in or for one of its characters) from the postings files."""
        wanted = set(fieldnames)
        out = {f: {} for f in fieldnames}
        for segment_words in words:
            for word, freqs in segment_words.words(token[0], len(token) - 1, len(token) + 1):
                if wanted.isdisjoint(freqs) or distance(word, token, limit=1) > 1:
                    continue
                for fieldname, freq in freqs.items():
                    if fieldname in wanted:
                        out[fieldname][word] = out[fieldname].get(word, 0) + freq
        gap = segment.SHINGLE
        shingles = sorted({token[:i] + gap + token[i:] for i in range(1, len(token) + 1)}
                          | {token[:i] + gap + token[i + 1:] for i in range(1, len(token))})
        pairs = [(f, t) for f in fieldnames for t in shingles]
        keys = np.array([postfile.term_key(f, t.encode("utf-8")) for f, t in pairs], dtype=np.uint64)
        for _, _, mapped in self._leaves():
            for i in np.flatnonzero(mapped.present(keys)).tolist():
                fieldname, term = pairs[i]
                found = mapped.find(keys[i])
                if found is not None:
                    out[fieldname][term] = out[fieldname].get(term, 0) + float(found[1].sum())
        return out

    def known(self, token, fieldnames):
        leaves = self._leaves()
        if all(mapped is not None for _, _, mapped in leaves):
            keys = np.array([postfile.term_key(f, token.encode("utf-8")) for f in fieldnames], dtype=np.uint64)
            return any(mapped.present(keys).any() for _, _, mapped in leaves)
        with self.lock:
            reader = self.searcher.reader()
            return any(reader.doc_frequency(f, token) for f in fieldnames)

    def close(self):
        self.searcher.close()
        self.ix.close()


def _nearest(corrector, token, fieldnames):
    """The first field's best suggestion for token that is neither token nor a shingle."""
    for fieldname in fieldnames:
        found = [t for t in corrector(fieldname).suggest(token, limit=3, maxdist=1, prefix=1)
                 if segment.SHINGLE not in t and t != token]
        if found:
            return found[0]
    return None


class _Candidates:
    """What Whoosh's ReaderCorrector reads of a reader (schema, terms_within, frequency), for one
    token's candidates already found: Whoosh's own corrector then ranks them as it ranks a
    reader's, so the suggestion is the one the term index walk gave."""

    def __init__(self, schema, freqs):
        self.schema, self.freqs = schema, freqs

    def corrector(self, fieldname):
        return spelling.ReaderCorrector(self, fieldname, self.schema[fieldname])

    def terms_within(self, fieldname, text, maxdist, prefix=0):
        return list(self.freqs.get(fieldname, ()))

    def frequency(self, fieldname, text):
        return self.freqs.get(fieldname, {}).get(text, 0)


def _segment_key(reader):
    """A segment reader's segment id, or None (an empty index, an unusual reader: no files)."""
    try:
        return reader.segment().segment_id()
    except Exception:  # noqa: BLE001 - EmptyReader has no segment
        return None


def _read_postings(reader, fieldname, token):
    """(local docnums, term frequencies) of a term in one segment reader, or None; deletions
    not filtered."""
    term = token if isinstance(token, bytes) else token.encode("utf-8")
    if (fieldname, term) not in reader:
        return None
    matcher = reader.postings(fieldname, term)
    return _matcher_postings(getattr(matcher, "child", matcher))


def _matcher_postings(matcher):
    """(docnums, frequencies) a leaf matcher yields, a block at a time through its private block
    API; a term inlined in the term index (one posting, inlinelimit) is a public ListMatcher,
    read one posting at a time. None if it yields nothing."""
    fast = all(hasattr(matcher, a) for a in PRIVATE_MATCHER_API)
    ids, weights = [], []
    while matcher.is_active():
        if fast:
            block = _block_ids(matcher)
            ids.append(block[matcher._i:])
            weights.append(_block_weights(matcher, len(block))[matcher._i:])
            matcher._next_block()
        else:
            ids.append(np.array([matcher.id()], dtype=np.int64))
            weights.append(np.array([matcher.weight()], dtype=float))
            matcher.next()
    if not ids:
        return None
    return (ids[0], weights[0]) if len(ids) == 1 else (np.concatenate(ids), np.concatenate(weights))


def _all_postings(reader):
    """(field, term bytes, local docnums, frequencies) of every searched term of a segment, in
    the term index's order: each term's info comes from walking the index (PRIVATE_TERMS_API),
    not from a hashed lookup per term, and inlined postings straight from it."""
    terms = reader._terms
    for (fieldname, term), info in terms.items():
        if not _searched(fieldname):
            continue
        if info.is_inlined():
            ids, weights, _ = info.inlined_postings()
            found = np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=float)
        else:
            found = _matcher_postings(terms._codec.postings_reader(
                terms._postfile, info, reader.schema[fieldname].format, term=(fieldname, term)))
        if found is not None and len(found[0]):
            yield fieldname, term, found[0], found[1]


def _mapped(kind, path, doc_count):
    """A segment's file of this kind (postfile.Postings, postfile.Words) mapped, or None
    (missing, unfinished, of another layout)."""
    if path is None:
        return None
    try:
        return kind(path, doc_count)
    except (OSError, ValueError, KeyError):
        return None


def _segment_words(reader):
    """(field, word, frequency) of every searched word of a segment that is not a shingle, from
    its term index (PRIVATE_TERMS_API): what the spelling suggestion ranks."""
    gap = segment.SHINGLE.encode("utf-8")
    for (fieldname, term), info in reader._terms.items():
        if _searched(fieldname) and gap not in term:
            yield fieldname, term.decode("utf-8"), info.weight()


def _section_field(fieldname):
    """s0, s1, …: a section's text field (the schema's dynamic field)."""
    return fieldname[:1] == "s" and fieldname[1:].isdigit()


def _searched(fieldname):
    return fieldname in ("title", "headings") or _section_field(fieldname)


def write_postings(index_dir):
    """Write the postings file and the words file (postfile.py) of every segment that lacks them
    (after each commit, beside the column files): derived from the segment's own term index, so
    the segment stays the source of truth; a segment whose postings file cannot be written (a
    full disk, a key collision) is read through Whoosh, and gets no words file either (its
    suggestions need the shingles' postings). Returns how many files were written."""
    if not exists(index_dir):
        return 0
    store = Store(index_dir)
    made = 0
    try:
        for reader, _, mapped in store._leaves():
            key, n = _segment_key(reader), reader.doc_count_all()
            if key is None or not n:
                continue
            if mapped is None:
                try:
                    postfile.write(store.postings_file(key), _all_postings(reader), n)
                except (OSError, postfile.Collision):
                    continue
                made += 1
            if _mapped(postfile.Words, store.words_file(key), n) is None:
                try:
                    postfile.write_words(store.words_file(key), _segment_words(reader), n)
                except OSError:
                    continue
                made += 1
    finally:
        store.close()
    return made


def _block_ids(matcher):
    """The document numbers of the matcher's current block, decoded by numpy: W3's _read_ids
    undoes the delta coding with a Python generator, one step per posting, which was most of a
    query's first run (the block's unpickled data is (deltas, weights, values))."""
    if matcher._data is None:
        matcher._read_data()
    raw = np.asarray(matcher._data[0], dtype=np.int64)
    return raw if matcher._byteids else np.cumsum(raw)


def _block_weights(matcher, count):
    """The term frequencies of the current block as W3's _read_weights makes them (None: all
    1.0, a float: all that value), without its per-posting Python generator."""
    weights = matcher._data[1]
    if weights is None:
        return np.ones(count)
    if isinstance(weights, float):
        return np.full(count, weights)
    return np.asarray(weights, dtype=float)


def _meta_column(reader):
    n = reader.doc_count_all()
    return list(reader.column_reader("meta")) if n and reader.has_column("meta") else [b""] * n
