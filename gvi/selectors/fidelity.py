"""Reads for programme fidelity (programtrohet): is the programme run as designed?

Each figure is defined in docs/evaluation.md. Every queryset is built by `gvi.policy`, so a
role sees the figures of what it may read; the number of queries does not grow with the data.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gvi.models import (
    CallInStatus,
    FlagStatus,
    FollowUpStatus,
    GroupReach,
    GroupStatus,
    InvitationStatus,
    Membership,
    Programme,
    ReferralStatus,
)
from gvi.policy import scoped_queryset
from gvi.selectors.outcomes import add_months, first_of_month
from gvi.selectors.weekly_review import reach, reached_persons, reads_stored_reach

# A referral counts as help taken up once the person has accepted it.
TAKEN_UP = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED)


@dataclass
class CallInFollowThrough:
    """Groups not represented at the held call-ins of the period, and how many of them got a
    custom notification within the programme's number of days after the call-in."""

    days: int
    not_represented: int = 0
    notified_in_time: int = 0
    waiting: list[tuple[str, str, dt.date]] = field(default_factory=list)  # (call-in, group, date)

    @property
    def percent(self) -> int | None:
        return round(100 * self.notified_in_time / self.not_represented) if self.not_represented else None


@dataclass
class FlagToEnforcement:
    """One confirmed flag: days from its confirmation to each partner's first enforcement action."""

    group: str
    confirmed_on: dt.date
    days_by_organisation: dict[str, int | None]


@dataclass
class FollowUpsOnTime:
    organisation: str
    rule: str
    due: int
    on_time: int
    late: int
    not_done: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.due) if self.due else None


