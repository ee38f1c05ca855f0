"""Reads for the group pages: the list with score trends, and one group with everything about it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from gvi.models import GroupScore, MembershipStatus, ScoringRun
from gvi.policy import scoped_queryset
from gvi.selectors.weekly_review import counting_members, group_incidents

TREND_RUNS = 12  # scoring runs shown in a sparkline
INCIDENT_LIMIT = 100  # latest incidents listed on a group's page (the count covers them all)


def visible_groups(user):
    return scoped_queryset(user, "group")


def group_list(user, *, status: str = "", area_id: int | None = None, q: str = ""):
    """Groups the user may see, filtered, with their number of active members and areas."""
    groups = visible_groups(user)
    if status:
        groups = groups.filter(status=status)
    if area_id:
        groups = groups.filter(areas__id=area_id)
    if q:
        groups = groups.filter(Q(name__icontains=q) | Q(aliases__alias__icontains=q)).distinct()
    return (
        groups.annotate(
            active_members=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE), distinct=True)
        )
        .prefetch_related("areas", "aliases")
        .order_by("name", "id")
    )


def visible_areas(user):
    return scoped_queryset(user, "area")


def recent_runs(groups, n: int = TREND_RUNS) -> list:
    """The latest `n` scoring runs of the groups' programmes, oldest first."""
    runs = ScoringRun.objects.filter(programme_id__in=groups.values("programme_id")).order_by("-as_of", "-id")[:n]
    return list(reversed(list(runs)))


def score_trends(group_ids, runs) -> dict[int, list[float | None]]:
    """Each group's score in each run (None where it had none), oldest run first."""
    index = {run.pk: i for i, run in enumerate(runs)}
    trends = {gid: [None] * len(runs) for gid in group_ids}
    scores = GroupScore.objects.filter(run_id__in=list(index), group_id__in=list(group_ids)).values_list(
        "group_id", "run_id", "score"
    )
    for group_id, run_id, score in scores:
        trends[group_id][index[run_id]] = score
    return trends


@dataclass
class GroupPage:
    group: object
    memberships: list
    relations: list
    incidents: list
    incident_count: int
    reach: dict
    enforcement: list
    services: list
    runs: list
    trend: list
    flags: list


def group_detail(user, group_id: int, *, incident_days: int = 365) -> GroupPage | None:
    """One group and what the user may see about it; None when the user may not see it."""
    group = visible_groups(user).prefetch_related("areas", "aliases").filter(pk=group_id).first()
    if group is None:
        return None
    memberships = list(
        scoped_queryset(user, "membership")
        .filter(group=group)
        .select_related("person")
        .order_by("status", "-is_key_individual", "person__last_name", "person__first_name")
    )
    relations = list(
        scoped_queryset(user, "group_relation")
        .filter(Q(group_a=group) | Q(group_b=group))
        .filter(group_a__in=visible_groups(user), group_b__in=visible_groups(user))
        .select_related("group_a", "group_b")
    )
    since = timezone.now() - dt.timedelta(days=incident_days)
    linked = group_incidents(user, group.pk, since)
    incidents = list(linked.select_related("area")[:INCIDENT_LIMIT])
    incident_count = len(incidents) if len(incidents) < INCIDENT_LIMIT else linked.count()
    members = counting_members(user, [group.pk])
    reached = Q(reached_call_in=True) | Q(reached_notification=True)
    reach = members.aggregate(
        members=Count("person", distinct=True),
        attended=Count("person", distinct=True, filter=Q(reached_call_in=True)),
        notified=Count("person", distinct=True, filter=Q(reached_notification=True)),
        reached=Count("person", distinct=True, filter=reached),
        key_individuals=Count("person", distinct=True, filter=Q(is_key_individual=True)),
        key_reached=Count("person", distinct=True, filter=Q(is_key_individual=True) & reached),
    )
    enforcement = list(
        scoped_queryset(user, "enforcement_action")
        .filter(group=group)
        .select_related("organisation", "person")
        .order_by("-performed_on", "-id")[:100]
    )
    services = list(
        scoped_queryset(user, "service_referral")
        .filter(person__in=members.values("person_id"))
        .select_related("person")
        .order_by("-offered_on", "-id")[:100]
    )
    runs = recent_runs(visible_groups(user).filter(pk=group.pk))
    trend = score_trends([group.pk], runs)[group.pk]
    flags = list(scoped_queryset(user, "flag").filter(group=group).order_by("-suggested_at")[:10])
    return GroupPage(
        group=group,
        memberships=memberships,
        relations=relations,
        incidents=incidents,
        incident_count=incident_count,
        reach=reach,
        enforcement=enforcement,
        services=services,
        runs=runs,
        trend=trend,
        flags=flags,
    )
