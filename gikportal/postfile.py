"""A segment's postings in one memory-mapped file: a term's documents and frequencies are two
numpy views of the file's pages, found by one binary search, so a query's first run reads a few
pages per term instead of unpickling and inflating Whoosh's blocks one by one in Python.

whoosh_store.py writes one such file beside each segment (`<segment id>.gikpost`, so Whoosh
deletes it with the segment), derived from the segment's own postings: the segment stays the
source of truth and a missing or unreadable file only means that segment is read through
Whoosh. The file is a colfile (colfile.py) of these arrays:

- `keys` (uint64, sorted): the first 8 bytes of blake2b(field NUL term), one per term; a
  segment whose keys collide gets no file;
- `terms` (int64, one row per key): the first document number, the count, where the term's
  bytes start in `data`, and the widths (bytes per gap << 4 | bytes per frequency, 0 = every
  frequency is 1), in one row so a lookup reads one place;
- `data` (uint8): per term, the gaps between its document numbers after the first (1, 2 or 4
  bytes each, the narrowest that holds the largest), then its frequencies (likewise).

Beside it goes the segment's words file (`<segment id>.gikwords`, `write_words` / `Words`): the
words (not the shingles) of the searched fields with their frequencies, in code point order,
which the spelling suggestion searches instead of walking Whoosh's term index (whose terms
sharing a first character are mostly shingles, decoded and compared one by one in Python).
"""
import hashlib

import numpy as np

from . import colfile

LAYOUT = "gikpost 2"
_WIDTH_DTYPES = {1: "<u1", 2: "<u2", 4: "<u4"}


