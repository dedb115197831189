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
