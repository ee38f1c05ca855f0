"""Persons and groups (read only), membership proposals, risk assessments, service referrals."""

import datetime as dt

import pytest

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db


# --- persons and groups ---------------------------------------------------------------


def test_persons_within_the_policy_and_minors_for_fewer_roles(
    client_for, probation_officer, social_services_officer, police_analyst, probation, minor_birth_date
):
    adult = f.PersonFactory(organisation=probation)
    minor = f.PersonFactory(organisation=probation, date_of_birth=minor_birth_date)

    def visible(user):
        return {row["id"] for row in client_for(user).get("/api/v1/persons/").json()["results"]}

    assert visible(probation_officer) == {adult.pk, minor.pk}  # its own organisation's minor
    assert visible(social_services_officer) == {adult.pk}
    assert visible(police_analyst) == {adult.pk}
    other = client_for(social_services_officer)
    hidden = other.get(f"/api/v1/persons/{minor.pk}/")
    missing = other.get(f"/api/v1/persons/{minor.pk + 1000}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    own = client_for(probation_officer).get(f"/api/v1/persons/{minor.pk}/").json()
    assert own["is_minor"] is True
    assert "personnummer_encrypted" not in own and "personnummer_hash" not in own


def test_another_programmes_persons_are_invisible(client_for, probation_officer, other_programme_officer):
    theirs = f.PersonFactory(organisation=other_programme_officer.organisation)
    client = client_for(probation_officer)
    assert client.get(f"/api/v1/persons/{theirs.pk}/").status_code == 404
    assert client.get("/api/v1/persons/").json()["results"] == []


def test_person_reads_are_logged(client_for, probation_officer, probation):
    person = f.PersonFactory(organisation=probation)
    client = client_for(probation_officer)
    client.get(f"/api/v1/persons/{person.pk}/")
    log = m.AccessLog.objects.get(record_kind="person")
    assert (log.action, log.person_id, log.channel, log.user) == ("read", person.pk, "api", probation_officer)
    assert log.api_key_prefix == client.raw_key.partition(".")[0]
    assert log.path == f"/api/v1/persons/{person.pk}/"


def test_persons_and_groups_are_read_only(client_for, police_coordinator):
    client = client_for(police_coordinator)
    assert client.post("/api/v1/persons/", {}, format="json").status_code == 405
    assert client.post("/api/v1/groups/", {}, format="json").status_code == 405


def test_groups_with_filters(client_for, probation_officer, police):
    active = f.GroupFactory(organisation=police, name="Norra gänget")
    f.GroupFactory(organisation=police, status=m.GroupStatus.DORMANT)
    rows = client_for(probation_officer).get("/api/v1/groups/?status=active&name=norra").json()["results"]
    assert [row["id"] for row in rows] == [active.pk]


def test_bad_filter_value_is_400(client_for, probation_officer):
    response = client_for(probation_officer).get("/api/v1/groups/?status=bogus", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "status" in response.json()["errors"]


# --- membership proposals -------------------------------------------------------------


@pytest.fixture
def criteria(programme):
    return [f.InclusionCriterionFactory(programme=programme) for _ in range(2)]


def test_propose_a_membership(client_for, police_coordinator, police, criteria):
    person = f.PersonFactory(organisation=police)
    group = f.GroupFactory(organisation=police)
    body = {
        "person": person.pk,
        "group": group.pk,
        "start_date": "2026-01-01",
        "source": "Underrättelse 7",
        "evidence": [{"criterion": c.pk, "source_reference": f"Ref {c.pk}"} for c in criteria],
    }
    response = client_for(police_coordinator).post("/api/v1/membership-proposals/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "proposed"
    assert sorted(e["criterion"] for e in data["evidence"]) == sorted(c.pk for c in criteria)
    assert m.Membership.objects.get().created_by == police_coordinator


def test_a_proposal_with_too_few_criteria_is_400(client_for, police_coordinator, police, criteria):
    body = {
        "person": f.PersonFactory(organisation=police).pk,
        "group": f.GroupFactory(organisation=police).pk,
        "start_date": "2026-01-01",
        "source": "x",
        "evidence": [{"criterion": criteria[0].pk, "source_reference": "Ref"}],
    }
    response = client_for(police_coordinator).post(
        "/api/v1/membership-proposals/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"evidence": ["A membership must cite at least 2 inclusion criteria."]}
    assert not m.Membership.objects.exists()


def test_membership_approval_is_not_in_the_api(client_for, police_coordinator):
    client = client_for(police_coordinator)
    assert client.get("/api/v1/membership-proposals/").status_code == 405
    assert client.patch("/api/v1/membership-proposals/1/", {"status": "active"}, format="json").status_code == 404


# --- risk assessments -----------------------------------------------------------------


def test_record_a_risk_assessment(client_for, probation_officer, probation):
    person = f.PersonFactory(organisation=probation)
    body = {
        "person": person.pk,
        "kind": "threat_to",
        "level": "high",
        "assessed_on": "2026-03-01",
        "next_review_on": "2026-04-01",
        "source": "Bedömning 3",
    }
    response = client_for(probation_officer).post("/api/v1/risk-assessments/", body, format="json")
    assert response.status_code == 201, response.json()
    assert m.RiskAssessment.objects.get().organisation == probation


def test_risk_assessment_review_before_assessment_is_400(client_for, probation_officer, probation):
    body = {
        "person": f.PersonFactory(organisation=probation).pk,
        "kind": "threat_to",
        "level": "extreme",
        "assessed_on": "2026-03-01",
        "next_review_on": "2026-02-01",
        "source": "x",
    }
    client = client_for(probation_officer)
    response = client.post("/api/v1/risk-assessments/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"level"}
    body["level"] = "high"
    response = client.post("/api/v1/risk-assessments/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["errors"] == {"next_review_on": ["The next review cannot be before the assessment."]}
    assert not m.RiskAssessment.objects.exists()


def test_another_organisations_risk_assessment_is_404(client_for, probation_officer, police, police_coordinator):
    theirs = f.RiskAssessmentFactory(organisation=police)
    assert client_for(probation_officer).get(f"/api/v1/risk-assessments/{theirs.pk}/").status_code == 404
    assert client_for(probation_officer).get("/api/v1/risk-assessments/").json()["results"] == []
    assert client_for(police_coordinator).get(f"/api/v1/risk-assessments/{theirs.pk}/").status_code == 200


# --- service referrals ----------------------------------------------------------------


def test_refer_and_move_a_referral_on(client_for, social_services_officer, social_services):
    person = f.PersonFactory(organisation=social_services)
    client = client_for(social_services_officer)
    body = {"person": person.pk, "kind": "housing", "offered_on": str(dt.date(2026, 3, 1)), "source": "Soc 55"}
    created = client.post("/api/v1/service-referrals/", body, format="json")
    assert created.status_code == 201, created.json()
    url = f"/api/v1/service-referrals/{created.json()['id']}/"
    moved = client.patch(url, {"status": "accepted"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "accepted"
    bad = client.patch(url, {"status": "teleported"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


def test_referral_of_another_organisation_is_403_and_of_another_programme_404(
    client_for, social_services_officer, probation, other_programme_officer
):
    visible = f.ServiceReferralFactory(organisation=probation)
    hidden = f.ServiceReferralFactory(organisation=other_programme_officer.organisation)
    client = client_for(social_services_officer)
    assert (
        client.patch(f"/api/v1/service-referrals/{visible.pk}/", {"status": "accepted"}, format="json").status_code
        == 403
    )
    assert (
        client.patch(f"/api/v1/service-referrals/{hidden.pk}/", {"status": "accepted"}, format="json").status_code
        == 404
    )
    visible.refresh_from_db()
    hidden.refresh_from_db()
    assert visible.status == hidden.status == m.ReferralStatus.OFFERED


def test_referral_bad_input(client_for, social_services_officer):
    response = client_for(social_services_officer).post(
        "/api/v1/service-referrals/", {"person": True, "kind": "spa"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"person", "kind", "offered_on", "source"}