def term_key(fieldname, term):
    """The 64-bit key of a (field, term bytes) pair."""
    digest = hashlib.blake2b(fieldname.encode("utf-8") + b"\0" + term, digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _width(largest):
    return 1 if largest < 1 << 8 else 2 if largest < 1 << 16 else 4


class Collision(ValueError):
    """Two terms of a segment have one key: the segment is read through Whoosh instead."""


def write(path, postings, doc_count):
    """Write a segment's postings: an iterable of (field, term bytes, ascending local document
    numbers, integral frequencies). Raises Collision (nothing written) if two keys coincide."""
    keys, first, count, offset, widths, chunks = [], [], [], [], [], []
    at = 0
    for fieldname, term, ids, tfs in postings:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            continue
        tfs = np.asarray(tfs)
        freqs = tfs.astype(np.int64)
        if not np.array_equal(freqs, tfs) or freqs.min() < 1:
            raise ValueError(f"{fieldname}:{term!r}: frequencies are not positive integers")
        gaps = np.diff(ids)
        gap_width = _width(int(gaps.max())) if len(gaps) else 1
        tf_width = 0 if freqs.max() == 1 else _width(int(freqs.max()))
        chunk = gaps.astype(_WIDTH_DTYPES[gap_width]).tobytes()
        if tf_width:
            chunk += freqs.astype(_WIDTH_DTYPES[tf_width]).tobytes()
        keys.append(term_key(fieldname, term))
        first.append(int(ids[0]))
        count.append(len(ids))
        offset.append(at)
        widths.append(gap_width << 4 | tf_width)
        chunks.append(chunk)
        at += len(chunk)
    keys = np.array(keys, dtype=np.uint64)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    if len(keys) > 1 and (keys[1:] == keys[:-1]).any():
        raise Collision(f"{path}: two terms share a key")
    terms = np.array([first, count, offset, widths], dtype=np.int64).T.reshape(-1, 4)[order]
    arrays = {"keys": keys, "terms": terms, "data": np.frombuffer(b"".join(chunks), dtype=np.uint8)}
    colfile.write(path, arrays, {"layout": LAYOUT, "doc_count": int(doc_count), "terms": len(keys)})


class Postings:
    """A segment's postings file, mapped: get(field, term) -> (local ids, frequencies) or None."""

    def __init__(self, path, doc_count):
        arrays, extra = colfile.read(path)
        if extra.get("layout") != LAYOUT or extra.get("doc_count") != doc_count:
            raise ValueError(f"{path}: postings of another layout or segment")
        self.keys, self.terms, self.data = arrays["keys"], arrays["terms"], arrays["data"]

    def get(self, fieldname, term):
        return self.find(np.uint64(term_key(fieldname, term)))

    def present(self, keys):
        """Which of these keys (np.uint64 array) the segment has, in one vectorised search."""
        at = np.minimum(self.keys.searchsorted(keys), max(len(self.keys) - 1, 0))
        return self.keys[at] == keys if len(self.keys) else np.zeros(len(keys), dtype=bool)

    def row(self, key):
        """The row of the term with this key (np.uint64), or None."""
        i = self.keys.searchsorted(key)
        return i if i < len(self.keys) and self.keys[i] == key else None

    def find(self, key):
        """get() by the term's key (np.uint64): a term looked up in many segments is hashed once."""
        i = self.row(key)
        return None if i is None else gather([(self, i, 0)])


def gather(found):
    """(document numbers, frequencies) of one term over the segments that have it: found is
    [(Postings, the term's row, the segment's first document number)] in document order. All
    segments' gaps are undone by one cumsum (each segment's run restarted at its first document
    by one repeat), not by a cumsum and three more numpy calls per segment: a phrase at 100,000
    reports looks up some 150 (field, term) pairs in every segment."""
    gaps, tfs, starts, counts = [], [], [], []
    for postings, i, offset in found:
        first, count, at, widths = postings.terms[i].tolist()
        gap_width, tf_width = widths >> 4, widths & 15
        starts.append(offset + first)
        counts.append(count)
        gaps.append(_ZERO)
        if count > 1:
            gaps.append(np.frombuffer(postings.data, dtype=_WIDTH_DTYPES[gap_width], count=count - 1, offset=at))
        at += (count - 1) * gap_width
        tfs.append(np.frombuffer(postings.data, dtype=_WIDTH_DTYPES[tf_width], count=count, offset=at)
                   if tf_width else np.ones(count, dtype=np.uint8))
    ids = np.cumsum(np.concatenate(gaps), dtype=np.int64)
    if len(found) == 1:
        ids += starts[0]
    else:
        begins = np.zeros(len(counts), dtype=np.int64)
        np.cumsum(counts[:-1], out=begins[1:])
        ids += np.repeat(np.array(starts, dtype=np.int64) - ids[begins], counts)
    return ids, np.concatenate(tfs).astype(float)


_ZERO = np.zeros(1, dtype=np.uint8)


# --- a segment's words, for the spelling suggestion ---------------------------------------------

WORDS_LAYOUT = "gikwords 1"


def write_words(path, words, doc_count):
    """Write a segment's words: an iterable of (field, word, frequency) -- the words (not the
    shingles) of the fields a spelling suggestion looks in, with their frequency in the field
    (Whoosh's, the sum of the word's term frequencies). One file row per (word, field), the rows
    of a word together and the words in code point order, so the words sharing a first
    character and within a range of lengths are one binary search and one mask away."""
    by_word = {}
    for fieldname, word, freq in words:
        by_word.setdefault(word, []).append((fieldname, freq))
    names = sorted({f for rows in by_word.values() for f, _ in rows})
    code = {f: i for i, f in enumerate(names)}
    ordered = sorted(by_word)
    blobs = [w.encode("utf-8") for w in ordered]
    starts = np.zeros(len(ordered) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in blobs], out=starts[1:])
    rows = np.zeros(len(ordered) + 1, dtype=np.int64)
    np.cumsum([len(by_word[w]) for w in ordered], out=rows[1:])
    pairs = [p for w in ordered for p in sorted(by_word[w])]
    arrays = {"text": np.frombuffer(b"".join(blobs), dtype=np.uint8),
              "starts": starts, "rows": rows,
              "first": np.array([ord(w[0]) for w in ordered], dtype=np.int32),
              "length": np.array([len(w) for w in ordered], dtype=np.int32),
              "fields": np.array([code[f] for f, _ in pairs], dtype=np.int16),
              "freqs": np.array([float(q) for _, q in pairs], dtype=np.float64)}
    colfile.write(path, arrays, {"layout": WORDS_LAYOUT, "doc_count": int(doc_count), "fields": names})


class Words:
    """A segment's words file, mapped: words(first character, shortest, longest)."""

    def __init__(self, path, doc_count):
        arrays, extra = colfile.read(path)
        if extra.get("layout") != WORDS_LAYOUT or extra.get("doc_count") != doc_count:
            raise ValueError(f"{path}: words of another layout or segment")
        self.fieldnames = extra["fields"]
        for name in ("text", "starts", "rows", "first", "length", "fields", "freqs"):
            setattr(self, name, arrays[name])

    def words(self, first, shortest, longest):
        """[(word, {field: frequency})] of the words starting with character `first` whose
        length (in characters) is from shortest to longest."""
        cp = np.int32(ord(first))
        lo, hi = self.first.searchsorted(cp), self.first.searchsorted(cp, side="right")
        lengths = self.length[lo:hi]
        found = np.flatnonzero((lengths >= shortest) & (lengths <= longest)) + lo
        text, starts, rows = self.text, self.starts, self.rows
        out = []
        for i in found.tolist():
            word = text[starts[i]:starts[i + 1]].tobytes().decode("utf-8")
            r0, r1 = int(rows[i]), int(rows[i + 1])
            out.append((word, dict(zip(map(self.fieldnames.__getitem__, self.fields[r0:r1].tolist()),
                                       self.freqs[r0:r1].tolist()))))
        return out
