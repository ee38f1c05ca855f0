"""Incremental scoring: a change reaches the score and the flag suggestion in well under 2 s.

With exponential decay, a group's score at any moment is its sum at a reference moment times one
factor: score(g, t) = S(g) × 0.5 ** ((t − reference) / half-life). So the state is

- `ScoreTerm`: what each (incident, group) pair gives before decay, computed by THE scoring
  function (`gvi.scoring.contributions_select`, the same SELECT the full run uses);
- `GroupScoreState`: each group's sums at `ScoreState.reference_at`, and how many incidents
  count (a group whose count falls to 0 has a score of exactly 0, not a rounding residue);
- `ScoreState`: the settings the state was built with and the window it stands at;
- `ScorePending`: changes written by the services in the changing transaction (an incident, or
  every incident of a person or a group), taken by the next update.

An update (`run_incremental`), under the programme's lock:
1. takes the pending changes and expands them to incident ids;
2. moves the window: the terms of incidents that left it since the last update are subtracted;
3. for each touched incident, subtracts its old terms and adds its new ones (a retracted,
   disputed or deleted incident has none);
4. stores a ScoringRun with every group's score from the sums (one INSERT … SELECT, rank in SQL)
   and the contributions of the explained groups (gvi.scoring.explained_groups_sql) from their
   terms with the decay at the run's moment, the same arithmetic as the full run;
5. updates the flag suggestion, as a full run does.
Its cost depends on the incidents the change touches and the number of groups, not on the
history.

The full recomputation stays as the nightly check (`gvi.scoring.run_scoring(verify=True)`,
`tasks.scoring.verify_scores`): it compares every group's score and count and every term with
the full run's, logs any drift and rebuilds the state from the full run when there is one, and
re-bases the sums on the full run's figures in any case (so rounding cannot accumulate). A
change of the scoring settings rebuilds the state at the next update. docs/scoring.md.
"""

import json
import logging
import math
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from gvi.models import (
    GroupAttribution,
    GroupScore,
    GroupScoreState,
    Involvement,
    InvolvementRole,
    Membership,
    ScorePending,
    ScoreState,
    ScoreTerm,
    ScoringConfig,
    ScoringRun,
)
from gvi.scoring import (
    _TMP,
    _epoch_days_sql,
    _new_run,
    _tables,
    casualty_weights,
    confidence_multipliers,
    contributions_select,
    decay_rate,
    get_config,
    role_weights,
    severity_weights,
    update_flag_suggestion,
)

logger = logging.getLogger(__name__)

# Scores and terms of the state and of the full run agree to this (relative); beyond it is drift.
TOLERANCE = 1e-9
_CHUNK = 500  # incident ids per statement

_TERM_COLUMNS = (
    "programme_id, incident_id, group_id, occurred_at, incident_type, type_weight, killed, injured, severity,"
    " confidence_multiplier, violence_share, by_analyst, attributed_by_id, confirmed_by_id, exposure_share,"
    " violence_base, exposure_base"
)


def _term_values(alias: str) -> str:
    """The term columns from a row of the scoring function (a subquery or the temporary table)."""
    c = alias
    return (
        f"%s, {c}.incident_id, {c}.group_id, {c}.occurred_at, {c}.incident_type, {c}.type_weight, {c}.killed,"
        f" {c}.injured, {c}.severity, {c}.confidence_multiplier, {c}.violence_share, {c}.by_analyst = 1,"
        f" CASE WHEN {c}.by_analyst = 1 THEN {c}.attributed_by_id END,"
        f" CASE WHEN {c}.by_analyst = 1 THEN {c}.confirmed_by_id END, {c}.exposure_share,"
        f" {c}.severity * COALESCE({c}.violence_share, 0.0) * {c}.confidence_multiplier,"
        f" {c}.severity * COALESCE({c}.exposure_share, 0.0) * {c}.confidence_multiplier"
    )


def settings_key(config: ScoringConfig) -> str:
    """What the terms depend on: a change of any of these rebuilds the state."""
    return json.dumps(
        {
            "half_life_days": config.half_life_days,
            "window_days": config.window_days,
            "severity_weights": severity_weights(config),
            "role_weights": {str(k): v for k, v in role_weights(config).items()},
            "casualty_weights": casualty_weights(config),
            "confidence_multipliers": confidence_multipliers(config),
        },
        sort_keys=True,
    )


def _days(moment) -> float:
    return moment.timestamp() / 86400.0


# --- Taking changes in -----------------------------------------------------------------------


