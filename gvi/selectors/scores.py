"""Reads of violence scores and flags for the UI and the API: the latest ranking, a group's
trend, the explanation of a score down to its incidents, the current suggestion and flag, and
the scoring settings coordinators can see.

Scores are about groups, not persons; every queryset is still built by `gvi.policy` (groups,
incidents and flags the user may read, in the user's programme).
"""

from django.db.models import Prefetch, QuerySet

from gvi.models import FlagStatus, GroupFlag, GroupScore, ScoreContribution, ScoringConfig, ScoringRun
from gvi.policy import Action, scoped_queryset
from gvi.scoring import confidence_multipliers, get_config, role_weights, severity_weights


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
        .values("run_id", "run__as_of", "score", "rank", "incident_count")[:runs]
    )
    return [
        {
            "run_id": row["run_id"],
            "as_of": row["run__as_of"],
            "score": row["score"],
            "rank": row["rank"],
            "incident_count": row["incident_count"],
        }
        for row in reversed(list(rows))
    ]


def score_explanation(user, *, group_score: GroupScore) -> QuerySet[ScoreContribution]:
    """The incidents that contributed most to a score, with the factors of each (detail)."""
    if not scoped_queryset(user, "group", Action.READ).filter(pk=group_score.group_id).exists():
        return ScoreContribution.objects.none()
    incidents = scoped_queryset(user, "incident", Action.READ)
    return (
        ScoreContribution.objects.filter(group_score=group_score, incident__in=incidents)
        .select_related("incident", "incident__area")
        .order_by("-contribution", "incident_id")
    )


def current_flags(user) -> dict[str, GroupFlag | None]:
    """The open suggestion and the confirmed flag of the user's programme (either may be None)."""
    flags = (
        scoped_queryset(user, "flag", Action.READ)
        .filter(status__in=[FlagStatus.SUGGESTED, FlagStatus.CONFIRMED])
        .select_related("group", "runner_up", "decided_by", "run")
    )
    found = {flag.status: flag for flag in flags}
    return {"suggested": found.get(FlagStatus.SUGGESTED), "confirmed": found.get(FlagStatus.CONFIRMED)}


def flag_history(user, *, limit: int = 50) -> QuerySet[GroupFlag]:
    """Every suggestion and decision, newest first: what was suggested, who decided, why."""
    return scoped_queryset(user, "flag", Action.READ).select_related("group", "runner_up", "decided_by")[:limit]


def scoring_settings(user) -> dict | None:
    """The scoring settings of the user's programme (created with the defaults if missing)."""
    if not getattr(user, "programme_id", None):
        return None
    config: ScoringConfig = (
        ScoringConfig.objects.filter(pk=get_config(user.programme_id).pk).prefetch_related(Prefetch("weights")).get()
    )
    return {
        "config": config,
        "half_life_days": config.half_life_days,
        "window_days": config.window_days,
        "severity_weights": severity_weights(config),
        "role_weights": {str(k): v for k, v in role_weights(config).items()},
        "confidence_multipliers": confidence_multipliers(config),
        "flag_margin": float(config.flag_margin),
        "flag_persistence_runs": config.flag_persistence_runs,
    }
