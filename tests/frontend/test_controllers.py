"""Controllers, joint arrangements and processings (issue 17 item 5), and the register extract's
review step: withheld under secrecy with the provision, split by controller (item 8)."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gvi import models as m
from gvi.services import controllers as services
from gvi.services import rights
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(police, probation, police_coordinator):
    joint = services.save_joint_arrangement(
        user=police_coordinator,
        name="Samverkansavtal Sluta skjut",
        summary="Polisen besvarar begäranden om registerutdrag för satsningen.",
        contact_point="dataskydd@polisen.example",
    )
    police_controller = services.save_record_controller(
        user=police_coordinator,
        organisation=police,
        controller="Polismyndigheten",
        contact="dso@polisen.example",
        joint_arrangement=joint,
    )
    probation_controller = services.save_record_controller(
        user=police_coordinator,
        organisation=probation,
        controller="Kriminalvården",
        contact="dso@kriminalvarden.example",
    )
    services.save_processing(
        user=police_coordinator,
        name="Underrättelser om grupper",
        purpose="Förebygga grovt våld",
        legal_basis="Brottsdatalagen 2 kap. 1 §",
        regime=m.Regime.CRIMINAL_DATA_ACT,
        controller=police_controller,
        record_kinds=["membership", "involvement"],
    )
    services.save_processing(
        user=police_coordinator,
        name="Frivårdens tillsyn",
        purpose="Verkställighet",
        legal_basis="Fängelselagen",
        regime=m.Regime.GDPR,
        controller=probation_controller,
        record_kinds=["supervision"],
    )
    return joint, police_controller, probation_controller


def test_controllers_are_recorded_by_the_dpo_or_a_coordinator_only(recorded, police, probation_officer, auditor):
    joint, police_controller, _ = recorded
    with pytest.raises(PermissionDenied):
        services.save_record_controller(user=probation_officer, organisation=police, controller="X", contact="y")
    with pytest.raises(ValidationError, match="already"):
        services.save_record_controller(user=auditor, organisation=police, controller="Annan", contact="z")
    with pytest.raises(ValidationError, match="either"):
        services.save_processing(
            user=auditor,
            name="Båda",
            purpose="p",
            legal_basis="b",
            regime=m.Regime.GDPR,
            controller=police_controller,
            joint_arrangement=joint,
        )
    with pytest.raises(ValidationError):
        services.save_processing(
            user=auditor,
            name="Okänt",
            purpose="p",
            legal_basis="b",
            regime=m.Regime.GDPR,
            controller=police_controller,
            record_kinds=["secret_files"],
        )
    # The DPO (an auditor) may change one; the history keeps who.
    services.save_record_controller(
        user=auditor,
        organisation=police,
        controller="Polismyndigheten",
        contact="ny@polisen.example",
        pk=police_controller.pk,
    )
    police_controller.refresh_from_db()
    assert police_controller.contact == "ny@polisen.example"
    assert police_controller.history.first().history_user == auditor
    assert m.Processing.objects.count() == 2


def test_the_controllers_page_shows_and_records_them(client, recorded, police, police_coordinator, probation_officer):
    client.force_login(probation_officer)
    html = client.get(reverse("frontend:controllers")).content.decode()
    assert "Kriminalvården" in html and "Brottsdatalagen 2 kap. 1 §" in html and "Samverkansavtal Sluta skjut" in html
    assert "controllers/processing/" not in html  # a partner reads, does not record
    response = client.post(reverse("frontend:controllers_save", args=["arrangement"]), {"name": "X"})
    assert response.status_code == 403

    client.force_login(police_coordinator)
    response = client.post(
        reverse("frontend:controllers_save", args=["processing"]),
        {"name": "Utan ansvarig", "purpose": "p", "legal_basis": "b", "regime": "gdpr"},
    )
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    response = client.post(
        reverse("frontend:controllers_save", args=["processing"]),
        {
            "name": "Uppföljning",
            "purpose": "Följa upp insatser",
            "legal_basis": "Avtal",
            "regime": "gdpr",
            "joint_arrangement": recorded[0].pk,
            "record_kinds": ["follow_up"],
        },
    )
    assert response.status_code == 302
    assert m.Processing.objects.get(name="Uppföljning").record_kinds == ["follow_up"]


def test_the_register_extract_is_reviewed_withheld_and_split_by_controller(
    client, recorded, police, probation, police_coordinator
):
    person = f.PersonFactory(organisation=police)
    membership = f.MembershipFactory(organisation=police, person=person)
    supervision = f.SupervisionFactory(organisation=probation, person=person, source="KVV-12")
    other = f.SupervisionFactory(organisation=probation)  # someone else's
    request = rights.log_request(user=police_coordinator, person=person, kind="access")
    client.force_login(police_coordinator)

    page = client.get(reverse("frontend:extract_review", args=[request.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Polismyndigheten" in html and "Kriminalvården" in html and "KVV-12" in html
    # Withholding needs the provision, and a record about this person.
    response = client.post(
        reverse("frontend:extract_withhold", args=[request.pk]),
        {"record_kind": "supervision", "record_id": supervision.pk, "provision": ""},
    )
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        rights.withhold_from_extract(
            user=police_coordinator,
            request=request,
            record_kind="supervision",
            record_id=other.pk,
            provision="OSL 35:1",
        )
    response = client.post(
        reverse("frontend:extract_withhold", args=[request.pk]),
        {
            "record_kind": "supervision",
            "record_id": supervision.pk,
            "provision": "OSL 35 kap. 1 §",
            "reason": "Pågående",
        },
    )
    assert response.status_code == 302
    # Not handed over before the review is marked.
    assert client.post(reverse("frontend:request_export", args=[request.pk])).status_code == 400
    assert client.post(reverse("frontend:extract_reviewed", args=[request.pk])).status_code == 302
    request.refresh_from_db()
    assert request.extract_reviewed_by == police_coordinator
    with pytest.raises(ValidationError):  # no more withholding once reviewed
        rights.withhold_from_extract(
            user=police_coordinator, request=request, record_kind="membership", record_id=membership.pk, provision="x"
        )

    response = client.post(reverse("frontend:request_export", args=[request.pk]))
    assert response.status_code == 200
    data = json.loads(response.content)
    sections = {section["controller"]: section for section in data["by_controller"]}
    police_section, probation_section = sections["Polismyndigheten"], sections["Kriminalvården"]
    assert [item["id"] for item in police_section["records"]["membership"]] == [membership.pk]
    assert police_section["joint_arrangement"]["name"] == "Samverkansavtal Sluta skjut"
    assert police_section["processings"][0]["legal_basis"] == "Brottsdatalagen 2 kap. 1 §"
    assert probation_section["withheld"] == [{"record_kind": "supervision", "provision": "OSL 35 kap. 1 §"}]
    assert "supervision" not in probation_section["records"]
    assert "supervision" not in data["records"]  # withheld everywhere, not only in its section
    assert "KVV-12" not in response.content.decode()
