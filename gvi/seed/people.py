"""Persons, their memberships (with evidence citing inclusion criteria), supervision, and
the contests some members have lodged. Generated in chunks so memory stays flat."""

import datetime as dt

from django.conf import settings

from gvi.models import (
    DataSubjectRequest,
    Membership,
    MembershipEvidence,
    MembershipRole,
    MembershipStatus,
    OrganisationKind,
    Person,
    RequestKind,
    RequestStatus,
    Sex,
    Supervision,
    SupervisionKind,
)
from gvi.models.people import add_months, birthday, years_before
from gvi.seed import names
from gvi.seed.context import SOURCED, Context, weighted_table, zipf_cum_weights

POLICE = OrganisationKind.POLICE
PROBATION = OrganisationKind.PROBATION
MUNICIPALITY = OrganisationKind.MUNICIPALITY

CHUNK = 10_000
SUPERVISION_KINDS = weighted_table(
    {SupervisionKind.PROBATION: 11, SupervisionKind.CONDITIONAL_RELEASE: 8, SupervisionKind.OTHER: 1}
)
MEMBER_SHARE = 0.78
STATUS_WEIGHTS = {
    MembershipStatus.ACTIVE: 72,
    MembershipStatus.PROPOSED: 12,
    MembershipStatus.LAPSED: 6,
    MembershipStatus.REJECTED: 5,
    MembershipStatus.ENDED: 5,
}
PERSON_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "home_area_id",
    "personnummer_encrypted",
    "personnummer_hash",
    "adult_on",
    *SOURCED,
)
MEMBERSHIP_FIELDS = (
    "id",
    "person_id",
    "group_id",
    "start_date",
    "end_date",
    "role",
    "is_key_individual",
    "status",
    "review_due",
    "decided_by_id",
    "decided_at",
    "decision_reason",
    "is_contested",
    *SOURCED,
)
REQUEST_FIELDS = (
    "programme_id",
    "person_id",
    "kind",
    "received_on",
    "description",
    "membership_id",
    "status",
    "decision_reason",
    "decided_on",
    "decided_by_id",
    "created_at",
    "created_by_id",
    "source",
    "confidence",
    "due_on",
)


def _source_reference(ctx: Context, code: str, year: int) -> str:
    number = ctx.between(1000, 99999)
    return {
        "own_statement": f"Förhörsprotokoll {year}-{number}",
        "joint_offence": f"Dnr 5000-K{number}-{year % 100:02d}",
        "graded_intelligence": f"UR-{year}-{number} ({ctx.pick('ABC')}{ctx.between(1, 3)})",
        "probation_information": f"Kriminalvården dnr {year}-{number}",
        "social_services_information": f"Socialtjänsten dnr SN {year}/{number}",
    }[code]


