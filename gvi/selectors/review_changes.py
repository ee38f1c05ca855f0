"""What changed since the last review, for the weekly review (issue 18).

"The last review" is the latest weekly review a coordinator marked as held (`ReviewMeeting`) for a
week before the reviewed one; with none, the start of the reviewed week (the last full week,
Monday 00:00 Europe/Stockholm). The changes run from then until now:

- flag suggestions made since, suggestions that moved to another group, and decisions taken;
- rank changes among the top groups, and the largest score changes, between the last scoring run
  before the last review and the latest run;
- incidents of the most serious kinds logged since (homicide, shooting, attempted murder,
  explosion, or anyone killed), unfounded ones left out;
- conflicts between groups recorded since.

A fixed number of queries whatever the size of the programme; every queryset is scoped by the
access policy. Groups and incidents only: no person is listed.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, FloatField, OuterRef, Q, Subquery
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone

from gvi.models import (
    FlagEndReason,
    GroupRelation,
    GroupScore,
    IncidentType,
    RelationKind,
    ReviewMeeting,
    ScoringRun,
    VerificationStatus,
)
from gvi.policy import Action, scoped_queryset
from gvi.selectors import scores

# The most serious kinds: those the default severity weights put at 6 or more.
SERIOUS_TYPES = (IncidentType.HOMICIDE, IncidentType.SHOOTING, IncidentType.ATTEMPTED_MURDER, IncidentType.EXPLOSION)
TOP = 10
LIMIT = 20
# Counted up to this many: a programme logs a few a week, and a count that stops here costs
# milliseconds where an exact count of a national synthetic programme's week cost 200 ms.
SERIOUS_COUNT_LIMIT = 1000
MOVED = (FlagEndReason.SUPERSEDED, FlagEndReason.REPLACED)


@dataclass
class ChangesSinceReview:
    since: dt.datetime
    last_review: ReviewMeeting | None  # None: "since" falls back to the start of the reviewed week
    this_review: ReviewMeeting | None  # the mark of the reviewed week itself, once held
    new_suggestions: list = field(default_factory=list)
    moved_suggestions: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    baseline_run: ScoringRun | None = None
    latest_run: ScoringRun | None = None
    rank_changes: list = field(default_factory=list)  # dicts: group, name, rank, previous_rank, move
    left_top: list = field(default_factory=list)  # dicts: group, name, previous_rank, rank
    score_changes: list = field(default_factory=list)  # dicts: group, name, score, previous, change
    serious_incidents: list = field(default_factory=list)
    serious_count: int = 0
    serious_count_more: bool = False  # more than SERIOUS_COUNT_LIMIT: the count shows the limit and "+"
    conflicts: list = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(
            self.new_suggestions
            or self.moved_suggestions
            or self.decisions
            or any(row["move"] for row in self.rank_changes)
            or self.left_top
            or self.score_changes
            or self.serious_incidents
            or self.conflicts
        )


def review_meetings(user, reviewed_week: dt.date) -> tuple[ReviewMeeting | None, ReviewMeeting | None]:
    """(the last review before `reviewed_week`, the review of `reviewed_week` itself): one query."""
    programme_id = getattr(user, "programme_id", None)
    if not programme_id:
        return None, None
    rows = list(
        ReviewMeeting.objects.filter(programme_id=programme_id, week__lte=reviewed_week)
        .select_related("held_by")
        .order_by("-week")[:2]
    )
    this = rows[0] if rows and rows[0].week == reviewed_week else None
    earlier = [row for row in rows if row.week < reviewed_week]
    return (earlier[0] if earlier else None), this


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _flags(user, since: dt.datetime):
    flags = (
        scoped_queryset(user, "flag", Action.READ)
        .filter(Q(suggested_at__gte=since) | Q(decided_at__gte=since) | Q(ended_at__gte=since))
        .select_related("group", "runner_up", "decided_by", "successor__group")
        .order_by("-suggested_at", "-id")[:LIMIT]
    )
    new, moved, decided = [], [], []
    for flag in flags:
        if flag.suggested_at >= since:
            new.append(flag)
        if flag.ended_at and flag.ended_at >= since and flag.end_reason in MOVED:
            moved.append(flag)
        if flag.decided_at and flag.decided_at >= since:
            decided.append(flag)
    return new, moved, decided


def _baseline_run(user, since: dt.datetime, latest: ScoringRun | None) -> ScoringRun | None:
    if latest is None or latest.as_of <= since:
        return None  # no run since the last review: no score has changed
    return (
        ScoringRun.objects.filter(programme_id=user.programme_id, finished_at__isnull=False, as_of__lte=since)
        .exclude(pk=latest.pk)
        .order_by("-as_of", "-id")
        .first()
    )


def _previous(baseline: ScoringRun, field_name: str):
    return Subquery(GroupScore.objects.filter(run=baseline, group_id=OuterRef("group_id")).values(field_name)[:1])


def _ranks(user, latest: ScoringRun, baseline: ScoringRun):
    groups = scoped_queryset(user, "group", Action.READ)
    top = (
        GroupScore.objects.filter(run=latest, group__in=groups, rank__lte=TOP)
        .annotate(previous_rank=_previous(baseline, "rank"))
        .order_by("rank", "group_id")
        .values("group_id", "group__name", "rank", "previous_rank", "score")
    )
    rank_changes = [
        {
            "group_id": row["group_id"],
            "name": row["group__name"],
            "rank": row["rank"],
            "previous_rank": row["previous_rank"],
            # Positive: climbed. None: not ranked in the earlier run (new to the scores).
            "move": (row["previous_rank"] - row["rank"]) if row["previous_rank"] is not None else None,
        }
        for row in top
    ]
    now_rank = Subquery(GroupScore.objects.filter(run=latest, group_id=OuterRef("group_id")).values("rank")[:1])
    left = (
        GroupScore.objects.filter(run=baseline, group__in=groups, rank__lte=TOP)
        .annotate(now_rank=now_rank)
        .filter(Q(now_rank__gt=TOP) | Q(now_rank__isnull=True))
        .order_by("rank", "group_id")
        .values("group_id", "group__name", "rank", "now_rank")
    )
    left_top = [
        {"group_id": row["group_id"], "name": row["group__name"], "previous_rank": row["rank"], "rank": row["now_rank"]}
        for row in left
    ]
    previous = Coalesce(_previous(baseline, "score"), 0.0, output_field=FloatField())
    changes = (
        GroupScore.objects.filter(run=latest, group__in=groups)
        .annotate(previous=previous)
        .annotate(change=F("score") - F("previous"), size=Abs(F("score") - F("previous")))
        .filter(size__gt=0)
        .order_by("-size", "rank", "group_id")
        .values("group_id", "group__name", "score", "previous", "change", "rank")[:TOP]
    )
    score_changes = [
        {
            "group_id": row["group_id"],
            "name": row["group__name"],
            "score": row["score"],
            "previous": row["previous"],
            "change": row["change"],
            "rank": row["rank"],
        }
        for row in changes
    ]
    return rank_changes, left_top, score_changes


def _serious_incidents(user, since: dt.datetime):
    incidents = (
        scoped_queryset(user, "incident", Action.READ)
        .filter(created_at__gte=since)
        .filter(Q(incident_type__in=SERIOUS_TYPES) | Q(killed__gt=0))
        .exclude(verification_status=VerificationStatus.UNFOUNDED)
    )
    rows = list(
        incidents.select_related("area")
        .order_by("-occurred_at", "-id")
        .only("id", "incident_type", "occurred_at", "created_at", "killed", "injured", "area__name", "place")[:LIMIT]
    )
    return rows, incidents.order_by()[: SERIOUS_COUNT_LIMIT + 1].count()


def _conflicts(user, since: dt.datetime):
    latest = (
        scoped_queryset(user, "group_relation", Action.READ)
        .filter(kind=RelationKind.CONFLICT)
        .filter(Q(created_at__gte=since) | Q(start_date__gte=timezone.localdate(since)))
        .order_by("-start_date", "-id")
    )
    # The latest LIMIT chosen before the groups are joined: joining every new conflict's two groups
    # first, to keep twenty, was most of the review's slowest statement.
    return list(
        GroupRelation.objects.filter(pk__in=latest.values("pk")[:LIMIT])
        .select_related("group_a", "group_b")
        .order_by("-start_date", "-id")
    )


def changes_since_review(user, reviewed_week: dt.date) -> ChangesSinceReview:
    """Everything that changed since the last review, up to now (about nine queries)."""
    last, this = review_meetings(user, reviewed_week)
    since = last.held_at if last else _start_of(reviewed_week)
    new, moved, decided = _flags(user, since)
    latest = scores.latest_run(user)
    baseline = _baseline_run(user, since, latest)
    changes = ChangesSinceReview(
        since=since,
        last_review=last,
        this_review=this,
        new_suggestions=new,
        moved_suggestions=moved,
        decisions=decided,
        baseline_run=baseline,
        latest_run=latest,
    )
    if latest is not None and baseline is not None:
        changes.rank_changes, changes.left_top, changes.score_changes = _ranks(user, latest, baseline)
    changes.serious_incidents, changes.serious_count = _serious_incidents(user, since)
    if changes.serious_count > SERIOUS_COUNT_LIMIT:
        changes.serious_count, changes.serious_count_more = SERIOUS_COUNT_LIMIT, True
    changes.conflicts = _conflicts(user, since)
    return changes
