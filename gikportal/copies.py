"""Copied section 5 across agencies: for every report, the nearest section 5 of another agency
of the same year, derived at index time (report-format.md: copied text belongs to the index).

A section 5 is the set of its folded sentences (parse/scorecard.sentences: no spaces,
punctuation or figures), each hashed to 32 bits. Candidates come from datasketch's MinHash LSH
over those sets (Jaccard >= THRESHOLD, so a section 5 copied whole into a longer one is still a
candidate); the share shown is then exact: how many of this report's sentences the other has.
Identical sets are one LSH entry (generated and templated reports share many), so a year of
N reports costs one MinHash and one LSH insert per distinct section 5, and a query reads at most
MAX_CANDIDATES sets.

`CopyIndex` holds every year's sets; `state()`/`from_state()` make it a plain picklable dict of
ints, which ingest keeps beside the index so a new batch is compared with what is indexed.
"""
import bisect
import hashlib
import pickle
from pathlib import Path

from datasketch import MinHash, MinHashLSH

from .parse.scorecard import sentences

NUM_PERM = 64
THRESHOLD = 0.3
MAX_CANDIDATES = 200
MIN_SENTENCES = 2  # a section 5 of one sentence (“无。”) is not compared
_BASE = MinHash(num_perm=NUM_PERM, hashfunc=int)
_BANDS = []  # (bands, rows) for THRESHOLD: datasketch integrates them with scipy at every new LSH


def _lsh():
    if not _BANDS:
        probe = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        _BANDS.append((probe.b, probe.r))
    return MinHashLSH(num_perm=NUM_PERM, params=_BANDS[0])


def section5(record):
    return next((s.get("text") or "" for s in record.get("sections") or [] if s.get("n") == 5), "")


def agency_key(record):
    """The key reports of one agency share (the canonical agency key when the record has it)."""
    return record.get("agency_key") or record.get("agency") or ""


def fingerprint(text):
    """frozenset of 32-bit hashes of a section 5's folded sentences."""
    return frozenset(int.from_bytes(hashlib.blake2b(folded.encode("utf-8"), digest_size=4).digest(), "little")
                     for folded, _ in sentences(text))


def _minhash(hashes):
    m = MinHash(num_perm=NUM_PERM, hashfunc=int, permutations=_BASE.permutations, scheme=_BASE.scheme)
    m.update_batch(sorted(hashes))
    return m


class _Group:
    """The reports sharing one section 5 set: ids in order (the nearest match is the smallest id
    of another agency, found from the front) and those not yet given a whole (100%) match."""

    def __init__(self):
        self.by, self.order, self.unsettled = {}, [], set()

    def add(self, rid, key, agency):
        if rid not in self.by:
            bisect.insort(self.order, rid)
        self.by[rid] = (key, agency)
        self.unsettled.add(rid)

    def remove(self, rid):
        if self.by.pop(rid, None) is not None:
            del self.order[bisect.bisect_left(self.order, rid)]
        self.unsettled.discard(rid)

    def first_other(self, key, rid):
        """(id, agency) of the smallest id of another agency than key, or None."""
        for other in self.order:
            k, agency = self.by[other]
            if k != key and other != rid:
                return other, agency
        return None


class _Year:
    def __init__(self):
        self.lsh = _lsh()
        self.members = {}  # fingerprint -> _Group
        self.hashes = {}   # fingerprint -> its MinHash (kept for queries)
        self.asked = {}    # fingerprint -> its LSH candidates, until the LSH changes: a batch asks
        # for each new report twice (better_for, then nearest) between the same inserts

    def add(self, rid, key, agency, fp):
        group = self.members.get(fp)
        if group is None:
            group = self.members[fp] = _Group()
            self.hashes[fp] = _minhash(fp)
            self.lsh.insert(fp, self.hashes[fp], check_duplication=False)
            self.asked.clear()
        group.add(rid, key, agency)

    def candidates(self, fp):
        """The LSH's candidate sets for fp (a list; not to be changed)."""
        found = self.asked.get(fp)
        if found is None:
            found = self.asked[fp] = self.lsh.query(self.hashes[fp])
        return found

    def remove(self, rid, fp):
        group = self.members.get(fp)
        if group is None:
            return
        group.remove(rid)
        if not group.by:
            del self.members[fp]
            del self.hashes[fp]
            self.lsh.remove(fp)
            self.asked.clear()

    def nearest(self, rid, key, fp):
        """(share, other id, other agency) of the best other-agency match, or None: the highest
        share, then the smallest id."""
        candidates = sorted(self.candidates(fp), key=lambda c: -len(c & fp))[:MAX_CANDIDATES]
        best = None
        for other in candidates:
            share = len(other & fp) / len(fp)
            if best is not None and share < best[0]:
                break  # candidates come in order of overlap, and fp's size is fixed
            found = self.members[other].first_other(key, rid)
            if found and (best is None or share > best[0] or (share == best[0] and found[0] < best[1])):
                best = (share, found[0], found[1])
        return best


