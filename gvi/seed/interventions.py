"""What partners do about the groups: the confirmed flag, focused enforcement against the
most violent groups, call-ins with speakers and invitations, and custom notifications."""

import datetime as dt

from django.utils import timezone

from gvi.models import (
    CallIn,
    CallInSpeaker,
    CallInStatus,
    CustomNotification,
    EnforcementAction,
    EnforcementKind,
    FlagStatus,
    GroupFlag,
    Invitation,
    InvitationStatus,
    MessageKind,
    NotificationResponse,
    OrganisationKind,
    ServiceKind,
    SpeakerKind,
)
from gvi.seed import names
from gvi.seed.context import SOURCED, TRACKED, Context, zipf_cum_weights

POLICE = OrganisationKind.POLICE
PROBATION = OrganisationKind.PROBATION
MUNICIPALITY = OrganisationKind.MUNICIPALITY
CIVIL_SOCIETY = OrganisationKind.CIVIL_SOCIETY
EXIT_ORGANISATION = "civil_society_2"

ENFORCEMENT_WEIGHTS = {
    EnforcementKind.CONTROL: 35,
    EnforcementKind.PROBATION_CHECK: 20,
    EnforcementKind.SEARCH: 15,
    EnforcementKind.ARREST: 12,
    EnforcementKind.WARRANT: 5,
    EnforcementKind.ASSET_SEIZURE: 5,
    EnforcementKind.OTHER: 3,
}
ENFORCEMENT_OUTCOMES = {
    EnforcementKind.CONTROL: "Kontroll genomförd, inga anmärkningar.",
    EnforcementKind.PROBATION_CHECK: "Villkoren kontrollerade; avvikelse rapporterad till frivården.",
    EnforcementKind.SEARCH: "Husrannsakan genomförd; beslag av vapen.",
    EnforcementKind.ARREST: "Gripen, anhållen i sin frånvaro.",
    EnforcementKind.WARRANT: "Efterlyst, dömd i sin frånvaro.",
    EnforcementKind.ASSET_SEIZURE: "Kontanter och bil beslagtagna.",
    EnforcementKind.OTHER: "Ordningsvakter och kameraövervakning i området.",
}
RESPONSE_WEIGHTS = {
    NotificationResponse.ACCEPTED_HELP: 30,
    NotificationResponse.LISTENED: 35,
    NotificationResponse.REFUSED: 20,
    NotificationResponse.NOT_REACHED: 15,
}
SPEAKER_ORGS = {
    MessageKind.MORAL: [CIVIL_SOCIETY, None],
    MessageKind.HELP: [MUNICIPALITY, EXIT_ORGANISATION],
    MessageKind.ENFORCEMENT: [POLICE, PROBATION],
}