def _pending_incidents(programme_id: int, upto: int) -> set[int]:
    """The incidents the pending changes touch."""
    rows = list(
        ScorePending.objects.filter(programme_id=programme_id, pk__lte=upto).values_list(
            "incident_id", "person_id", "group_id"
        )
    )
    incidents = {i for i, _p, _g in rows if i}
    persons = {p for _i, p, _g in rows if p}
    groups = {g for _i, _p, g in rows if g}
    roles = [InvolvementRole.SUSPECT, InvolvementRole.VICTIM]
    if groups:
        # Everyone who was ever listed in the group: the split of their incidents may change too.
        persons |= set(Membership.objects.filter(group_id__in=groups).values_list("person_id", flat=True))
        incidents |= set(GroupAttribution.objects.filter(group_id__in=groups).values_list("incident_id", flat=True))
        incidents |= set(ScoreTerm.objects.filter(group_id__in=groups).values_list("incident_id", flat=True))
    if persons:
        incidents |= set(
            Involvement.objects.filter(person_id__in=persons, role__in=roles).values_list("incident_id", flat=True)
        )
    return incidents


def _sums(where: str, params: list, reference_days: float, rate: float) -> dict[int, list]:
    """Per group: [violence, violence count, exposure, exposure count] of the matching terms at
    the reference moment."""
    t = _tables()
    sql = f"""
        SELECT group_id,
               SUM(violence_base * EXP(%s * (%s - {_epoch_days_sql("occurred_at")}))),
               SUM(CASE WHEN violence_base > 0 THEN 1 ELSE 0 END),
               SUM(exposure_base * EXP(%s * (%s - {_epoch_days_sql("occurred_at")}))),
               SUM(CASE WHEN exposure_base > 0 THEN 1 ELSE 0 END)
        FROM {t["term"]} WHERE {where} GROUP BY group_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [rate, reference_days, rate, reference_days, *params])
        return {row[0]: [row[1] or 0.0, row[2] or 0, row[3] or 0.0, row[4] or 0] for row in cursor.fetchall()}


def _apply(programme_id: int, deltas: dict[int, list]) -> None:
    """Add per-group deltas to the sums (one row per touched group)."""
    deltas = {g: d for g, d in deltas.items() if any(d)}
    if not deltas:
        return
    states = {s.group_id: s for s in GroupScoreState.objects.filter(group_id__in=list(deltas))}
    new = []
    for group_id, (violence, violence_n, exposure, exposure_n) in deltas.items():
        state = states.get(group_id)
        if state is None:
            state = GroupScoreState(programme_id=programme_id, group_id=group_id)
            new.append(state)
        state.violence += violence
        state.violence_n += violence_n
        state.exposure += exposure
        state.exposure_n += exposure_n
        if state.violence_n == 0:
            state.violence = 0.0  # nothing counts: exactly 0, not a rounding residue
        if state.exposure_n == 0:
            state.exposure = 0.0
    GroupScoreState.objects.bulk_create(new)
    existing = list(states.values())
    if existing:
        GroupScoreState.objects.bulk_update(existing, ["violence", "violence_n", "exposure", "exposure_n"])


def _combine(plus: dict, minus: dict) -> dict[int, list]:
    out: dict[int, list] = {}
    for sign, sums in ((1, plus), (-1, minus)):
        for group_id, values in sums.items():
            row = out.setdefault(group_id, [0.0, 0, 0.0, 0])
            for k in range(4):
                row[k] += sign * values[k]
    return out


def _advance_window(state: ScoreState, config: ScoringConfig, as_of) -> None:
    """Subtract the terms of incidents that left the window since the last update."""
    through = as_of - timedelta(days=config.window_days)
    if through <= state.window_through:
        return
    where = "programme_id = %s AND occurred_at > %s AND occurred_at <= %s"
    params = [state.programme_id, state.window_through, through]
    leaving = _sums(where, params, _days(state.reference_at), decay_rate(config))
    _apply(state.programme_id, _combine({}, leaving))
    ScoreTerm.objects.filter(programme_id=state.programme_id, occurred_at__lte=through).delete()
    state.window_through = through


def _replace_terms(state: ScoreState, config: ScoringConfig, incident_ids: list[int], as_of) -> None:
    """Each incident's old terms out, its new ones (THE scoring function at `as_of`) in."""
    t = _tables()
    rate, reference = decay_rate(config), _days(state.reference_at)
    for start in range(0, len(incident_ids), _CHUNK):
        chunk = incident_ids[start : start + _CHUNK]
        marks = ", ".join(["%s"] * len(chunk))
        where = f"programme_id = %s AND incident_id IN ({marks}) AND occurred_at > %s"
        params = [state.programme_id, *chunk, state.window_through]
        old = _sums(where, params, reference, rate)
        ScoreTerm.objects.filter(programme_id=state.programme_id, incident_id__in=chunk).delete()
        select_sql, select_params = contributions_select(
            config, programme_id=state.programme_id, as_of=as_of, incident_ids=chunk
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {t['term']} ({_TERM_COLUMNS}) SELECT {_term_values('c')} FROM ({select_sql}) c",
                [state.programme_id, *select_params],
            )
        new = _sums(where, params, reference, rate)
        _apply(state.programme_id, _combine(new, old))


