"""The violence score, the exposure beside it, and the flag suggestion, computed in the database.

A group's **violence score** on a moment `as_of` is

    score(g) = Σ over incidents i in the window of
               severity(i) × decay(i) × share(i, g) × confidence(i)

and its **exposure** is the same sum with the victim share instead. Only the violence score
ranks groups and decides the flag; exposure (how much the members are hit as victims, a
retaliation risk) is shown beside it.

- severity: the programme's weight for the incident type (IncidentTypeWeight) plus
  killed × killed_weight + injured × injured_weight (ScoringConfig).
- decay: 0.5 ** (age in days / half-life), age = as_of − occurred_at. Incidents older than
  `window_days`, in the future, or *unfounded* or *disputed* do not count.
- confidence: the multiplier for the incident's confidence level (ScoringConfig.confidence_multipliers,
  defaults in DEFAULT_CONFIDENCE_MULTIPLIERS).
- share(i, g), the violence share, in [0, 1]:
  * If an analyst attributed i to g (GroupAttribution) and a second person confirmed it, that
    share is used: the analyst's judgement replaces what memberships say, for that group only.
  * Otherwise the suspects: each suspect involvement reaches the groups the person was a member
    of on the incident date (a membership that was valid then: active, or ended or lapsed after
    that day; never proposed, rejected or contested while the contest is pending). Each link
    weighs suspect_weight × mult(involvement confidence) × mult(membership confidence), split
    equally between the groups the involvement reaches. share(i, g) is the LARGEST such value
    over the suspects that reach g: three suspects of one group count the incident once.
- The exposure share is the same over victim involvements, with victim_weight. Witnesses count
  in neither measure.

Each run stores a ScoringRun, a GroupScore per group (score, rank, exposure, counts) and EVERY
contribution (ScoreContribution, one per incident, group and measure) with what the run saw of
the incident, so a score is the sum of its stored contributions and an old explanation survives
a later correction. The sums are made by set-based SQL into a temporary table; nothing loads
incidents into Python. docs/scoring.md says the same at length, with a worked example.

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

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, FloatField, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gvi.models import (
    CLOSED_BY_COORDINATOR,
    AttributionStatus,
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
    Measure,
    Membership,
    MembershipStatus,
    ScoreContribution,
    ScoreTerm,
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
TOP_CONTRIBUTIONS = 10  # incidents listed in a flag's JSON explanation (every one is stored as a row)
# Incidents that do not count: found unfounded, or disputed until the dispute is resolved.
EXCLUDED_VERIFICATION = (VerificationStatus.UNFOUNDED, VerificationStatus.DISPUTED)

# The factors stored with each contribution (ScoreContribution columns, written by _compute) and
# in the flag explanation's top incidents, in the formula's order, with the names people read.
# The one mapping: every page and export that explains a score labels the factors through it;
# the stored data and the API keep the keys.
FACTOR_LABELS = {
    "type_weight": _("Weight of the incident type"),
    "killed": _("Killed"),
    "injured": _("Injured"),
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
    """Suspects feed the violence score, victims the exposure; witnesses count in neither."""
    return {
        InvolvementRole.SUSPECT: float(config.suspect_weight),
        InvolvementRole.VICTIM: float(config.victim_weight),
    }


def casualty_weights(config: ScoringConfig) -> dict[str, float]:
    """What each person killed or injured adds to the incident's severity weight."""
    return {"killed": float(config.killed_weight), "injured": float(config.injured_weight)}


