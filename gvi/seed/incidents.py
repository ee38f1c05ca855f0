"""A year of incidents, skewed toward a few groups, with involvements and attributions.

The skew is Zipf over the group ranks (rank 1 = index 0), so a handful of groups carry
most of the violence, as in the police's own picture. Some incidents are added to the
last eight weeks, rising toward today, so the weekly review shows a trend.
"""

import datetime as dt
from decimal import Decimal

import numpy as np
from django.db.models import Count
from django.utils import timezone

from gvi.models import (
    AttributionStatus,
    GroupAttribution,
    Incident,
    IncidentType,
    Involvement,
    InvolvementRole,
    OrganisationKind,
    Programme,
    VerificationStatus,
)
from gvi.seed import names
from gvi.seed.context import SOURCED, Context, weighted_table, zipf_cum_weights

POLICE = OrganisationKind.POLICE
CHUNK = 20_000
ZIPF_EXPONENT = 1.1
ATTRIBUTED_SHARE = 0.85
RECENT_SHARE = 0.15  # extra incidents in the last eight weeks, rising toward today

TYPE_WEIGHTS = {
    IncidentType.SHOOTING: 34,
    IncidentType.EXPLOSION: 20,
    IncidentType.SERIOUS_ASSAULT: 22,
    IncidentType.ARMED_THREAT: 12,
    IncidentType.ATTEMPTED_MURDER: 8,
    IncidentType.HOMICIDE: 4,
}
VERIFICATION_WEIGHTS = {
    VerificationStatus.VERIFIED: 60,
    VerificationStatus.REPORTED: 28,
    VerificationStatus.DISPUTED: 8,
    VerificationStatus.UNFOUNDED: 4,
}
DESCRIPTIONS = {
    IncidentType.SHOOTING: ("Skottlossning mot person utomhus.", "Skott avlossade mot bostad."),
    IncidentType.EXPLOSION: ("Detonation vid entré till flerbostadshus.", "Sprängladdning vid bil."),
    IncidentType.SERIOUS_ASSAULT: ("Grov misshandel i trapphus.", "Knivskuren efter bråk."),
    IncidentType.ARMED_THREAT: ("Hot med skjutvapen mot ungdom.", "Hotad med kniv vid tunnelbanan."),
    IncidentType.ATTEMPTED_MURDER: ("Skjuten i benet, överlevde.", "Flera skott mot bil."),
    IncidentType.HOMICIDE: ("Man skjuten till döds.", "Person avliden efter knivhugg."),
}
SUSPECT_COUNTS = weighted_table({0: 3, 1: 10, 2: 5, 3: 2})
FULL_SHARE = Decimal("1.000")
HALF_SHARE = Decimal("0.500")

CONFIRMATION = ("status", "confirmed_by_id", "confirmed_at", "decision_reason")
INCIDENT_FIELDS = (
    "id",
    "incident_type",
    "occurred_at",
    "area_id",
    "place",
    "killed",
    "injured",
    "verification_status",
    "description",
    *SOURCED,
)


def casualties(ctx: Context, incident_type: str) -> tuple[int, int]:
    """(killed, injured), plausible for the type."""
    rng = ctx.rng
    if incident_type == IncidentType.HOMICIDE:
        return (2 if rng.random() < 0.1 else 1), (1 if rng.random() < 0.2 else 0)
    if incident_type == IncidentType.SHOOTING:
        return (1 if rng.random() < 0.12 else 0), (ctx.between(1, 2) if rng.random() < 0.35 else 0)
    if incident_type == IncidentType.ATTEMPTED_MURDER:
        return 0, (1 if rng.random() < 0.6 else 0)
    if incident_type == IncidentType.EXPLOSION:
        return 0, (1 if rng.random() < 0.08 else 0)
    if incident_type == IncidentType.SERIOUS_ASSAULT:
        return 0, 1
    return 0, 0