def pending_upto(programme_id: int) -> int | None:
    """The last pending change now: what a full run started after this moment has seen."""
    return ScorePending.objects.filter(programme_id=programme_id).order_by("-pk").values_list("pk", flat=True).first()


def take_pending(*, programme_id: int, config: ScoringConfig, as_of) -> int | None:
    """Take every pending change into the state (under the caller's lock). Returns how many
    changes were taken, or None when there is no state yet (the next full check builds it)."""
    state = ScoreState.objects.filter(programme_id=programme_id).first()
    if state is None or state.settings_key != settings_key(config):
        return None
    upto = pending_upto(programme_id)
    _advance_window(state, config, as_of)
    taken = 0
    if upto is not None:
        incidents = sorted(_pending_incidents(programme_id, upto))
        _replace_terms(state, config, incidents, as_of)
        taken = ScorePending.objects.filter(programme_id=programme_id, pk__lte=upto).delete()[0]
    state.save(update_fields=["window_through"])
    return taken


# --- The update ------------------------------------------------------------------------------


def _scores_from_state(run: ScoringRun, state: ScoreState, config: ScoringConfig) -> None:
    """Every group's score, rank and counts at the run's moment, from the sums."""
    from gvi.models import GroupStatus

    t = _tables()
    factor = math.exp(decay_rate(config) * (_days(run.as_of) - _days(state.reference_at)))
    rank = connection.ops.quote_name("rank")
    state_table = GroupScoreState._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {t["score"]} (run_id, group_id, score, {rank}, incident_count, exposure,
                                      exposure_incident_count)
            SELECT %s, x.id, x.score, RANK() OVER (ORDER BY x.score DESC), x.n, x.exposure, x.exposure_n
            FROM (SELECT g.id,
                         CASE WHEN s.violence_n > 0 AND s.violence > 0 THEN s.violence * %s ELSE 0.0 END AS score,
                         COALESCE(s.violence_n, 0) AS n,
                         CASE WHEN s.exposure_n > 0 AND s.exposure > 0 THEN s.exposure * %s ELSE 0.0 END AS exposure,
                         COALESCE(s.exposure_n, 0) AS exposure_n
                  FROM {t["group"]} g LEFT JOIN {state_table} s ON s.group_id = g.id
                  WHERE g.programme_id = %s AND g.status <> %s) x
            """,
            [run.pk, factor, factor, run.programme_id, GroupStatus.DISSOLVED],
        )


def explain_from_terms(run: ScoringRun, config: ScoringConfig, groups: list[int]) -> None:
    """Every contribution of `groups` in the run, from their terms, with the full run's arithmetic
    (the same products in the same order); each group's score becomes the sum of its rows."""
    if not groups:
        return
    t = _tables()
    window_start = run.as_of - timedelta(days=config.window_days)
    decay = f"EXP(%s * (%s - {_epoch_days_sql('c.occurred_at')}))"

    def contributions_insert(measure: str, share: str, where: str, analyst: bool) -> str:
        who = "c.attributed_by_id, c.confirmed_by_id" if analyst else "NULL, NULL"
        return f"""
            INSERT INTO {t["contribution"]} (group_score_id, measure, incident_id, incident_type, occurred_at,
                                             contribution, type_weight, killed, injured, severity, decay, share,
                                             confidence_multiplier, by_analyst, attributed_by_id, confirmed_by_id)
            SELECT gs.id, '{measure}', c.incident_id, c.incident_type, c.occurred_at,
                   c.severity * {decay} * COALESCE(c.{share}, 0.0) * c.confidence_multiplier,
                   c.type_weight, c.killed, c.injured, c.severity, {decay}, c.{share}, c.confidence_multiplier,
                   {"c.by_analyst" if analyst else "%s"}, {who}
            FROM {t["term"]} c
            JOIN {t["score"]} gs ON gs.run_id = %s AND gs.group_id = c.group_id
            WHERE c.group_id IN ({marks}) AND c.occurred_at > %s AND c.occurred_at <= %s AND ({where})
        """

    rate, as_of_days = decay_rate(config), _days(run.as_of)
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(groups))
        common = [run.pk, *groups, window_start, run.as_of]
        cursor.execute(
            contributions_insert("violence", "violence_share", "c.violence_base > 0 OR c.by_analyst", True),
            [rate, as_of_days, rate, as_of_days, *common],
        )
        cursor.execute(
            contributions_insert("exposure", "exposure_share", "c.exposure_base > 0", False),
            [rate, as_of_days, rate, as_of_days, False, *common],
        )
        # An explained group's score is the sum of exactly its stored rows (the same SUM as the
        # full run); the sums above agree with it to rounding.
        cursor.execute(
            f"""
            UPDATE {t["score"]} SET score = COALESCE((
                SELECT SUM(c.contribution) FROM {t["contribution"]} c
                WHERE c.group_score_id = {t["score"]}.id AND c.measure = 'violence' AND c.contribution > 0), 0.0)
            WHERE run_id = %s AND incident_count > 0 AND group_id IN ({marks})
            """,
            [run.pk, *groups],
        )


