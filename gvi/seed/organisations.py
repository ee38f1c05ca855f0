"""The programme, its partner organisations, one user per organisation and role, the
inclusion criteria and the scoring configuration. Small tables: plain ORM writes."""

import datetime as dt
from decimal import Decimal

from gvi.models import (
    IncidentType,
    IncidentTypeWeight,
    InclusionCriterion,
    OrganisationKind,
    PartnerOrganisation,
    Programme,
    Role,
    ScoringConfig,
    User,
)
from gvi.seed import names
from gvi.seed.context import Context
from gvi.services.sharing import apply_default_bases

# (key in ctx.orgs, kind, name pattern, short name for usernames). Police first: demo_login
# gives its demo coordinator the first organisation.
ORGANISATIONS = [
    (OrganisationKind.POLICE, OrganisationKind.POLICE, "Polisen {city}", "polis"),
    (OrganisationKind.PROBATION, OrganisationKind.PROBATION, "Frivården {city}", "frivard"),
    (OrganisationKind.MUNICIPALITY, OrganisationKind.MUNICIPALITY, "Socialtjänsten {city}", "soc"),
    (OrganisationKind.CIVIL_SOCIETY, OrganisationKind.CIVIL_SOCIETY, "Föreningen Trygga gator {city}", "forening"),
    ("civil_society_2", OrganisationKind.EXIT, "Avhopparjouren {city}", "avhopp"),
]

ROLE_USERNAMES = {
    Role.COORDINATOR: "samordnare",
    Role.PARTNER_OFFICER: "handlaggare",
    Role.ANALYST: "analytiker",
    Role.AUDITOR: "granskare",
    Role.ADMINISTRATOR: "admin",
}

CRITERIA = [
    ("own_statement", "Egen utsaga", "The person has said they belong to the group."),
    ("joint_offence", "Brott tillsammans med medlemmar", "An offence committed together with known members."),
    ("graded_intelligence", "Graderad underrättelseinformation", "Intelligence graded for source and content."),
    ("probation_information", "Uppgifter från Kriminalvården", "Information from the probation service."),
    ("social_services_information", "Uppgifter från socialtjänsten", "Information from social services."),
]

SEVERITY_WEIGHTS = {
    IncidentType.HOMICIDE: Decimal("10"),
    IncidentType.ATTEMPTED_MURDER: Decimal("7"),
    IncidentType.SHOOTING: Decimal("6"),
    IncidentType.EXPLOSION: Decimal("5"),
    IncidentType.SERIOUS_ASSAULT: Decimal("3"),
    IncidentType.ARMED_THREAT: Decimal("2"),
}

CONFIDENCE_MULTIPLIERS = {"confirmed": 1.0, "probable": 0.75, "possible": 0.5, "unverified": 0.25}


PROGRAMME_MONTHS = 26  # how long the programme has run


def months_before(today: dt.date, months: int) -> dt.date:
    """The first day of the month `months` before today's month."""
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def slug(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", " ": "-"})
    return text.lower().translate(table)


def seed_programme(ctx: Context) -> None:
    programme = Programme.objects.create(
        name=f"Sluta skjut {ctx.city}",
        city=ctx.city,
        # On the first of a month, 26 months back: whole months on both sides of the start.
        started_on=months_before(ctx.today, PROGRAMME_MONTHS),
    )
    ctx.programme_id = programme.pk
    apply_default_bases(programme)
    city_slug = slug(ctx.city)
    users = []
    for key, kind, pattern, short in ORGANISATIONS:
        name = pattern.format(city=ctx.city)
        organisation = PartnerOrganisation.objects.create(
            programme=programme, name=name, kind=kind, contact_email=f"gvi.{short}@{city_slug}.example.invalid"
        )
        ctx.orgs[key] = organisation.pk
        for role, role_name in ROLE_USERNAMES.items():
            username = f"{role_name}.{short}.{city_slug}"
            male = ctx.rng.random() < 0.5
            user = User(
                username=username,
                first_name=ctx.rng.choice(names.MALE_FIRST_NAMES if male else names.FEMALE_FIRST_NAMES),
                last_name=ctx.rng.choice(names.SURNAMES),
                email=f"{username}@example.invalid",
                organisation=organisation,
                role=role,
                is_staff=role == Role.ADMINISTRATOR,
            )
            # Seeded users cannot log in; `manage.py demo_login` makes the one demo login.
            user.set_unusable_password()
            users.append((key, role, user))
    User.objects.bulk_create([user for _key, _role, user in users])
    for key, role, user in users:
        ctx.users[(key, role)] = user.pk

    criteria = InclusionCriterion.objects.bulk_create(
        InclusionCriterion(programme=programme, code=code, name=name, description=description)
        for code, name, description in CRITERIA
    )
    ctx.criteria = {criterion.code: criterion.pk for criterion in criteria}

    config = ScoringConfig.objects.create(programme=programme, confidence_multipliers=CONFIDENCE_MULTIPLIERS)
    IncidentTypeWeight.objects.bulk_create(
        IncidentTypeWeight(config=config, incident_type=incident_type, weight=weight)
        for incident_type, weight in SEVERITY_WEIGHTS.items()
    )