class IncidentGenerator:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.rng = ctx.rng
        self.group_cum = zipf_cum_weights(ctx.scale.groups, ZIPF_EXPONENT)
        self.group_indexes = range(ctx.scale.groups)
        self.types = list(TYPE_WEIGHTS)
        self.type_weights = list(TYPE_WEIGHTS.values())
        self.statuses = list(VERIFICATION_WEIGHTS)
        self.status_weights = list(VERIFICATION_WEIGHTS.values())
        self.year_suffix = ctx.today.year % 100
        self.number = 0
        # The demo's analyst attributions are confirmed by the police coordinator (four eyes).
        self.confirmed = (AttributionStatus.CONFIRMED, ctx.users.get((POLICE, "coordinator")), ctx.now, "")

    def occurred_at(self) -> dt.datetime:
        ctx, rng = self.ctx, self.rng
        days = int(rng.triangular(0, 56, 0)) if rng.random() < RECENT_SHARE else ctx.between(0, 364)
        return ctx.now - dt.timedelta(days=days, seconds=ctx.between(60, 86_399))

    def chunk(self, first_id: int, count: int):
        ctx, rng = self.ctx, self.rng
        incidents, attributions, involvements = [], [], []
        groups = rng.choices(self.group_indexes, cum_weights=self.group_cum, k=count)
        types = rng.choices(self.types, weights=self.type_weights, k=count)
        statuses = rng.choices(self.statuses, weights=self.status_weights, k=count)
        for offset in range(count):
            incident_id = first_id + offset
            group = groups[offset] if rng.random() < ATTRIBUTED_SHARE else None
            incident_type = types[offset]
            killed, injured = casualties(ctx, incident_type)
            if group is not None and rng.random() < 0.8:
                area = ctx.pick(ctx.group_areas[group])
            else:
                area = ctx.pick(ctx.area_ids)
            place = f"{ctx.pick(names.AREA_FIRST)}{ctx.pick(names.STREET_SUFFIXES)} {ctx.between(1, 60)}"
            self.number += 1  # report numbers count within this seed, not by database id
            source = f"5000-K{100_000 + self.number}-{self.year_suffix:02d}"
            occurred_at = self.occurred_at()
            incidents.append(
                (
                    incident_id,
                    incident_type,
                    occurred_at,
                    area,
                    place,
                    killed,
                    injured,
                    statuses[offset],
                    ctx.pick(DESCRIPTIONS[incident_type]),
                    *ctx.sourced(POLICE, source, at=ctx.logged(occurred_at, incident_id)),
                )
            )
            suspects_from = group
            if group is not None:
                ctx.group_incidents[group] += 1
                rivals = ctx.rivals[group]
                if rivals and rng.random() < 0.15:
                    # Both sides of a conflict share the incident.
                    rival = ctx.pick(rivals)
                    ctx.group_incidents[rival] += 1
                    attributions.append(
                        (incident_id, ctx.group_ids[group], HALF_SHARE, *ctx.sourced(POLICE, source), *self.confirmed)
                    )
                    attributions.append(
                        (incident_id, ctx.group_ids[rival], HALF_SHARE, *ctx.sourced(POLICE, source), *self.confirmed)
                    )
                else:
                    attributions.append(
                        (incident_id, ctx.group_ids[group], FULL_SHARE, *ctx.sourced(POLICE, source), *self.confirmed)
                    )
            elif rng.random() < 0.3:
                suspects_from = groups[offset]  # no direct attribution, but a member is suspected
            involvements.extend(self.involvements(incident_id, suspects_from, source))
        return incidents, attributions, involvements

    def involvements(self, incident_id: int, group: int | None, source: str) -> list[tuple]:
        ctx, rng = self.ctx, self.rng
        rows = []
        if group is not None and ctx.members[group]:
            pool = ctx.members[group]
            count = min(len(pool), ctx.pick(SUSPECT_COUNTS))
            for person in rng.sample(pool, count) if count > 1 else [ctx.pick(pool)] if count else []:
                rows.append((incident_id, person, InvolvementRole.SUSPECT, *ctx.sourced(POLICE, source)))
        if rng.random() < 0.45:
            victim = None
            rivals = ctx.rivals[group] if group is not None else []
            if rivals and rng.random() < 0.5:
                pool = ctx.members[ctx.pick(rivals)]
                victim = ctx.pick(pool) if pool else None
            if victim is None and ctx.non_members:
                victim = ctx.pick(ctx.non_members)
            if victim is not None:
                rows.append((incident_id, victim, InvolvementRole.VICTIM, *ctx.sourced(POLICE, source)))
        if rng.random() < 0.25 and ctx.non_members:
            witness = ctx.pick(ctx.non_members)
            rows.append((incident_id, witness, InvolvementRole.WITNESS, *ctx.sourced(POLICE, source)))
        return rows


