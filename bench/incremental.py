"""Incremental update: from a new incident committed to the updated score and flag visible.

A coordinator logs a shooting through `gvi.services.incidents.log_incident`, with a member of
a group as suspect. The task it dispatches on commit is caught instead of being sent to the
broker, and then run here with Celery's `apply`, the code path of the worker:
`score_programme(programme_id, "incident")` takes the pending change into the incremental state
(gvi.scoring_state), stores a run with every group's score and updates the flag suggestion.
The group's new score is then read back through the selector the pages use.

Its floor is the least any update must do, as bare SQL: the new incident's (incident, group)
pairs by the scoring function for that one incident, and every group's score from the stored
sums (one row per group: the rank needs them all). The figure is also shown against the full
floor (every incident), which is what an update cost before. The new score must agree with the
full floor statement at the same moment.
"""

import time
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

from bench.common import Figure, median, timed
from bench.pages import coordinator
from bench.scoring import floor_scores


@contextmanager
def caught_tasks():
    """Catch every apply_async (delay calls it) instead of sending it to the broker."""
    from celery.app.task import Task

    caught = []

    def catch(task, args=None, kwargs=None, countdown=None, **options):
        caught.append((task, tuple(args or ()), dict(kwargs or {}), countdown))

    with mock.patch.object(Task, "apply_async", catch):
        yield caught


def suspect(programme_id: int):
    """A person with an active, open-ended membership of a group that is scored."""
    from gvi.models import GroupStatus, Membership, MembershipStatus

    membership = (
        Membership.objects.filter(
            programme_id=programme_id,
            status=MembershipStatus.ACTIVE,
            end_date__isnull=True,
            group__status=GroupStatus.ACTIVE,
        )
        .select_related("person")
        .order_by("id")
        .first()
    )
    if membership is None:
        raise RuntimeError(f"Programme {programme_id} has no active membership to log an incident for.")
    return membership.person, membership.group_id


def one_update(user, person, group_id: int) -> dict:
    """Log one incident and run what the worker would run; return the times."""
    from django.db import transaction
    from django.utils import timezone

    from gvi.models import Confidence, IncidentType, InvolvementRole
    from gvi.selectors.scores import score_trends
    from gvi.services.incidents import log_incident
    from tasks.scoring import score_programme

    with caught_tasks() as caught:
        with transaction.atomic():
            incident = log_incident(
                user=user,
                incident_type=IncidentType.SHOOTING,
                occurred_at=timezone.now() - timedelta(minutes=5),
                source="BENCH incremental update",
                confidence=Confidence.CONFIRMED,
                verification_status="verified",
                place="Benchmark",
                involvements=[{"person": person, "role": InvolvementRole.SUSPECT}],
            )
        committed = time.perf_counter()
        first = [c for c in caught if c[0].name == score_programme.name]
        if len(first) != 1:
            raise RuntimeError(f"log_incident dispatched {len(first)} scoring tasks, expected 1")
        compute, result = timed(lambda: score_programme.apply(args=first[0][1], kwargs=first[0][2], throw=True).get())
    started = time.perf_counter()
    trends = score_trends(user, group_ids=[group_id], runs=1)
    runs, score = trends.runs, trends.latest(group_id)
    read = time.perf_counter() - started
    if not isinstance(result, int) or not runs or runs[-1].pk != result or score is None:
        raise RuntimeError(f"The scoring run after the incident is not visible (task answered {result!r}).")
    visible = time.perf_counter() - committed
    return {
        "visible": visible,
        "compute": compute,
        "read": read,
        "run_id": result,
        "as_of": runs[-1].as_of,
        "score": score,
        "incident_id": incident.pk,
    }


def update_floor(programme_id: int, incident_id: int, as_of) -> float:
    """The bare SQL an update cannot avoid: one incident's pairs, every group's decayed sum."""
    from django.db import connection

    from gvi.models import GroupScoreState
    from gvi.scoring import contributions_select, get_config

    config = get_config(programme_id)
    sql, params = contributions_select(config, programme_id=programme_id, as_of=as_of, incident_ids=[incident_id])
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) c", params)
        cursor.fetchall()
        cursor.execute(
            f"SELECT group_id, violence * 0.5, RANK() OVER (ORDER BY violence DESC) "
            f"FROM {GroupScoreState._meta.db_table} WHERE programme_id = %s",
            [programme_id],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def ensure_state(programme_id: int, log=print) -> None:
    """The incremental state is built by the first full check (every term written, once)."""
    from gvi.models import ScoreState
    from tasks.scoring import verify_programme_scores

    if not ScoreState.objects.filter(programme_id=programme_id).exists():
        seconds, _result = timed(lambda: verify_programme_scores.apply(args=(programme_id,), throw=True).get())
        log(f"  the incremental state built by the first full check: {seconds:.1f} s")


def bench_incremental(programme_id: int, runs: int = 3, log=print) -> list[Figure]:
    user = coordinator(programme_id)
    person, group_id = suspect(programme_id)
    ensure_state(programme_id, log=log)
    visible, floors, full_floors = [], [], []
    agree = True
    for n in range(runs):
        update = one_update(user, person, group_id)
        floors.append(update_floor(programme_id, update["incident_id"], update["as_of"]))
        seconds, floor = timed(floor_scores, programme_id, update["as_of"])
        visible.append(update["visible"])
        full_floors.append(seconds)
        agree &= abs(floor.get(group_id, 0.0) - update["score"]) <= 1e-9 * max(1.0, abs(update["score"]))
        log(
            f"  update {n + 1}: committed → visible {update['visible']:.3f} s "
            f"(the task {update['compute']:.3f} s, the read {update['read']:.3f} s), "
            f"update floor {floors[-1]:.3f} s, full floor {seconds:.2f} s"
        )
    return [
        Figure(
            "incremental: incident committed → score and flag visible",
            median(visible),
            median(floors),
            target="< 2 s",
            notes=[
                f"median of {runs}; no coalescing delay; the full floor (every incident) "
                f"{median(full_floors):.2f} s, {median(visible) / median(full_floors):.2f}× of it; "
                f"new score {'agrees' if agree else 'DISAGREES'} with the full floor",
            ],
        )
    ]
