"""The Whoosh store's use of Whoosh internals, checked so that an upgrade fails here, loudly.

whoosh_store reads postings a block at a time through the matcher's private block API and
subclasses W3Codec to drop the per-block length statistics; both are pinned to the version in
requirements.txt. These tests compare the private path with Whoosh's public API on a real
multi-segment index with a deletion, so a changed internal shows as a wrong answer here rather
than as subtly wrong rankings in production.
"""
import re
from pathlib import Path

import numpy as np
import whoosh
from whoosh.codec.base import Codec
from whoosh.codec.whoosh3 import W3Codec

from _search_helpers import generated_records, seed_records
from gikportal import segment, whoosh_store

ROOT = Path(__file__).resolve().parent.parent


def test_whoosh_is_the_pinned_version():
    pin = re.search(r"^Whoosh-Reloaded==([\d.]+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert whoosh.versionstring() == pin, (
        f"Whoosh {whoosh.versionstring()} is not the pinned {pin}: whoosh_store.Store.postings reads "
        f"private matcher internals {whoosh_store.PRIVATE_MATCHER_API} and _Codec subclasses W3Codec; "
        "check both against the new version (this file's other tests), then move the pin")


def test_codec_flags_and_block_size_exist():
    assert "length_stats" in vars(Codec) and W3Codec.__init__.__code__.co_varnames[:4] == (
        "self", "blocklimit", "compression", "inlinelimit")
    codec = whoosh_store._Codec()
    assert codec.length_stats is False and codec._blocklimit == 1024


def _public_postings(store, fieldname, token):
    """The same postings through Whoosh's public matcher API (id(), weight(), next())."""
    ids, weights = [], []
    for sub, offset in store.searcher.leaf_searchers():
        reader = sub.reader()
        if (fieldname, token) not in reader:
            continue
        matcher = reader.postings(fieldname, token)
        matcher = getattr(matcher, "child", matcher)
        while matcher.is_active():
            ids.append(matcher.id() + offset)
            weights.append(matcher.weight())
            matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=float)


def test_private_block_reads_equal_the_public_api(tmp_path):
    records = seed_records()
    index_dir = tmp_path / "index"
    whoosh_store.rebuild(index_dir, records[:3])
    whoosh_store.add(index_dir, records[3:], merge=False)  # a second segment
    whoosh_store.remove(index_dir, [records[0]["id"]])  # and a deletion (masked by the evaluator)
    store = whoosh_store.Store(index_dir)
    try:
        assert len(list(store.searcher.leaf_searchers())) == 2
        leaf = next(sub.reader() for sub, _ in store.searcher.leaf_searchers())
        matcher = leaf.postings("s1", "公开")  # a word of every report: a block list, not inlined
        matcher = getattr(matcher, "child", matcher)
        missing = [a for a in whoosh_store.PRIVATE_MATCHER_API if not hasattr(matcher, a)]
        assert not missing, f"Whoosh's block matcher {type(matcher).__name__} no longer has {missing}"
        checked = 0
        for fieldname in ["title"] + store.section_fields:
            for token in ("政府", "信息", "公开", "申请", "行政复议", "焦作", "年度报告"):
                fast = store.postings(fieldname, token)
                slow = _public_postings(store, fieldname, token)
                assert np.array_equal(fast[0], slow[0]) and np.allclose(fast[1], slow[1]), (fieldname, token)
                checked += len(fast[0])
        assert checked > 50
    finally:
        store.close()


def _two_segments_one_deleted(tmp_path, deleted):
    """An index written as the portal writes it (index.py: column and postings files): the
    seeds in two segments, seed number `deleted` removed."""
    from gikportal import index

    records = seed_records()
    index_dir = tmp_path / "index"
    index.rebuild(index_dir, records[:3])
    index.add(index_dir, records[3:], merge=False)
    index.remove(index_dir, [records[deleted]["id"]])
    return index_dir


def _settle_into_one(index_dir):
    from gikportal import index

    whoosh_store.MAX_SEGMENTS, saved = 1, whoosh_store.MAX_SEGMENTS
    try:
        index.settle(index_dir)
    finally:
        whoosh_store.MAX_SEGMENTS = saved


