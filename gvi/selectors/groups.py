"""Reads for the group pages: the list with score trends, and one group with everything about it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

from gvi.models import GroupRelation, Membership, MembershipStatus, ServiceReferral
from gvi.policy import reads_every_record, scoped_queryset
from gvi.selectors import scores
from gvi.selectors.weekly_review import (
    Series,
    group_incidents,
    group_reach,
    group_weekly_incidents,
    review_period,
)

INCIDENT_LIMIT = 50  # latest incidents listed on a group's page (the count covers them all)
MEMBER_LIMIT = 50  # memberships listed on a group's page unless all are asked for
RELATION_LIMIT = 50  # conflicts and alliances listed (and drawn) on a group's page unless all are asked for
ACTIVITY_LIMIT = 50  # latest enforcement actions, and latest services to members, on a group's page

# Current members first, then those awaiting the four-eyes decision, then the former ones.
MEMBERSHIP_ORDER = Case(
    When(status=MembershipStatus.ACTIVE, then=Value(0)),
    When(status=MembershipStatus.PROPOSED, then=Value(1)),
    default=Value(2),
)


def visible_groups(user):
    return scoped_queryset(user, "group")


GROUP_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "status": ("status", "name", "id"),
    "-members": ("-active_members", "name", "id"),
}


def group_list(user, *, status: str = "", area_id: int | None = None, q: str = "", order: str = "name"):
    """Groups the user may see, filtered, with their number of active members and areas.

    The members counted are those the group's page counts: active memberships the user may see
    (a count that included hidden minors would reveal them)."""
    groups = visible_groups(user)
    if status:
        groups = groups.filter(status=status)
    if area_id:
        groups = groups.filter(areas__id=area_id)
    if q:
        groups = groups.filter(Q(name__icontains=q) | Q(aliases__alias__icontains=q)).distinct()
    visible = scoped_queryset(user, "membership", queryset=Membership.objects.counting())
    return (
        groups.annotate(active_members=Count("memberships__person", filter=Q(memberships__in=visible), distinct=True))
        .prefetch_related("areas", "aliases")
        .order_by(*GROUP_ORDERINGS.get(order, GROUP_ORDERINGS["name"]))
    )


def visible_areas(user):
    return scoped_queryset(user, "area")


@dataclass
class GroupPage:
    group: object
    memberships: list
    membership_count: int  # all the memberships the user may see, listed or not
    relations: list
    relation_count: int  # all the relations the user may see, listed or not
    incidents: list
    incident_count: int  # incidents in the 52 full weeks and this week so far, unfounded ones not counted
    reach: dict
    enforcement: list
    services: list
    runs: list
    trend: list
    flags: list
    # The latest run's exposure (members hit as victims), shown beside the score; never ranks.
    exposure: float | None = None
    # Incidents per week (the 52 full weeks, and this week so far apart), from the weekly counts.
    weekly: Series | None = None


def group_detail(
    user,
    group_id: int,
    *,
    today: dt.date | None = None,
    raw=None,
    all_members: bool = False,
    all_relations: bool = False,
) -> GroupPage | None:
    """One group and what the user may see about it; None when the user may not see it.

    The incidents: counted per week over the last 52 full weeks and the current week so far, read
    from the weekly counts (one query, whatever the group's history; `raw=True` counts them from
    the raw tables, see weekly_review.group_weekly_incidents), and the latest INCIDENT_LIMIT of
    them listed from the stored links (unfounded ones too, shown as such; `raw=True`: the raw
    tables). The memberships: current members first, MEMBER_LIMIT of them unless `all_members`;
    the relations: current ones first, then the latest ended, RELATION_LIMIT of them
    unless `all_relations`."""
    group = visible_groups(user).prefetch_related("areas", "aliases").filter(pk=group_id).first()
    if group is None:
        return None
    visible_memberships = scoped_queryset(user, "membership").filter(group=group)
    memberships = visible_memberships.select_related("person").order_by(
        MEMBERSHIP_ORDER, "-is_key_individual", "person__last_name", "person__first_name", "id"
    )
    memberships = list(memberships if all_members else memberships[:MEMBER_LIMIT])
    membership_count = len(memberships) if len(memberships) < MEMBER_LIMIT else visible_memberships.count()
    visible_relations = scoped_queryset(user, "group_relation").filter(Q(group_a=group) | Q(group_b=group))
    if not reads_every_record(user, ("group",)):
        # The other group must be visible too; a reader of every group needs no check, which
        # hashed all the programme's groups twice for each of the two statements below.
        visible_relations = visible_relations.filter(group_a__in=visible_groups(user), group_b__in=visible_groups(user))
    relation_order = (F("end_date").desc(nulls_first=True), "-start_date", "-id")
    shown_relations = visible_relations.order_by(*relation_order).values("pk")
    if not all_relations:
        shown_relations = shown_relations[:RELATION_LIMIT]
    # Chosen before the groups are joined, as the services below.
    relations = list(
        GroupRelation.objects.filter(pk__in=shown_relations)
        .select_related("group_a", "group_b")
        .order_by(*relation_order)
    )
    relation_count = len(relations) if len(relations) < RELATION_LIMIT else visible_relations.count()
    weekly = group_weekly_incidents(user, group.pk, today=today, raw=raw)
    since = timezone.make_aware(dt.datetime.combine(weekly_first_day(today), dt.time.min))
    incidents = list(group_incidents(user, group.pk, since, raw=raw).select_related("area")[:INCIDENT_LIMIT])
    members = scoped_queryset(user, "membership", queryset=Membership.objects.counting()).filter(group=group)
    reach = group_reach(user, group.pk, raw=raw)
    enforcement = list(
        scoped_queryset(user, "enforcement_action")
        .filter(group=group)
        .select_related("organisation", "person")
        .order_by("-performed_on", "-id")[:ACTIVITY_LIMIT]
    )
    latest_services = (
        scoped_queryset(user, "service_referral")
        .filter(person__in=members.values("person_id"))
        .order_by("-offered_on", "-id")
        .values("pk")[:ACTIVITY_LIMIT]
    )
    # The latest chosen first, then joined to their persons: joining every referral of the
    # group's members to keep fifty was the page's second slowest statement.
    services = list(
        ServiceReferral.objects.filter(pk__in=latest_services).select_related("person").order_by("-offered_on", "-id")
    )
    trends = scores.score_trends(user, group_ids=[group.pk])
    flags = list(scores.flag_history(user, group=group, limit=10))
    return GroupPage(
        group=group,
        memberships=memberships,
        membership_count=membership_count,
        relations=relations,
        relation_count=relation_count,
        incidents=incidents,
        incident_count=weekly.total + weekly.current,
        reach=reach,
        enforcement=enforcement,
        services=services,
        runs=trends.runs,
        trend=trends.by_group[group.pk],
        flags=flags,
        exposure=trends.latest_exposure(group.pk),
        weekly=weekly,
    )


def weekly_first_day(today: dt.date | None = None) -> dt.date:
    """The Monday the group page's incidents start: 52 full weeks before the current week."""
    return review_period(today or timezone.localdate(), "year").first_day
