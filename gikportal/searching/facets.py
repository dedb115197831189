"""Facets from raw counts, once for every engine (after Datasette's facets.py: one small class per
kind of facet, registered in one list).

An engine counts `{facet: {value: count}}` over the whole filtered result; each facet class turns
its counts into `FacetValue`s -- value, label, count, selected -- in its own order, with its own
limit, and says how to toggle a value. The web layer adds the toggle URL.
"""
import heapq
from collections.abc import Mapping

import numpy as np

from .. import labels, segment
from ..query import RANGE_FIGURES, SearchParams

FACET_LIMIT = 50  # values shown of a long facet (agencies); the rest are counted in facets_more
FINDING_VALUES = (("failed",) + tuple(f"check:{rule}" for rule in labels.CHECK_RULES)
                  + ("sued", "reviewed", "fees", "doubtful", "score_low")
                  + tuple(f"scorecard:{key}" for key in labels.SCORECARD))


class Facet:
    """A facet over one categorical column: the most frequent values first, up to FACET_LIMIT."""
    limit = FACET_LIMIT

    def __init__(self, name):
        self.name = name

    @property
    def label(self):
        return labels.FACETS.get(self.name, self.name)

    def value_label(self, value):
        return labels.NO_VALUE[1] if value == labels.NO_VALUE[0] else value

    def order(self, counts):
        """Values with a count, most frequent first, equal counts in value order (two C-level
        sorts: a search page counts thousands of agencies)."""
        values = sorted(v for v, c in counts.items() if c)
        values.sort(key=counts.__getitem__, reverse=True)  # stable: ties stay in value order
        return values

    def top(self, counts, limit):
        """The first `limit` values of order(counts) without ordering them all: only values
        counted at least as often as the limit-th are sorted (thousands of agencies, 50 shown)."""
        if isinstance(counts, Tally):
            return counts.top(limit)
        kth = heapq.nlargest(limit, counts.values())[-1]
        return self.order({v: c for v, c in counts.items() if c >= kth})[:limit]

    def toggle(self, params: SearchParams, value) -> SearchParams:
        return params.toggle(self.name, str(value))

    def facet_results(self, counts, params):
        """([FacetValue], reports under values cut off by the limit or None)."""
        counts = counts or {}
        if not isinstance(counts, Tally) and 0 in counts.values():
            counts = {v: c for v, c in counts.items() if c}
        selected = set(params.facets.get(self.name, ()))
        more = None
        if self.limit and len(counts) > self.limit:
            shown = self.top(counts, self.limit)
            total = counts.total() if isinstance(counts, Tally) else sum(counts.values())
            more = total - sum(map(counts.__getitem__, shown))
        else:
            shown = self.order(counts)
        for value in sorted(selected):  # a selected value is always listed, even with no report
            if value not in shown:
                if more is not None and counts.get(value):
                    more -= counts[value]
                shown.append(value)
        values = [{"value": v, "label": self.value_label(v), "count": int(counts.get(v, 0)),
                   "selected": v in selected} for v in shown]
        return self.arrange(values), more

    def arrange(self, values):
        return values


class Tally(Mapping):
    """{value: count} of a long facet (thousands of agencies) kept as numpy arrays, so a search
    orders the 50 shown values and sums the rest in numpy instead of making a dict of every
    value present. vocab: the sorted values; lookup: {value: its place in vocab}; codes: the
    places counted, ascending; counts: their counts, all > 0."""

    def __init__(self, vocab, lookup, codes, counts):
        self.vocab, self.lookup, self.codes, self.counts = vocab, lookup, codes, counts

    def __getitem__(self, value):
        code = self.lookup[value]
        i = int(np.searchsorted(self.codes, code))
        if i == len(self.codes) or self.codes[i] != code:
            raise KeyError(value)
        return int(self.counts[i])

    def __iter__(self):
        return map(self.vocab.__getitem__, self.codes.tolist())

    def __len__(self):
        return len(self.codes)

    def total(self):
        return int(self.counts.sum())

    def top(self, limit):
        """Facet.order's first `limit` values: most counted first, ties in value order."""
        first = np.lexsort((self.codes, -self.counts))[:limit]
        return [self.vocab[c] for c in self.codes[first].tolist()]


class YearFacet(Facet):
    """Every year, newest first, unknown last."""
    limit = None

    def arrange(self, values):
        return sorted(values, key=lambda v: (v["value"] == labels.NO_VALUE[0],
                                             -int(v["value"]) if v["value"].isdigit() else 0))


