"""What is next, for the weekly review: the coming call-ins, follow-ups due this week, reviews and
supervisions falling due, and the top groups the message has not reached. Six queries."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from gvi.models import OPEN_STATUSES, CallInStatus, MembershipStatus
from gvi.policy import scoped_queryset
from gvi.selectors import scores

HORIZON_DAYS = 14


@dataclass
class WhatIsNext:
    horizon: dt.date
    call_ins: list
    follow_ups_due: list
    reviews_due: int
    supervisions_ending: int
    unreached_top_groups: list


def what_is_next(user, today: dt.date | None = None, top: int = 10) -> WhatIsNext:
    """What the meeting should plan for, within what the user may see."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=HORIZON_DAYS)
    sunday = today + dt.timedelta(days=6 - today.weekday())
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(horizon + dt.timedelta(days=1), dt.time.min))
    call_ins = list(
        scoped_queryset(user, "call_in")
        .filter(status=CallInStatus.PLANNED, scheduled_at__gte=start, scheduled_at__lt=end)
        .order_by("scheduled_at")
        .values("pk", "scheduled_at", "venue")[:20]
    )
    follow_ups_due = list(
        scoped_queryset(user, "follow_up")
        .filter(status__in=OPEN_STATUSES, due_date__gte=today, due_date__lte=sunday)
        .values("owner_organisation_id", "owner_organisation__name")
        .annotate(n=Count("id"))
        .order_by("-n", "owner_organisation__name")
    )
    reviews_due = (
        scoped_queryset(user, "membership")
        .filter(status=MembershipStatus.ACTIVE, review_due__isnull=False, review_due__lte=horizon)
        .count()
    )
    supervisions_ending = (
        scoped_queryset(user, "supervision").filter(end_date__gte=today, end_date__lte=horizon).count()
    )
    # A top group is reached when a counting member (active, not under a pending contest) was
    # invited to a call-in or got a custom notification: the members the reach counts.
    member = {
        "person__memberships__group": OuterRef("group_id"),
        "person__memberships__status": MembershipStatus.ACTIVE,
        "person__memberships__is_contested": False,
        "person__memberships__removed_at__isnull": True,
    }
    invited = scoped_queryset(user, "invitation").filter(**member)
    notified = scoped_queryset(user, "custom_notification").filter(**member)
    leaders = scores.latest_scores(user).annotate(invited=Exists(invited), notified=Exists(notified))[:top]
    unreached = [
        {"group_id": row.group_id, "name": row.group.name, "rank": row.rank, "score": row.score}
        for row in leaders
        if not (row.invited or row.notified)
    ]
    return WhatIsNext(
        horizon=horizon,
        call_ins=call_ins,
        follow_ups_due=follow_ups_due,
        reviews_due=reviews_due,
        supervisions_ending=supervisions_ending,
        unreached_top_groups=unreached,
    )