def config_summary(config: ScoringConfig) -> dict:
    """The settings a run used, stored in the flag explanation so it can be checked later."""
    return {
        "half_life_days": config.half_life_days,
        "window_days": config.window_days,
        "severity_weights": severity_weights(config),
        "role_weights": {str(k): v for k, v in role_weights(config).items()},
        "casualty_weights": casualty_weights(config),
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


def run_scoring(
    *, programme_id: int, trigger: str = "schedule", as_of=None, requested_after=None, verify: bool = False
):
    """Score every group of a programme; store a snapshot; update the flag suggestion.

    All or nothing in one transaction. Runs of one programme are serialised by a row lock on
    its ScoringConfig. `requested_after` coalesces bursts: when a run started after that moment
    has already committed, this one is skipped (it would see the same incidents) and None is
    returned. Otherwise returns the ScoringRun.

    Scoring twice for the same `as_of` stores one run: the second call returns the first run
    (a unique rule on programme and as_of backs the check made under the lock).

    `verify` (the nightly check): the incremental state (gvi.scoring_state) is compared with this
    full recomputation, any drift is logged and repaired, and the state is re-based on it.
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
        from gvi import scoring_state

        now = as_of is None
        as_of = as_of or timezone.now()
        taken = None
        if verify or now:
            # The incremental state takes every pending change in first (it is then current).
            taken = scoring_state.take_pending(programme_id=programme_id, config=config, as_of=as_of)
            upto = scoring_state.pending_upto(programme_id)
        run = _new_run(programme_id=programme_id, as_of=as_of, trigger=trigger)
        if run.finished_at is not None:
            return run  # already scored for this moment
        if taken is not None and not verify:
            # A current state: the scores summed straight from the scoring function (as the
            # floor), the explained groups' rows from the state's terms (the same products).
            _compute_scores_only(run, config)
            with connection.cursor() as cursor:
                groups = explained_group_ids(cursor, run)
            scoring_state.explain_from_terms(run, config, groups)
        else:
            _compute(run, config)  # a failure rolls back the transaction, the temporary table with it
            if verify:
                scoring_state.check_and_rebase(run=run, config=config, pending_upto=upto)
            _drop_temp()
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


def _tables() -> dict[str, str]:
    return {
        "incident": Incident._meta.db_table,
        "involvement": Involvement._meta.db_table,
        "membership": Membership._meta.db_table,
        "group": GroupModel._meta.db_table,
        "attribution": GroupAttribution._meta.db_table,
        "score": GroupScore._meta.db_table,
        "contribution": ScoreContribution._meta.db_table,
        "term": ScoreTerm._meta.db_table,
    }


def decay_rate(config: ScoringConfig) -> float:
    """The exponent per day: decay = exp(rate × age in days) = 0.5 ** (age / half-life)."""
    return -math.log(2) / max(config.half_life_days, 1)


def _epoch_days_sql(column: str) -> str:
    """Days since the Unix epoch of a datetime column, as a double, in this database's SQL."""
    return _vendor_sql()["epoch_days"].replace("i.occurred_at", column)


def _only_incidents_sql(incident_ids: list[int] | str | None) -> tuple[str, list]:
    """The optional restriction to some incidents: a subquery giving the ids, a list, or none."""
    if isinstance(incident_ids, str):
        return f" AND incident.id IN ({incident_ids})", []
    if incident_ids is None:
        return "", []
    if not incident_ids:
        return " AND 1 = 0", []
    return f" AND incident.id IN ({', '.join(['%s'] * len(incident_ids))})", list(incident_ids)


def _window_incidents_cte(
    config: ScoringConfig, *, programme_id: int, as_of, incident_ids: list[int] | str | None
) -> tuple[str, list]:
    """`window_incidents`: the programme's counted incidents of the window, with the factors that
    depend only on the incident (type weight, decay at `as_of`, confidence) and its local date."""
    type_sql, type_params = _case("incident.incident_type", severity_weights(config))
    confidence_sql, confidence_params = _case("incident.confidence", confidence_multipliers(config))
    # The incident's LOCAL date (Europe/Stockholm), the calendar that membership periods are kept in.
    date_sql, date_params = connection.ops.datetime_cast_date_sql(
        "incident.occurred_at", (), timezone.get_current_timezone_name()
    )
    only_sql, only_params = _only_incidents_sql(incident_ids)
    sql = f"""
        window_incidents AS (
            SELECT incident.id AS incident_id, incident.incident_type, incident.occurred_at,
                   incident.killed, incident.injured,
                   {date_sql} AS incident_date,
                   {type_sql} AS type_weight,
                   EXP(%s * (%s - {_epoch_days_sql("incident.occurred_at")})) AS decay,
                   {confidence_sql} AS confidence_multiplier
            FROM {Incident._meta.db_table} incident
            WHERE incident.programme_id = %s AND incident.occurred_at > %s AND incident.occurred_at <= %s
              AND incident.verification_status NOT IN (%s, %s){only_sql}
        )"""
    params = [
        *date_params,
        *type_params,
        decay_rate(config),
        as_of.timestamp() / 86400.0,
        *confidence_params,
        programme_id,
        as_of - timedelta(days=config.window_days),
        as_of,
        *EXCLUDED_VERIFICATION,
        *only_params,
    ]
    return sql, params


def _scored_groups_cte(programme_id: int) -> tuple[str, list]:
    """`scored_groups`: the programme's groups that are scored (not dissolved)."""
    sql = f"""
        scored_groups AS (
            SELECT grp.id FROM {GroupModel._meta.db_table} grp WHERE grp.programme_id = %s AND grp.status <> %s
        )"""
    return sql, [programme_id, GroupStatus.DISSOLVED]


def _member_links_cte(config: ScoringConfig) -> tuple[str, list]:
    """`member_links`: each suspect or victim involvement once per group the person was a member
    of on the incident date, with the number of such groups (the split).

    A membership counts for the days it was valid: an active one in its period; an ended one up
    to its end date; a lapsed one up to its review date (else its end date). One without a known
    end, and proposed, rejected or any other status, never. A pending contest (restricted
    listing) stops it counting."""
    multipliers = confidence_multipliers(config)
    role_sql, role_params = _case("involvement.role", role_weights(config))
    involvement_conf_sql, involvement_conf_params = _case("involvement.confidence", multipliers)
    membership_conf_sql, membership_conf_params = _case("membership.confidence", multipliers)
    sql = f"""
        member_links AS (
            SELECT involvement.incident_id, membership.group_id, involvement.role,
                   MAX({role_sql} * {involvement_conf_sql} * {membership_conf_sql}) AS link_weight,
                   COUNT(*) OVER (PARTITION BY involvement.id) AS n_groups
            FROM {Involvement._meta.db_table} involvement
            JOIN window_incidents ON window_incidents.incident_id = involvement.incident_id
            JOIN {Membership._meta.db_table} membership ON membership.person_id = involvement.person_id
                 AND membership.is_contested = %s
                 AND membership.start_date <= window_incidents.incident_date
                 AND (membership.end_date IS NULL OR membership.end_date >= window_incidents.incident_date)
                 AND (membership.status = %s
                      OR (membership.status = %s AND membership.end_date >= window_incidents.incident_date)
                      OR (membership.status = %s
                          AND COALESCE(membership.review_due, membership.end_date) >= window_incidents.incident_date))
            JOIN scored_groups ON scored_groups.id = membership.group_id
            WHERE involvement.role IN (%s, %s)
            GROUP BY involvement.incident_id, involvement.id, involvement.role, membership.group_id
        )"""
    params = [
        *role_params,
        *involvement_conf_params,
        *membership_conf_params,
        False,
        MembershipStatus.ACTIVE,
        MembershipStatus.ENDED,
        MembershipStatus.LAPSED,
        InvolvementRole.SUSPECT,
        InvolvementRole.VICTIM,
    ]
    return sql, params


def _routes_cte() -> tuple[str, list]:
    """`routes`: every way an incident reaches a group, a row each: through a member's
    involvement (a suspect's or a victim's share) or through an analyst's attribution that a
    second person confirmed (four eyes)."""
    sql = f"""
        routes AS (
            SELECT incident_id, group_id,
                   CASE WHEN role = %s THEN link_weight / n_groups END AS suspect_share,
                   CASE WHEN role = %s THEN link_weight / n_groups END AS victim_share,
                   NULL AS analyst_share, NULL AS attributed_by_id, NULL AS confirmed_by_id
            FROM member_links
            UNION ALL
            SELECT attribution.incident_id, attribution.group_id, NULL, NULL,
                   CAST(attribution.share AS DOUBLE PRECISION),
                   attribution.created_by_id, attribution.confirmed_by_id
            FROM {GroupAttribution._meta.db_table} attribution
            JOIN window_incidents ON window_incidents.incident_id = attribution.incident_id
            JOIN scored_groups ON scored_groups.id = attribution.group_id
            WHERE attribution.status = %s
        )"""
    return sql, [InvolvementRole.SUSPECT, InvolvementRole.VICTIM, AttributionStatus.CONFIRMED]


def _shares_cte() -> tuple[str, list]:
    """`shares`: one row per (incident, group) with the largest share of each route."""
    sql = """
        shares AS (
            SELECT incident_id, group_id, MAX(suspect_share) AS suspect_share,
                   MAX(victim_share) AS victim_share, MAX(analyst_share) AS analyst_share,
                   MAX(attributed_by_id) AS attributed_by_id, MAX(confirmed_by_id) AS confirmed_by_id
            FROM routes GROUP BY incident_id, group_id
        )"""
    return sql, []


def _contributions_from_shares(config: ScoringConfig) -> tuple[str, list]:
    """The final SELECT: each (incident, group) pair with its factors, severity, `violence`
    (an analyst's share replaces the suspects') and `exposure` (the victims' share)."""
    casualty = casualty_weights(config)
    sql = """
        SELECT pair.*,
               pair.severity * pair.decay * pair.violence_share * pair.confidence_multiplier AS violence,
               pair.severity * pair.decay * pair.exposure_share * pair.confidence_multiplier AS exposure
        FROM (SELECT shares.incident_id, shares.group_id, window_incidents.incident_type,
                     window_incidents.occurred_at, window_incidents.type_weight,
                     window_incidents.killed, window_incidents.injured,
                     window_incidents.type_weight + window_incidents.killed * %s
                         + window_incidents.injured * %s AS severity,
                     window_incidents.decay, window_incidents.confidence_multiplier,
                     COALESCE(shares.analyst_share, shares.suspect_share) AS violence_share,
                     CASE WHEN shares.analyst_share IS NULL THEN 0 ELSE 1 END AS by_analyst,
                     shares.attributed_by_id, shares.confirmed_by_id, shares.victim_share AS exposure_share
              FROM shares JOIN window_incidents ON window_incidents.incident_id = shares.incident_id) pair
    """
    return sql, [casualty["killed"], casualty["injured"]]


def contributions_select(
    config: ScoringConfig, *, programme_id: int, as_of, incident_ids: list[int] | str | None = None
) -> tuple[str, list]:
    """THE scoring function, as one SELECT: a row per (incident, group) pair that either measure
    reaches, with the factors, the decay at `as_of`, `violence` and `exposure`.

    The full run selects every incident of the window into a temporary table; the incremental
    update (gvi.scoring_state) selects only the incidents a change touched (`incident_ids`) and
    keeps the rows without the decay as its state. One function, so the two cannot disagree
    about the rules. Each step is a named common table expression built by its own function.
    """
    steps = [
        _window_incidents_cte(config, programme_id=programme_id, as_of=as_of, incident_ids=incident_ids),
        _scored_groups_cte(programme_id),
        _member_links_cte(config),
        _routes_cte(),
        _shares_cte(),
    ]
    final_sql, final_params = _contributions_from_shares(config)
    sql = "WITH " + ",".join(step_sql for step_sql, _params in steps) + "\n" + final_sql
    params = [param for _sql, step_params in steps for param in step_params] + final_params
    return sql, params


def explained_groups_sql() -> str:
    """The groups of a run whose every contribution is stored: the first ranks
    (GVI_SCORING_EXPLAINED_RANKS) and the groups of the programme's open suggestion and confirmed
    flag, so every explanation a flag refers to is kept as the run saw it. The other groups'
    contributions are computed on demand by the same function (gvi.scoring_state.contributions_now)."""
    return f"""
        (gs.{connection.ops.quote_name("rank")} <= %s
         OR gs.group_id IN (SELECT f.group_id FROM {GroupFlag._meta.db_table} f
                            WHERE f.programme_id = %s AND f.status IN (%s, %s)))
    """


def explained_group_ids(cursor, run: ScoringRun) -> list[int]:
    """The explained groups of a run whose GroupScores are stored (a handful)."""
    cursor.execute(
        f"SELECT gs.group_id FROM {GroupScore._meta.db_table} gs WHERE gs.run_id = %s AND {explained_groups_sql()}",
        [run.pk, *explained_params(run.programme_id)],
    )
    return sorted(row[0] for row in cursor.fetchall())


def explained_params(programme_id: int) -> list:
    return [settings.GVI_SCORING_EXPLAINED_RANKS, programme_id, FlagStatus.SUGGESTED, FlagStatus.CONFIRMED]


def _scores_insert_sql(contributions_source: str) -> str:
    """Every scored group's GroupScore for a run, summed from `contributions_source` (a table or
    a parenthesised SELECT of the scoring function). Parameters: the run id, the source's own,
    the programme id, the dissolved status. The score is the sum of exactly the rows stored as
    contributions (violence > 0)."""
    rank = connection.ops.quote_name("rank")
    return f"""
        INSERT INTO {GroupScore._meta.db_table} (run_id, group_id, score, {rank}, incident_count,
                                                 exposure, exposure_incident_count)
        SELECT %s, grp.id, COALESCE(totals.score, 0.0), RANK() OVER (ORDER BY COALESCE(totals.score, 0.0) DESC),
               COALESCE(totals.n, 0), COALESCE(totals.exposure, 0.0), COALESCE(totals.exposure_n, 0)
        FROM {GroupModel._meta.db_table} grp
        LEFT JOIN (SELECT group_id,
                          SUM(CASE WHEN violence > 0 THEN violence ELSE 0.0 END) AS score,
                          SUM(CASE WHEN violence > 0 THEN 1 ELSE 0 END) AS n,
                          SUM(CASE WHEN exposure > 0 THEN exposure ELSE 0.0 END) AS exposure,
                          SUM(CASE WHEN exposure > 0 THEN 1 ELSE 0 END) AS exposure_n
                   FROM {contributions_source} contributions GROUP BY group_id) totals ON totals.group_id = grp.id
        WHERE grp.programme_id = %s AND grp.status <> %s
    """


# Per measure: the amount and share columns, whether an analyst's attribution is kept with it,
# and which rows are stored. An analyst's share of 0 is kept too (it adds nothing, but explains
# why the group's suspects do not count).
_CONTRIBUTION_MEASURES = (
    (Measure.VIOLENCE, "violence", "violence_share", "c.by_analyst", "c.violence > 0 OR c.by_analyst = 1"),
    (Measure.EXPOSURE, "exposure", "exposure_share", "0", "c.exposure > 0"),
)


def _contributions_insert_sql(measure: str, amount: str, share: str, by_analyst: str, where: str, source: str) -> str:
    """Every contribution of one measure to the run's explained groups, with what the run saw of
    the incident. The factor columns are the keys FACTOR_LABELS names: a new factor gets its
    label there. Parameters: the source's own, the run id, explained_params."""
    return f"""
        INSERT INTO {ScoreContribution._meta.db_table} (group_score_id, measure, incident_id, incident_type,
                                         occurred_at, contribution, type_weight, killed, injured, severity, decay,
                                         share, confidence_multiplier, by_analyst, attributed_by_id, confirmed_by_id)
        SELECT gs.id, '{measure}', c.incident_id, c.incident_type, c.occurred_at, COALESCE(c.{amount}, 0.0),
               c.type_weight, c.killed, c.injured, c.severity, c.decay, c.{share}, c.confidence_multiplier,
               {by_analyst} = 1,
               {"c.attributed_by_id, c.confirmed_by_id" if by_analyst != "0" else "NULL, NULL"}
        FROM {source} c
        JOIN {GroupScore._meta.db_table} gs ON gs.run_id = %s AND gs.group_id = c.group_id
        WHERE ({where}) AND {explained_groups_sql()}
    """


def _insert_contributions(cursor, run: ScoringRun, source: str, source_params: list) -> None:
    """The explained groups' contributions of both measures, from `source`."""
    for measure, amount, share, by_analyst, where in _CONTRIBUTION_MEASURES:
        cursor.execute(
            _contributions_insert_sql(measure, amount, share, by_analyst, where, source),
            [*source_params, run.pk, *explained_params(run.programme_id)],
        )


def _fill_temp_contributions(cursor, run: ScoringRun, config: ScoringConfig) -> None:
    """Every contribution of the run into the temporary table `_TMP` (replacing any left over)."""
    select_sql, params = contributions_select(config, programme_id=run.programme_id, as_of=run.as_of)
    cursor.execute(f"DROP TABLE IF EXISTS {_TMP}")
    cursor.execute(f"CREATE TEMP TABLE {_TMP} AS {select_sql}", params)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {_TMP}")


def _compute(run: ScoringRun, config: ScoringConfig) -> None:
    """Fill the run's GroupScores (every group) and the contributions of the explained groups
    with set-based SQL. Every contribution is first kept in a temporary table, which stays for
    the caller (the nightly check compares it with the incremental state); `_drop_temp` removes
    it. (Summing the scores straight from the scoring function and then calling it again for
    the incidents that reach the explained groups was tried: slower at national scale, where
    the first groups reach a fifth of the incidents; bench/README.md.)"""
    with connection.cursor() as cursor:
        _fill_temp_contributions(cursor, run, config)
        cursor.execute(_scores_insert_sql(_TMP), [run.pk, run.programme_id, GroupStatus.DISSOLVED])
        _insert_contributions(cursor, run, _TMP, [])


def _compute_scores_only(run: ScoringRun, config: ScoringConfig) -> None:
    """Every group's GroupScore summed straight from the scoring function, one statement."""
    select_sql, params = contributions_select(config, programme_id=run.programme_id, as_of=run.as_of)
    with connection.cursor() as cursor:
        cursor.execute(
            _scores_insert_sql(f"({select_sql})"), [run.pk, *params, run.programme_id, GroupStatus.DISSOLVED]
        )


def _drop_temp() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_TMP}")


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
    """A JSON explanation a person can check: the numbers, the settings, the largest incidents and
    one line for the rest. Every contribution is kept as a ScoreContribution row of the run."""
    contributions = list(
        ScoreContribution.objects.filter(group_score=leader, measure=Measure.VIOLENCE).order_by(
            "-contribution", "incident_id"
        )[:TOP_CONTRIBUTIONS]
    )
    shown = math.fsum(c.contribution for c in contributions)
    shown_count = sum(1 for c in contributions if c.contribution > 0)
    return {
        "reason": reason,
        "run_id": run.pk,
        "as_of": run.as_of.isoformat(),
        "group_id": leader.group_id,
        "score": leader.score,
        "incident_count": leader.incident_count,
        "exposure": leader.exposure,
        "exposure_incident_count": leader.exposure_incident_count,
        "runner_up_group_id": runner_up.group_id if runner_up else None,
        "runner_up_score": runner_up.score if runner_up else None,
        "settings": config_summary(config),
        "formula": "(type_weight + killed × killed_weight + injured × injured_weight) × decay × share"
        " × confidence_multiplier",
        "top_incidents": [
            {
                # Ids and figures only, as the run saw them: the incident itself (its report number)
                # is read through the policy, and retention then reaches it in one place.
                "incident_id": c.incident_id,
                "incident_type": c.incident_type,
                "contribution": c.contribution,
                **c.factor_values,
                **(
                    {"attributed_by_id": c.attributed_by_id, "confirmed_by_id": c.confirmed_by_id}
                    if c.by_analyst
                    else {}
                ),
            }
            for c in contributions
        ],
        # Every other contribution in one line, so the explanation adds up to the score.
        "rest": {"incident_count": max(leader.incident_count - shown_count, 0), "contribution": leader.score - shown},
    }


