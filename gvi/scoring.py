"""The violence score and the flag suggestion, computed in the database.

A group's violence score on a day (`as_of`) is

    score(g) = Σ over incidents i in the window of
               severity(type of i) × decay(i) × share(i, g) × confidence(i)

- severity: the programme's weight for the incident type (IncidentTypeWeight).
- decay: 0.5 ** (age in days / half-life), age = as_of − occurred_at. Incidents older than
  `window_days`, in the future, or marked *unfounded* do not count.
- confidence: the multiplier for the incident's confidence level (ScoringConfig.confidence_multipliers,
  defaults in DEFAULT_CONFIDENCE_MULTIPLIERS).
- share(i, g), the attribution share, in [0, 1]:
  * If an analyst attributed i to g directly (GroupAttribution), that share is used: the
    analyst's judgement replaces what memberships say, for that group only.
  * Otherwise the membership route: every involvement of i (a person with a role) reaches the
    groups the person holds an ACTIVE membership of on the incident date (the programme's
    groups that are not dissolved). The role weight (ScoringConfig suspect/victim/witness weight)
    is split equally between those groups. share(i, g) is the LARGEST such value over the
    involvements that reach g: three suspects of one group make the incident count once for that
    group, not three times.
  Example: a shooting with suspect A (member of X only) and suspect B (member of X and Y) and
  victim C (member of Z): share(X) = max(1, 1/2) = 1, share(Y) = 1/2, share(Z) = 0.3 (victim
  weight). Two suspects of two different groups give each group a full share: both brought
  the violence. Proposed, rejected, lapsed or ended memberships never count.

Each run stores a ScoringRun, a GroupScore per group (score, rank, number of contributing
incidents) and the top contributions per group (ScoreContribution), so any score can be
explained down to its incidents. The sums are made by one set-based SQL statement into a
temporary table; nothing loads incidents into Python. docs/scoring.md says the same at length.

The flag: the job only *suggests* the most violent group (GroupFlag status suggested). A new
leader replaces the standing suggestion or confirmed flag only when it has led it by
`flag_margin` in every run of the last `flag_persistence_days` days (hysteresis in time: runs
triggered by incidents can be seconds apart). After a coordinator rejects a suggestion or ends a
flag, that flag stays the bar: the next leader needs the same margin and persistence over it.
A coordinator confirms, rejects or ends a flag (gvi.services.flags).
"""

import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F, FloatField, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gvi.models import (
    CLOSED_BY_COORDINATOR,
    Confidence,
    FlagEndReason,
    FlagStatus,
    GroupAttribution,
    GroupFlag,
    GroupScore,
    GroupStatus,
    Incident,
    IncidentType,
    IncidentTypeWeight,
    Involvement,
    InvolvementRole,
    Membership,
    MembershipStatus,
    ScoreContribution,
    ScoringConfig,
    ScoringRun,
    VerificationStatus,
)
from gvi.models import Group as GroupModel

logger = logging.getLogger(__name__)

# Severity per incident type: the defaults a new programme starts with (coordinators edit them).
DEFAULT_SEVERITY_WEIGHTS = {
    IncidentType.HOMICIDE: 10,
    IncidentType.SHOOTING: 8,
    IncidentType.ATTEMPTED_MURDER: 7,
    IncidentType.EXPLOSION: 6,
    IncidentType.SERIOUS_ASSAULT: 3,
    IncidentType.ARMED_THREAT: 2,
}
DEFAULT_CONFIDENCE_MULTIPLIERS = {
    Confidence.CONFIRMED: 1.0,
    Confidence.PROBABLE: 0.75,
    Confidence.POSSIBLE: 0.5,
    Confidence.UNVERIFIED: 0.25,
}
TOP_CONTRIBUTIONS = 10  # incidents kept per group and run to explain its score

# The factors stored with each contribution (ScoreContribution.detail, written by _compute) and
# in the flag explanation's top incidents, in the formula's order, with the names people read.
# The one mapping: every page and export that explains a score labels the factors through it;
# the stored data and the API keep the keys.
FACTOR_LABELS = {
    "severity": _("Severity weight"),
    "decay": _("Time decay"),
    "share": _("Attribution share"),
    "confidence_multiplier": _("Confidence multiplier"),
    "by_analyst": _("Attributed by an analyst (1 = yes, 0 = no)"),
}
_TMP = "gvi_scoring_contrib_tmp"