class PersonGenerator:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.rng = ctx.rng
        self.group_cum = zipf_cum_weights(ctx.scale.groups, 0.5)
        self.group_indexes = range(ctx.scale.groups)
        self.statuses = weighted_table(STATUS_WEIGHTS)
        self.criteria = list(ctx.criteria)
        self.minor_cutoff = years_before(ctx.today, settings.GVI_MINOR_AGE)
        ctx.members = [[] for _ in ctx.group_ids]
        ctx.active_members = [[] for _ in ctx.group_ids]

    def date_of_birth(self, member: bool) -> dt.date:
        ctx, rng = self.ctx, self.rng
        if member:
            age = ctx.between(15, 17) if rng.random() < 0.13 else int(rng.triangular(18, 40, 21))
        else:
            age = int(rng.triangular(14, 70, 24))
        return years_before(ctx.today, age) - dt.timedelta(days=ctx.between(0, 364))

    def person(self, person_id: int, member: bool, group: int | None) -> tuple:
        ctx, rng = self.ctx, self.rng
        male = rng.random() < (0.92 if member else 0.55)
        sex = Sex.MALE if male else Sex.FEMALE
        first = ctx.pick(names.MALE_FIRST_NAMES if male else names.FEMALE_FIRST_NAMES)
        dob = self.date_of_birth(member)
        near_group = group is not None and rng.random() < 0.7
        area = ctx.group_areas[group][0] if near_group else ctx.pick(ctx.area_ids)
        owner = POLICE if rng.random() < 0.8 else ctx.pick([PROBATION, MUNICIPALITY])
        if dob > self.minor_cutoff:
            ctx.minors.append(person_id)
        source = f"Polisen {ctx.city}, UR-{ctx.today.year}-{ctx.between(1000, 99999)}"
        adult_on = birthday(dob, settings.GVI_MINOR_AGE)
        return (
            person_id,
            first,
            ctx.pick(names.SURNAMES),
            dob,
            sex,
            area,
            "",
            "",
            adult_on,
            *ctx.sourced(owner, source),
        )

    def membership(self, person_id: int, dob: dt.date, group: int, status: str, earlier: bool = False) -> tuple:
        ctx, rng = self.ctx, self.rng
        minor = dob > self.minor_cutoff
        review_days = 180 if minor else 365
        earliest = years_before(dob, -13)  # nobody is listed before the age of 13
        end = review_due = decided_by = decided_at = None
        reason = ""
        if earlier:
            start = max(earliest, ctx.days_ago(ctx.between(500, 1400)))
            end = min(ctx.days_ago(1), start + dt.timedelta(days=ctx.between(60, 400)))
        elif status == MembershipStatus.PROPOSED:
            start = max(earliest, ctx.days_ago(ctx.between(1, 60)))
        else:
            start = max(earliest, ctx.days_ago(ctx.between(60, 1100)))
        decided = start + dt.timedelta(days=ctx.between(1, 30))
        if status == MembershipStatus.ACTIVE:
            # Re-reviewed within the period, so the next review lies ahead.
            decided = max(decided, ctx.days_ago(ctx.between(0, review_days - 1)))
            review_due = decided + dt.timedelta(days=review_days)
            reason = "Kriterierna uppfyllda och styrkta."
        elif status == MembershipStatus.REJECTED:
            reason = "Underlaget räcker inte: kriterierna är inte styrkta."
        elif status == MembershipStatus.LAPSED:
            end = min(ctx.days_ago(1), decided + dt.timedelta(days=review_days))
            reason = "Inte omprövad inom tiden."
        elif status == MembershipStatus.ENDED:
            if end is None:
                end = min(ctx.days_ago(1), start + dt.timedelta(days=ctx.between(60, 500)))
            reason = "Personen har lämnat gruppen."
        if end is not None and end < start:
            end = start
        if decided > ctx.today:
            decided = ctx.today
        if status != MembershipStatus.PROPOSED:
            decided_by = ctx.coordinator()
            decided_at = ctx.now - dt.timedelta(days=(ctx.today - decided).days)
        key = status == MembershipStatus.ACTIVE and not earlier and rng.random() < 0.08
        contested = status == MembershipStatus.ACTIVE and not earlier and rng.random() < 0.04
        role = MembershipRole.ASSOCIATE if rng.random() < 0.25 else MembershipRole.MEMBER
        if key and rng.random() < 0.5:
            role = MembershipRole.LEADER
        owner = POLICE if rng.random() < 0.85 else ctx.pick([PROBATION, MUNICIPALITY])
        source = f"Polisen {ctx.city}, beslut om registrering {start.year}-{ctx.between(100, 9999)}"
        return (
            person_id,
            ctx.group_ids[group],
            start,
            end,
            role,
            key,
            status,
            review_due,
            decided_by,
            decided_at,
            reason,
            contested,
            *ctx.sourced(owner, source),
        )

    def chunk(self, first_id: int, count: int):
        """Rows of persons, memberships, evidence and supervision for `count` persons."""
        ctx, rng = self.ctx, self.rng
        persons, memberships, supervisions = [], [], []
        groups = rng.choices(self.group_indexes, cum_weights=self.group_cum, k=count)
        others = rng.choices(self.group_indexes, cum_weights=self.group_cum, k=count)
        for offset, person_id in enumerate(range(first_id, first_id + count)):
            member = rng.random() < MEMBER_SHARE
            group = groups[offset] if member else None
            person = self.person(person_id, member, group)
            persons.append(person)
            if not member:
                ctx.non_members.append(person_id)
                continue
            dob = person[3]
            status = ctx.pick(self.statuses)
            memberships.append(self.membership(person_id, dob, group, status))
            if status in (MembershipStatus.ACTIVE, MembershipStatus.PROPOSED):
                ctx.members[group].append(person_id)
            if status == MembershipStatus.ACTIVE:
                ctx.active_members[group].append(person_id)
            if rng.random() < 0.1 and ctx.scale.groups > 1:
                other = others[offset]
                if other != group:
                    memberships.append(self.membership(person_id, dob, other, MembershipStatus.ENDED, earlier=True))
            if dob <= self.minor_cutoff and rng.random() < 0.22:
                supervisions.append(self.supervision(person_id))
        return persons, memberships, supervisions

    def supervision(self, person_id: int) -> tuple:
        ctx, rng = self.ctx, self.rng
        kind = ctx.pick(SUPERVISION_KINDS)
        start = ctx.days_ago(ctx.between(30, 700))
        roll = rng.random()
        if roll < 0.2:
            end = ctx.today + dt.timedelta(days=ctx.between(0, 30))  # ends within 30 days
        elif roll < 0.8:
            end = ctx.today + dt.timedelta(days=ctx.between(31, 600))
        else:
            end = min(ctx.days_ago(1), start + dt.timedelta(days=ctx.between(30, 365)))
        if end >= ctx.today:
            ctx.supervised.add(person_id)
        source = f"Kriminalvården dnr {start.year}-{ctx.between(1000, 99999)}"
        return (person_id, kind, start, end, *ctx.sourced(PROBATION, source, "confirmed"))

    def evidence(self, membership_id: int, row: tuple) -> list[tuple]:
        ctx, rng = self.ctx, self.rng
        count = 1 if row[6] == MembershipStatus.REJECTED else ctx.between(2, min(4, len(self.criteria)))
        year = row[2].year
        return [
            (membership_id, self.ctx.criteria[code], _source_reference(self.ctx, code, year), "")
            for code in rng.sample(self.criteria, count)
        ]

    def contest(self, membership_id: int, row: tuple) -> tuple:
        ctx = self.ctx
        received = ctx.days_ago(ctx.between(0, 40))
        return (
            ctx.programme_id,
            row[0],
            RequestKind.CONTEST,
            received,
            "Personen bestrider att hen tillhör gruppen.",
            membership_id,
            RequestStatus.RECEIVED,
            "",
            None,
            None,
            ctx.now,
            None,
            "Brev",
            "confirmed",
            add_months(received, 1),
        )


def seed_people(ctx: Context) -> None:
    generator = PersonGenerator(ctx)
    sink = ctx.sink
    first_person = sink.reserve(Person, ctx.scale.persons)
    for offset in range(0, ctx.scale.persons, CHUNK):
        count = min(CHUNK, ctx.scale.persons - offset)
        persons, memberships, supervisions = generator.chunk(first_person + offset, count)
        sink.write(Person, PERSON_FIELDS, persons)
        first_membership = sink.reserve(Membership, len(memberships))
        evidence, contests = [], []
        for membership_id, row in enumerate(memberships, start=first_membership):
            evidence.extend(generator.evidence(membership_id, row))
            if row[5]:
                ctx.key_individuals.append(row[0])
            if row[11]:
                contests.append(generator.contest(membership_id, row))
        sink.write(Membership, MEMBERSHIP_FIELDS, ((i, *row) for i, row in enumerate(memberships, first_membership)))
        sink.write(MembershipEvidence, ("membership_id", "criterion_id", "source_reference", "note"), evidence)
        sink.write(Supervision, ("person_id", "kind", "start_date", "end_date", *SOURCED), supervisions)
        sink.write(DataSubjectRequest, REQUEST_FIELDS, contests)
