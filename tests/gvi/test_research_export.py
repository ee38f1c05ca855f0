"""The research export: four eyes, nothing identifying leaves, k-anonymity, unlinkable ids unless the
approver links them, and a package that validates as a Frictionless Data Package."""

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from gvi import models as m
from gvi.research_export import write_package
from gvi.services.research_exports import decide_research_export, request_research_export
from tests import factories as f

pytestmark = pytest.mark.django_db
PURPOSE = "Utvärdering av satsningen, Malmö universitet, etikprövning 2026-01234"


@pytest.fixture
def second_coordinator(police):
    return f.UserFactory(organisation=police, role=m.Role.COORDINATOR, username="samordnare2")


@pytest.fixture
def records(programme, police, probation):
    areas = [f.AreaFactory(programme=programme, name=f"Område {n}") for n in range(2)]
    group = f.GroupFactory(organisation=police, name="Norra ligan")
    persons = []
    for n in range(12):
        person = f.PersonFactory(
            organisation=police,
            first_name=f"Förnamn{n}",
            last_name=f"Efternamn{n}",
            date_of_birth=dt.date(2000 + (n % 2), 3, 3),
            sex=m.Sex.MALE,
            home_area=areas[0],
        )
        f.MembershipFactory(organisation=police, person=person, group=group)
        persons.append(person)
    # One person unlike every other: a woman of 50 in another area.
    odd = f.PersonFactory(
        organisation=police,
        first_name="Udda",
        last_name="Person",
        date_of_birth=dt.date(1976, 1, 1),
        sex=m.Sex.FEMALE,
        home_area=areas[1],
    )
    f.MembershipFactory(organisation=police, person=odd, group=group)
    incident = f.IncidentFactory(
        organisation=police, area=areas[0], description="Skott mot Förnamn1 vid porten", place="Storgatan 1"
    )
    f.InvolvementFactory(organisation=police, incident=incident, person=persons[1], role=m.InvolvementRole.SUSPECT)
    f.CustomNotificationFactory(
        organisation=probation, person=persons[2], group=group, response_note="Sa att han vill sluta"
    )
    return {"persons": persons, "odd": odd, "incident": incident, "group": group}


def approved(requester, approver, **decision):
    export = request_research_export(user=requester, purpose=PURPOSE, granularity=decision.pop("granularity", "month"))
    return decide_research_export(user=approver, export=export, approve=True, reason="Godkänd etikprövning", **decision)


def package(user, export) -> dict[str, str]:
    stream = io.BytesIO()
    write_package(user, export, stream)
    with zipfile.ZipFile(stream) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def rows(files, table):
    return list(csv.DictReader(io.StringIO(files[f"{table}.csv"])))


def test_a_request_needs_another_coordinators_decision(police_coordinator, second_coordinator, police_analyst):
    with pytest.raises(PermissionDenied):
        request_research_export(user=police_analyst, purpose=PURPOSE)
    with pytest.raises(ValidationError):
        request_research_export(user=police_coordinator, purpose="kort")  # a purpose says what and why
    export = request_research_export(user=police_coordinator, purpose=PURPOSE)
    with pytest.raises(PermissionDenied):
        package(police_coordinator, export)  # not approved yet: nothing leaves
    with pytest.raises(ValidationError, match="Another coordinator"):
        decide_research_export(user=police_coordinator, export=export, approve=True, reason="Själv")
    decide_research_export(user=second_coordinator, export=export, approve=False, reason="Syftet räcker inte")
    with pytest.raises(ValidationError):
        decide_research_export(user=second_coordinator, export=export, approve=True, reason="Ändrade mig")
    with pytest.raises(PermissionDenied):
        package(police_coordinator, export)


def test_the_database_refuses_a_decision_by_the_requester(police_coordinator):
    export = request_research_export(user=police_coordinator, purpose=PURPOSE)
    with pytest.raises(IntegrityError), transaction.atomic():
        m.ResearchExport.objects.filter(pk=export.pk).update(decided_by=police_coordinator)


def test_no_name_identity_number_free_text_or_source_leaves(records, police_coordinator, second_coordinator):
    files = package(police_coordinator, approved(police_coordinator, second_coordinator))
    everything = "\n".join(files.values())
    forbidden = ["Förnamn", "Efternamn", "Udda", "Skott mot", "Storgatan", "vill sluta", "TEST-", "Norra ligan"]
    for text in forbidden:
        assert text not in everything, text
    persons = rows(files, "persons")
    assert {row["person_id"] for row in persons}.isdisjoint({str(p.pk) for p in records["persons"]})
    assert all(re.fullmatch(r"[0-9a-f]{16}", row["person_id"]) for row in persons)
    assert "date_of_birth" not in files["persons.csv"] and "1976" not in files["persons.csv"]
    assert {row["period"] for row in rows(files, "incidents")} == {records["incident"].occurred_at.strftime("%Y-%m")}