# --- Configuration ----------------------------------------------------------------------


def get_config(programme_id: int) -> ScoringConfig:
    """The programme's scoring configuration, created with the defaults on first use.

    Missing severity weights (e.g. a new incident type) are added with their default.
    """
    config, _created = ScoringConfig.objects.get_or_create(
        programme_id=programme_id,
        defaults={"confidence_multipliers": {str(k): v for k, v in DEFAULT_CONFIDENCE_MULTIPLIERS.items()}},
    )
    existing = set(config.weights.values_list("incident_type", flat=True))
    missing = [
        IncidentTypeWeight(config=config, incident_type=kind, weight=DEFAULT_SEVERITY_WEIGHTS.get(kind, 1))
        for kind in IncidentType.values
        if kind not in existing
    ]
    if missing:
        IncidentTypeWeight.objects.bulk_create(missing, ignore_conflicts=True)
    return config


def severity_weights(config: ScoringConfig) -> dict[str, float]:
    weights = dict.fromkeys(IncidentType.values, 0.0)
    weights.update({w.incident_type: float(w.weight) for w in config.weights.all()})
    return weights


def confidence_multipliers(config: ScoringConfig) -> dict[str, float]:
    """Configured multipliers over the defaults; a value that is not a number is ignored."""
    result = {str(k): float(v) for k, v in DEFAULT_CONFIDENCE_MULTIPLIERS.items()}
    for level, value in (config.confidence_multipliers or {}).items():
        try:
            result[str(level)] = max(0.0, float(value))
        except (TypeError, ValueError):
            logger.warning("Ignoring confidence multiplier %r=%r of config %s", level, value, config.pk)
    return result


def role_weights(config: ScoringConfig) -> dict[str, float]:
    return {
        InvolvementRole.SUSPECT: float(config.suspect_weight),
        InvolvementRole.VICTIM: float(config.victim_weight),
        InvolvementRole.WITNESS: float(config.witness_weight),
    }


def config_summary(config: ScoringConfig) -> dict:
    """The settings a run used, stored in the flag explanation so it can be checked later."""
    return {
        "half_life_days": config.half_life_days,
        "window_days": config.window_days,
        "severity_weights": severity_weights(config),
        "role_weights": {str(k): v for k, v in role_weights(config).items()},
        "confidence_multipliers": confidence_multipliers(config),
        "flag_margin": float(config.flag_margin),
        "flag_persistence_days": config.flag_persistence_days,
    }


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    value: object


def factor_label(key: str) -> str:
    """The readable (translated) name of a factor; a key without one is shown as it is."""
    return str(FACTOR_LABELS.get(key, key))


def labelled_factors(detail: dict | None) -> list[Factor]:
    """A contribution's factors with their labels and stored figures: the known ones in the
    formula's order, then any other key (e.g. from an older run) under its own name."""
    detail = detail or {}
    known = [key for key in FACTOR_LABELS if key in detail]
    others = [key for key in detail if key not in FACTOR_LABELS]
    return [Factor(key=key, label=factor_label(key), value=detail[key]) for key in known + others]


# --- The run --------------------------------------------------------------------------------


def run_scoring(*, programme_id: int, trigger: str = "schedule", as_of=None, requested_after=None):
    """Score every group of a programme; store a snapshot; update the flag suggestion.

    All or nothing in one transaction. Runs of one programme are serialised by a row lock on
    its ScoringConfig. `requested_after` coalesces bursts: when a run started after that moment
    has already committed, this one is skipped (it would see the same incidents) and None is
    returned. Otherwise returns the ScoringRun.

    Scoring twice for the same `as_of` stores one run: the second call returns the first run
    (a unique rule on programme and as_of backs the check made under the lock).
    """
    with transaction.atomic():
        config = get_config(programme_id)
        # Serialise runs of a programme (PostgreSQL row lock; SQLite serialises writers anyway).
        config = ScoringConfig.objects.select_for_update().get(pk=config.pk)
        if (
            requested_after is not None
            and ScoringRun.objects.filter(programme_id=programme_id, started_at__gte=requested_after).exists()
        ):
            return None
        as_of = as_of or timezone.now()
        run = _new_run(programme_id=programme_id, as_of=as_of, trigger=trigger)
        if run.finished_at is not None:
            return run  # already scored for this moment
        _compute(run, config)
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
        update_flag_suggestion(run=run, config=config)
    return run