class CopyIndex:
    """Every year's section 5 sets; nearest() answers for one report."""

    def __init__(self):
        self.years = {}
        self.of = {}  # rid -> (year, key, agency, fingerprint)
        self.best = {}  # rid -> share of its nearest match as last answered

    def add(self, record, fp=None):
        """Index a record's section 5 (replacing what it had); False when it is not compared.
        fp: its fingerprint when already made."""
        rid, year = record["id"], record.get("year")
        fp = fingerprint(section5(record)) if fp is None else fp
        return self.add_fingerprint(rid, year, agency_key(record), record.get("agency") or "", fp)

    def add_fingerprint(self, rid, year, key, agency, fp):
        self.discard(rid)
        if not isinstance(year, int) or len(fp) < MIN_SENTENCES or not key:
            return False
        if year not in self.years:  # not setdefault: a _Year (an LSH of 21 tables) is not made per call
            self.years[year] = _Year()
        self.years[year].add(rid, key, agency, fp)
        self.of[rid] = (year, key, agency, fp)
        return True

    def discard(self, rid):
        old = self.of.pop(rid, None)
        if old:
            self.years[old[0]].remove(rid, old[3])

    def nearest(self, rid):
        """{id, agency, year, share} of the nearest other agency's section 5 of the same year, or None."""
        if rid not in self.of:
            return None
        year, key, _agency, fp = self.of[rid]
        found = self.years[year].nearest(rid, key, fp)
        if found is None:
            return None
        share, other, agency = found
        return {"id": other, "agency": agency, "year": year, "share": round(share, 4)}

    def remember(self, rid, match):
        self.best[rid] = match["share"] if match else 0.0
        if match and match["share"] >= 1.0 and rid in self.of:
            year, _key, _agency, fp = self.of[rid]
            self.years[year].members[fp].unsettled.discard(rid)

    def better_for(self, rid):
        """Ids of other agencies' reports of the same year for which this report is a closer
        match than the one they were last given."""
        if rid not in self.of:
            return set()
        year, key, _agency, fp = self.of[rid]
        y = self.years[year]
        out = set()
        for other in y.candidates(fp):
            group = y.members[other]
            share = len(other & fp) / len(other)
            for r in group.unsettled:
                if r != rid and group.by[r][0] != key and share > self.best.get(r, 0.0):
                    out.add(r)
        return out

    # --- kept beside the index between ingests -----------------------------------------------

    def state(self):
        return {"of": {rid: (year, key, agency, tuple(sorted(fp))) for rid, (year, key, agency, fp) in self.of.items()},
                "best": dict(self.best)}

    @classmethod
    def from_state(cls, state):
        out = cls()
        for rid, (year, key, agency, fp) in state["of"].items():
            out.add_fingerprint(rid, year, key, agency, frozenset(fp))
        for rid, share in state["best"].items():
            out.remember(rid, {"share": share} if share else None)
        return out


def state_path(index_dir):
    path = Path(index_dir)
    return path.parent / f".{path.name}.copies.pickle"


def load(index_dir):
    try:
        return CopyIndex.from_state(pickle.loads(state_path(index_dir).read_bytes()))
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, KeyError):
        return None


def save(index_dir, copies):
    path = state_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_bytes(pickle.dumps(copies.state(), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        tmp.unlink(missing_ok=True)     # no half-written file left on a full disk
        raise
    tmp.replace(path)
