"""Reads of violence scores and flags for the UI and the API: the latest ranking, a group's
trend, the explanation of a score down to its incidents, the current suggestion and flag, and
the scoring settings coordinators can see.

Scores are about groups, not persons; every queryset is still built by `gvi.policy` (groups,
incidents and flags the user may read, in the user's programme).
"""

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from gvi.followup_rules import enforcement_mandates
from gvi.models import (
    FlagStatus,
    GroupFlag,
    GroupScore,
    IncidentType,
    Measure,
    ScoreContribution,
    ScoringConfig,
    ScoringRun,
)
from gvi.policy import Action, scoped_queryset
from gvi.scoring import (
    DEFAULT_CONFIDENCE_MULTIPLIERS,
    DEFAULT_SEVERITY_WEIGHTS,
    casualty_weights,
    confidence_multipliers,
    role_weights,
)

TREND_RUNS = 12  # weeks shown in a sparkline (one run per week)


def latest_run(user) -> ScoringRun | None:
    """The user's programme's most recent finished run."""
    if not getattr(user, "programme_id", None):
        return None
    return (
        ScoringRun.objects.filter(programme_id=user.programme_id, finished_at__isnull=False)
        .order_by("-as_of", "-id")
        .first()
    )


def latest_scores(user, *, limit: int | None = None) -> QuerySet[GroupScore]:
    """The latest run's scores for the groups the user may see, best first."""
    run = latest_run(user)
    if run is None:
        return GroupScore.objects.none()
    groups = scoped_queryset(user, "group", Action.READ)
    qs = (
        GroupScore.objects.filter(run=run, group__in=groups).select_related("group", "run").order_by("rank", "group_id")
    )
    return qs[:limit] if limit else qs


def score_trend(user, *, group, runs: int = 30) -> list[dict]:
    """A group's score and rank over the last `runs` runs, oldest first, for a chart."""
    if not scoped_queryset(user, "group", Action.READ).filter(pk=group.pk).exists():
        return []
    rows = (
        GroupScore.objects.filter(group=group, run__finished_at__isnull=False)
        .order_by("-run__as_of", "-run_id")
        .values("run_id", "run__as_of", "score", "rank", "incident_count", "exposure")[:runs]
    )
    return [
        {
            "run_id": row["run_id"],
            "as_of": row["run__as_of"],
            "score": row["score"],
            "rank": row["rank"],
            "incident_count": row["incident_count"],
            "exposure": row["exposure"],
        }
        for row in reversed(list(rows))
    ]


@dataclass
class ScoreTrends:
    """Scores of many groups over the same runs (oldest first), for sparklines on a list page."""

    runs: list[ScoringRun]
    by_group: dict[int, list[float | None]]
    # Each group's exposure in the latest of these runs (shown beside the score, never ranked by).
    exposure: dict[int, float | None] = field(default_factory=dict)

    def latest(self, group_id: int) -> float | None:
        scores = self.by_group.get(group_id) or [None]
        return scores[-1]

    def latest_exposure(self, group_id: int) -> float | None:
        return self.exposure.get(group_id)


def recent_runs(user, *, runs: int = TREND_RUNS) -> list[ScoringRun]:
    """One run per week: the last finished run of each of the programme's last `runs` weeks that
    had one, oldest first. A sparkline of every run would show an hour's noise (198.08 → 198.07)
    as a steep fall; one value per week is the trend the weekly review discusses."""
    if not getattr(user, "programme_id", None):
        return []
    today = timezone.localdate()
    since = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=today.weekday(), weeks=runs - 1), dt.time.min)
    )
    qs = ScoringRun.objects.filter(
        programme_id=user.programme_id, finished_at__isnull=False, as_of__gte=since
    ).order_by("as_of", "id")
    weekly: dict[dt.date, ScoringRun] = {}
    for run in qs.only("id", "as_of", "programme_id"):
        day = timezone.localdate(run.as_of)
        weekly[day - dt.timedelta(days=day.weekday())] = run  # the week's last run wins
    return [weekly[week] for week in sorted(weekly)]


def score_trends(user, *, group_ids, runs: int = TREND_RUNS) -> ScoreTrends:
    """The bulk form of `score_trend`: each visible group's score in each of the programme's last
    runs (None where it had none), in two queries whatever the number of groups."""
    recent = recent_runs(user, runs=runs)
    index = {run.pk: i for i, run in enumerate(recent)}
    group_ids = list(group_ids)
    by_group = {gid: [None] * len(recent) for gid in group_ids}
    exposure = {}
    if recent and group_ids:
        scores = GroupScore.objects.filter(
            run_id__in=list(index), group_id__in=group_ids, group__in=scoped_queryset(user, "group", Action.READ)
        ).values_list("group_id", "run_id", "score", "exposure")
        last = recent[-1].pk
        for group_id, run_id, score, group_exposure in scores:
            by_group[group_id][index[run_id]] = score
            if run_id == last:
                exposure[group_id] = group_exposure
    return ScoreTrends(runs=recent, by_group=by_group, exposure=exposure)


