"""Incremental update: from a new incident committed to the updated score visible.

A coordinator logs a shooting through `gvi.services.incidents.log_incident`, with a member of
a group as suspect. The tasks it dispatches on commit are caught instead of being sent to the
broker, and then run here with Celery's `apply`, the code path of the worker:
1. the first hop of `score_programme` notes the time and schedules the real run after the
   coalescing delay (GVI_SCORING_COALESCE_SECONDS, reported separately, not slept);
2. the real run (`run_scoring(requested_after=...)`) recomputes the programme's scores;
3. the group's new score is read back through the selector the group pages use (gvi.selectors.scores).
The compute time is commit → score visible without the delay. Its floor is the hand-written
statement that computes every score (bench.scoring): with time decay every score changes, and
the rank needs them all.
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
            log_incident(
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
        score_programme.apply(args=first[0][1], kwargs=first[0][2], throw=True)
        second = [c for c in caught[len(first) :] if c[0].name == score_programme.name]
    if len(second) != 1:
        raise RuntimeError("The first hop did not schedule the scoring run.")
    _task, args, kwargs, countdown = second[0]
    hops = time.perf_counter() - committed
    compute, result = timed(lambda: score_programme.apply(args=args, kwargs=kwargs, throw=True).get())
    started = time.perf_counter()
    trends = score_trends(user, group_ids=[group_id], runs=1)
    runs, score = trends.runs, trends.latest(group_id)
    read = time.perf_counter() - started
    if not isinstance(result, int) or not runs or runs[-1].pk != result or score is None:
        raise RuntimeError(f"The scoring run after the incident is not visible (task answered {result!r}).")
    return {
        "visible": hops + compute + read,
        "compute": compute,
        "delay": countdown or 0,
        "run_id": result,
        "as_of": runs[-1].as_of,
        "score": score,
    }


def bench_incremental(programme_id: int, runs: int = 2, log=print) -> list[Figure]:
    user = coordinator(programme_id)
    person, group_id = suspect(programme_id)
    visible, floors, delays = [], [], set()
    agree = True
    for n in range(runs):
        update = one_update(user, person, group_id)
        seconds, floor = timed(floor_scores, programme_id, update["as_of"])
        visible.append(update["visible"])
        floors.append(seconds)
        delays.add(update["delay"])
        agree &= abs(floor.get(group_id, 0.0) - update["score"]) <= 1e-9 * max(1.0, abs(update["score"]))
        log(
            f"  update {n + 1}: committed → visible {update['visible']:.2f} s "
            f"(of which the run {update['compute']:.2f} s), floor {seconds:.2f} s"
        )
    delay = ", ".join(f"{d} s" for d in sorted(delays))
    return [
        Figure(
            "incremental: incident committed → score visible",
            median(visible),
            median(floors),
            notes=[
                f"plus the coalescing delay {delay} (GVI_SCORING_COALESCE_SECONDS), not included; "
                f"median of {runs}; new score {'agrees' if agree else 'DISAGREES'} with the floor",
            ],
        )
    ]
