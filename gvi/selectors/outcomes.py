"""Reads for the outcome evaluation (utfall): incidents per month, by type and by area.

Counted in the database with a fixed number of queries whatever the number of incidents;
every queryset is built by `gvi.policy`. Months are local (Europe/Stockholm) calendar months.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gvi import outcomes
from gvi.models import IncidentType, Programme, VerificationStatus
from gvi.policy import scoped_queryset

# The kinds of violence the programme is meant to reduce (armed threats are too often unreported
# to compare over time). An incident found unfounded did not happen and never counts.
OUTCOME_TYPES = (
    IncidentType.HOMICIDE,
    IncidentType.SHOOTING,
    IncidentType.ATTEMPTED_MURDER,
    IncidentType.EXPLOSION,
    IncidentType.SERIOUS_ASSAULT,
)
# At most this far back: older incidents are anonymised by retention anyway.
MAX_MONTHS = 120


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class AreaOutcome:
    """One area's incidents per month before and after the start."""

    area_id: int | None
    name: str
    in_focus: bool
    before: int
    after: int
    months_before: int
    months_after: int

    @property
    def monthly_before(self) -> float | None:
        return self.before / self.months_before if self.months_before else None

    @property
    def monthly_after(self) -> float | None:
        return self.after / self.months_after if self.months_after else None


@dataclass
class Outcomes:
    """Monthly counts of the programme (whole months only) and the estimates drawn from them."""

    started_on: dt.date | None
    start_month: dt.date | None
    months: list[dt.date]
    by_type: dict[str, list[int]]
    total: list[int]
    focus: list[int]
    comparison: list[int]
    has_comparison_areas: bool
    areas: list[AreaOutcome] = field(default_factory=list)
    time_series: outcomes.Estimate | None = None
    difference_in_differences: outcomes.Estimate | None = None
    left_out_month: dt.date | None = None  # the month the programme started in, when mid-month

    def after(self, month: dt.date) -> bool:
        return self.start_month is not None and month >= self.start_month


def start_month_for(started_on: dt.date) -> tuple[dt.date, dt.date | None]:
    """(first month counted as after the start, the month left out or None).

    A programme that started mid-month makes that month part before, part after: it is left
    out of the models, and the month after it is the first 'after' month."""
    if started_on.day == 1:
        return started_on, None
    month = first_of_month(started_on)
    return add_months(month, 1), month


def _outcome_incidents(user):
    return (
        scoped_queryset(user, "incident")
        .filter(incident_type__in=OUTCOME_TYPES)
        .exclude(verification_status=VerificationStatus.UNFOUNDED)
    )


def programme_outcomes(user, *, today: dt.date | None = None) -> Outcomes:
    """Incidents of the outcome types per whole month, up to the last whole month before
    `today`, with the interrupted time series and (where areas outside the focus exist) the
    difference in differences. Four queries."""
    today = today or timezone.localdate()
    programme = Programme.objects.filter(pk=user.programme_id).only("started_on").first()
    started_on = programme.started_on if programme else None
    end = first_of_month(today)  # exclusive: the current month is not whole yet
    incidents = _outcome_incidents(user).filter(occurred_at__lt=_midnight(end))
    earliest = incidents.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    if earliest is None:
        first = end
    else:
        # Records seldom begin on the first of a month: a month they begin in is not whole.
        earliest_day = timezone.localtime(earliest).date()
        first_whole = add_months(first_of_month(earliest_day), 0 if earliest_day.day == 1 else 1)
        first = max(first_whole, add_months(end, -MAX_MONTHS))
    months = []
    month = first
    while month < end:
        months.append(month)
        month = add_months(month, 1)
    since = _midnight(first)
    rows = (
        incidents.filter(occurred_at__gte=since)
        .annotate(month=TruncMonth("occurred_at"))
        .values_list("month", "incident_type", "area__in_focus")
        .annotate(n=Count("id"))
    )
    position = {month: i for i, month in enumerate(months)}
    by_type = {kind: [0] * len(months) for kind in OUTCOME_TYPES}
    focus, comparison = [0] * len(months), [0] * len(months)
    for month_start, kind, in_focus, n in rows:
        i = position.get(_as_date(month_start))
        if i is None:
            continue
        by_type[kind][i] += n
        # An incident with no area is counted with the focus: the programme covers its whole city.
        if in_focus is False:
            comparison[i] += n
        else:
            focus[i] += n
    total = [sum(counts) for counts in zip(*by_type.values(), strict=True)] if months else []
    has_comparison_areas = scoped_queryset(user, "area").filter(in_focus=False).exists()
    result = Outcomes(
        started_on=started_on,
        start_month=None,
        months=months,
        by_type={str(kind): counts for kind, counts in by_type.items()},
        total=total,
        focus=focus,
        comparison=comparison,
        has_comparison_areas=has_comparison_areas,
    )
    if started_on is None:
        return result
    result.start_month, result.left_out_month = start_month_for(started_on)
    result.areas = _area_outcomes(user, incidents.filter(occurred_at__gte=since), months, result)
    kept = [i for i, month in enumerate(months) if month != result.left_out_month]
    kept_months = [months[i] for i in kept]
    result.time_series = outcomes.interrupted_time_series(kept_months, [focus[i] for i in kept], result.start_month)
    if has_comparison_areas:
        result.difference_in_differences = outcomes.difference_in_differences(
            kept_months, [focus[i] for i in kept], [comparison[i] for i in kept], result.start_month
        )
    return result


def _area_outcomes(user, incidents, months: list[dt.date], result: Outcomes) -> list[AreaOutcome]:
    """Each visible area's counts before and after the start (the left-out month in neither)."""
    before_ends = _midnight(result.left_out_month or result.start_month)
    after_starts = _midnight(result.start_month)
    counts = defaultdict(lambda: [0, 0])
    rows = incidents.values_list("area_id").annotate(
        before=Count("id", filter=Q(occurred_at__lt=before_ends)),
        after=Count("id", filter=Q(occurred_at__gte=after_starts)),
    )
    for area_id, before, after in rows:
        counts[area_id] = [before, after]
    months_before = sum(1 for month in months if month < (result.left_out_month or result.start_month))
    months_after = sum(1 for month in months if month >= result.start_month)
    areas = scoped_queryset(user, "area").values_list("id", "name", "in_focus").order_by("-in_focus", "name")
    return [
        AreaOutcome(area_id, name, in_focus, *counts[area_id], months_before, months_after)
        for area_id, name, in_focus in areas
    ]


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _as_date(value) -> dt.date:
    # TruncMonth gives an aware datetime in the current time zone (a date on some backends).
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
