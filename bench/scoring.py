"""Scoring: a full run of the project (the task path, in a worker process) against the floor.

The floor is one hand-written SQL statement that computes the same scores and stores nothing.
The project's run also writes a GroupScore per group (with its exposure), every contribution and
the flag suggestion, in one transaction. The benchmark checks that both give the same scores.

The worker is a separate process (bench.worker) that runs `tasks.scoring.score_programme`
exactly as the Celery worker would and reports its peak resident set size after each run:
the computation stays in the database, so the peak must not grow with the runs.
"""

import math
from datetime import timedelta

from bench.common import Figure, median, timed
from bench.worker import WorkerProcess


def floor_scores(programme_id: int, as_of) -> dict[int, float]:
    """The violence score of every group with one hand-written statement (docs/scoring.md)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(*floor_sql(programme_id, as_of))
        return {group_id: score for group_id, score in cursor.fetchall() if score}


def floor_sql(programme_id: int, as_of) -> tuple[str, list]:
    """The floor statement and its parameters."""
    from django.db import connection

    from gvi import scoring
    from gvi.models import ScoringConfig

    config = ScoringConfig.objects.get(programme_id=programme_id)

    def values(mapping):
        rows = ", ".join("(%s, CAST(%s AS DOUBLE PRECISION))" for _ in mapping)
        return rows, [x for key, value in mapping.items() for x in (str(key), float(value))]

    from django.utils import timezone

    if connection.vendor == "postgresql":
        # date_part gives double precision; EXTRACT gives numeric, ten times slower here.
        epoch_days = "date_part('epoch', i.occurred_at) / 86400.0"
    else:  # SQLite, for the smoke test: Django stores UTC text
        epoch_days = "(julianday(i.occurred_at) - 2440587.5)"
    # The local date, as the project computes it (membership periods are local dates).
    day, day_params = connection.ops.datetime_cast_date_sql("i.occurred_at", (), timezone.get_current_timezone_name())

    severity_rows, severity_params = values(scoring.severity_weights(config))
    confidence_rows, confidence_params = values(scoring.confidence_multipliers(config))
    casualty = scoring.casualty_weights(config)
    sql = f"""
        WITH sev(kind, w) AS (VALUES {severity_rows}),
        cm(level, m) AS (VALUES {confidence_rows}),
        inc AS (
            SELECT i.id, {day} AS day,
                   (sev.w + i.killed * %s + i.injured * %s) * cm.m * EXP(%s * (%s - {epoch_days})) AS base
            FROM gvi_incident i
            JOIN sev ON sev.kind = i.incident_type
            JOIN cm ON cm.level = i.confidence
            WHERE i.programme_id = %s AND i.occurred_at > %s AND i.occurred_at <= %s
              AND i.verification_status NOT IN ('unfounded', 'disputed')
        ), scored AS (
            SELECT id FROM gvi_group WHERE programme_id = %s AND status <> 'dissolved'
        ), reach AS (  -- each suspect once per group he was a member of that day, with the number of such groups
            SELECT v.incident_id, inc.base, ms.group_id, MAX(vc.m * mc.m) AS w,
                   COUNT(*) OVER (PARTITION BY v.id) AS n
            FROM gvi_involvement v
            JOIN inc ON inc.id = v.incident_id
            JOIN cm vc ON vc.level = v.confidence
            JOIN gvi_membership ms ON ms.person_id = v.person_id
                 AND ms.is_contested = %s
                 AND ms.start_date <= inc.day AND (ms.end_date IS NULL OR ms.end_date >= inc.day)
                 AND (ms.status = 'active' OR (ms.status = 'ended' AND ms.end_date >= inc.day)
                      OR (ms.status = 'lapsed' AND COALESCE(ms.review_due, ms.end_date) >= inc.day))
            JOIN cm mc ON mc.level = ms.confidence
            JOIN scored ON scored.id = ms.group_id
            WHERE v.role = 'suspect'
            GROUP BY v.incident_id, inc.base, v.id, ms.group_id
        ), routes AS (  -- the confirmed analyst's share and the best suspect share per incident and group
            SELECT incident_id, group_id, base, MAX(analyst) AS analyst, MAX(member) AS member
            FROM (SELECT a.incident_id, a.group_id, inc.base, CAST(a.share AS DOUBLE PRECISION) AS analyst,
                         NULL AS member
                  FROM gvi_groupattribution a JOIN inc ON inc.id = a.incident_id JOIN scored ON scored.id = a.group_id
                  WHERE a.status = 'confirmed'
                  UNION ALL
                  SELECT incident_id, group_id, base, NULL, %s * w / n FROM reach) r
            GROUP BY incident_id, group_id, base
        )
        SELECT group_id, SUM(base * COALESCE(analyst, member)) FROM routes GROUP BY group_id
    """
    params = [
        *severity_params,
        *confidence_params,
        *day_params,
        casualty["killed"],
        casualty["injured"],
        -math.log(2) / max(config.half_life_days, 1),
        as_of.timestamp() / 86400.0,
        programme_id,
        as_of - timedelta(days=config.window_days),
        as_of,
        programme_id,
        False,
        scoring.role_weights(config)["suspect"],
    ]
    return sql, params


def project_scores(run_id: int) -> dict[int, float]:
    from gvi.models import GroupScore

    return dict(GroupScore.objects.filter(run_id=run_id, score__gt=0).values_list("group_id", "score"))


def compare(project: dict[int, float], floor: dict[int, float]) -> tuple[int, float]:
    """(number of groups whose scores differ, largest relative difference)."""
    worst, differing = 0.0, 0
    for group_id in set(project) | set(floor):
        a, b = project.get(group_id, 0.0), floor.get(group_id, 0.0)
        relative = abs(a - b) / max(abs(a), abs(b), 1e-12)
        worst = max(worst, relative)
        differing += relative > 1e-9
    return differing, worst


def bench_scoring(programme_id: int, runs: int = 3, log=print, worker_class=WorkerProcess) -> list[Figure]:
    """Full runs of the project in a worker process, each followed by the floor, side by side."""
    from django.conf import settings

    from gvi.models import Incident, ScoringRun

    incidents = Incident.objects.filter(programme_id=programme_id).count()
    project_times, floor_times, peaks = [], [], []
    differing, worst = 0, 0.0
    with worker_class() as worker:
        baseline = worker.memory()
        log(f"  worker after start-up: RSS {baseline['VmRSS'] / 1024:.0f} MiB")
        for n in range(runs):
            result = worker.score(programme_id)
            project_times.append(result["seconds"])
            peaks.append(result["VmHWM"])
            as_of = ScoringRun.objects.get(pk=result["run_id"]).as_of
            seconds, floor = timed(floor_scores, programme_id, as_of)
            floor_times.append(seconds)
            d, w = compare(project_scores(result["run_id"]), floor)
            differing, worst = max(differing, d), max(worst, w)
            log(
                f"  run {n + 1}: project {result['seconds']:.2f} s, floor {seconds:.2f} s, "
                f"{len(floor)} groups scored, worker peak RSS {result['VmHWM'] / 1024:.0f} MiB"
            )
        # The nightly check: the full run, compared with the incremental state (the first one
        # builds the state: every term written), then once more with the state in place.
        checks = []
        for _n in range(2):
            result = worker.verify(programme_id)
            checks.append(result)
            log(
                f"  nightly check: {result['seconds']:.2f} s, {result.get('groups', 0)} groups and "
                f"{result.get('terms', 0)} terms differed, rebuilt: {result.get('rebuilt')} ({result.get('reason')})"
            )
    agree = "agree" if differing == 0 else f"DISAGREE for {differing} groups"
    check = checks[-1]
    return [
        Figure(
            f"scoring: full run, {incidents:,} incidents",
            median(project_times),
            median(floor_times),
            target="≤ 1.5× floor",
            notes=[
                f"median of {runs} runs; scores {agree} with the floor (largest relative difference {worst:.1e})",
                "worker peak RSS after each run (MiB): "
                + ", ".join(f"{p / 1024:.0f}" for p in peaks)
                + f" (after start-up {baseline['VmHWM'] / 1024:.0f})",
                f"contribution rows stored per run: those of the first {settings.GVI_SCORING_EXPLAINED_RANKS} "
                "ranks and the flagged groups (GVI_SCORING_EXPLAINED_RANKS)",
            ],
        ),
        Figure(
            "nightly check: full run + comparison with the incremental state",
            check["seconds"],
            median(floor_times),
            notes=[
                f"first check (builds the state, every term written): {checks[0]['seconds']:.2f} s; "
                f"the second found {check.get('groups', 0)} groups and {check.get('terms', 0)} terms differing"
            ],
        ),
    ]
