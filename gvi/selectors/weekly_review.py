"""Reads for the weekly review (veckogenomgång): trends, the flag, reach, work done, overdue follow-ups.

Everything is aggregated in the database with a fixed number of queries, whatever the
number of incidents, groups or persons; every queryset is built by `gvi.policy`.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi.models import (
    GroupIncidentLink,
    GroupReach,
    GroupStatus,
    IncidentType,
    InvitationStatus,
    InvolvementRole,
    Membership,
    PersonReach,
    VerificationStatus,
    WeeklyAreaCount,
    WeeklyGroupCount,
    WeeklyTypeCount,
)
from gvi.policy import reads_every_record, scoped_queryset
from gvi.reach import GROUP_FIGURES, REACH_KINDS
from gvi.selectors import scores
from gvi.selectors.review_changes import changes_since_review
from gvi.selectors.weekly_review_next import what_is_next
from gvi.weekly_counts import member_on_the_day

WEEKS = 8  # the default period: the last full week and the seven before it
PERIOD_WEEKS = {"8w": 8, "quarter": 13, "year": 52}
PERIODS = ("8w", "quarter", "year", "range")
MAX_RANGE_WEEKS = 156  # a chosen range of at most three years


class PeriodError(ValueError):
    """A chosen range the review cannot show; the message is translated and shown to the user."""


def week_starts(today: dt.date, weeks: int = WEEKS) -> list[dt.date]:
    """Mondays of the `weeks` full weeks before the week of `today`, oldest first.

    The last one is the last full week (Monday to Sunday), the one the weekly meeting reviews;
    the current week, with only the days so far, is not among them.
    """
    this_monday = today - dt.timedelta(days=today.weekday())
    return [this_monday - dt.timedelta(weeks=i) for i in range(weeks, 0, -1)]


@dataclass(frozen=True)
class Period:
    """The weeks the review compares: full weeks, oldest first; the last is the reviewed week."""

    kind: str
    weeks: tuple
    today: dt.date

    @property
    def reviewed_week(self) -> dt.date:
        return self.weeks[-1]

    @property
    def first_day(self) -> dt.date:
        return self.weeks[0]

    @property
    def last_day(self) -> dt.date:
        return self.weeks[-1] + dt.timedelta(days=6)

    @property
    def current_week(self) -> dt.date:
        """Monday of the week of today: shown only as its own column, "so far"."""
        return self.today - dt.timedelta(days=self.today.weekday())

    @property
    def reviewed_is_last_full_week(self) -> bool:
        return self.reviewed_week + dt.timedelta(weeks=1) == self.current_week


def review_period(today: dt.date, kind: str = "8w", start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """The period to review: 8 weeks, a quarter (13 weeks) or a year (52 weeks) up to the last full
    week, or a chosen range (the full weeks from the week of `start` to the week of `end`).

    PeriodError (translated) for a range that is empty, reversed, in the future or too long.
    """
    if kind in PERIOD_WEEKS:
        return Period(kind, tuple(week_starts(today, PERIOD_WEEKS[kind])), today)
    if kind != "range":
        raise PeriodError(_("Choose 8 weeks, a quarter, a year or a range."))
    if start is None or end is None:
        raise PeriodError(_("Give both the first and the last day of the range."))
    if end < start:
        raise PeriodError(_("The range ends before it starts."))
    last_full = week_starts(today, 1)[0]
    first = start - dt.timedelta(days=start.weekday())
    last = min(end - dt.timedelta(days=end.weekday()), last_full)
    if first > last:
        raise PeriodError(_("The range holds no full week yet: choose a range that ends before this week."))
    count = (last - first).days // 7 + 1
    if count > MAX_RANGE_WEEKS:
        raise PeriodError(_("Choose a range of at most %(weeks)d weeks.") % {"weeks": MAX_RANGE_WEEKS})
    return Period("range", tuple(first + dt.timedelta(weeks=i) for i in range(count)), today)


@dataclass
class Series:
    """Incidents per week for one row (a group, an area, a type, or all), oldest week first.

    `counts` are the period's full weeks; `current` is the current week so far, kept apart so
    that a Monday with one day counted is never compared with a full week.
    """

    key: object
    label: str
    counts: list[int]
    current: int = 0

    @property
    def reviewed(self) -> int:
        """Incidents in the reviewed week (the last full week of the period)."""
        return self.counts[-1]

    @property
    def previous_average(self) -> float:
        previous = self.counts[:-1]
        return sum(previous) / len(previous) if previous else 0.0

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def change(self) -> float:
        return self.reviewed - self.previous_average


@dataclass
class Trends:
    period: Period
    total: Series
    by_group: list[Series] = field(default_factory=list)
    by_area: list[Series] = field(default_factory=list)
    by_type: list[Series] = field(default_factory=list)
    source: str = "stored"  # "stored": the weekly counts; "raw": counted from the incidents

    @property
    def weeks(self) -> list[dt.date]:
        return list(self.period.weeks)


def _order(series: Series):
    # Sorted by the reviewed (last full) week, then the period, never by the current week so far.
    return (-series.reviewed, -series.total, series.label)


def _local_day(value) -> dt.date:
    # TruncDate gives a date on PostgreSQL and SQLite alike; be lenient with datetimes.
    return value.date() if isinstance(value, dt.datetime) else value


def visible_incidents(user, since: dt.datetime):
    return scoped_queryset(user, "incident").filter(occurred_at__gte=since)


def group_links(user, incidents, groups=None):
    """What links incidents to groups: (analysts' attributions, suspects' involvements) querysets.

    An incident belongs to a group when an analyst attributed it to the group, or when a
    suspect in it was a member of the group on the incident's date (gvi.models.people.valid_on:
    the group he was in then, not the one he is in now). `groups` restricts to those groups;
    `incidents` to those incidents (None when the caller filters the incidents itself).
    """
    attributions = scoped_queryset(user, "group_attribution")
    # One filter() call, so the membership join is shared by the conditions and the values. Only
    # memberships the user may see link: an incident counted for a group through a membership the
    # user may not see (a minor's, another organisation's) would reveal that membership.
    suspect_filter = {
        "role": InvolvementRole.SUSPECT,
        "person__memberships__in": scoped_queryset(user, "membership"),
    }
    if incidents is not None:
        attributions = attributions.filter(incident__in=incidents)
        suspect_filter["incident__in"] = incidents
    if groups is not None:
        attributions = attributions.filter(group__in=groups)
        suspect_filter["person__memberships__group__in"] = groups
    # The member on the incident's date: the stored links' rule (gvi.weekly_counts).
    return attributions, scoped_queryset(user, "involvement").filter(member_on_the_day(), **suspect_filter)


def group_week_counts(user, since: dt.datetime, groups=None) -> list[tuple[int, dt.date, int]]:
    """(group id, Monday, number of incidents linked to the group that week) since `since`.

    Counted in the database from the raw tables (a UNION of the two links, see group_links,
    grouped by group and week), within what the user may see; unfounded incidents do not count.
    `groups` restricts the count to those groups (ids).
    """
    incidents = visible_incidents(user, since).exclude(verification_status=VerificationStatus.UNFOUNDED)
    attributions, suspects = group_links(user, incidents, groups)
    week = TruncWeek("incident__occurred_at")
    links = (
        attributions.annotate(week=week)
        .values_list("group_id", "incident_id", "week")
        .union(suspects.annotate(week=week).values_list("person__memberships__group_id", "incident_id", "week"))
    )
    try:
        sql, params = links.query.sql_with_params()
    except EmptyResultSet:
        # The policy shows this user no links at all (an administrator, a user without an
        # organisation): Django raises rather than build SQL that matches nothing.
        return []
    with connection.cursor() as cursor:
        # UNION (not ALL) drops an incident reached by both links; each incident has one week.
        cursor.execute(f"SELECT group_id, week, COUNT(*) FROM ({sql}) links GROUP BY group_id, week", params)
        return [(group_id, _as_date(week), n) for group_id, week, n in cursor.fetchall()]


def _as_date(value) -> dt.date:
    # A raw cursor gives a datetime on PostgreSQL and ISO text on SQLite.
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).date()
    return _local_day(value)


# How many of a group's latest stored links the group page checks against the reader's view.
LINK_CANDIDATES = 300


def group_incidents(user, group_id: int, since: dt.datetime, raw=None):
    """The incidents since `since` linked to one group (see group_links), newest first, as the user
    may see them: an incident is listed only when it and a link the user may see (an attribution, a
    suspect's involvement and membership) are visible.

    A queryset, so that a page can show the latest few without loading tens of thousands of rows
    at national scale. For a user who may read the programme-wide counts (reads_weekly_counts),
    the stored links (gvi.weekly_counts) name the group's latest LINK_CANDIDATES incidents with one
    index scan, and only those are checked against the user's view; anyone else, and `raw=True`,
    gets the raw tables' links over the whole period.
    """
    if raw is None:
        raw = not reads_weekly_counts(user)
    incidents = None
    if not raw:
        # The stored links hold every link, whoever may see it: they only pick the candidates.
        incidents = list(
            GroupIncidentLink.objects.filter(group_id=group_id, occurred_at__gte=since)
            .order_by("-occurred_at", "-incident_id")
            .values_list("incident_id", flat=True)[:LINK_CANDIDATES]
        )
    # The incidents are filtered (and scoped by the policy) once, outside the subqueries.
    attributions, suspects = group_links(user, incidents, [group_id])
    visible = visible_incidents(user, since)
    if incidents is not None:
        visible = visible.filter(pk__in=incidents)
    return visible.filter(
        Q(pk__in=attributions.values("incident_id")) | Q(pk__in=suspects.values("incident_id"))
    ).order_by("-occurred_at", "-id")


class _Rows:
    """Series keyed by row, filled week by week: the period's weeks, then the current week apart."""

    def __init__(self, period: Period):
        self.period = period
        self.index = {monday: i for i, monday in enumerate(period.weeks)}
        self.series: dict[object, Series] = {}

    def add(self, key, label, monday: dt.date, n: int) -> None:
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = Series(key=key, label=label, counts=[0] * len(self.index))
        if monday == self.period.current_week:
            series.current += n
        elif monday in self.index:
            series.counts[self.index[monday]] += n

    def get(self, key, label="") -> Series:
        return self.series.get(key) or Series(key=key, label=label, counts=[0] * len(self.index))

    def sorted(self, top: int | None = None) -> list[Series]:
        rows = sorted(self.series.values(), key=_order)
        return rows if top is None else rows[:top]


def _weeks_filter(period: Period) -> Q:
    return Q(week__gte=period.first_day, week__lte=period.current_week)


def _period_start(period: Period) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(period.first_day, dt.time.min))


