"""Agencies ranked by a rate a researcher can defend: numerator and denominator shown, within a
peer group (same level), with percentiles, and rates over fewer than MIN_CASES cases greyed and
left out unless asked for (?small=1). Same filters as search."""
from collections import defaultdict

from flask import Blueprint, render_template, request

from ..figures import PEER_GROUPS, peer_group
from ..labels import SCORECARD
from . import common

bp = Blueprint("rankings", __name__)

MIN_CASES = 30
OUTCOME_FIGURES = ("granted", "partially_granted", "denied", "unavailable", "not_processed", "other_handled")
# rate: (label, numerator label, denominator label, numerator(hit), denominator(hit), higher is better)
RATES = {
    "granted_rate": ("予以公开率", "予以公开", "办理结果总计", lambda f: f.get("granted"),
                     lambda f: _sum(f, OUTCOME_FIGURES), True),
    "denied_rate": ("不予公开率", "不予公开", "办理结果总计", lambda f: f.get("denied"),
                    lambda f: _sum(f, OUTCOME_FIGURES), False),
    "review_corrected_rate": ("复议纠错率", "复议结果纠正", "行政复议总计", lambda f: f.get("reviews_corrected"),
                              lambda f: f.get("reviews"), False),
    "lawsuit_lost_rate": ("诉讼败诉率", "诉讼结果纠正", "行政诉讼总计", lambda f: f.get("lawsuits_corrected"),
                          lambda f: f.get("lawsuits"), False),
}
SCORE = "score"


def _sum(figures, names):
    values = [figures.get(n) for n in names]
    return sum(v for v in values if v is not None) if any(v is not None for v in values) else None


def rate_rows(hits, rate):
    """One row per agency: numerator and denominator summed over its reports in the filter."""
    _label, _n, _d, numerator, denominator, _better = RATES[rate]
    sums = defaultdict(lambda: {"numerator": 0, "denominator": 0, "reports": 0})
    for hit in hits:
        num, den = numerator(hit["figures"]), denominator(hit["figures"])
        if num is None or den is None:
            continue
        row = sums[(hit.get("agency") or "（机关不详）", peer_group(hit.get("agency"), hit.get("region")))]
        row["numerator"] += num
        row["denominator"] += den
        row["reports"] += 1
    return [dict(v, agency=a, group=g, value=(v["numerator"] / v["denominator"]) if v["denominator"] else None,
                 small=v["denominator"] < MIN_CASES) for (a, g), v in sums.items()]


def score_rows(hits):
    """One row per agency: the mean scorecard total of its reports (the denominator: reports scored)."""
    sums = defaultdict(lambda: {"numerator": 0.0, "denominator": 0, "failed": defaultdict(int)})
    for hit in hits:
        if hit.get("score") is None:
            continue
        row = sums[(hit.get("agency") or "（机关不详）", peer_group(hit.get("agency"), hit.get("region")))]
        row["numerator"] += hit["score"]
        row["denominator"] += 1
        for key in hit.get("scorecard_failed") or ():
            row["failed"][key] += 1
    return [dict(v, agency=a, group=g, reports=v["denominator"], value=v["numerator"] / v["denominator"],
                 small=False, failed=dict(v["failed"])) for (a, g), v in sums.items()]


def ranked(rows, higher_is_better, include_small):
    """Rows ordered best first within each group, with rank and percentile (share of the group's
    ranked agencies it does better than or equal to) among the rows that are ranked."""
    by_group = defaultdict(list)
    for row in rows:
        by_group[row["group"]].append(row)
    out = {}
    for group, members in by_group.items():
        kept = [r for r in members if r["value"] is not None and (include_small or not r["small"])]
        kept.sort(key=lambda r: ((-r["value"] if higher_is_better else r["value"]), -r["denominator"], r["agency"]))
        n = len(kept)
        for i, row in enumerate(kept):
            worse = sum(1 for other in kept if (other["value"] < row["value"] if higher_is_better
                                                else other["value"] > row["value"]))
            ties = sum(1 for other in kept if other["value"] == row["value"])
            row["rank"], row["percentile"] = i + 1, round(100 * (worse + ties) / n)
        left_out = sorted((r for r in members if r not in kept), key=lambda r: r["agency"])
        out[group] = {"ranked": kept, "left_out": left_out}
    return {g: out[g] for g in PEER_GROUPS if g in out}


@bp.get("/stats/rankings")
def rankings():
    params = common.request_params()
    rate = request.args.get("rate", "review_corrected_rate")
    if rate not in RATES and rate != SCORE:
        rate = "review_corrected_rate"
    include_small = request.args.get("small") == "1"
    hits = common.search_all(params)
    if rate == SCORE:
        rows, better = score_rows(hits), True
        label, num_label, den_label = "评分", "各报告评分之和", "评分的报告数"
    else:
        rows = rate_rows(hits, rate)
        label, num_label, den_label, _n, _d, better = RATES[rate]
    groups = ranked(rows, better, include_small or rate == SCORE)
    hidden = [(k, v) for k, v in params.to_args() if k not in ("page", "per_page", "sort")]
    q = common.query_text(params)
    base = ([("q", q)] if q else []) + [(k, v) for k, v in hidden if k != "q"]
    return render_template("rankings.html", groups=groups, rate=rate, rates=RATES, label=label,
                           num_label=num_label, den_label=den_label, include_small=include_small,
                           min_cases=MIN_CASES, base=base, hits=hits, score_key=SCORE,
                           scorecard_labels=SCORECARD, facet_label=common.facet_label, q=q, hidden=hidden)
