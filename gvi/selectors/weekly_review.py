"""Reads for the weekly review (veckogenomgång): trends, the flag, reach, work done, overdue follow-ups.

Everything is aggregated in the database with a fixed number of queries, whatever the
number of incidents, groups or persons; every queryset is built by `gvi.policy`.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from gvi.models import (
    GroupStatus,
    InvitationStatus,
    InvolvementRole,
    Membership,
    MembershipStatus,
)
from gvi.policy import scoped_queryset
from gvi.selectors import scores

WEEKS = 8  # this week and the seven before it


def week_starts(today: dt.date, weeks: int = WEEKS) -> list[dt.date]:
    """Mondays of the last `weeks` weeks, oldest first; the last one is this week's."""
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]


def _week_index(day: dt.date, starts: list[dt.date]) -> int | None:
    if day < starts[0]:
        return None
    index = (day - starts[0]).days // 7
    return index if index < len(starts) else None


@dataclass
class Series:
    """Incidents per week for one row (a group, an area, or all), oldest week first."""

    key: object
    label: str
    counts: list[int]

    @property
    def this_week(self) -> int:
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
        return self.this_week - self.previous_average


@dataclass
class Trends:
    weeks: list[dt.date]
    total: Series
    by_group: list[Series] = field(default_factory=list)
    by_area: list[Series] = field(default_factory=list)


def _local_day(value) -> dt.date:
    # TruncDate gives a date on PostgreSQL and SQLite alike; be lenient with datetimes.
    return value.date() if isinstance(value, dt.datetime) else value


def visible_incidents(user, since: dt.datetime):
    return scoped_queryset(user, "incident").filter(occurred_at__gte=since)


def group_links(user, incidents, groups=None):
    """What links incidents to groups: (analysts' attributions, suspects' involvements) querysets.

    An incident belongs to a group when an analyst attributed it to the group, or when a
    suspect in it has an active membership of the group. `groups` restricts to those groups;
    `incidents` to those incidents (None when the caller filters the incidents itself).
    """
    attributions = scoped_queryset(user, "group_attribution")
    # One filter() call, so the membership join is shared by the conditions and the values. Only
    # memberships the user may see link: an incident counted for a group through a membership the
    # user may not see (a minor's, another organisation's) would reveal that membership.
    suspect_filter = {
        "role": InvolvementRole.SUSPECT,
        "person__memberships__status": MembershipStatus.ACTIVE,
        "person__memberships__in": scoped_queryset(user, "membership"),
    }
    if incidents is not None:
        attributions = attributions.filter(incident__in=incidents)
        suspect_filter["incident__in"] = incidents
    if groups is not None:
        attributions = attributions.filter(group__in=groups)
        suspect_filter["person__memberships__group__in"] = groups
    return attributions, scoped_queryset(user, "involvement").filter(**suspect_filter)


def group_week_counts(user, since: dt.datetime) -> list[tuple[int, dt.date, int]]:
    """(group id, Monday, number of incidents linked to the group that week) since `since`.

    Counted in the database (a UNION of the two links, see group_links, grouped by group and
    week): at national scale the links of eight weeks are half a million rows.
    """
    attributions, suspects = group_links(user, visible_incidents(user, since))
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
    return _local_day(value)


def group_incidents(user, group_id: int, since: dt.datetime):
    """The incidents since `since` linked to one group (see group_links), newest first.

    A queryset, so that a page can count them and show the latest few without loading
    tens of thousands of rows at national scale.
    """
    # The incidents are filtered (and scoped by the policy) once, outside the subqueries.
    attributions, suspects = group_links(user, None, [group_id])
    return (
        visible_incidents(user, since)
        .filter(Q(pk__in=attributions.values("incident_id")) | Q(pk__in=suspects.values("incident_id")))
        .order_by("-occurred_at", "-id")
    )


def incident_trends(user, today: dt.date | None = None, top: int = 10) -> Trends:
    """Incidents this week against the previous weeks: in total, per group and per area."""
    today = today or timezone.localdate()
    starts = week_starts(today)
    since = timezone.make_aware(dt.datetime.combine(starts[0], dt.time.min))
    per_area = (
        visible_incidents(user, since)
        .annotate(day=TruncDate("occurred_at"))
        .values_list("area_id", "area__name", "day")
        .annotate(n=Count("id"))
    )
    total = [0] * len(starts)
    areas: dict[object, list[int]] = defaultdict(lambda: [0] * len(starts))
    area_names = {}
    for area_id, area_name, day, n in per_area:
        index = _week_index(_local_day(day), starts)
        if index is None:
            continue
        total[index] += n
        areas[area_id][index] += n
        area_names[area_id] = area_name
    groups: dict[int, list[int]] = defaultdict(lambda: [0] * len(starts))
    for group_id, monday, n in group_week_counts(user, since):
        index = _week_index(monday, starts)
        if index is not None:
            groups[group_id][index] += n
    group_names = dict(scoped_queryset(user, "group").filter(pk__in=list(groups)).values_list("id", "name"))
    by_group = [
        Series(key=gid, label=group_names[gid], counts=counts) for gid, counts in groups.items() if gid in group_names
    ]
    by_area = [Series(key=aid, label=area_names[aid] or "", counts=counts) for aid, counts in areas.items()]
    order = lambda s: (-s.this_week, -s.total, s.label)  # noqa: E731
    return Trends(
        weeks=starts,
        total=Series(key=None, label="", counts=total),
        by_group=sorted(by_group, key=order)[:top],
        by_area=sorted(by_area, key=order)[:top],
    )


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


def reach(user) -> dict[str, int]:
    """Share of active groups and of key individuals reached by a call-in or a custom notification.

    Only active (approved) memberships count.
    """
    groups = scoped_queryset(user, "group").filter(status=GroupStatus.ACTIVE)
    reached = Q(reached_call_in=True) | Q(reached_notification=True)
    key = Q(is_key_individual=True)
    numbers = counting_members(user, groups).aggregate(
        groups_with_members=Count("group", distinct=True),
        groups_reached=Count("group", distinct=True, filter=reached),
        members=Count("person", distinct=True),
        members_reached=Count("person", distinct=True, filter=reached),
        key_individuals=Count("person", distinct=True, filter=key),
        key_reached=Count("person", distinct=True, filter=key & reached),
    )
    numbers["active_groups"] = groups.count()
    numbers["groups_percent"] = _percent(numbers["groups_reached"], numbers["active_groups"])
    numbers["members_percent"] = _percent(numbers["members_reached"], numbers["members"])
    numbers["key_percent"] = _percent(numbers["key_reached"], numbers["key_individuals"])
    return numbers


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
    trends: Trends
    flags: dict
    explanations: dict
    reach: dict
    enforcement: list
    services: list
    overdue: list


def weekly_review(user, today: dt.date | None = None) -> WeeklyReview:
    """Everything the weekly review shows, in a fixed number of queries."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=7)
    flags = open_flags(user)
    return WeeklyReview(
        today=today,
        since=since,
        trends=incident_trends(user, today),
        flags=flags,
        explanations={status: scores.flag_explanation(user, flag=flag) for status, flag in flags.items()},
        reach=reach(user),
        enforcement=enforcement_since(user, since),
        services=services_since(user, since),
        overdue=overdue_follow_ups_by_organisation(user, today),
    )
