"""The right of access: everything about a person, with sources, confidence and history; logged."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gvi import models as m
from gvi.services.people import correct_person, register_person
from gvi.services.subject_access import export_person_data
from tests import factories as f
from tests.privacy.identity import make_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(police_coordinator, police, probation):
    number = make_number(dt.date(2001, 9, 30), 777)
    person = register_person(
        user=police_coordinator, first_name="Testa", last_name="Personsson", source="PM-2026-1", personnummer=number
    )
    correct_person(user=police_coordinator, person=person, reason="Rättelse efter begäran", last_name="Personsdotter")
    f.MembershipFactory(organisation=police, person=person, source="Uppgift från polis", confidence="possible")
    f.RiskAssessmentFactory(organisation=probation, person=person)
    gone = f.ServiceReferralFactory(organisation=probation, person=person)
    gone.delete()  # its history survives and belongs in the extract
    f.PersonFactory(organisation=police)  # someone else: must not appear
    return person, number


def test_extract_holds_every_record_with_source_confidence_and_history(subject, police_coordinator):
    person, number = subject
    data = export_person_data(user=police_coordinator, person=person, reason="Registerutdrag DSR-1")
    assert data["person"]["identity_number"] == number
    assert data["person"]["source"] == "PM-2026-1"
    assert "personnummer_encrypted" not in data["person"] and "personnummer_hash" not in data["person"]
    change = data["person"]["history"][-1]
    assert change["reason"] == "Rättelse efter begäran"
    assert change["changes"]["last_name"] == {"before": "Personsson", "after": "Personsdotter"}
    assert set(data["records"]) == {"membership", "risk_assessment", "service_referral"}
    membership = data["records"]["membership"][0]
    assert (membership["source"], membership["confidence"]) == ("Uppgift från polis", "possible")
    assert "group_display" in membership
    deleted = data["records"]["service_referral"][0]
    assert deleted["deleted"] is True and [v["type"] for v in deleted["history"]] == ["created", "deleted"]


def test_extract_is_logged_as_an_export_with_the_reason(subject, police_coordinator):
    person, _ = subject
    export_person_data(user=police_coordinator, person=person, reason="Registerutdrag DSR-1")
    row = m.AccessLog.objects.get(action=m.AccessAction.EXPORT)
    assert (row.person_id, row.user_id, row.reason) == (person.pk, police_coordinator.pk, "Registerutdrag DSR-1")
    # The next extract tells the person about the previous one (who, as an organisation, read what).
    again = export_person_data(user=police_coordinator, person=person, reason="DSR-2")
    assert [entry["action"] for entry in again["access_log"]] == ["export"]


def test_only_full_exporters_compile_and_a_reason_is_needed(subject, police_coordinator, probation_officer, auditor):
    person, _ = subject
    with pytest.raises(ValidationError):
        export_person_data(user=police_coordinator, person=person, reason="  ")
    with pytest.raises(PermissionDenied):
        export_person_data(user=probation_officer, person=person, reason="r")
    assert export_person_data(user=auditor, person=person, reason="Granskning")["person"]["id"] == person.pk
    assert m.AccessLog.objects.filter(action=m.AccessAction.EXPORT).count() == 1


def test_a_person_of_another_programme_is_unknown(subject, other_programme_officer):
    person, _ = subject
    with pytest.raises(ValidationError):
        export_person_data(user=other_programme_officer, person=person, reason="r")
    assert not m.AccessLog.objects.exists()


def test_extract_queries_do_not_grow_with_records(subject, police_coordinator, police, django_assert_max_num_queries):
    person, _ = subject
    with django_assert_max_num_queries(80) as small:
        export_person_data(user=police_coordinator, person=person, reason="r")
    for _ in range(5):
        f.MembershipFactory(organisation=police, person=person)
        f.InvolvementFactory(organisation=police, person=person)
    with django_assert_max_num_queries(len(small.captured_queries)):
        export_person_data(user=police_coordinator, person=person, reason="r")
