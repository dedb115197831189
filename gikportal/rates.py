"""Rates a journalist computes from the headline figures, each with its denominator.

予以公开率 = (予以公开 + 部分公开) / 办理结果总计 and 复议纠错率 = 复议纠正 / 行政复议总计
(labels.RATES). 办理结果总计 is the sum of the outcome groups of table 3 (what its （七）总计 row
must be, the outcome_sum check); a rate whose denominator is 0 or unknown is None -- shown blank,
never 0%. Engine-neutral: it reads a hit's or a record's headline figures (figures.headline).
"""
from .labels import RATES

OUTCOMES = ("granted", "partially_granted", "denied", "unavailable", "not_processed", "other_handled")


def outcome_total(figures):
    """The sum of the outcome groups, None when the report has no table 3 outcomes."""
    values = [figures.get(k) for k in OUTCOMES]
    return sum(v for v in values if v is not None) if any(v is not None for v in values) else None


def ratio(numerator, denominator):
    """numerator / denominator as a fraction, None when either is unknown or the base is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def rates(figures):
    """{rate name: {"value": fraction or None, "numerator": n, "denominator": d, "label": …}}."""
    figures = figures or {}
    granted = [figures.get("granted"), figures.get("partially_granted")]
    parts = {
        "granted_rate": (sum(v or 0 for v in granted) if any(v is not None for v in granted) else None,
                         outcome_total(figures)),
        "review_corrected_rate": (figures.get("reviews_corrected"), figures.get("reviews")),
    }
    return {name: {"label": RATES[name][0], "formula": RATES[name][1], "base_label": RATES[name][2],
                   "numerator": n, "denominator": d, "value": ratio(n, d)}
            for name, (n, d) in parts.items()}


def change(before, after):
    """(after - before, the change as a fraction of before); the fraction is None when before is
    0 or unknown (no 0%, no infinity), both None when either value is unknown."""
    if before is None or after is None:
        return None, None
    return after - before, ratio(after - before, before)
