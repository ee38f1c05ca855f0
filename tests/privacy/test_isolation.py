"""Organisation A cannot read, change or even learn of organisation B's restricted records
through the admin, the services or exports. (The API and the UI test their own layers.)"""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gvi import models as m
from gvi import personnummer as pnr
from gvi.exports import write_csv
from gvi.selectors.identity import find_person_by_personnummer
from gvi.services.people import correct_person, register_supervision
from tests import factories as f
from tests.privacy.identity import make_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(police, minor_birth_date):
    """Police's restricted records: a risk assessment (own organisation only) and a minor."""
    minor = f.PersonFactory(organisation=police, date_of_birth=minor_birth_date)
    pnr.set_on(minor, make_number(minor_birth_date, 431))
    minor.save()
    return {"risk": f.RiskAssessmentFactory(organisation=police), "minor": minor}


@pytest.fixture
def officer_b(client, probation_officer):
    probation_officer.is_staff = True
    probation_officer.save()
    client.force_login(probation_officer)
    return probation_officer


def outcome(response):
    return response.status_code, response.get("Location")


class TestAdmin:
    @pytest.mark.parametrize(
        "model, key",
        [("riskassessment", "risk"), ("person", "minor")],
    )
    def test_hidden_records_look_exactly_like_missing_ones(self, client, officer_b, restricted, model, key):
        obj = restricted[key]
        missing = 999_999
        for view in ("change", "delete", "history"):
            hidden = client.get(reverse(f"admin:gvi_{model}_{view}", args=[obj.pk]))
            absent = client.get(reverse(f"admin:gvi_{model}_{view}", args=[missing]))
            assert outcome(hidden) == outcome(absent), view
            assert hidden.status_code in (302, 403, 404)  # the same answer either way
        listing = client.get(
            reverse(f"admin:gvi_{model}_changelist"), {"q": obj.person.last_name if key == "risk" else obj.last_name}
        )
        assert obj.pk not in {row.pk for row in listing.context["cl"].result_list}

    def test_hidden_records_cannot_be_changed_through_the_admin(self, client, officer_b, restricted):
        risk = restricted["risk"]
        response = client.post(reverse("admin:gvi_riskassessment_change", args=[risk.pk]), {"level": "low"})
        assert response.status_code in (302, 403, 404)
        risk.refresh_from_db()
        assert risk.level == m.RiskLevel.HIGH

    def test_version_view_of_a_hidden_record_is_not_found(self, client, officer_b, restricted):
        risk = restricted["risk"]
        version = risk.history.first()
        url = reverse("admin:gvi_riskassessment_simple_history", args=[risk.pk, version.history_id])
        assert client.get(url).status_code == 404


class TestServices:
    def test_a_hidden_person_is_unknown_to_write_services(self, probation_officer, restricted):
        minor = restricted["minor"]
        with pytest.raises(ValidationError) as hidden:
            register_supervision(
                user=probation_officer, person=minor, kind="probation", start_date=dt.date(2026, 1, 1), source="S"
            )
        assert hidden.value.message_dict == {"person": ["No such record."]}
        with pytest.raises(ValidationError) as again:
            correct_person(user=probation_officer, person=minor, reason="r", first_name="X")
        assert again.value.message_dict == {"person": ["No such record."]}
        minor.refresh_from_db()
        assert minor.first_name != "X" and not m.Supervision.objects.exists()

    def test_identity_number_search_does_not_reveal_a_hidden_minor(
        self, probation_officer, restricted, minor_birth_date
    ):
        number = make_number(minor_birth_date, 431)
        assert list(find_person_by_personnummer(user=probation_officer, personnummer=number)) == []
        unknown = make_number(minor_birth_date, 432)
        assert list(find_person_by_personnummer(user=probation_officer, personnummer=unknown)) == []

    def test_visible_but_not_own_records_cannot_be_changed(self, probation_officer, police):
        adult = f.PersonFactory(organisation=police)
        with pytest.raises(PermissionDenied):
            correct_person(user=probation_officer, person=adult, reason="r", first_name="X")


class TestExports:
    def test_coordinator_of_one_programme_exports_nothing_of_another(self, restricted, other_programme_officer):
        for kind in ("person", "risk_assessment"):
            buffer = io.StringIO()
            write_csv(buffer, user=other_programme_officer, kind=kind, queryset=None)
            assert len(list(csv.reader(io.StringIO(buffer.getvalue())))) == 1  # the header only

    def test_analyst_exports_no_minor_through_any_kind(self, restricted, police, police_analyst):
        minor = restricted["minor"]
        f.InvolvementFactory(organisation=police, person=minor)
        for kind in ("incident", "group"):
            buffer = io.StringIO()
            write_csv(buffer, user=police_analyst, kind=kind)
            assert minor.last_name not in buffer.getvalue()
        for kind in ("person", "involvement", "risk_assessment"):
            with pytest.raises(PermissionDenied):
                write_csv(io.StringIO(), user=police_analyst, kind=kind)
