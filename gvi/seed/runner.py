"""Runs the parts of the seed in order, in one transaction, and reports what it made."""

import datetime as dt
import random
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gvi import reach, weekly_counts
from gvi.models import (
    GroupAttribution,
    Incident,
    Involvement,
    Membership,
    MembershipEvidence,
    Person,
    Programme,
    Supervision,
)
from gvi.seed import casework, groups, incidents, interventions, names, organisations, people
from gvi.seed.context import SCALES, Context
from gvi.seed.sink import Sink

# The tables that grow with the scale (millions of rows at national scale).
BIG_MODELS = [Person, Membership, MembershipEvidence, Supervision, Incident, GroupAttribution, Involvement]


class SeedRefused(Exception):
    """Seeding is refused: production, or the programme exists already."""


def run(
    *,
    scale: str,
    seed: int = 1,
    city: str | None = None,
    now: dt.datetime | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> dict[str, int]:
    """Seed one programme of the given scale; return the number of rows per model.

    The same `seed` (and `now`) gives the same data. `city` overrides the invented city
    name, so several programmes can be seeded side by side.
    """
    if settings.PRODUCTION:
        raise SeedRefused("Seeding synthetic data is refused in production.")
    rng = random.Random(seed)
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    drawn_city = rng.choice(names.CITIES)  # drawn even when overridden: the rest stays the same
    if Programme.objects.filter(city=city or drawn_city).exists():
        raise SeedRefused(f"A programme for {city or drawn_city} exists already: choose another --city or --seed.")
    ctx = Context(
        rng=rng,
        sink=Sink(),
        scale=SCALES[scale],
        now=now,
        today=timezone.localdate(now),
        city=city or drawn_city,
    )

    def step(label: str, function, *args):
        started = time.monotonic()
        result = function(ctx, *args)
        log(f"{label}: {time.monotonic() - started:.1f} s")
        return result

    with transaction.atomic():
        step("programme, organisations, users, criteria, scoring", organisations.seed_programme)
        classifications = step("areas", groups.seed_areas)
        step("groups", groups.seed_groups, classifications)
        step("group relations", groups.seed_relations)
        with ctx.sink.bulk_load(BIG_MODELS):
            step("persons, memberships, evidence, supervision", people.seed_people)
            step("incidents, attributions, involvements", incidents.seed_incidents)
            started = time.monotonic()
        log(f"indexes and foreign keys rebuilt: {time.monotonic() - started:.1f} s")
        step("incident history for the outcome evaluation", incidents.seed_incident_history)
        step("flag", interventions.seed_flag)
        step("enforcement", interventions.seed_enforcement)
        attended = step("call-ins", interventions.seed_call_ins)
        notifications = step("custom notifications", interventions.seed_notifications)
        step("referrals and exit cases", casework.seed_referrals_and_exits, notifications)
        step("concern reports", casework.seed_concern_reports)
        step("risk assessments", casework.seed_risk_assessments)
        step("notices", casework.seed_notices, attended, notifications)
        step("follow-ups", casework.seed_follow_ups)
        # The rows went around the services: count the weekly review's weeks and reach once, here.
        step("weekly counts", lambda ctx: weekly_counts.rebuild(programme_id=ctx.programme_id))
        step("reach of the message", lambda ctx: reach.rebuild(programme_id=ctx.programme_id))
    step("analyze", lambda ctx: ctx.sink.analyze())
    return ctx.sink.counts
