"""Outcome evaluation (utfall): did violence fall after the programme started?

Two estimates from monthly incident counts (see docs/evaluation.md):

- an interrupted time series of the focus areas: a segmented quasi-Poisson regression with a
  trend, a change of level and of trend at the start, and a yearly season; the change of level
  at the start is reported as a rate ratio with its 95 % confidence interval;
- where areas outside the focus exist, a difference-in-differences against them: a
  quasi-Poisson regression with a fixed effect per month (which takes out season and anything
  that hit both) and per arm; the focus areas' change after the start is again a rate ratio.

Both show association, not cause. The fitting is statsmodels' GLM; nothing here is
hand-written maximum likelihood. The functions take plain lists so they can be tested on
synthetic series with a known effect.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# A season needs a whole year on each side before the model can tell it from the step.
MIN_MONTHS_EACH_SIDE = 12
CONFIDENCE_LEVEL = 0.95


@dataclass(frozen=True)
class RateRatio:
    """An estimated change as a rate ratio (1 = no change) with its 95 % confidence interval."""

    ratio: float
    lower: float
    upper: float
    p_value: float

    @property
    def percent_change(self) -> float:
        return (self.ratio - 1) * 100

    @property
    def interval_contains_one(self) -> bool:
        return self.lower <= 1 <= self.upper


@dataclass(frozen=True)
class Estimate:
    """What a model gives, or why it gives nothing (`message` set and `change` None)."""

    method: str
    months_before: int
    months_after: int
    change: RateRatio | None = None
    trend_change: RateRatio | None = None  # per month, the interrupted time series only
    dispersion: float | None = None
    message: str = ""


def month_index(month: dt.date, start_month: dt.date) -> int:
    """Months from `start_month` to `month` (negative before it)."""
    return (month.year - start_month.year) * 12 + month.month - start_month.month


def _too_short(method: str, before: int, after: int) -> Estimate | None:
    if before >= MIN_MONTHS_EACH_SIDE and after >= MIN_MONTHS_EACH_SIDE:
        return None
    message = _(
        "Too few months to estimate a change: %(before)s before and %(after)s after the start; "
        "at least %(needed)s on each side are needed."
    ) % {"before": before, "after": after, "needed": MIN_MONTHS_EACH_SIDE}
    return Estimate(method=method, months_before=before, months_after=after, message=str(message))


def _ratio(result, column: int) -> RateRatio:
    low, high = result.conf_int(alpha=1 - CONFIDENCE_LEVEL)[column]
    return RateRatio(
        ratio=math.exp(result.params[column]),
        lower=math.exp(low),
        upper=math.exp(high),
        p_value=float(result.pvalues[column]),
    )


def _fit_quasi_poisson(counts, design):
    """Poisson GLM; when the counts vary more than Poisson allows, the same fit with the
    Pearson scale (quasi-Poisson), which widens the intervals instead of pretending precision."""
    import numpy as np
    import statsmodels.api as sm

    model = sm.GLM(np.asarray(counts, dtype=float), np.asarray(design, dtype=float), family=sm.families.Poisson())
    result = model.fit()
    dispersion = float(result.pearson_chi2 / result.df_resid) if result.df_resid > 0 else 1.0
    if dispersion > 1:
        result = model.fit(scale="X2")
    return result, dispersion


def interrupted_time_series(months: list[dt.date], counts: list[int], start_month: dt.date) -> Estimate:
    """The change in level at `start_month` in one monthly series, as a rate ratio.

    log(rate) = b0 + b1·t + b2·after + b3·(months since start)·after + sin/cos of the month;
    the change at the start is exp(b2), the change of trend per month exp(b3).
    `months` are the first days of whole months, oldest first, with no gaps.
    """
    method = str(_("Interrupted time series (segmented quasi-Poisson regression)"))
    offsets = [month_index(month, start_month) for month in months]
    before = sum(1 for offset in offsets if offset < 0)
    after = len(offsets) - before
    if short := _too_short(method, before, after):
        return short
    if sum(counts) == 0:
        return Estimate(method, before, after, message=str(_("No incidents in the period: nothing to estimate.")))
    design = []
    for month, offset in zip(months, offsets, strict=True):
        is_after = 1.0 if offset >= 0 else 0.0
        angle = 2 * math.pi * (month.month - 1) / 12
        design.append([1.0, offset, is_after, offset * is_after, math.sin(angle), math.cos(angle)])
    result, dispersion = _fit_quasi_poisson(counts, design)
    return Estimate(
        method=method,
        months_before=before,
        months_after=after,
        change=_ratio(result, 2),
        trend_change=_ratio(result, 3),
        dispersion=dispersion,
    )


def difference_in_differences(
    months: list[dt.date], focus: list[int], comparison: list[int], start_month: dt.date
) -> Estimate:
    """The focus areas' change after the start against the comparison areas', as a rate ratio.

    log(rate) = month effect + arm effect + d·(focus × after); the month effects take out
    season and whatever hit both arms alike, so exp(d) is the focus areas' change beyond the
    comparison's. It assumes the two arms would have moved alike without the programme.
    """
    method = str(_("Difference in differences against areas outside the focus (quasi-Poisson regression)"))
    offsets = [month_index(month, start_month) for month in months]
    before = sum(1 for offset in offsets if offset < 0)
    after = len(offsets) - before
    if short := _too_short(method, before, after):
        return short
    if sum(comparison) == 0 or sum(focus) == 0:
        message = _("Both the focus areas and the comparison areas need incidents to compare.")
        return Estimate(method, before, after, message=str(message))
    design, counts = [], []
    width = len(months)
    for arm, series in ((1.0, focus), (0.0, comparison)):
        for position, (offset, count) in enumerate(zip(offsets, series, strict=True)):
            month_effects = [0.0] * width
            month_effects[position] = 1.0
            design.append([arm * (1.0 if offset >= 0 else 0.0), arm, *month_effects])
            counts.append(count)
    result, dispersion = _fit_quasi_poisson(counts, design)
    return Estimate(
        method=method, months_before=before, months_after=after, change=_ratio(result, 0), dispersion=dispersion
    )