def run_incremental(*, programme_id: int, trigger: str = "incident", as_of=None):
    """Take the pending changes into the state and store a run from it; update the flag.

    Returns the ScoringRun, or None when a change triggered it but another update already took
    every pending change (bursts coalesce: the first update takes them all). Without a state,
    or after a change of the settings, this is the full run that builds it.
    """
    from gvi.scoring import run_scoring

    with transaction.atomic():
        config = get_config(programme_id)
        config = ScoringConfig.objects.select_for_update().get(pk=config.pk)
        as_of = as_of or timezone.now()
        state = ScoreState.objects.filter(programme_id=programme_id).first()
        if state is None or state.settings_key != settings_key(config):
            return run_scoring(programme_id=programme_id, trigger=f"{trigger}/rebuild", as_of=as_of, verify=True)
        taken = take_pending(programme_id=programme_id, config=config, as_of=as_of)
        if not taken and trigger == "incident":
            return None
        state.refresh_from_db()
        run = _new_run(programme_id=programme_id, as_of=as_of, trigger=trigger)
        if run.finished_at is not None:
            return run
        _scores_from_state(run, state, config)
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])

        # Only a new suggestion's group gets its contributions stored with this run (every one of
        # them: the flag's explanation as the run saw it). The other groups' explanations come
        # from the full runs, or on demand (contributions_now).
        def explain(leader: GroupScore) -> None:
            explain_from_terms(run, config, [leader.group_id])
            leader.refresh_from_db(fields=["score"])

        update_flag_suggestion(run=run, config=config, explain=explain)
    return run


# --- The nightly check -----------------------------------------------------------------------


def _drifted(a: float, b: float) -> bool:
    return abs(a - b) > TOLERANCE * max(1.0, abs(a), abs(b))