def seed_incidents(ctx: Context) -> None:
    generator = IncidentGenerator(ctx)
    sink = ctx.sink
    first = sink.reserve(Incident, ctx.scale.incidents)
    for offset in range(0, ctx.scale.incidents, CHUNK):
        count = min(CHUNK, ctx.scale.incidents - offset)
        incidents, attributions, involvements = generator.chunk(first + offset, count)
        sink.write(Incident, INCIDENT_FIELDS, incidents)
        sink.write(GroupAttribution, ("incident_id", "group_id", "share", *SOURCED, *CONFIRMATION), attributions)
        sink.write(Involvement, ("incident_id", "person_id", "role", *SOURCED), involvements)


# The outcome evaluation needs years before and after the programme's start: the seeded year is
# preceded by `history_months` of incidents in which the focus areas had more violence before the
# start (the effect an evaluation should find), and the areas outside the focus did not change.
HISTORY_EFFECT = 0.63  # the rate ratio the focus areas show at the start
HISTORY_SOURCE_OFFSET = 800_000  # report numbers apart from the seeded year's


def seed_incident_history(ctx: Context) -> None:
    """Incidents (no persons: as retention leaves old ones) for the days before the seeded year.

    Each area keeps the daily rate it has in the seeded year (its last eight weeks left out: the
    seed adds a rise there); a focus area's rate before the programme's start is that rate divided
    by HISTORY_EFFECT. Counts are Poisson draws, day by day."""
    if not ctx.scale.history_months:
        return
    started_on = Programme.objects.get(pk=ctx.programme_id).started_on
    history_ends = ctx.now - dt.timedelta(days=365)
    steady = Incident.objects.filter(
        programme_id=ctx.programme_id, occurred_at__gte=history_ends, occurred_at__lt=ctx.now - dt.timedelta(days=56)
    )
    per_area = dict(steady.values_list("area_id").annotate(n=Count("id")))
    daily = np.array([per_area.get(area, 0) / (365 - 56) for area in ctx.area_ids])
    boost = np.array([1 / HISTORY_EFFECT if area in ctx.focus_area_ids else 1.0 for area in ctx.area_ids])
    draws = np.random.default_rng(ctx.rng.getrandbits(32))
    types, type_weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    rows = []
    for days_back in range(1, ctx.scale.history_months * 30 + 1):
        day_start = history_ends - dt.timedelta(days=days_back)
        before_start = started_on is not None and timezone.localdate(day_start) < started_on
        counts = draws.poisson(daily * boost if before_start else daily)
        for area, count in zip(ctx.area_ids, counts.tolist(), strict=True):
            for _ in range(count):
                occurred_at = day_start + dt.timedelta(seconds=ctx.between(0, 86_399))
                incident_type = ctx.rng.choices(types, weights=type_weights)[0]
                killed, injured = casualties(ctx, incident_type)
                source = f"5000-K{HISTORY_SOURCE_OFFSET + len(rows) + 1}-{occurred_at.year % 100:02d}"
                rows.append(
                    (incident_type, occurred_at, area, "", killed, injured, VerificationStatus.VERIFIED, "")
                    + ctx.sourced(POLICE, source, at=ctx.logged(occurred_at, len(rows)))
                )
    first = ctx.sink.reserve(Incident, len(rows))
    ctx.sink.write(Incident, INCIDENT_FIELDS, ((first + i, *row) for i, row in enumerate(rows)))