def reads_weekly_counts(user) -> bool:
    """May the review read the programme-wide weekly counts for this user?

    The counts hold every incident of the programme and every link to a group (an attribution, a
    member as suspect), whoever logged it and whatever minor is a suspect in it, so they stand in
    for the raw tables only for a user who may read every such record (gvi.policy.reads_every_record:
    a coordinator of the police, say, not one of civil society, who does not see the police's
    suspects); anyone else gets the same figures counted within their view.
    """
    return reads_every_record(user, WEEKLY_COUNT_KINDS)


# The records the weekly counts and the stored links are counted from.
WEEKLY_COUNT_KINDS = ("incident", "involvement", "group_attribution", "membership", "group", "area")


def _programmes(user, rows):
    return rows if user.is_superuser else rows.filter(programme_id=user.organisation.programme_id)


def _type_labels() -> dict:
    return {value: str(label) for value, label in IncidentType.choices}


def _leaders(rows, key: str, name: str, period: Period, top: int) -> list[dict]:
    """The `top` rows of `key` by the reviewed week, then the period, then the name; chosen in the
    database, from the reviewed week's rows first: summing a year of every group's or area's weeks
    only to sort them would be the slow part of the page."""
    in_reviewed = list(
        rows.filter(week=period.reviewed_week)
        .values(key)
        .annotate(n=Sum("incidents"))
        .order_by("-n")
        .values_list(key, "n")
    )
    candidates = rows
    if len(in_reviewed) >= top and in_reviewed[top - 1][1] > 0:
        # Only rows with at least as many incidents as the top-th can be in the top (ties included).
        ids = {k for k, n in in_reviewed if n >= in_reviewed[top - 1][1]}
        condition = Q(**{f"{key}__in": ids - {None}})
        if None in ids:  # NULL is never IN a list: the incidents with no area
            condition |= Q(**{f"{key}__isnull": True})
        candidates = rows.filter(condition)
    # The current week so far is read too (a group active only this week still gets its row),
    # but it never decides the order.
    return list(
        candidates.filter(_weeks_filter(period))
        .values(key, name)
        .annotate(
            reviewed=Sum("incidents", filter=Q(week=period.reviewed_week), default=0),
            total=Sum("incidents", filter=Q(week__lte=period.reviewed_week), default=0),
        )
        .order_by("-reviewed", "-total", name, key)[:top]
    )


