"""The performance fixes the benchmarks led to keep the behaviour they replaced."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gvi import models as m
from gvi import weekly_counts
from gvi.selectors import groups as group_selectors
from gvi.services.common import validate
from tests import factories as f

pytestmark = pytest.mark.django_db


def _involvement(police, police_coordinator, **changes):
    incident = f.IncidentFactory(organisation=police)
    person = f.PersonFactory(organisation=police)
    fields = {
        "incident": incident,
        "person": person,
        "role": m.InvolvementRole.SUSPECT,
        "programme": police.programme,
        "organisation": police,
        "created_by": police_coordinator,
        "updated_by": police_coordinator,
        "source": "Test",
        "confidence": m.Confidence.PROBABLE,
        **changes,
    }
    return m.Involvement(**fields)


def test_validate_asks_nothing_about_loaded_foreign_keys(police, police_coordinator):
    involvement = _involvement(police, police_coordinator)
    with CaptureQueriesContext(connection) as queries:
        validate(involvement)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("gvi_person", "gvi_user", "gvi_programme", "gvi_partnerorganisation", "gvi_incident"):
        assert f'FROM "{table}"' not in sql
    assert len(queries) == 1  # the unique constraint (incident, person, role) is still checked


def test_validate_still_checks_a_foreign_key_given_only_by_id(police, police_coordinator):
    involvement = _involvement(police, police_coordinator)
    involvement.person_id = 987654  # an id, not a loaded row, and no such person
    with pytest.raises(ValidationError) as error:
        validate(involvement)
    assert "person" in error.value.message_dict


def test_validate_still_checks_unique_constraints_and_fields(police, police_coordinator):
    first = _involvement(police, police_coordinator)
    first.save()
    duplicate = _involvement(police, police_coordinator, incident=first.incident, person=first.person)
    with pytest.raises(ValidationError) as error:
        validate(duplicate)
    assert "__all__" in error.value.message_dict
    bad_role = _involvement(police, police_coordinator, role="bystander")
    with pytest.raises(ValidationError) as error:
        validate(bad_role)
    assert "role" in error.value.message_dict


def test_group_page_lists_the_latest_incidents_and_counts_them_all(client, police, police_coordinator, monkeypatch):
    monkeypatch.setattr(group_selectors, "INCIDENT_LIMIT", 2)
    group = f.GroupFactory(organisation=police)
    now = timezone.now()
    days = [3, 1, 2, 400]  # the last is older than 12 months
    incidents = [
        f.GroupAttributionFactory(
            organisation=police, group=group, incident__occurred_at=now - dt.timedelta(days=d)
        ).incident
        for d in days
    ]
    # A suspect's active membership links an incident too.
    member = f.MembershipFactory(organisation=police, group=group, status=m.MembershipStatus.ACTIVE)
    by_member = f.InvolvementFactory(
        organisation=police, person=member.person, incident__occurred_at=now - dt.timedelta(days=5)
    ).incident
    # The page counts from the weekly aggregates (gvi.weekly_counts), which the services keep; the
    # factories write around them, so count them as the nightly check would.
    weekly_counts.rebuild(programme_id=police.programme_id)
    page = group_selectors.group_detail(police_coordinator, group.pk)
    assert [i.pk for i in page.incidents] == [incidents[1].pk, incidents[2].pk]
    assert page.incident_count == 4  # three attributed in the last 52 weeks and the member's
    assert by_member.pk not in [i.pk for i in page.incidents]
    client.force_login(police_coordinator)
    response = client.get(reverse("frontend:group_detail", args=[group.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "The latest 2 are listed." in response.content.decode()


def test_validate_trusts_a_known_key_only_when_told(police, police_coordinator):
    involvement = _involvement(police, police_coordinator, programme=None)
    involvement.programme_id = police.programme_id  # an id only: not loaded

    def programme_queries(**kwargs):
        with CaptureQueriesContext(connection) as queries:
            validate(involvement, **kwargs)
        return [q for q in queries.captured_queries if 'FROM "gvi_programme"' in q["sql"]]

    assert len(programme_queries()) == 1
    assert programme_queries(known=("programme",)) == []