def test_persons_are_k_anonymous_and_the_package_says_what_it_suppressed(
    records, police_coordinator, second_coordinator
):
    files = package(police_coordinator, approved(police_coordinator, second_coordinator))
    persons = rows(files, "persons")
    classes = Counter((r["age_band"], r["sex"], r["home_area"], r["group_id"]) for r in persons if r["age_band"])
    assert classes and min(classes.values()) >= 5
    # The odd one out lost its age band and sex rather than standing alone.
    assert sum(1 for r in persons if not r["age_band"] and not r["sex"]) >= 1
    suppression = json.loads(files["datapackage.json"])["gvi"]["suppression"]
    assert suppression["persons_whose_age_band_and_sex_were_removed"] >= 1
    assert "What was suppressed" in files["codebook.md"]
    # One incident in the area that month: a cell under k, suppressed.
    cells = rows(files, "incidents_per_area_month")
    assert cells and all(cell["count"] == "" and cell["suppressed"] == "true" for cell in cells)


def test_two_exports_cannot_be_linked_unless_the_approver_links_them(records, police_coordinator, second_coordinator):
    first = approved(police_coordinator, second_coordinator)
    unlinked = approved(police_coordinator, second_coordinator)
    linked = approved(police_coordinator, second_coordinator, linked_to=first)
    ids = {
        export.pk: {r["person_id"] for r in rows(package(police_coordinator, export), "persons")}
        for export in (first, unlinked, linked)
    }
    assert ids[first.pk].isdisjoint(ids[unlinked.pk])
    assert ids[first.pk] == ids[linked.pk]


def test_weeks_when_asked_for(records, police_coordinator, second_coordinator):
    files = package(police_coordinator, approved(police_coordinator, second_coordinator, granularity="week"))
    year, week, _ = records["incident"].occurred_at.isocalendar()
    assert rows(files, "incidents")[0]["period"] == f"{year}-W{week:02d}"


def test_the_package_validates_as_a_frictionless_data_package(
    records, police_coordinator, second_coordinator, tmp_path
):
    from frictionless import Package

    for name, text in package(police_coordinator, approved(police_coordinator, second_coordinator)).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_a_download_and_the_command_are_logged_as_exports(
    client, records, police_coordinator, second_coordinator, tmp_path
):
    export = approved(police_coordinator, second_coordinator)
    client.force_login(second_coordinator)
    response = client.get(reverse("frontend:research_export_download", args=[export.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()[0] == "datapackage.json"
    output = tmp_path / "package.zip"
    call_command(
        "research_export", export.pk, user=police_coordinator.username, output=str(output), stdout=io.StringIO()
    )
    assert zipfile.is_zipfile(output)
    logged = m.AccessLog.objects.filter(action=m.AccessAction.EXPORT, record_kind="research_export")
    assert sorted(logged.values_list("user_id", flat=True)) == sorted([second_coordinator.pk, police_coordinator.pk])


def test_the_page_lets_a_coordinator_ask_and_another_decide(
    client, police_coordinator, second_coordinator, probation_officer
):
    client.force_login(police_coordinator)
    response = client.post(reverse("frontend:research_export_request"), {"purpose": "kort", "granularity": "month"})
    assert response.status_code == 200 and not m.ResearchExport.objects.exists()  # the form shows the error
    client.post(reverse("frontend:research_export_request"), {"purpose": PURPOSE, "granularity": "month"})
    export = m.ResearchExport.objects.get()
    assert 'name="decision"' not in client.get(reverse("frontend:research_exports")).content.decode()  # not her own
    client.force_login(second_coordinator)
    assert 'name="decision"' in client.get(reverse("frontend:research_exports")).content.decode()
    client.post(
        reverse("frontend:research_export_decide", args=[export.pk]), {"decision": "approve", "reason": "Godkänd"}
    )
    export.refresh_from_db()
    assert export.status == m.ResearchExportStatus.APPROVED and export.decided_by == second_coordinator
    client.force_login(probation_officer)
    assert client.get(reverse("frontend:research_exports")).status_code == 403
    assert client.get(reverse("frontend:research_export_download", args=[export.pk])).status_code == 403


def test_a_restricted_or_removed_listing_never_leaves(records, police_coordinator, second_coordinator):
    contested = f.MembershipFactory(organisation=records["group"].organisation, is_contested=True)
    files = package(police_coordinator, approved(police_coordinator, second_coordinator))
    memberships = rows(files, "memberships")
    assert len(memberships) == m.Membership.objects.exclude(pk=contested.pk).count() == 13
