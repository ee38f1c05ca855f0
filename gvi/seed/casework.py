"""Help and care around each person: service referrals, exit cases, concern reports (minors
only), risk assessments, notices and hand-made follow-ups (some overdue)."""

import datetime as dt

from gvi.models import (
    ConcernReport,
    Consent,
    ConsentScope,
    ExitCase,
    ExitCaseStatus,
    FollowUp,
    FollowUpOrigin,
    FollowUpStatus,
    Notice,
    NoticeMethod,
    NotificationResponse,
    OrganisationKind,
    ReferralStatus,
    RiskAssessment,
    RiskKind,
    RiskLevel,
    Role,
    ServiceKind,
    ServiceReferral,
)
from gvi.seed.context import SOURCED, TRACKED, Context

POLICE = OrganisationKind.POLICE
PROBATION = OrganisationKind.PROBATION
MUNICIPALITY = OrganisationKind.MUNICIPALITY
CIVIL_SOCIETY = OrganisationKind.CIVIL_SOCIETY
EXIT_ORGANISATION = "civil_society_2"

CONCERN_REASONS = [
    "Misstänks ha förvarat vapen åt äldre medlemmar.",
    "Anträffad sent på kvällen i miljö med kända gängmedlemmar.",
    "Skolfrånvaro och uppgifter om att hen rekryterats som springpojke.",
    "Utsatt för hot efter en skjutning i området.",
]
FOLLOW_UP_TITLES = [
    "Boka samtal om avhopp",
    "Kontrollera boende efter hot",
    "Återkoppla till frivården om villkor",
    "Planera nästa call-in",
    "Följ upp erbjudet arbete",
    "Stäm av lägesbilden med polisen",
    "Kontakta vårdnadshavare",
]


def _member_pool(ctx: Context) -> list[int]:
    return [person for members in ctx.active_members for person in members] or ctx.non_members


def seed_referrals_and_exits(ctx: Context, notifications: list) -> None:
    rng, scale = ctx.rng, ctx.scale
    rows = []
    exit_candidates: list[int] = []
    # Every accepted offer becomes a referral linked to the notification that offered it.
    for notification_id, person, day, response, offered in notifications:
        if response != NotificationResponse.ACCEPTED_HELP or len(rows) >= scale.referrals:
            continue
        for kind in offered[:2]:
            status = rng.choices(
                [ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED, ReferralStatus.DROPPED],
                weights=[25, 40, 20, 15],
            )[0]
            if kind == ServiceKind.EXIT_PROGRAMME:
                exit_candidates.append(person)
            rows.append((person, kind, status, day, notification_id))
    members = _member_pool(ctx)
    while len(rows) < scale.referrals and members:
        status = rng.choice([ReferralStatus.OFFERED, ReferralStatus.DECLINED, ReferralStatus.ACCEPTED])
        rows.append(
            (rng.choice(members), rng.choice(list(ServiceKind)), status, ctx.days_ago(rng.randint(0, 300)), None)
        )

    def referral_rows():
        for person, kind, status, day, notification_id in rows:
            owner = EXIT_ORGANISATION if kind == ServiceKind.EXIT_PROGRAMME else MUNICIPALITY
            source = f"Socialtjänsten dnr SN {day.year}/{rng.randint(1000, 9999)}"
            yield (person, kind, status, day, notification_id, *ctx.sourced(owner, source, "confirmed"))

    ctx.sink.write(
        ServiceReferral, ("person_id", "kind", "status", "offered_on", "notification_id", *SOURCED), referral_rows()
    )

    people = list(dict.fromkeys(exit_candidates))[: scale.exit_cases]
    while len(people) < scale.exit_cases and members:
        people.append(rng.choice(members))

    def exit_rows():
        for person in people:
            opened = ctx.days_ago(rng.randint(10, 400))
            status = rng.choices(list(ExitCaseStatus), weights=[20, 45, 20, 15])[0]
            closed = None
            if status in (ExitCaseStatus.COMPLETED, ExitCaseStatus.DROPPED):
                closed = min(ctx.today, opened + dt.timedelta(days=rng.randint(30, 300)))
            source = f"Avhopparjouren ärende {opened.year}-{rng.randint(100, 999)}"
            yield (person, opened, closed, status, *ctx.sourced(EXIT_ORGANISATION, source, "confirmed"))

    ctx.sink.write(ExitCase, ("person_id", "opened_on", "closed_on", "status", *SOURCED), exit_rows())

    # Most persons in exit work consent to share with the exit organisation; some withdraw it later.
    def consent_rows():
        for number, person in enumerate(people):
            given = ctx.days_ago(rng.randint(5, 400))
            withdrawn = ctx.now - dt.timedelta(days=rng.randint(0, 4)) if number % 4 == 3 else None
            note = "Återkallat vid samtal." if withdrawn else ""
            source = f"Samtyckesblankett {given.year}-{rng.randint(100, 999)}"
            row = (person, ConsentScope.CASEWORK, given, withdrawn, note)
            yield (*row, *ctx.sourced(EXIT_ORGANISATION, source, "confirmed"))

    ctx.sink.write(
        Consent, ("person_id", "scope", "given_on", "withdrawn_at", "withdrawal_note", *SOURCED), consent_rows()
    )