class FormatFacet(Facet):
    def value_label(self, value):
        return labels.FORMATS.get(value) or super().value_label(value)


class RangeFacet(Facet):
    """Buckets of a headline figure (query.RANGE_FIGURES), in bucket order, unknown last."""
    limit = None

    def __init__(self, figure):
        super().__init__(f"{figure}_range")
        self.figure = figure
        self.buckets = {b[0]: b[1] for b in RANGE_FIGURES[figure]}

    @property
    def label(self):
        return labels.FIGURES[self.figure] + "（区间）"

    def value_label(self, value):
        return self.buckets.get(value) or super().value_label(value)

    def arrange(self, values):
        order = list(self.buckets) + [labels.NO_VALUE[0]]
        return sorted(values, key=lambda v: order.index(v["value"]) if v["value"] in order else len(order))


class FindingFacet(Facet):
    """Findings about the reports (failed checks, lawsuits, fees): a fixed list of flags, each
    shown when some report has it or it is selected; a report may have several."""
    limit = None

    def value_label(self, value):
        return labels.finding(value)

    def order(self, counts):
        return [v for v in FINDING_VALUES if counts.get(v)]

    def arrange(self, values):
        return sorted((v for v in values if v["value"] in FINDING_VALUES),
                      key=lambda v: FINDING_VALUES.index(v["value"]))


FACETS = ([YearFacet("year")] + [Facet(n) for n in ("province", "city", "county", "agency", "kind")]
          + [FormatFacet("format"), FindingFacet("finding")] + [RangeFacet(f) for f in RANGE_FIGURES])
BY_NAME = {facet.name: facet for facet in FACETS}
# the single-valued facets an engine counts by column (finding is counted per flag)
COLUMN_FACETS = tuple(f.name for f in FACETS if not isinstance(f, FindingFacet))


def facet_results(counts, params):
    """({facet: [FacetValue]}, {facet: reports cut off}) from an engine's raw counts."""
    out, more = {}, {}
    for facet in FACETS:
        values, cut = facet.facet_results(counts.get(facet.name), params)
        out[facet.name] = values
        if cut is not None:
            more[facet.name] = cut
    return out, more


def label(name, value):
    """The label of one facet value (also for values not counted, e.g. the stats page's filters)."""
    facet = BY_NAME.get(name)
    return facet.value_label(value) if facet else value


# --- the agency facet: counted by agency key, shown by the latest printed name ------------------

def agency_keys(value, pairs):
    """The agency keys an `agency` filter value selects, for both engines alike. pairs: the
    index's distinct (key, printed name). A key selects itself; a printed name (an older link,
    a report page) the keys of the reports that printed it, so the body's other names come too;
    a value typed in a query, folded (traditional, full-width), the keys or names equal to it,
    else those containing it (agency:卫生健康)."""
    keys, by_name = _pairs_index(pairs)
    if value in keys:
        return [value]
    if value in by_name:
        return by_name[value]
    folded = segment.fold(value)
    forms = [(segment.fold(k), k) for k in keys] + [(segment.fold(n), k) for k, n in pairs if n]
    return sorted({k for f, k in forms if f == folded} or {k for f, k in forms if folded in f})


_PAIRS_INDEXES = {}  # id(pairs) -> (pairs, keys, {name: sorted keys}); both engines keep one pairs list per generation


def _pairs_index(pairs):
    """The keys and the keys of each printed name of an index's pairs, made once per pairs list
    (a report page filters by its agency twice: at 100,000 reports remaking them took 30 ms)."""
    found = _PAIRS_INDEXES.get(id(pairs))
    if found is None or found[0] is not pairs:
        by_name = {}
        for k, n in pairs:
            by_name.setdefault(n, set()).add(k)
        found = (pairs, {k for k, _ in pairs}, {n: sorted(ks) for n, ks in by_name.items()})
        if len(_PAIRS_INDEXES) >= 4:  # a few generations (and engines) at once
            _PAIRS_INDEXES.pop(next(iter(_PAIRS_INDEXES)))
        _PAIRS_INDEXES[id(pairs)] = found
    return found[1], found[2]


def label_agencies(values, names):
    """Facet values of the agency facet labelled with the body's latest printed name (names:
    {key: name}); a key no report printed keeps its own label."""
    for value in values or ():
        value["label"] = names.get(value["value"], value["label"])
    return values