def _new_run(*, programme_id: int, as_of, trigger: str) -> ScoringRun:
    """The programme's run for `as_of`: a new, unfinished one, or the one already stored.

    The lock taken by run_scoring makes a second run for the same moment wait and then find the
    first; the savepoint turns a duplicate that gets past it anyway into that same answer."""
    existing = ScoringRun.objects.filter(programme_id=programme_id, as_of=as_of).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ScoringRun.objects.create(programme_id=programme_id, as_of=as_of, trigger=trigger[:32])
    except IntegrityError:
        return ScoringRun.objects.get(programme_id=programme_id, as_of=as_of)


def _vendor_sql():
    if connection.vendor == "postgresql":
        return {
            # date_part gives double precision; EXTRACT gives numeric, several times slower per row.
            "epoch_days": "(date_part('epoch', i.occurred_at) / 86400.0)",
            "json": "jsonb_build_object",
        }
    if connection.vendor == "sqlite":
        # Django stores SQLite datetimes as UTC text; julianday() reads it.
        return {
            "epoch_days": "(julianday(i.occurred_at) - 2440587.5)",
            "json": "json_object",
        }
    raise NotImplementedError(f"Scoring supports PostgreSQL and SQLite, not {connection.vendor}")


def _case(column: str, mapping: dict[str, float]) -> tuple[str, list]:
    sql = "CASE " + column + " " + " ".join("WHEN %s THEN %s" for _key in mapping) + " ELSE 0.0 END"
    params = [item for key_value in mapping.items() for item in (str(key_value[0]), float(key_value[1]))]
    return sql, params