def test_idf_from_postings_equals_whooshs(tmp_path):
    """index.py takes a term's idf from the postings it read (their count is Whoosh's document
    frequency, deleted reports included) instead of a second lookup per segment."""
    from gikportal import index

    index_dir = _two_segments_one_deleted(tmp_path, deleted=1)
    view = index._view(index_dir)
    checked = 0
    for fieldname in ["title"] + view.section_fields:
        for token in ("政府", "公开", "行政复议", "焦作"):
            ids, _, idf = view.postings(fieldname, token)
            if len(ids):
                assert np.isclose(idf, view.store.searcher.idf(fieldname, token)), (fieldname, token)
                checked += 1
    assert checked > 5


def test_column_files_go_with_their_segments(tmp_path):
    """Each segment's column file is written with it and named like its files, so Whoosh
    deletes it when a merge removes the segment; a view mapped from the files answers exactly
    as one derived again from the meta column."""
    from gikportal import index
    from gikportal.query import SearchParams

    records = seed_records()
    index_dir = tmp_path / "index"
    index.rebuild(index_dir, records[:2])
    index.add(index_dir, records[2:4], merge=False)
    index.add(index_dir, records[4:], merge=False)
    store = whoosh_store.Store(index_dir)
    keys = [key for key, _ in store.segments()]
    store.close()
    assert len(keys) == 3 and all((index_dir / f"{k}.{whoosh_store.COLUMN_FILE_EXT}").is_file() for k in keys)

    def answer():
        index._views.clear()
        index._segment_cache.clear()
        out = []
        for args in ({"q": "政府信息"}, {"q": "", "sort": "-year"}, {"q": "公开", "province": "河南省"}):
            result = index.search(index_dir, SearchParams.from_args(args))
            out.append(([h["id"] for h in result["hits"]], [h.get("figures") for h in result["hits"]],
                        result["total"], result["facets"]))
        return out

    mapped = answer()
    for path in index_dir.glob(f"*.{whoosh_store.COLUMN_FILE_EXT}"):
        path.unlink()
    assert answer() == mapped  # derived from the meta column (and the files written again)
    assert len(list(index_dir.glob(f"*.{whoosh_store.COLUMN_FILE_EXT}"))) == 3
    _settle_into_one(index_dir)
    left = list(index_dir.glob(f"*.{whoosh_store.COLUMN_FILE_EXT}"))
    assert len(left) == 1 and not any(k in left[0].name for k in keys)
    assert answer() == mapped


def test_a_new_segment_without_columns_is_opened_in_the_background(tmp_path):
    """A commit by another process (here: the store alone, no column file written) does not
    make searches wait for the new segment's columns: the current view answers until the new
    one, made in a thread, replaces it."""
    import time

    from gikportal import index

    records = seed_records()
    index_dir = tmp_path / "index"
    index.rebuild(index_dir, records[:3])
    before = index._view(index_dir)
    whoosh_store.add(index_dir, records[3:], merge=False)
    assert index._view(index_dir) is before  # not blocked: the old generation answers
    deadline = time.monotonic() + 60
    while index._view(index_dir) is before and time.monotonic() < deadline:
        time.sleep(0.05)
    after = index._view(index_dir)
    assert after is not before and after.n_alive == len(records)
    assert len(list(index_dir.glob(f"*.{whoosh_store.COLUMN_FILE_EXT}"))) == 2