def score_explanation(user, *, group_score: GroupScore, measure: str = Measure.VIOLENCE) -> QuerySet[ScoreContribution]:
    """Every contribution to a score (or to the exposure), largest first, with its factors (detail)
    and type and time as the run saw them. Rows about an incident the user may not read are left
    out (they stay in the score and in "the rest"); rows whose incident was deleted since are kept."""
    return (
        ScoreContribution.objects.filter(
            group_score=group_score,
            measure=measure,
            group_score__group__in=scoped_queryset(user, "group", Action.READ),
        )
        .filter(Q(incident__isnull=True) | Q(incident__in=scoped_queryset(user, "incident", Action.READ)))
        .select_related("incident", "incident__area", "attributed_by", "confirmed_by")
        .order_by("-contribution", "incident_id")
    )


@dataclass
class FlagExplanation:
    flag: GroupFlag
    group_score: GroupScore | None
    contributions: list[ScoreContribution]
    # True when the flag has no run of its own (e.g. entered by hand) and the latest run is shown.
    from_latest_run: bool = False
    # "The rest": the contributions not listed (smaller ones, and any the user may not read),
    # so the listed ones and this line add up to the score.
    rest_count: int = 0
    rest_contribution: float = 0.0


def flag_explanation(user, *, flag: GroupFlag, limit: int = 10) -> FlagExplanation:
    """The flag's score in the run that suggested it: the `limit` largest contributions and one
    line for the rest (`explanation_rows` gives them all, for the CSV)."""
    run_id = flag.run_id
    if run_id is None:
        latest = latest_run(user)
        run_id = latest.pk if latest else None
    group_score = None
    if run_id:
        group_score = (
            GroupScore.objects.filter(
                run_id=run_id, group_id=flag.group_id, group__in=scoped_queryset(user, "group", Action.READ)
            )
            .select_related("run")
            .first()
        )
    contributions = list(score_explanation(user, group_score=group_score)[:limit]) if group_score else []
    counted = [c for c in contributions if c.contribution > 0]
    return FlagExplanation(
        flag=flag,
        group_score=group_score,
        contributions=contributions,
        from_latest_run=flag.run_id is None and group_score is not None,
        rest_count=max(group_score.incident_count - len(counted), 0) if group_score else 0,
        rest_contribution=(group_score.score - math.fsum(c.contribution for c in counted)) if group_score else 0.0,
    )


def flag_for(user, flag_id: int) -> GroupFlag | None:
    """One flag the user may read, with what its page shows; None when it is not visible."""
    return (
        scoped_queryset(user, "flag", Action.READ)
        .select_related("group", "runner_up", "decided_by", "run", "ended_by", "successor__group")
        .filter(pk=flag_id)
        .first()
    )


def flag_changes(user, *, flag: GroupFlag):
    """The flag's change history (django-simple-history), oldest first: each status it went
    through, why it ended, and who changed it (none: the scoring job). Empty when the user may
    not read the flag."""
    if not scoped_queryset(user, "flag", Action.READ).filter(pk=flag.pk).exists():
        return GroupFlag.history.none()
    return flag.history.select_related("history_user").order_by("history_date", "history_id")


def current_flags(user) -> dict[str, GroupFlag | None]:
    """The open suggestion and the confirmed flag of the user's programme (either may be None)."""
    flags = (
        scoped_queryset(user, "flag", Action.READ)
        .filter(status__in=[FlagStatus.SUGGESTED, FlagStatus.CONFIRMED])
        .select_related("group", "runner_up", "decided_by", "run")
    )
    found = {flag.status: flag for flag in flags}
    return {"suggested": found.get(FlagStatus.SUGGESTED), "confirmed": found.get(FlagStatus.CONFIRMED)}


def flag_history(user, *, group=None, limit: int = 50) -> QuerySet[GroupFlag]:
    """Every suggestion and decision (of one group, if given), newest first: what was suggested,
    who decided, why, and why it ended."""
    qs = scoped_queryset(user, "flag", Action.READ).select_related(
        "group", "runner_up", "decided_by", "ended_by", "successor__group"
    )
    if group is not None:
        qs = qs.filter(group=group)
    return qs[:limit]


def scoring_settings(user) -> dict | None:
    """The scoring settings of the user's programme. A read never writes: what is not stored yet
    (no run so far, or a new incident type) is shown with the default the first run will store."""
    if not getattr(user, "programme_id", None):
        return None
    configs = ScoringConfig.objects.filter(programme_id=user.programme_id).prefetch_related(Prefetch("weights"))
    config = configs.first() or ScoringConfig(
        programme_id=user.programme_id,
        confidence_multipliers={str(k): v for k, v in DEFAULT_CONFIDENCE_MULTIPLIERS.items()},
    )
    stored = {w.incident_type: float(w.weight) for w in config.weights.all()} if config.pk else {}
    weights = {kind: stored.get(kind, float(DEFAULT_SEVERITY_WEIGHTS.get(kind, 1))) for kind in IncidentType.values}
    return {
        "config": config,
        "half_life_days": config.half_life_days,
        "window_days": config.window_days,
        "severity_weights": weights,
        "role_weights": {str(k): v for k, v in role_weights(config).items()},
        "casualty_weights": casualty_weights(config),
        "confidence_multipliers": confidence_multipliers(config),
        "flag_margin": float(config.flag_margin),
        "flag_persistence_days": config.flag_persistence_days,
        "enforcement_mandates": enforcement_mandates(user.programme_id),
    }