def _series(rows, key: str, leaders: list[dict], name: str, period: Period) -> list[Series]:
    """The weekly series of the leading rows, in the leaders' order."""
    names = {row[key]: row[name] or "" for row in leaders}
    series = _Rows(period)
    weekly = (
        rows.filter(_weeks_filter(period), **{f"{key}__in": [k for k in names if k is not None]})
        if None not in names
        else rows.filter(_weeks_filter(period)).filter(Q(**{f"{key}__in": list(names)}) | Q(**{f"{key}__isnull": True}))
    )
    for k, monday, n in weekly.values(key, "week").annotate(n=Sum("incidents")).values_list(key, "week", "n"):
        series.add(k, names[k], monday, n)
    return [series.get(k, label) for k, label in names.items()]


def _stored_trends(user, period: Period, top: int, *, reads_all: bool) -> Trends:
    """The trends from the weekly counts: seven small queries whatever the period (a year included).

    The counts are the programme's: a reader of all they count from (`reads_all`) needs no check of
    the groups and areas (a join of every group on each of four statements); anyone else's rows
    are checked."""
    type_labels = _type_labels()
    area_rows = _programmes(user, WeeklyAreaCount.objects.all())
    if not reads_all:
        area_rows = area_rows.filter(Q(area__in=scoped_queryset(user, "area")) | Q(area__isnull=True))
    totals, types = _Rows(period), _Rows(period)
    type_rows = _programmes(user, WeeklyTypeCount.objects.filter(_weeks_filter(period)))
    for kind, monday, n in type_rows.values_list("incident_type", "week", "incidents"):
        totals.add(None, "", monday, n)
        types.add(kind, str(type_labels.get(kind, kind)), monday, n)
    area_leaders = _leaders(area_rows, "area_id", "area__name", period, top)
    group_rows = _programmes(user, WeeklyGroupCount.objects.all())
    if not reads_all:
        group_rows = group_rows.filter(group__in=scoped_queryset(user, "group"))
    group_leaders = _leaders(group_rows, "group_id", "group__name", period, top)
    return Trends(
        period=period,
        total=totals.get(None),
        by_group=_series(group_rows, "group_id", group_leaders, "group__name", period),
        by_area=_series(area_rows, "area_id", area_leaders, "area__name", period),
        by_type=types.sorted(),
        source="stored",
    )