def _end(flag: GroupFlag, *, reason: str) -> None:
    """The job closes an open suggestion; why is kept with it (and so in its history)."""
    flag.status = FlagStatus.SUPERSEDED
    flag.end_reason = reason
    flag.ended_at = timezone.now()
    flag.save(update_fields=["status", "end_reason", "ended_at"])


def _suggest(
    *, run: ScoringRun, config: ScoringConfig, leader: GroupScore, runner_up, reason: str, open_flag, explain
) -> GroupFlag:
    """A new suggestion of the leader; the open one, if any, is closed first (one open suggestion
    per programme) and linked to what replaced it."""
    if explain is not None:
        explain(leader)  # an incremental run stores the new flag's contributions now
    if open_flag is not None:
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


def _refresh_suggestion(
    open_flag: GroupFlag, *, run: ScoringRun, config: ScoringConfig, leader: GroupScore, runner_up
) -> None:
    """The open suggestion of the leading group, moved to this run's numbers and explanation."""
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


def _coordinator_floor(*, programme_id: int, leader: GroupScore, margin: float) -> float | None:
    """The score the leader must beat because a coordinator closed its last flag (rejected or
    ended): 0.0 when no such flag, None when the leader has not yet grown past it by the margin."""
    own_last = (
        GroupFlag.objects.filter(programme_id=programme_id, group_id=leader.group_id)
        .exclude(status=FlagStatus.SUPERSEDED)
        .order_by("-suggested_at", "-id")
        .first()
    )
    if own_last is None or own_last.end_reason not in CLOSED_BY_COORDINATOR:
        return 0.0
    if not _leads_by_margin(leader.score, own_last.score, margin):
        return None
    return own_last.score * (1 + margin)