def check_and_rebase(*, run: ScoringRun, config: ScoringConfig, pending_upto: int | None = None) -> dict:
    """Compare the state with the full run just computed (its temporary table of every
    contribution and its GroupScores); log and repair any drift; re-base the sums on the full run.

    Called inside the full run's transaction, under its lock, after the pending changes were
    taken. `pending_upto`: the last change pending before the full run computed; a rebuild
    takes those in (the full run saw them). Returns what was found ({"groups": n, "terms": n,
    "rebuilt": bool, "reason": ...}).
    """
    t = _tables()
    programme_id = run.programme_id
    state = ScoreState.objects.filter(programme_id=programme_id).first()
    key = settings_key(config)
    window_start = run.as_of - timedelta(days=config.window_days)
    found = {"groups": 0, "terms": 0, "rebuilt": False, "reason": ""}
    if state is None or state.settings_key != key:
        found["reason"] = "no state" if state is None else "settings changed"
    else:
        factor = math.exp(decay_rate(config) * (_days(run.as_of) - _days(state.reference_at)))
        sums = {s.group_id: s for s in GroupScoreState.objects.filter(programme_id=programme_id)}
        for score in GroupScore.objects.filter(run=run).only("group_id", "score", "incident_count", "exposure"):
            s = sums.get(score.group_id)
            violence = s.violence * factor if s and s.violence_n > 0 else 0.0
            exposure = s.exposure * factor if s and s.exposure_n > 0 else 0.0
            n = s.violence_n if s else 0
            if _drifted(violence, score.score) or _drifted(exposure, score.exposure) or n != score.incident_count:
                found["groups"] += 1
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {_TMP}_pair ON {_TMP} (incident_id, group_id)")
            cursor.execute(
                f"""
                SELECT COUNT(*) FROM {_TMP} c
                LEFT JOIN {t["term"]} s ON s.programme_id = %s AND s.incident_id = c.incident_id
                     AND s.group_id = c.group_id
                WHERE s.id IS NULL
                   OR ABS(s.violence_base - c.severity * COALESCE(c.violence_share, 0.0) * c.confidence_multiplier)
                      > %s * (1.0 + ABS(s.violence_base))
                   OR ABS(s.exposure_base - c.severity * COALESCE(c.exposure_share, 0.0) * c.confidence_multiplier)
                      > %s * (1.0 + ABS(s.exposure_base))
                """,
                [programme_id, TOLERANCE, TOLERANCE],
            )
            found["terms"] = cursor.fetchone()[0]
            cursor.execute(
                f"""
                SELECT COUNT(*) FROM {t["term"]} s
                WHERE s.programme_id = %s AND s.occurred_at > %s AND s.occurred_at <= %s
                  AND NOT EXISTS (SELECT 1 FROM {_TMP} c WHERE c.incident_id = s.incident_id
                                  AND c.group_id = s.group_id)
                """,
                [programme_id, window_start, run.as_of],
            )
            found["terms"] += cursor.fetchone()[0]
        if found["groups"] or found["terms"]:
            found["reason"] = "drift"
            logger.warning(
                "Incremental scores of programme %s had drifted from the full recomputation "
                "(%d groups, %d terms differ); rebuilt from the full run %s.",
                programme_id,
                found["groups"],
                found["terms"],
                run.pk,
            )
    if found["reason"]:
        found["rebuilt"] = True
        ScoreTerm.objects.filter(programme_id=programme_id).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {t['term']} ({_TERM_COLUMNS}) SELECT {_term_values('c')} FROM {_TMP} c",
                [programme_id],
            )
        if pending_upto is not None:
            ScorePending.objects.filter(programme_id=programme_id, pk__lte=pending_upto).delete()
    else:
        # Terms of incidents that left the window are no longer needed.
        ScoreTerm.objects.filter(programme_id=programme_id, occurred_at__lte=window_start).delete()
    # Re-base on the full run: the sums at its moment are its scores, the rounding starts again.
    GroupScoreState.objects.filter(programme_id=programme_id).delete()
    GroupScoreState.objects.bulk_create(
        GroupScoreState(
            programme_id=programme_id,
            group_id=s.group_id,
            violence=s.score,
            violence_n=s.incident_count,
            exposure=s.exposure,
            exposure_n=s.exposure_incident_count,
        )
        for s in GroupScore.objects.filter(run=run).filter(Q(incident_count__gt=0) | Q(exposure_incident_count__gt=0))
    )
    now = timezone.now()
    ScoreState.objects.update_or_create(
        programme_id=programme_id,
        defaults={
            "settings_key": key,
            "reference_at": run.as_of,
            "window_through": window_start,
            "verified_at": now,
            "last_check": {k: found[k] for k in ("groups", "terms", "rebuilt", "reason")} | {"run_id": run.pk},
            **({"rebuilt_at": now} if found["rebuilt"] else {}),
        },
    )
    return found


# --- On demand -------------------------------------------------------------------------------


def contributions_now(*, programme_id: int, group_id: int, as_of=None) -> list[dict]:
    """Every contribution to a group's violence score at `as_of` (now), computed by THE scoring
    function from today's records: the explanation of a group whose rows a run did not store."""
    config = get_config(programme_id)
    as_of = as_of or timezone.now()
    select_sql, params = contributions_select(config, programme_id=programme_id, as_of=as_of)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.incident_id, c.incident_type, c.occurred_at, c.violence, c.type_weight, c.killed, c.injured,"
            f" c.severity, c.decay, c.violence_share, c.confidence_multiplier, c.by_analyst"
            f" FROM ({select_sql}) c WHERE c.group_id = %s AND (c.violence > 0 OR c.by_analyst = 1)"
            f" ORDER BY c.violence DESC, c.incident_id",
            [*params, group_id],
        )
        keys = [
            "incident_id",
            "incident_type",
            "occurred_at",
            "contribution",
            "type_weight",
            "killed",
            "injured",
            "severity",
            "decay",
            "share",
            "confidence_multiplier",
            "by_analyst",
        ]
        return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
