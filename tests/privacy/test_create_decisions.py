"""`CreateDecisions` (one policy decision per decision key, for bulk imports) answers as `can`
does on every record: many random new incidents and involvements, for every kind of user."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from gvi import models as m
from gvi.policy import Action, CreateDecisions, can, create_decision_key
from tests import factories as f


@pytest.fixture
def users(programme, police, civil_society, social_services, police_coordinator, police_analyst, auditor):
    other = f.OrganisationFactory(programme=f.ProgrammeFactory(name="Annan satsning"), name="Polisen Annanstad")
    return [
        police_coordinator,
        police_analyst,
        auditor,
        f.UserFactory(organisation=police, role=m.Role.PARTNER_OFFICER),
        f.UserFactory(organisation=civil_society, role=m.Role.PARTNER_OFFICER),
        f.UserFactory(organisation=social_services, role=m.Role.COORDINATOR),
        f.UserFactory(organisation=civil_society, role=m.Role.ANALYST),
        f.UserFactory(organisation=other, role=m.Role.COORDINATOR),
        f.UserFactory(organisation=police, role=m.Role.ADMINISTRATOR),
        f.UserFactory(organisation=police, role=m.Role.COORDINATOR, is_superuser=True),
        f.UserFactory(organisation=police, role=m.Role.COORDINATOR, is_active=False),
    ]


def _event(rng, today):
    moment = dt.datetime.combine(today - dt.timedelta(days=rng.randint(0, 30 * 365)), dt.time(rng.randint(0, 23)))
    return timezone.make_aware(moment)


def test_one_decision_per_key_answers_as_can_on_every_record(users, programme, police, civil_society, today):
    rng = random.Random(22)
    organisations = [police, civil_society, f.OrganisationFactory(programme=f.ProgrammeFactory(name="Tredje"))]
    persons = [
        f.PersonFactory(programme=programme, organisation=rng.choice(organisations[:2]), date_of_birth=born)
        for born in (
            dt.date(1980, 1, 1),  # an adult all along
            today - dt.timedelta(days=16 * 365),  # a minor today
            today.replace(year=today.year - 25),  # an adult, a minor at events before the 18th birthday
            dt.date(2004, 2, 29),  # born on a leap day
            today.replace(year=today.year - 18) + dt.timedelta(days=1),  # 18 tomorrow
        )
    ]
    asked = 0
    for user in users:
        decide = {kind: CreateDecisions(user, kind) for kind in ("incident", "involvement")}
        for _ in range(150):
            organisation = rng.choice(organisations)
            incident = m.Incident(
                programme_id=organisation.programme_id,
                organisation=organisation,
                source="Test",
                incident_type=m.IncidentType.SHOOTING,
                occurred_at=_event(rng, today),
            )
            owned = {"programme_id": organisation.programme_id, "organisation_id": organisation.pk}
            assert decide["incident"].allowed(lambda incident=incident: incident, **owned) == can(
                user, "incident", Action.CREATE, incident
            )
            person = rng.choice(persons)
            involvement = m.Involvement(
                incident=incident,
                person=person,
                role=m.InvolvementRole.VICTIM,
                programme_id=organisation.programme_id,
                organisation=organisation,
                source="Test",
            )
            memoised = decide["involvement"].allowed(
                lambda involvement=involvement: involvement, person=person, event=incident.occurred_at, **owned
            )
            assert memoised == can(user, "involvement", Action.CREATE, involvement), (user, person, incident)
            asked += 2
        # The memo holds few keys: its own organisation's records need no record-by-record answer.
        assert len(decide["incident"].answers) <= 3
    assert asked == 2 * 150 * len(users)


def test_the_minors_rule_is_in_the_key_only_where_it_decides(police_coordinator, police_analyst, police, today):
    person = f.PersonFactory(organisation=police, programme=police.programme, date_of_birth=dt.date(2000, 6, 1))
    child = timezone.make_aware(dt.datetime(2015, 3, 1, 12))
    grown = timezone.make_aware(dt.datetime(2020, 3, 1, 12))
    inputs = {"programme_id": police.programme_id, "organisation_id": police.pk, "person": person}
    # A coordinator sees every minor's record: the event's date does not matter.
    assert create_decision_key(police_coordinator, "involvement", event=child, **inputs) == create_decision_key(
        police_coordinator, "involvement", event=grown, **inputs
    )
    # An analyst sees no minor's record: the same person, a minor at one event and not the other.
    assert create_decision_key(police_analyst, "involvement", event=child, **inputs) != create_decision_key(
        police_analyst, "involvement", event=grown, **inputs
    )
    # Another organisation's record: the sharing rules read the record itself, so no key.
    other = {**inputs, "organisation_id": police.pk + 1000}
    assert create_decision_key(police_analyst, "involvement", event=grown, **other) is None