def seed_concern_reports(ctx: Context) -> None:
    """Concern reports (orosanmälningar) exist only for minors."""
    rng = ctx.rng
    minors = rng.sample(ctx.minors, min(len(ctx.minors), ctx.scale.concern_reports))

    def rows():
        for person in minors:
            day = ctx.days_ago(rng.randint(0, 200))
            reporter = rng.choices([POLICE, CIVIL_SOCIETY, PROBATION], weights=[60, 25, 15])[0]
            reference = f"SN {day.year}/{rng.randint(1000, 9999)}" if rng.random() < 0.8 else ""
            source = f"Orosanmälan {day.isoformat()}"
            yield (person, day, rng.choice(CONCERN_REASONS), reference, *ctx.sourced(reporter, source))

    ctx.sink.write(ConcernReport, ("person_id", "reported_on", "reason", "social_services_reference", *SOURCED), rows())


def seed_risk_assessments(ctx: Context) -> None:
    """Threat from key individuals, threat to others; some reviews are already due."""
    rng = ctx.rng
    members = _member_pool(ctx)
    levels = list(RiskLevel)

    def rows():
        for _ in range(ctx.scale.risk_assessments):
            if ctx.key_individuals and rng.random() < 0.4:
                person, kind = rng.choice(ctx.key_individuals), RiskKind.THREAT_FROM
            else:
                person, kind = rng.choice(members), RiskKind.THREAT_TO
            assessed = ctx.days_ago(rng.randint(0, 200))
            next_review = assessed + dt.timedelta(days=rng.choice([30, 60, 90, 120]))
            source = f"Polisen {ctx.city}, Bops/RRI {assessed.year}-{rng.randint(100, 9999)}"
            yield (
                person,
                kind,
                rng.choices(levels, weights=[20, 40, 30, 10])[0],
                assessed,
                next_review,
                "Strukturerad bedömning enligt rutin.",
                *ctx.sourced(POLICE, source),
            )

    ctx.sink.write(
        RiskAssessment, ("person_id", "kind", "level", "assessed_on", "next_review_on", "summary", *SOURCED), rows()
    )


def seed_notices(ctx: Context, attended: list, notifications: list) -> None:
    """How each person was told they are in the programme, or why notice is withheld."""
    rng = ctx.rng
    told: set[int] = set()
    rows = []
    for invitation_id, person, day in attended:
        if person not in told:
            told.add(person)
            rows.append((person, NoticeMethod.CALL_IN, day, invitation_id, None, "", None))
    for notification_id, person, day, response, _offered in notifications:
        if person not in told and response != NotificationResponse.NOT_REACHED:
            told.add(person)
            rows.append((person, NoticeMethod.CUSTOM_NOTIFICATION, day, None, notification_id, "", None))
    members = _member_pool(ctx)
    for _ in range(max(2, len(rows) // 10)):
        person = rng.choice(members)
        if person in told:
            continue
        told.add(person)
        if rng.random() < 0.5:
            rows.append((person, NoticeMethod.LETTER, ctx.days_ago(rng.randint(0, 200)), None, None, "", None))
        else:
            until = ctx.today + dt.timedelta(days=rng.randint(30, 180))
            reason = "Pågående förundersökning: underrättelse skulle skada utredningen."
            rows.append((person, NoticeMethod.WITHHELD, None, None, None, reason, until))
    ctx.sink.write(
        Notice,
        (
            "person_id",
            "method",
            "given_on",
            "invitation_id",
            "notification_id",
            "withheld_reason",
            "withheld_until",
            *SOURCED,
        ),
        ((*row, *ctx.sourced(POLICE, "Underrättelse om registrering", "confirmed")) for row in rows),
    )


def seed_follow_ups(ctx: Context) -> None:
    """Hand-made follow-ups with owners and due dates; the open ones past due are overdue."""
    rng = ctx.rng
    members = _member_pool(ctx)
    org_keys = list(ctx.orgs)
    statuses = list(FollowUpStatus)

    def rows():
        for _ in range(ctx.scale.follow_ups):
            org = rng.choice(org_keys)
            owner_user = ctx.users[(org, rng.choice([Role.COORDINATOR, Role.PARTNER_OFFICER]))]
            due = ctx.today + dt.timedelta(days=rng.randint(-30, 30))
            status = rng.choices(statuses, weights=[50, 20, 25, 5])[0]
            completed = ctx.now - dt.timedelta(days=rng.randint(0, 20)) if status == FollowUpStatus.DONE else None
            person = rng.choice(members) if rng.random() < 0.6 else None
            group = ctx.group_ids[rng.randrange(len(ctx.group_ids))] if person is None and rng.random() < 0.7 else None
            yield (
                ctx.programme_id,
                ctx.orgs[org],
                owner_user if rng.random() < 0.6 else None,
                rng.choice(FOLLOW_UP_TITLES),
                "",
                due,
                status,
                FollowUpOrigin.MANUAL,
                "",
                person,
                group,
                completed,
                "Seed",
                "confirmed",
                *ctx.tracked(),
            )

    ctx.sink.write(
        FollowUp,
        (
            "programme_id",
            "owner_organisation_id",
            "owner_user_id",
            "title",
            "description",
            "due_date",
            "status",
            "origin",
            "rule",
            "person_id",
            "group_id",
            "completed_at",
            "source",
            "confidence",
            *TRACKED,
        ),
        rows(),
    )