def _raw_trends(user, period: Period, top: int) -> Trends:
    """The same trends counted from the raw tables, within what the user may see."""
    since = _period_start(period)
    type_labels = _type_labels()
    per_area = (
        visible_incidents(user, since)
        .exclude(verification_status=VerificationStatus.UNFOUNDED)
        .order_by()
        .annotate(week=TruncWeek("occurred_at"))
        .values_list("area_id", "area__name", "incident_type", "week")
        .annotate(n=Count("id"))
    )
    totals, areas, types = _Rows(period), _Rows(period), _Rows(period)
    for area_id, area_name, kind, week, n in per_area:
        monday = _as_date(week)
        totals.add(None, "", monday, n)
        areas.add(area_id, area_name or "", monday, n)
        types.add(kind, str(type_labels.get(kind, kind)), monday, n)
    counts = group_week_counts(user, since)
    group_names = dict(
        scoped_queryset(user, "group").filter(pk__in={gid for gid, _w, _n in counts}).values_list("id", "name")
    )
    groups = _Rows(period)
    for group_id, monday, n in counts:
        if group_id in group_names:
            groups.add(group_id, group_names[group_id], monday, n)
    return Trends(
        period=period,
        total=totals.get(None),
        by_group=groups.sorted(top),
        by_area=areas.sorted(top),
        by_type=types.sorted(),
        source="raw",
    )


def incident_trends(
    user, today: dt.date | None = None, top: int = 10, period: Period | None = None, raw=None
) -> Trends:
    """Incidents in the reviewed week against the period's other weeks: in total, per group, area and type.

    Read from the weekly counts (gvi.weekly_counts) when the user may see all they hold, else
    counted from the raw tables within the user's view; `raw=True` forces the raw count (the
    benchmark's comparison and the tests' recount).
    """
    period = period or review_period(today or timezone.localdate())
    reads_all = reads_weekly_counts(user)
    if raw is None:
        raw = not reads_all
    return _raw_trends(user, period, top) if raw else _stored_trends(user, period, top, reads_all=reads_all)


