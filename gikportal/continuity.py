"""The scorecard facts that need other reports, derived at index time (never into record.json):
each report's previous year of the same agency (与上年衔接, 问题及改进不照搬上年) and the nearest
other agency's section 5 of the same year (copies.py).

What the engines index of it is small (`summary`): the score, the failed criteria, the previous
report's id and the copy match; the report page computes the full card again from the record,
the previous record and the match (parse/scorecard.card), so page, API and facets agree.
Reports of one agency are grouped by `agency_key` when the record has it, else by `agency`.
"""
from collections import defaultdict

from . import copies as copies_mod
from .copies import agency_key
from .parse import carry_chain, scorecard


def slim(record):
    """What the cross-report criteria read of a record, so a whole archive fits in memory."""
    stats = record.get("stats") or {}
    requests = stats.get("requests") or {}
    active = stats.get("active") or {}
    return {"id": record["id"], "year": record.get("year"), "agency": record.get("agency"),
            "agency_key": agency_key(record),
            "stats": {"requests": {k: requests[k] for k in ("carried_over", "carried_forward") if k in requests},
                      "active": {k: active[k] for k in ("regulations", "normative_documents") if k in active}},
            "sections": [{"n": 5, "text": copies_mod.section5(record)}],
            "own": [{"key": c["key"], "weight": c["weight"], "ok": c["ok"]} for c in scorecard.own(record)]}


def facts(record):
    """What derive_batch reads of a new record, made where it was parsed (an ingest worker):
    {slim, fingerprint}, the same as derive_batch makes of the record itself."""
    return {"slim": slim(record), "fingerprint": copies_mod.fingerprint(copies_mod.section5(record))}


def summary(item, previous, copy):
    """What the index keeps of a report's card: {score, failed, previous, copy}, and (for ingest,
    not kept) chain: the carry_chain check against the previous year."""
    criteria = item["own"] + scorecard.cross(item, previous, copy)
    out = scorecard.total(criteria)
    return {"score": out["score"], "failed": out["failed"], "previous": previous["id"] if previous else None,
            "copy": copy, "chain": chain_of(previous, item)}


def chain_of(previous, item):
    """The carry_chain check of a report against its previous year, or None without one."""
    return carry_chain(previous, item) if previous is not None else None


def _by_year(items):
    """{year: item}: one report per year counts, the smallest id (as carry_chain does)."""
    out = {}
    for item in sorted(items, key=lambda i: i["id"]):
        out.setdefault(item.get("year"), item)
    return out


def previous_in(by_year, item):
    year = item.get("year")
    prev = by_year.get(year - 1) if isinstance(year, int) else None
    return prev if prev is not None and prev["id"] != item["id"] else None


def derive_all(records):
    """({id: summary}, CopyIndex) over a whole archive (a stream of records, read once)."""
    index = copies_mod.CopyIndex()
    groups = defaultdict(list)
    for record in records:
        item = slim(record)
        index.add(record)
        groups[item["agency_key"]].append(item)
    out = {}
    for key, items in groups.items():
        by_year = _by_year(items) if key else {}
        for item in items:
            copy = index.nearest(item["id"])
            index.remember(item["id"], copy)
            out[item["id"]] = summary(item, previous_in(by_year, item), copy)
    return out, index


def derive_batch(fresh, read, agency_years, index, made=None):
    """({id: summary}, ids of indexed reports whose summary the batch changes) for new records.

    read(id) -> an archived record; agency_years([agency]) -> {agency: [(id, year)]} of what is
    indexed; index: the CopyIndex of what is indexed, updated in place. A new report of year y
    is the previous year of the agency's y + 1, and may be a closer copy for another agency's
    report of year y than the one it had: those are answered again. made: {id: facts(record)} of
    fresh records, made beforehand (by the ingest workers)."""
    made = made or {}
    new = {r["id"] for r in fresh}
    records = {r["id"]: r for r in fresh}
    for record in fresh:
        pre = made.get(record["id"])
        index.add(record, pre and pre["fingerprint"])
    targets = set(new)
    for rid in new:
        for other in index.better_for(rid):
            if other not in records:
                record = read(other)
                if record is not None:
                    records[other] = record
                    targets.add(other)
    known = {rid: made[rid]["slim"] if rid in made else slim(r) for rid, r in records.items()}
    wanted = defaultdict(set)  # agency (as printed, and its key) -> years whose reports are needed
    for rid in targets:
        year = records[rid].get("year")
        if records[rid].get("agency") and isinstance(year, int):
            for name in {records[rid]["agency"], agency_key(records[rid])}:
                wanted[name] |= {year - 1, year} | ({year + 1} if rid in new else set())
    indexed = agency_years(sorted(wanted)) if wanted else {}
    for agency, years in wanted.items():
        for rid, year in indexed.get(agency, ()):
            if rid in known or year not in years:
                continue
            other = read(rid)
            if other is None:
                continue
            known[rid] = slim(other)
            if any(year == (records[t].get("year") or 0) + 1 and agency_key(records[t]) == known[rid]["agency_key"]
                   for t in new):
                targets.add(rid)
    groups = defaultdict(dict)
    for rid, item in known.items():
        groups[item["agency_key"]][rid] = item
    out = {}
    for rid in targets:
        item = known[rid]
        by_year = _by_year(groups[item["agency_key"]].values()) if item["agency_key"] else {}
        copy = index.nearest(rid)
        index.remember(rid, copy)
        out[rid] = summary(item, previous_in(by_year, item), copy)
    return out, targets - new


# --- what ingest calls ---------------------------------------------------------------------------

_LOADED = {}  # index dir -> (state file mtime, CopyIndex): one ingest run loads it once


def copy_index(index_dir):
    """The CopyIndex of what is indexed (kept beside the index), or an empty one."""
    path = copies_mod.state_path(index_dir)
    mtime = path.stat().st_mtime_ns if path.exists() else None
    cached = _LOADED.get(str(index_dir))
    if cached and cached[0] == mtime:
        return cached[1]
    index = (copies_mod.load(index_dir) if mtime else None) or copies_mod.CopyIndex()
    _LOADED[str(index_dir)] = (mtime, index)
    return index


def forget(index_dir):
    """Drop the copy index held in memory (a batch it holds was not indexed): the next batch
    reads it again from its file."""
    _LOADED.pop(str(index_dir), None)


def keep(index_dir, index):
    copies_mod.save(index_dir, index)
    _LOADED[str(index_dir)] = (copies_mod.state_path(index_dir).stat().st_mtime_ns, index)


def attach(indexed, card):
    """The indexed copy of a record with its derived card (without the internal chain)."""
    if card is None:
        return indexed
    return dict(indexed, scorecard={k: v for k, v in card.items() if k != "chain"})
