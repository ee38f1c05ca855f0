"""Incidents with involvements and attributions: one nested write, all or nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def _incident(**changes):
    return {
        "incident_type": "shooting",
        "occurred_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        "source": "K-123456-26",
        "confidence": "probable",
        "injured": 1,
        **changes,
    }


def test_an_analyst_logs_an_incident_with_involvements_and_attributions(client_for, police_analyst, police, probation):
    suspect = f.PersonFactory(organisation=police)
    victim = f.PersonFactory(organisation=probation)
    group = f.GroupFactory(organisation=police)
    area = f.AreaFactory(programme=police.programme)
    body = _incident(
        area=area.pk,
        involvements=[
            {"person": suspect.pk, "role": "suspect"},
            {"person": victim.pk, "role": "victim", "source": "V-1"},
        ],
        attributions=[{"group": group.pk, "share": "0.5"}],
    )
    response = client_for(police_analyst).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert [(i["person"], i["role"], i["source"]) for i in data["involvements"]] == [
        (suspect.pk, "suspect", "K-123456-26"),
        (victim.pk, "victim", "V-1"),
    ]
    assert data["attributions"][0]["group"] == group.pk and data["attributions"][0]["share"] == "0.500"
    incident = m.Incident.objects.get()
    assert incident.organisation == police and incident.created_by == police_analyst


def test_incident_is_all_or_nothing_when_a_nested_person_is_invisible(
    client_for, police_analyst, police, other_programme_officer
):
    suspect = f.PersonFactory(organisation=police)
    stranger = f.PersonFactory(organisation=other_programme_officer.organisation)
    body = _incident(
        involvements=[{"person": suspect.pk, "role": "suspect"}, {"person": stranger.pk, "role": "victim"}]
    )
    response = client_for(police_analyst).post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["errors"] == {"involvements": {"1": {"person": ["No such record."]}}}
    assert not m.Incident.objects.exists() and not m.Involvement.objects.exists()


def test_a_partner_officer_may_not_attribute_and_nothing_is_stored(client_for, probation_officer, probation, police):
    suspect = f.PersonFactory(organisation=probation)
    group = f.GroupFactory(organisation=police)
    body = _incident(involvements=[{"person": suspect.pk, "role": "suspect"}], attributions=[{"group": group.pk}])
    response = client_for(probation_officer).post(URL, body, format="json")
    assert response.status_code == 403
    assert not m.Incident.objects.exists() and not m.Involvement.objects.exists()


def test_incident_bad_input(client_for, police_analyst):
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()
    client = client_for(police_analyst)
    response = client.post(
        URL,
        _incident(incident_type="riot", killed=-1, involvements=[{"role": "x"}]),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"incident_type", "killed", "involvements"}
    assert set(response.json()["errors"]["involvements"]["0"]) == {"person", "role"}
    response = client.post(URL, _incident(occurred_at=future), format="json", HTTP_ACCEPT_LANGUAGE="en")
    # The bound every date that has happened shares (gvi.dates).
    assert response.json()["errors"] == {"occurred_at": ["Give a date between 1970-01-01 and today."]}
    assert not m.Incident.objects.exists()


def test_an_analyst_does_not_see_a_minors_involvement(
    client_for, police_analyst, police_coordinator, police, minor_birth_date
):
    minor = f.PersonFactory(organisation=police, date_of_birth=minor_birth_date)
    adult = f.PersonFactory(organisation=police)
    incident = f.IncidentFactory(organisation=police)
    f.InvolvementFactory(organisation=police, incident=incident, person=minor)
    f.InvolvementFactory(organisation=police, incident=incident, person=adult, role=m.InvolvementRole.VICTIM)
    analysts_view = client_for(police_analyst).get(f"{URL}{incident.pk}/").json()
    assert [i["person"] for i in analysts_view["involvements"]] == [adult.pk]
    coordinators_view = client_for(police_coordinator).get(f"{URL}{incident.pk}/").json()
    assert sorted(i["person"] for i in coordinators_view["involvements"]) == sorted([minor.pk, adult.pk])
    logged = set(
        # The involvements nested in the incident are logged under their own kind, naming the person.
        m.AccessLog.objects.filter(record_kind="involvement", user=police_analyst).values_list("person_id", flat=True)
    )
    assert adult.pk in logged and minor.pk not in logged


def test_another_programmes_incident_is_404(client_for, police_analyst, other_programme_officer):
    theirs = f.IncidentFactory(organisation=other_programme_officer.organisation)
    client = client_for(police_analyst)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(URL).json()["results"] == []