# --- The flag: read through gvi.selectors.scores, the one way to read scores and flags ---------------


def open_flags(user) -> dict[str, object]:
    """The open suggestion and the confirmed flag, keyed by status, only those that exist."""
    return {status: flag for status, flag in scores.current_flags(user).items() if flag is not None}


# --- Reach of the message -----------------------------------------------------------------------


def reached_filters(user):
    """Exists() conditions: a person attended a call-in / received a custom notification."""
    attended = scoped_queryset(user, "invitation").filter(person=OuterRef("person"), status=InvitationStatus.ATTENDED)
    notified = scoped_queryset(user, "custom_notification").filter(person=OuterRef("person"), message_delivered=True)
    return Exists(attended), Exists(notified)


def counting_members(user, groups):
    """Active memberships of `groups`, annotated with whether the member was reached."""
    attended, notified = reached_filters(user)
    return (
        scoped_queryset(user, "membership", queryset=Membership.objects.counting())
        .filter(group__in=groups)
        .annotate(reached_call_in=attended, reached_notification=notified)
    )


def reached_persons(user) -> Q:
    """A person attended a call-in or received a custom notification, as two id sets."""
    attended = scoped_queryset(user, "invitation").filter(status=InvitationStatus.ATTENDED).values("person_id")
    notified = scoped_queryset(user, "custom_notification").filter(message_delivered=True).values("person_id")
    return Q(person_id__in=attended) | Q(person_id__in=notified)


def reads_stored_reach(user) -> bool:
    """May the review read the programme-wide stored reach (gvi.reach) for this user? Only a user
    who may read every record it is counted from; anyone else gets it counted within their view."""
    return reads_every_record(user, REACH_KINDS)


def reach(user, raw=None) -> dict[str, int]:
    """Share of active groups and of key individuals reached by a call-in or a custom notification.

    Only active (approved) memberships count. Read from the stored figures (gvi.reach) when the
    user may read them all (reads_stored_reach), else counted from the raw tables within the
    user's view; `raw=True` forces the count (the benchmark's comparison and the tests' recount).
    """
    groups = scoped_queryset(user, "group").filter(status=GroupStatus.ACTIVE)
    if raw is None:
        raw = not reads_stored_reach(user)
    numbers = _counted_reach(user, groups) if raw else _stored_reach(user)
    numbers["active_groups"] = groups.count()
    numbers["groups_percent"] = _percent(numbers["groups_reached"], numbers["active_groups"])
    numbers["members_percent"] = _percent(numbers["members_reached"], numbers["members"])
    numbers["key_percent"] = _percent(numbers["key_reached"], numbers["key_individuals"])
    return numbers


def group_reach(user, group_id: int, raw=None) -> dict[str, int]:
    """How many of one group's active members attended a call-in, were delivered a custom
    notification, or either (reached); of its key individuals, how many were reached. Read from
    the stored figures (gvi.reach) as `reach` is, else counted within the user's view."""
    if raw is None:
        raw = not reads_stored_reach(user)
    if not raw:
        stored = _programmes(user, GroupReach.objects.filter(group_id=group_id)).values(*GROUP_FIGURES).first()
        return stored or dict.fromkeys(GROUP_FIGURES, 0)
    reached = Q(reached_call_in=True) | Q(reached_notification=True)
    return counting_members(user, [group_id]).aggregate(
        members=Count("person", distinct=True),
        attended=Count("person", distinct=True, filter=Q(reached_call_in=True)),
        notified=Count("person", distinct=True, filter=Q(reached_notification=True)),
        reached=Count("person", distinct=True, filter=reached),
        key_individuals=Count("person", distinct=True, filter=Q(is_key_individual=True)),
        key_reached=Count("person", distinct=True, filter=Q(is_key_individual=True) & reached),
    )


def _stored_reach(user) -> dict[str, int]:
    key = Q(is_key_individual=True)
    numbers = _programmes(user, PersonReach.objects.all()).aggregate(
        members=Count("pk"),
        members_reached=Count("pk", filter=Q(reached=True)),
        key_individuals=Count("pk", filter=key),
        key_reached=Count("pk", filter=key & Q(reached=True)),
    )
    numbers |= _programmes(user, GroupReach.objects.filter(group__status=GroupStatus.ACTIVE)).aggregate(
        groups_with_members=Count("pk"), groups_reached=Count("pk", filter=Q(reached__gt=0))
    )
    return numbers