def _last_closed_by_coordinator(programme_id: int) -> GroupFlag | None:
    """The flag a coordinator closed last (rejected or ended)."""
    return (
        GroupFlag.objects.filter(programme_id=programme_id, end_reason__in=CLOSED_BY_COORDINATOR)
        .order_by(F("ended_at").desc(nulls_last=True), "-id")
        .first()
    )


def update_flag_suggestion(*, run: ScoringRun, config: ScoringConfig, explain=None):
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
    open_flag = (
        GroupFlag.objects.select_for_update().filter(programme_id=run.programme_id, status=FlagStatus.SUGGESTED).first()
    )
    confirmed = GroupFlag.objects.filter(programme_id=run.programme_id, status=FlagStatus.CONFIRMED).first()
    standing = open_flag or confirmed

    def suggest(reason: str) -> GroupFlag:
        return _suggest(
            run=run,
            config=config,
            leader=leader,
            runner_up=runner_up,
            reason=reason,
            open_flag=open_flag,
            explain=explain,
        )

    if standing is not None and standing.group_id == leader.group_id:
        # An incremental run (explain given) leaves the open suggestion on the run that made or
        # last refreshed it, with that run's full explanation; the full runs refresh it.
        if open_flag is not None and explain is None:
            _refresh_suggestion(open_flag, run=run, config=config, leader=leader, runner_up=runner_up)
        return open_flag

    floor = _coordinator_floor(programme_id=run.programme_id, leader=leader, margin=float(config.flag_margin))
    if floor is None:
        return open_flag
    bar = standing or _last_closed_by_coordinator(run.programme_id)
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