def test_postings_files_answer_as_whoosh_does(tmp_path):
    """Each segment's postings file (postfile.py), written with the segment, gives every term
    of every searched field exactly the documents and frequencies Whoosh's own matcher gives
    (deleted reports too: the evaluator masks them); it goes with its segment on a merge."""
    from gikportal import index

    index_dir = _two_segments_one_deleted(tmp_path, deleted=0)
    store = whoosh_store.Store(index_dir)
    try:
        leaves = store._leaves()
        assert len(leaves) == 2 and all(mapped is not None for _, _, mapped in leaves)
        reader = leaves[0][0]
        missing = [a for a in whoosh_store.PRIVATE_TERMS_API if not hasattr(reader, a) and not hasattr(reader._terms, a)]
        assert not missing, f"Whoosh's segment reader or its terms reader no longer has {missing}"
        terms = {(f, t.decode("utf-8")) for f, t in store.searcher.reader().all_terms() if whoosh_store._searched(f)}
        assert len(terms) > 1000
        deleted = store.deleted
        assert len(deleted) == 1
        for fieldname, token in terms:
            fast = store.postings(fieldname, token)
            slow = _public_postings(store, fieldname, token)  # Whoosh skips a deleted first posting
            alive = ~np.isin(fast[0], deleted)
            assert np.array_equal(fast[0][alive], slow[0]) and np.array_equal(fast[1][alive], slow[1]), (
                fieldname, token)
        assert len(store.postings("s1", "不在索引里的词")[0]) == 0
    finally:
        store.close()
    _settle_into_one(index_dir)
    left = list(index_dir.glob(f"*.{whoosh_store.POSTINGS_FILE_EXT}"))
    store = whoosh_store.Store(index_dir)
    try:
        assert len(left) == 1 and store._leaves()[0][2] is not None
    finally:
        store.close()


def test_a_write_to_an_index_left_alone_for_a_while_is_seen(tmp_path):
    """A search trusts an index folder whose mtime has not moved (no listing per search); a
    commit adds a TOC and so moves it, and the next search sees the new reports."""
    import os
    import time

    from gikportal import index

    records = seed_records()
    index_dir = tmp_path / "index"
    index.rebuild(index_dir, records[:3])
    quiet = time.time() - 60
    os.utime(index_dir, (quiet, quiet))
    assert index.doc_count(index_dir) == 3 and index.exists(index_dir)
    before = index.generation(index_dir)
    assert index._view(index_dir).unchanged_since is not None
    index.add(index_dir, records[3:4])
    assert index.doc_count(index_dir) == 4 and index.generation(index_dir) != before


def _segment_files(index_dir):
    """{file kind: sorted md5s} of an index's segment files (segment names are random)."""
    import hashlib

    out = {}
    for path in Path(index_dir).iterdir():
        if path.is_file() and path.name.startswith("MAIN_") and "." in path.name:
            kind = path.name.split(".", 1)[1]
            out.setdefault(kind, []).append(hashlib.md5(path.read_bytes()).hexdigest())
    return {kind: sorted(digests) for kind, digests in out.items()}


def test_the_segment_writer_writes_whooshs_own_files(tmp_path, monkeypatch):
    """whoosh_store._SegmentWriter sorts postings in memory and writes whole blocks; Whoosh's
    SegmentWriter pools them one by one. The same adds, replacements, deletions and a merge of
    every segment (settle) give byte-identical segment files (terms, postings, stored fields,
    lengths, the meta column), so the index read is the same index."""
    from whoosh import writing

    records = seed_records() + generated_records(60)
    third = len(records) // 3

    def build(index_dir):
        whoosh_store.add(index_dir, records[:third], merge=False)
        whoosh_store.add(index_dir, records[third:2 * third], merge=False)
        whoosh_store.remove(index_dir, [records[1]["id"], records[third + 2]["id"]])
        whoosh_store.add(index_dir, records[2 * third:] + records[:3], merge=False)  # replaces 3
        unmerged = _segment_files(index_dir)
        monkeypatch.setattr(whoosh_store, "MAX_SEGMENTS", 1)
        whoosh_store.settle(index_dir)
        monkeypatch.setattr(whoosh_store, "MAX_SEGMENTS", 8)
        return unmerged, _segment_files(index_dir)

    written = []
    real_write_term = whoosh_store._write_term
    monkeypatch.setattr(whoosh_store, "_write_term", lambda *a: (written.append(a[2]), real_write_term(*a))[1])
    ours = build(tmp_path / "ours")
    assert len(written) > 1000  # the writer under test wrote the terms
    monkeypatch.setattr(whoosh_store, "_SegmentWriter", lambda ix, **kw: writing.SegmentWriter(ix, limitmb=64, **kw))
    theirs = build(tmp_path / "whoosh")
    assert len(ours[0]["trm"]) == 3 and len(ours[1]["trm"]) == 1
    assert ours == theirs