def _counted_reach(user, groups) -> dict[str, int]:
    # The reached persons as id sets the database builds once (hashed subplans), not two
    # existence probes per membership repeated in every count (2.4 s → 0.4 s at national scale).
    reached = reached_persons(user)
    key = Q(is_key_individual=True)
    members = scoped_queryset(user, "membership", queryset=Membership.objects.counting()).filter(group__in=groups)
    return members.aggregate(
        groups_with_members=Count("group", distinct=True),
        groups_reached=Count("group", distinct=True, filter=reached),
        members=Count("person", distinct=True),
        members_reached=Count("person", distinct=True, filter=reached),
        key_individuals=Count("person", distinct=True, filter=key),
        key_reached=Count("person", distinct=True, filter=key & reached),
    )


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


# --- Work done and work overdue -------------------------------------------------------------------


def enforcement_since(user, since: dt.date) -> list[dict]:
    """Enforcement actions since `since`, counted per group, kind and organisation."""
    return list(
        scoped_queryset(user, "enforcement_action")
        .filter(performed_on__gte=since)
        .values("group_id", "group__name", "kind", "organisation__name")
        .annotate(n=Count("id"))
        .order_by("group__name", "kind", "organisation__name")
    )


def services_since(user, since: dt.date) -> list[dict]:
    """Services offered since `since`, counted per kind and status."""
    return list(
        scoped_queryset(user, "service_referral")
        .filter(offered_on__gte=since)
        .values("kind", "status")
        .annotate(n=Count("id"))
        .order_by("kind", "status")
    )


def overdue_follow_ups_by_organisation(user, today: dt.date | None = None) -> list[dict]:
    """Open follow-ups past their due date, counted per owner organisation, with the oldest due date."""
    return list(
        scoped_queryset(user, "follow_up")
        .overdue(on=today)
        .values("owner_organisation_id", "owner_organisation__name")
        .annotate(n=Count("id"), oldest=Min("due_date"))
        .order_by("-n", "owner_organisation__name")
    )


@dataclass
class WeeklyReview:
    today: dt.date
    since: dt.date
    period: Period
    trends: Trends
    flags: dict
    explanations: dict
    reach: dict
    enforcement: list
    services: list
    overdue: list
    next: object = None
    changes: object = None  # what changed since the last review (gvi.selectors.review_changes)


def weekly_review(user, today: dt.date | None = None, period: Period | None = None, raw=None) -> WeeklyReview:
    """Everything the weekly review shows, in a fixed number of queries whatever the period.

    Work done (enforcement, services) is counted from the Monday of the reviewed week.
    """
    today = today or timezone.localdate()
    period = period or review_period(today)
    since = period.reviewed_week
    flags = open_flags(user)
    return WeeklyReview(
        today=today,
        since=since,
        period=period,
        trends=incident_trends(user, period=period, raw=raw),
        flags=flags,
        explanations={status: scores.flag_explanation(user, flag=flag, limit=5) for status, flag in flags.items()},
        reach=reach(user, raw=raw),
        enforcement=enforcement_since(user, since),
        services=services_since(user, since),
        overdue=overdue_follow_ups_by_organisation(user, today),
        next=what_is_next(user, today),
        changes=changes_since_review(user, period.reviewed_week),
    )


def group_weekly_incidents(user, group_id: int, today: dt.date | None = None, raw=None) -> Series:
    """One group's incidents per week over the last 52 full weeks, and the current week so far.

    One query on the weekly counts (gvi.weekly_counts) when the user may read them all (see
    reads_weekly_counts), else the same figures counted from the raw tables within the user's
    view; `raw=True` forces the raw count (the benchmark's comparison and the tests' recount).
    Unfounded incidents do not count, as in the review.
    """
    period = review_period(today or timezone.localdate(), "year")
    series = _Rows(period)
    if raw is None:
        raw = not reads_weekly_counts(user)
    if raw:
        for _group_id, monday, n in group_week_counts(user, _period_start(period), groups=[group_id]):
            series.add(group_id, "", monday, n)
    else:
        rows = _programmes(user, WeeklyGroupCount.objects.filter(_weeks_filter(period), group_id=group_id))
        for monday, n in rows.values_list("week", "incidents"):
            series.add(group_id, "", monday, n)
    return series.get(group_id)