def at_evening(day: dt.date, hour: int = 17) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def violent_group_indexes(ctx: Context) -> list[int]:
    """The most violent tenth of the groups (at least two), most violent first."""
    ranked = sorted(range(len(ctx.group_ids)), key=lambda g: -ctx.group_incidents[g])
    return ranked[: max(2, len(ranked) // 10)]


def seed_flag(ctx: Context) -> None:
    """One confirmed flag on the most violent group: a coordinator decided it, with a reason."""
    ranked = violent_group_indexes(ctx)
    top, runner_up = ranked[0], ranked[1]
    ctx.flag_id = ctx.sink.reserve(GroupFlag, 1)
    ctx.flag_confirmed_on = ctx.days_ago(20)
    ctx.sink.write(
        GroupFlag,
        (
            "id",
            "programme_id",
            "group_id",
            "status",
            "suggested_at",
            "score",
            "runner_up_id",
            "runner_up_score",
            "explanation",
            "decided_by_id",
            "decided_at",
            "decision_reason",
            "end_reason",
            "end_note",
        ),
        [
            (
                ctx.flag_id,
                ctx.programme_id,
                ctx.group_ids[top],
                FlagStatus.CONFIRMED,
                ctx.now - dt.timedelta(days=21),
                float(ctx.group_incidents[top]),
                ctx.group_ids[runner_up],
                float(ctx.group_incidents[runner_up]),
                {"note": "Seeded: score is the number of attributed incidents."},
                ctx.coordinator(),
                ctx.now - dt.timedelta(days=20),
                "Flest skjutningar och sprängningar senaste kvartalet; samverkansgruppen är enig.",
                "",
                "",
            )
        ],
    )


def seed_enforcement(ctx: Context) -> None:
    rng = ctx.rng
    targets = violent_group_indexes(ctx)
    cum = zipf_cum_weights(len(targets), 1.3)
    kinds, weights = list(ENFORCEMENT_WEIGHTS), list(ENFORCEMENT_WEIGHTS.values())
    flagged = targets[0]

    def rows():
        for number in range(ctx.scale.enforcement_actions):
            group = rng.choices(targets, cum_weights=cum)[0]
            kind = rng.choices(kinds, weights=weights)[0]
            owner = PROBATION if kind == EnforcementKind.PROBATION_CHECK else POLICE
            performed = ctx.days_ago(int(rng.triangular(0, 180, 0)))
            members = ctx.active_members[group]
            person = rng.choice(members) if members and rng.random() < 0.5 else None
            flag = ctx.flag_id if group == flagged and performed >= ctx.flag_confirmed_on else None
            source = f"Polisen {ctx.city}, insats {performed.year}-{number + 1:05d}"
            yield (
                ctx.group_ids[group],
                person,
                flag,
                kind,
                performed,
                ENFORCEMENT_OUTCOMES[kind],
                *ctx.sourced(owner, source, "confirmed"),
            )

    ctx.sink.write(
        EnforcementAction, ("group_id", "person_id", "flag_id", "kind", "performed_on", "outcome", *SOURCED), rows()
    )


def _speaker_name(ctx: Context, kind: str) -> str:
    rng = ctx.rng
    title = rng.choice(names.SPEAKER_TITLES[kind])
    female = title.startswith("mamma") or rng.random() < 0.5
    first = rng.choice(names.FEMALE_FIRST_NAMES if female else names.MALE_FIRST_NAMES)
    return f"{first} {rng.choice(names.SURNAMES)}, {title}"


# What each kind of speaker says, in outline (synthetic, Swedish as in the app).
SPEAKER_MESSAGES = {
    SpeakerKind.POLICE: "Vi vet vilka ni är. Nästa skjutning får hela gruppen svara för, med alla medel vi har.",
    SpeakerKind.PROBATION: "Era villkor gäller. Vi följer upp varje överträdelse.",
    SpeakerKind.SOCIAL_SERVICES: "Vill du ut finns hjälp i dag: boende, arbete, skydd. Ring numret på kortet.",
    SpeakerKind.COMMUNITY: "Området vill att våldet upphör. Ni är en del av oss, och vi vill ha er levande.",
    SpeakerKind.BEREAVED_MOTHER: "Om min son, och om vad våldet tog från vår familj.",
    SpeakerKind.FORMER_MEMBER: "Jag var där ni är. Så här tog jag mig ut.",
    SpeakerKind.OTHER: "",
}


def _speaker_kind(message_kind: str, org: str | None, name: str) -> str:
    """The kind of speaker, from the seeded message, organisation and title (no random draw)."""
    if message_kind == MessageKind.ENFORCEMENT:
        return SpeakerKind.PROBATION if org == PROBATION else SpeakerKind.POLICE
    if message_kind == MessageKind.HELP:
        return SpeakerKind.SOCIAL_SERVICES if org == MUNICIPALITY else SpeakerKind.OTHER
    if "mamma" in name:
        return SpeakerKind.BEREAVED_MOTHER
    if "tidigare gängmedlem" in name:
        return SpeakerKind.FORMER_MEMBER
    return SpeakerKind.COMMUNITY


def seed_call_ins(ctx: Context) -> list[tuple[int, int, dt.date]]:
    """Call-ins about monthly, the last one planned. Returns (invitation id, person id, date)
    of every attended invitation, for the notices."""
    rng, scale = ctx.rng, ctx.scale
    targets = violent_group_indexes(ctx)
    cum = zipf_cum_weights(len(targets), 1.0)
    first = ctx.sink.reserve(CallIn, scale.call_ins)
    call_ins, speakers, invitations, attended = [], [], [], []
    spacing = max(1, 330 // scale.call_ins)
    for number in range(scale.call_ins):
        call_in_id = first + number
        planned = number == scale.call_ins - 1
        day = ctx.today + dt.timedelta(days=10) if planned else ctx.days_ago(330 - number * spacing)
        status = CallInStatus.PLANNED if planned else CallInStatus.HELD
        if not planned and rng.random() < 0.08:
            status = CallInStatus.CANCELLED
        changed_at = None if status == CallInStatus.PLANNED else at_evening(day, hour=21)
        call_ins.append(
            (
                call_in_id,
                ctx.programme_id,
                ctx.orgs[POLICE],
                at_evening(day),
                rng.choice(names.VENUES),
                status,
                "",
                changed_at,
                "Inställt: lokalen inte tillgänglig" if status == CallInStatus.CANCELLED else "",
                *ctx.tracked(),
            )
        )
        position = 0
        for kind in MessageKind:
            for _ in range(rng.randint(1, 2)):
                org = rng.choice(SPEAKER_ORGS[kind])
                name = _speaker_name(ctx, kind)
                speaker_kind = _speaker_kind(kind, org, name)
                position += 1
                speakers.append(
                    (
                        call_in_id,
                        position,
                        speaker_kind,
                        name,
                        ctx.orgs[org] if org else None,
                        kind,
                        SPEAKER_MESSAGES[speaker_kind],
                    )
                )
        invited: set[int] = set()
        for group in dict.fromkeys(rng.choices(targets, cum_weights=cum, k=2)):
            pool = ctx.active_members[group]
            invited.update(rng.sample(pool, min(len(pool), scale.invitations_per_call_in // 2 + 1)))
        for person in sorted(invited):
            invitations.append((call_in_id, person, status, day))
    ctx.sink.write(
        CallIn,
        (
            "id",
            "programme_id",
            "organisation_id",
            "scheduled_at",
            "venue",
            "status",
            "notes",
            "status_changed_at",
            "status_note",
            *TRACKED,
        ),
        call_ins,
    )
    ctx.sink.write(
        CallInSpeaker,
        ("call_in_id", "position", "kind", "name", "organisation_id", "message_kind", "message"),
        speakers,
    )
    first_invitation = ctx.sink.reserve(Invitation, len(invitations))
    rows = []
    for invitation_id, (call_in_id, person, call_in_status, day) in enumerate(invitations, first_invitation):
        status = InvitationStatus.INVITED
        if call_in_status == CallInStatus.HELD:
            status = rng.choices(
                [InvitationStatus.ATTENDED, InvitationStatus.NO_SHOW, InvitationStatus.EXCUSED], weights=[60, 25, 15]
            )[0]
        if status == InvitationStatus.ATTENDED:
            attended.append((invitation_id, person, day))
        owner = PROBATION if person in ctx.supervised else POLICE
        source = f"Kallelse {day.isoformat()}"
        rows.append((invitation_id, call_in_id, person, status, *ctx.sourced(owner, source, "confirmed")))
    ctx.sink.write(Invitation, ("id", "call_in_id", "person_id", "status", *SOURCED), rows)
    return attended


def seed_notifications(ctx: Context) -> list[tuple[int, int, dt.date, str, list[str]]]:
    """Custom notifications to active members of the violent groups. Returns
    (id, person id, date, response, services offered) for referrals and notices."""
    rng = ctx.rng
    targets = [g for g in violent_group_indexes(ctx) if ctx.active_members[g]] or [
        g for g in range(len(ctx.group_ids)) if ctx.active_members[g]
    ]
    if not targets:
        return []
    cum = zipf_cum_weights(len(targets), 1.0)
    responses, weights = list(RESPONSE_WEIGHTS), list(RESPONSE_WEIGHTS.values())
    deliverers = [POLICE, MUNICIPALITY, CIVIL_SOCIETY, EXIT_ORGANISATION, PROBATION]
    services = [kind.value for kind in ServiceKind]
    count = ctx.scale.notifications
    first = ctx.sink.reserve(CustomNotification, count)
    rows, through, result = [], [], []
    for notification_id in range(first, first + count):
        group = rng.choices(targets, cum_weights=cum)[0]
        person = rng.choice(ctx.active_members[group])
        day = ctx.days_ago(int(rng.triangular(0, 300, 0)))
        response = rng.choices(responses, weights=weights)[0]
        delivered = response != NotificationResponse.NOT_REACHED
        offered = sorted(rng.sample(services, rng.randint(1, 3))) if delivered else []
        orgs = rng.sample(deliverers, rng.randint(1, 2))
        note = "" if delivered else "Inte anträffad på adressen."
        source = f"Personligt budskap {day.isoformat()}"
        rows.append(
            (
                notification_id,
                person,
                ctx.group_ids[group],
                day,
                delivered,
                offered,
                response,
                note,
                *ctx.sourced(orgs[0], source, "confirmed"),
            )
        )
        through.extend((notification_id, ctx.orgs[org]) for org in orgs)
        result.append((notification_id, person, day, response, offered))
    ctx.sink.write(
        CustomNotification,
        (
            "id",
            "person_id",
            "group_id",
            "delivered_on",
            "message_delivered",
            "services_offered",
            "response",
            "response_note",
            *SOURCED,
        ),
        rows,
    )
    ctx.sink.write(
        CustomNotification.delivering_organisations.through,
        ("customnotification_id", "partnerorganisation_id"),
        through,
    )
    return result
