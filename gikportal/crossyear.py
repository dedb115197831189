"""Facts about a report that need other reports (report-format.md: they belong to the index, not
to the record): the carry_chain check between consecutive years of one agency.

The archived record stays a pure function of its original's bytes and the parser; what is
derived here goes only into what the engines index (`indexed(record, derived)`), so it reaches
the hit fields, the failed-check facet and the pages through the search seam.
"""
from .parse import carry_chain
from .parse.agency import canonical_key

DERIVED_RULES = ("carry_chain",)


def agency_key(record):
    """The body a report is of, across the names it printed over the years: the record's own
    `agency_key` (parse/agency.py), computed the same way for a record archived before it had one;
    None when the agency is unknown."""
    return record.get("agency_key") or canonical_key(record.get("agency"), record.get("region"))


def chain_summary(record):
    """Just what chain_checks needs of a record, so a whole archive's worth fits in memory."""
    requests = ((record.get("stats") or {}).get("requests")) or {}
    slim = {k: requests[k] for k in ("carried_over", "carried_forward") if k in requests}
    return {"id": record["id"], "agency": record.get("agency"), "agency_key": agency_key(record),
            "year": record.get("year"),
            "stats": {"requests": slim} if slim else {}}


def chain_checks(records, years=None):
    """{id: carry_chain check} for the reports of one agency that have the previous year's report.

    records: that agency's reports (every one, or those of `years` and the year before each);
    one report per year counts (the smallest id, as a full reindex sees them). With `years`,
    only the reports of those years are answered.
    """
    by_year = {}
    for record in sorted(records, key=lambda r: r["id"]):
        by_year.setdefault(record.get("year"), record)
    out = {}
    for year, record in by_year.items():
        if years is not None and year not in years:
            continue
        previous = by_year.get(year - 1) if isinstance(year, int) else None
        if previous is not None:
            out[record["id"]] = carry_chain(previous, record)
    return out


def indexed(record, derived=None):
    """What an engine indexes for a record: a copy whose checks are the record's own plus the
    derived ones (an older archive's stored carry_chain is replaced, never doubled), with the
    agency key an older record lacks."""
    own = [c for c in record.get("checks") or [] if c.get("rule") not in DERIVED_RULES]
    return dict(record, checks=own + ([derived] if derived else []), agency_key=agency_key(record))