def _compute(run: ScoringRun, config: ScoringConfig) -> None:
    """Fill the run's GroupScores and ScoreContributions with set-based SQL."""
    v = _vendor_sql()
    t = {
        "incident": Incident._meta.db_table,
        "involvement": Involvement._meta.db_table,
        "membership": Membership._meta.db_table,
        "group": GroupModel._meta.db_table,
        "attribution": GroupAttribution._meta.db_table,
        "score": GroupScore._meta.db_table,
        "contribution": ScoreContribution._meta.db_table,
    }
    severity_sql, severity_params = _case("i.incident_type", severity_weights(config))
    confidence_sql, confidence_params = _case("i.confidence", confidence_multipliers(config))
    role_sql, role_params = _case("v.role", role_weights(config))
    # The incident's LOCAL date (Europe/Stockholm), the calendar that membership periods are kept in.
    date_sql, date_params = connection.ops.datetime_cast_date_sql(
        "i.occurred_at", (), timezone.get_current_timezone_name()
    )
    as_of = run.as_of
    as_of_days = as_of.timestamp() / 86400.0
    decay_rate = -math.log(2) / max(config.half_life_days, 1)
    window_start = as_of - timedelta(days=config.window_days)

    contributions_sql = f"""
        CREATE TEMP TABLE {_TMP} AS
        WITH inc AS (
            SELECT i.id AS incident_id,
                   {date_sql} AS incident_date,
                   {severity_sql} AS severity,
                   EXP(%s * (%s - {v["epoch_days"]})) AS decay,
                   {confidence_sql} AS confidence_multiplier
            FROM {t["incident"]} i
            WHERE i.programme_id = %s AND i.occurred_at > %s AND i.occurred_at <= %s
              AND i.verification_status <> %s
        ),
        scored_groups AS (
            SELECT g.id FROM {t["group"]} g WHERE g.programme_id = %s AND g.status <> %s
        ),
        member_links AS (
            -- Each involvement once per group it reaches, with the number of such groups (the split).
            -- The incident's factors travel along, so no second join with inc is needed at the end.
            SELECT v.incident_id, ms.group_id, inc.severity, inc.decay, inc.confidence_multiplier,
                   MAX({role_sql}) AS role_weight, COUNT(*) OVER (PARTITION BY v.id) AS n_groups
            FROM {t["involvement"]} v
            JOIN inc ON inc.incident_id = v.incident_id
            JOIN {t["membership"]} ms ON ms.person_id = v.person_id AND ms.status = %s
                 AND ms.start_date <= inc.incident_date
                 AND (ms.end_date IS NULL OR ms.end_date >= inc.incident_date)
            JOIN scored_groups sg ON sg.id = ms.group_id
            GROUP BY v.incident_id, v.id, ms.group_id, inc.severity, inc.decay, inc.confidence_multiplier
        ),
        shares AS (
            SELECT incident_id, group_id, severity, decay, confidence_multiplier,
                   MAX(analyst_share) AS analyst_share, MAX(member_share) AS member_share
            FROM (SELECT incident_id, group_id, severity, decay, confidence_multiplier,
                         NULL AS analyst_share, role_weight / n_groups AS member_share
                  FROM member_links
                  UNION ALL
                  SELECT a.incident_id, a.group_id, inc.severity, inc.decay, inc.confidence_multiplier,
                         CAST(a.share AS DOUBLE PRECISION), NULL
                  FROM {t["attribution"]} a
                  JOIN inc ON inc.incident_id = a.incident_id
                  JOIN scored_groups sg ON sg.id = a.group_id) routes
            GROUP BY incident_id, group_id, severity, decay, confidence_multiplier
        )
        SELECT s.incident_id, s.group_id, s.severity, s.decay, s.confidence_multiplier,
               COALESCE(s.analyst_share, s.member_share) AS share,
               CASE WHEN s.analyst_share IS NULL THEN 0 ELSE 1 END AS by_analyst,
               s.severity * s.decay * COALESCE(s.analyst_share, s.member_share) * s.confidence_multiplier
                   AS contribution
        FROM shares s
    """
    params = [
        *date_params,
        *severity_params,
        decay_rate,
        as_of_days,
        *confidence_params,
        run.programme_id,
        window_start,
        as_of,
        VerificationStatus.UNFOUNDED,
        run.programme_id,
        GroupStatus.DISSOLVED,
        *role_params,
        MembershipStatus.ACTIVE,
    ]
    scores_sql = f"""
        INSERT INTO {t["score"]} (run_id, group_id, score, {connection.ops.quote_name("rank")}, incident_count)
        SELECT %s, g.id, COALESCE(c.score, 0.0), RANK() OVER (ORDER BY COALESCE(c.score, 0.0) DESC),
               COALESCE(c.n, 0)
        FROM {t["group"]} g
        LEFT JOIN (SELECT group_id, SUM(contribution) AS score, COUNT(*) AS n
                   FROM {_TMP} WHERE contribution > 0 GROUP BY group_id) c ON c.group_id = g.id
        WHERE g.programme_id = %s AND g.status <> %s
    """
    # The detail keys are the factors FACTOR_LABELS names: a new factor gets its label there.
    top_sql = f"""
        INSERT INTO {t["contribution"]} (group_score_id, incident_id, contribution, detail)
        SELECT gs.id, r.incident_id, r.contribution,
               {v["json"]}('severity', r.severity, 'decay', r.decay, 'share', r.share,
                           'confidence_multiplier', r.confidence_multiplier, 'by_analyst', r.by_analyst)
        FROM (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.group_id ORDER BY c.contribution DESC, c.incident_id)
                         AS pos_no
              FROM {_TMP} c WHERE c.contribution > 0) r
        JOIN {t["score"]} gs ON gs.run_id = %s AND gs.group_id = r.group_id
        WHERE r.pos_no <= %s
    """
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_TMP}")
        cursor.execute(contributions_sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {_TMP}")
        cursor.execute(scores_sql, [run.pk, run.programme_id, GroupStatus.DISSOLVED])
        cursor.execute(top_sql, [run.pk, TOP_CONTRIBUTIONS])
        cursor.execute(f"DROP TABLE {_TMP}")


# --- The flag suggestion (hysteresis) -----------------------------------------------------


def _ranked(run_id: int, limit: int = 2) -> list[GroupScore]:
    """The run's leaders; ties go to the lower group id so the order is stable."""
    return list(GroupScore.objects.filter(run_id=run_id).order_by("-score", "group_id")[:limit])


def _leads_by_margin(leader_score: float, other_score: float, margin: float) -> bool:
    return leader_score > 0 and leader_score >= other_score * (1 + margin) and leader_score > other_score


def challenger_persisted(
    *,
    run: ScoringRun,
    challenger_id: int,
    incumbent_id: int | None,
    config: ScoringConfig,
    floor: float = 0.0,
) -> bool:
    """Has `challenger_id` held the lead for at least `flag_persistence_days` days up to this run?

    Holding the lead, in a run: topping the ranking with a score of at least the incumbent's ×
    (1 + margin), above the incumbent's and above `floor` (a score the group must beat, e.g.
    its rejected score grown by the margin). It must hold in every run of the last N days and in
    the last run at or before the start of that period (so the lead began N days ago or earlier).
    Time, not runs: a burst of incident-triggered runs seconds apart proves nothing. Two queries,
    however many runs the period holds.
    """
    margin = float(config.flag_margin)
    since = run.as_of - timedelta(days=config.flag_persistence_days)

    def score_of(group_id, field):
        return Subquery(GroupScore.objects.filter(run_id=OuterRef("pk"), group_id=group_id).values(field)[:1])

    runs = ScoringRun.objects.filter(programme_id=run.programme_id, finished_at__isnull=False).annotate(
        challenger_score=Coalesce(score_of(challenger_id, "score"), Value(0.0), output_field=FloatField()),
        challenger_rank=Coalesce(score_of(challenger_id, "rank"), Value(0), output_field=IntegerField()),
        incumbent_score=Coalesce(
            score_of(incumbent_id, "score") if incumbent_id else Value(0.0), Value(0.0), output_field=FloatField()
        ),
    )
    leads = (
        Q(challenger_rank=1)
        & Q(challenger_score__gt=0)
        & Q(challenger_score__gt=F("incumbent_score"))
        & Q(challenger_score__gte=F("incumbent_score") * (1 + margin))
        & Q(challenger_score__gte=floor)
    )
    start = runs.filter(as_of__lte=since).order_by("-as_of", "-id").values("pk")[:1]
    if not runs.filter(pk__in=Subquery(start)).filter(leads).exists():
        return False
    return not runs.filter(as_of__gt=since, as_of__lte=run.as_of).exclude(leads).exists()


def explanation_for(*, run: ScoringRun, config: ScoringConfig, leader: GroupScore, runner_up, reason: str) -> dict:
    """A JSON explanation a person can check: the numbers, the settings, the top incidents."""
    contributions = (
        ScoreContribution.objects.filter(group_score=leader)
        .select_related("incident")
        .order_by("-contribution", "incident_id")
    )
    return {
        "reason": reason,
        "run_id": run.pk,
        "as_of": run.as_of.isoformat(),
        "group_id": leader.group_id,
        "score": leader.score,
        "incident_count": leader.incident_count,
        "runner_up_group_id": runner_up.group_id if runner_up else None,
        "runner_up_score": runner_up.score if runner_up else None,
        "settings": config_summary(config),
        "formula": "severity × decay × share × confidence_multiplier",
        "top_incidents": [
            {
                "incident_id": c.incident_id,
                # Ids and figures only: the incident itself (its report number, its time) is read
                # through the policy, and retention then reaches it in one place.
                "incident_type": c.incident.incident_type,
                "contribution": c.contribution,
                **c.detail,
            }
            for c in contributions
        ],
    }


def _end(flag: GroupFlag, *, reason: str) -> None:
    """The job closes an open suggestion; why is kept with it (and so in its history)."""
    flag.status = FlagStatus.SUPERSEDED
    flag.end_reason = reason
    flag.ended_at = timezone.now()
    flag.save(update_fields=["status", "end_reason", "ended_at"])


def update_flag_suggestion(*, run: ScoringRun, config: ScoringConfig):
    """Suggest the most violent group, with hysteresis in time. Returns the open suggestion, if any.

    The bar is the standing flag: the open suggestion, else the confirmed flag, else the flag a
    coordinator closed last (rejected or ended), so a rejection does not lower it.
    - No flag ever: the leader (score > 0) is suggested at once.
    - The leader is the standing group: an open suggestion is refreshed with this run's numbers.
    - Another group leads: it replaces the bar only after leading it by `flag_margin` in every
      run of the last `flag_persistence_days` days (challenger_persisted).
    - A group whose last flag a coordinator rejected or ended is suggested again only when its
      score has exceeded that flag's score by the margin, for the same number of days.
    """
    ranked = _ranked(run.pk)
    if not ranked or ranked[0].score <= 0:
        return GroupFlag.objects.filter(programme_id=run.programme_id, status=FlagStatus.SUGGESTED).first()
    leader, runner_up = ranked[0], (ranked[1] if len(ranked) > 1 else None)
    margin = float(config.flag_margin)
    open_flag = (
        GroupFlag.objects.select_for_update().filter(programme_id=run.programme_id, status=FlagStatus.SUGGESTED).first()
    )
    confirmed = GroupFlag.objects.filter(programme_id=run.programme_id, status=FlagStatus.CONFIRMED).first()
    standing = open_flag or confirmed

    def suggest(reason: str) -> GroupFlag:
        if open_flag is not None:  # closed first: one open suggestion per programme
            _end(open_flag, reason=FlagEndReason.SUPERSEDED)
        new = GroupFlag.objects.create(
            programme_id=run.programme_id,
            group_id=leader.group_id,
            run=run,
            status=FlagStatus.SUGGESTED,
            score=leader.score,
            runner_up_id=runner_up.group_id if runner_up else None,
            runner_up_score=runner_up.score if runner_up else None,
            explanation=explanation_for(run=run, config=config, leader=leader, runner_up=runner_up, reason=reason),
        )
        if open_flag is not None:
            # The link to what replaced it, once that exists (the reason is already in the history).
            GroupFlag.objects.filter(pk=open_flag.pk).update(successor=new)
        return new

    if standing is not None and standing.group_id == leader.group_id:
        if open_flag is not None:
            open_flag.run = run
            open_flag.score = leader.score
            open_flag.runner_up_id = runner_up.group_id if runner_up else None
            open_flag.runner_up_score = runner_up.score if runner_up else None
            open_flag.explanation = explanation_for(
                run=run,
                config=config,
                leader=leader,
                runner_up=runner_up,
                reason=open_flag.explanation.get("reason") or "leader",
            )
            open_flag.save(update_fields=["run", "score", "runner_up", "runner_up_score", "explanation"])
        return open_flag

    # The leader's own last flag that a coordinator closed sets a floor it must grow past.
    own_last = (
        GroupFlag.objects.filter(programme_id=run.programme_id, group_id=leader.group_id)
        .exclude(status=FlagStatus.SUPERSEDED)
        .order_by("-suggested_at", "-id")
        .first()
    )
    floor = 0.0
    if own_last is not None and own_last.end_reason in CLOSED_BY_COORDINATOR:
        if not _leads_by_margin(leader.score, own_last.score, margin):
            return open_flag
        floor = own_last.score * (1 + margin)

    bar = standing or (
        GroupFlag.objects.filter(programme_id=run.programme_id, end_reason__in=CLOSED_BY_COORDINATOR)
        .order_by(F("ended_at").desc(nulls_last=True), "-id")
        .first()
    )
    if bar is None:
        return suggest("first_leader")
    incumbent_id = None if bar.group_id == leader.group_id else bar.group_id
    if not challenger_persisted(
        run=run, challenger_id=leader.group_id, incumbent_id=incumbent_id, config=config, floor=floor
    ):
        return open_flag
    if confirmed is not None and confirmed.group_id == leader.group_id:
        # The confirmed group leads again: the open suggestion of another group lapses.
        _end(open_flag, reason=FlagEndReason.FLAGGED_GROUP_LEADS)
        return None
    return suggest("leader_persisted_with_margin")