def _one_edit_tokens(words):
    """Tokens a citizen mistypes: each word with its last character replaced, dropped, doubled,
    swapped with the one before it, and with another word's first character put in."""
    out = set(words)
    others = sorted({w[0] for w in words})
    for i, w in enumerate(words):
        other = others[i % len(others)]
        out |= {w[:-1] + other, w[:-1], w + w[-1], w[:-2] + w[-1:] + w[-2:-1], w[:1] + other + w[1:]}
    return sorted(t for t in out if t)


def test_suggestions_from_the_words_files_are_whooshs(tmp_path):
    """Each segment's words file (postfile.Words) and its postings file give Whoosh's corrector
    the candidates its own walk over every term of the term index gives (terms_within, with
    their frequencies; shingles too, which rank with the words), so for every indexed word, one-
    edit variants of it and the shingles run together, the suggestion and known() are the walk's."""
    index_dir = _two_segments_one_deleted(tmp_path, deleted=0)
    assert len(list(index_dir.glob(f"*.{whoosh_store.WORDS_FILE_EXT}"))) == 2
    store = whoosh_store.Store(index_dir)
    try:
        words = store._words()
        assert words is not None  # the files are read, not the term index
        fields = ["title"] + store.section_fields
        reader = store.searcher.reader()
        terms = {t.decode("utf-8") for f, t in reader.all_terms() if f in fields}
        gap = segment.SHINGLE
        tokens = _one_edit_tokens(sorted(t for t in terms if gap not in t)[::5])
        tokens += sorted({t.replace(gap, "") for t in terms if gap in t})[::5]
        assert len(tokens) > 1000
        suggested = with_shingles = 0
        for token in tokens:
            found = store._candidates(token, fields, words)
            walked = {f: {t: reader.frequency(f, t) for t in reader.terms_within(f, token, 1, prefix=1)}
                      for f in fields}
            assert found == walked, token
            with_shingles += any(gap in t for f in fields for t in found[f])
            fast = store.nearest(token, fields)
            assert fast == whoosh_store._nearest(store.searcher.corrector, token, fields), token
            suggested += fast is not None
            assert store.known(token, fields) == any(reader.doc_frequency(f, token) for f in fields), token
        assert suggested > len(tokens) // 3 and with_shingles > 100
    finally:
        store.close()
    _settle_into_one(index_dir)
    assert len(list(index_dir.glob(f"*.{whoosh_store.WORDS_FILE_EXT}"))) == 1


def test_the_words_files_candidates_are_ranked_by_whooshs_corrector():
    """The candidates are ranked by Whoosh's ReaderCorrector itself: its three most frequent
    (ties: the later in code point order), then the token and shingles dropped; so a token whose
    three best are itself and shingles gets nothing from that field, as the walk gives."""
    schema = whoosh_store._schema()
    token, gap = "政务公开", segment.SHINGLE
    freqs = {"title": {token: 9.0, f"政务{gap}公开": 8.0, f"政{gap}务公开": 7.0, "政务公示": 1.0},
             "s1": {"政务公示": 1.0, "政务公卡": 1.0, "政务公布": 1.0, "政务公报": 1.0, "政务公告": 2.0}}
    candidates = whoosh_store._Candidates(schema, freqs)
    assert whoosh_store._nearest(candidates.corrector, token, ["title"]) is None
    assert whoosh_store._nearest(candidates.corrector, token, ["title", "s1"]) == "政务公告"
    del freqs["s1"]["政务公告"]
    # four tied: the heap keeps the three largest (score, word), so 政务公卡 (U+5361) drops out
    # and 政务公布 (U+5E03) leads, where the smallest of all four would be 政务公卡
    assert whoosh_store._nearest(candidates.corrector, token, ["s1"]) == "政务公布"


def test_a_segment_without_a_words_file_is_walked_as_before(tmp_path):
    index_dir = _two_segments_one_deleted(tmp_path, deleted=1)
    next(index_dir.glob(f"*.{whoosh_store.WORDS_FILE_EXT}")).unlink()
    store = whoosh_store.Store(index_dir)
    try:
        assert store._words() is None
        fields = ["title"] + store.section_fields
        assert store.nearest("依申请公干", fields) == "依申请公开"
    finally:
        store.close()
    assert whoosh_store.write_postings(index_dir) == 1  # the next commit's writer makes it
    assert len(list(index_dir.glob(f"*.{whoosh_store.WORDS_FILE_EXT}"))) == 2