@dataclass
class Fidelity:
    since: dt.date
    until: dt.date
    reach: dict
    groups_not_reached: list[str]
    call_ins: CallInFollowThrough
    flags: list[FlagToEnforcement]
    organisations: list[str]
    follow_ups: list[FollowUpsOnTime]
    help: dict
    months: list[dict]


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This month so far and the eleven months before it."""
    today = today or timezone.localdate()
    return add_months(first_of_month(today), -11), today


def programme_fidelity(user, *, since: dt.date, until: dt.date) -> Fidelity:
    """Fidelity figures for the period `since`–`until` (both days included)."""
    programme = Programme.objects.filter(pk=user.programme_id).only("notification_after_call_in_days").first()
    days = programme.notification_after_call_in_days if programme else 30
    flags, organisations = flags_to_enforcement(user, since=since, until=until)
    return Fidelity(
        since=since,
        until=until,
        reach=reach(user),
        groups_not_reached=groups_not_reached(user),
        call_ins=call_in_follow_through(user, since=since, until=until, days=days),
        flags=flags,
        organisations=organisations,
        follow_ups=follow_ups_on_time(user, since=since, until=until),
        help=help_offered(user, since=since, until=until),
        months=monthly(user, since=since, until=until),
    )


def groups_not_reached(user, raw=None) -> list[str]:
    """Active groups none of whose counting members attended a call-in or got a notification.

    Read from the stored reach (gvi.reach) when the user may read every record it is counted
    from, as the weekly review's reach is; counted within the user's view otherwise (`raw=True`
    forces the count)."""
    if raw is None:
        raw = not reads_stored_reach(user)
    if raw:
        reached_groups = (
            scoped_queryset(user, "membership", queryset=Membership.objects.counting())
            .filter(reached_persons(user))
            .values("group")
        )
    else:
        reached_groups = GroupReach.objects.filter(reached__gt=0).values("group_id")
    return list(
        scoped_queryset(user, "group")
        .filter(status=GroupStatus.ACTIVE)
        .exclude(pk__in=reached_groups)
        .order_by("name")
        .values_list("name", flat=True)
    )


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def _day_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
    return start, end


def call_in_follow_through(user, *, since: dt.date, until: dt.date, days: int) -> CallInFollowThrough:
    """A group is represented at a held call-in when one of its counting members attended it.
    A group with an invited member but no attendee should get a custom notification (to any
    member, delivered) within `days` days after the call-in."""
    start, end = _day_bounds(since, until)
    # One filter() for the membership join, so the group and the person's attendance go together.
    rows = (
        scoped_queryset(user, "invitation")
        .filter(
            call_in__status=CallInStatus.HELD,
            call_in__scheduled_at__gte=start,
            call_in__scheduled_at__lt=end,
            person__memberships__in=scoped_queryset(user, "membership", queryset=Membership.objects.counting()).values(
                "pk"
            ),
        )
        .values_list(
            "call_in_id",
            "call_in__scheduled_at",
            "call_in__venue",
            "person__memberships__group_id",
            "person__memberships__group__name",
        )
        .annotate(attended=Count("pk", filter=Q(status=InvitationStatus.ATTENDED)))
    )
    groups: dict[tuple, bool] = defaultdict(bool)
    details = {}
    for call_in_id, scheduled_at, venue, group_id, group_name, attended in rows:
        groups[(call_in_id, group_id)] |= attended > 0
        details[(call_in_id, group_id)] = (venue, group_name, _local_date(scheduled_at))
    missing = [key for key, represented in groups.items() if not represented]
    result = CallInFollowThrough(days=days, not_represented=len(missing))
    if not missing:
        return result
    notified = defaultdict(list)
    for group_id, delivered_on in (
        scoped_queryset(user, "custom_notification")
        .filter(message_delivered=True, group_id__in={group_id for _, group_id in missing}, delivered_on__gte=since)
        .values_list("group_id", "delivered_on")
    ):
        notified[group_id].append(delivered_on)
    for call_in_id, group_id in missing:
        venue, group_name, held_on = details[(call_in_id, group_id)]
        deadline = held_on + dt.timedelta(days=days)
        if any(held_on <= delivered <= deadline for delivered in notified[group_id]):
            result.notified_in_time += 1
        else:
            result.waiting.append((venue, group_name, held_on))
    result.waiting.sort(key=lambda row: (row[2], row[1]))
    return result


def flags_to_enforcement(user, *, since: dt.date, until: dt.date) -> tuple[list[FlagToEnforcement], list[str]]:
    """Flags confirmed in the period; for each, the days to each organisation's first enforcement
    action against the flagged group on or after the confirmation (None: none yet)."""
    start, end = _day_bounds(since, until)
    flags = list(
        scoped_queryset(user, "flag")
        .filter(decided_at__gte=start, decided_at__lt=end)
        .filter(status__in=[FlagStatus.CONFIRMED, FlagStatus.SUPERSEDED, FlagStatus.ENDED])
        .exclude(decided_by=None)
        .order_by("decided_at")
        .values_list("group_id", "group__name", "decided_at")
    )
    organisations = list(
        scoped_queryset(user, "enforcement_action")
        .filter(group_id__in={group_id for group_id, _, _ in flags})
        .order_by("organisation__name")
        .values_list("organisation__name", flat=True)
        .distinct()
    )
    first = defaultdict(list)
    for group_id, organisation, performed_on in (
        scoped_queryset(user, "enforcement_action")
        .filter(group_id__in={group_id for group_id, _, _ in flags}, performed_on__gte=since)
        .values_list("group_id", "organisation__name", "performed_on")
    ):
        first[(group_id, organisation)].append(performed_on)
    result = []
    for group_id, group_name, decided_at in flags:
        confirmed_on = _local_date(decided_at)
        days = {}
        for organisation in organisations:
            after = [day for day in first[(group_id, organisation)] if day >= confirmed_on]
            days[organisation] = (min(after) - confirmed_on).days if after else None
        result.append(FlagToEnforcement(group_name, confirmed_on, days))
    return result, organisations


def follow_ups_on_time(user, *, since: dt.date, until: dt.date) -> list[FollowUpsOnTime]:
    """Follow-ups due in the period, by owning organisation and rule: done by the due date, done
    late, or not done. Cancelled follow-ups are left out (nothing was to be done)."""
    due = (
        scoped_queryset(user, "follow_up")
        .filter(due_date__gte=since, due_date__lte=until)
        .exclude(status=FollowUpStatus.CANCELLED)
        .values_list("owner_organisation__name", "rule", "due_date", "status", "completed_at")
    )
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for organisation, rule, due_date, status, completed_at in due:
        row = counts[(organisation, rule)]
        row[0] += 1
        if status == FollowUpStatus.DONE and completed_at and _local_date(completed_at) <= due_date:
            row[1] += 1
        elif status == FollowUpStatus.DONE:
            row[2] += 1
        else:
            row[3] += 1
    return [FollowUpsOnTime(organisation, rule, *row) for (organisation, rule), row in sorted(counts.items())]


def help_offered(user, *, since: dt.date, until: dt.date) -> dict:
    """Referrals offered in the period (after a custom notification or otherwise), those taken up,
    and exit cases opened."""
    referrals = scoped_queryset(user, "service_referral").filter(offered_on__gte=since, offered_on__lte=until)
    numbers = referrals.aggregate(
        offered=Count("pk"),
        after_notification=Count("pk", filter=Q(notification__isnull=False)),
        taken_up=Count("pk", filter=Q(status__in=TAKEN_UP)),
    )
    numbers["exit_cases_opened"] = (
        scoped_queryset(user, "exit_case").filter(opened_on__gte=since, opened_on__lte=until).count()
    )
    numbers["taken_up_percent"] = round(100 * numbers["taken_up"] / numbers["offered"]) if numbers["offered"] else None
    return numbers


def monthly(user, *, since: dt.date, until: dt.date) -> list[dict]:
    """Per month of the period: call-in attendees, notifications delivered, enforcement actions,
    referrals offered and taken up, exit cases opened, follow-ups due and done on time."""
    months = []
    month = first_of_month(since)
    while month <= until:
        months.append(month)
        month = add_months(month, 1)
    rows = {month: defaultdict(int) for month in months}
    start, end = _day_bounds(since, until)

    def add(queryset, date_field: str, **counts):
        per_month = queryset.annotate(month=TruncMonth(date_field)).values("month").annotate(**counts).order_by("month")
        for row in per_month:
            month = row.pop("month")
            month = _local_date(month) if isinstance(month, dt.datetime) else month
            for key, value in row.items():
                rows[first_of_month(month)][key] += value

    add(
        scoped_queryset(user, "invitation").filter(
            status=InvitationStatus.ATTENDED, call_in__scheduled_at__gte=start, call_in__scheduled_at__lt=end
        ),
        "call_in__scheduled_at",
        attended=Count("pk"),
    )
    add(
        scoped_queryset(user, "custom_notification").filter(
            message_delivered=True, delivered_on__gte=since, delivered_on__lte=until
        ),
        "delivered_on",
        notified=Count("pk"),
    )
    add(
        scoped_queryset(user, "enforcement_action").filter(performed_on__gte=since, performed_on__lte=until),
        "performed_on",
        enforcement=Count("pk"),
    )
    add(
        scoped_queryset(user, "service_referral").filter(offered_on__gte=since, offered_on__lte=until),
        "offered_on",
        offered=Count("pk"),
        taken_up=Count("pk", filter=Q(status__in=TAKEN_UP)),
    )
    add(
        scoped_queryset(user, "exit_case").filter(opened_on__gte=since, opened_on__lte=until),
        "opened_on",
        exit_cases=Count("pk"),
    )
    due = scoped_queryset(user, "follow_up").filter(due_date__gte=since, due_date__lte=until)
    add(
        due.exclude(status=FollowUpStatus.CANCELLED),
        "due_date",
        follow_ups_due=Count("pk"),
    )
    # Done on time needs the completion's local date against the due date: counted in Python.
    for due_date, completed_at in due.filter(status=FollowUpStatus.DONE, completed_at__isnull=False).values_list(
        "due_date", "completed_at"
    ):
        if _local_date(completed_at) <= due_date:
            rows[first_of_month(due_date)]["follow_ups_on_time"] += 1
    return [{"month": month, **rows[month]} for month in months]
