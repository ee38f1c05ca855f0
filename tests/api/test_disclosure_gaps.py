"""Issue 16's gaps: every cross-organisation read logs its disclosure (owner, rule, legal basis),
also where records are nested (involvements inside API incidents), on the group and call-in
pages, and in exports of records not about one person."""

import io

import pytest
from django.urls import reverse

from gvi import models as m
from gvi.exports import write_csv
from tests import factories as f
from tests.frontend.conftest import PurposefulClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(police, probation):
    """A person the police listed in a group and invited to a call-in, under probation's supervision."""
    group = f.GroupFactory(organisation=police, name="Hamngänget")
    person = f.PersonFactory(organisation=police)
    f.MembershipFactory(organisation=police, person=person, group=group)
    f.SupervisionFactory(organisation=probation, person=person)
    call_in = f.CallInFactory(organisation=police)
    f.InvitationFactory(organisation=police, person=person, call_in=call_in)
    return person, group, call_in


def test_the_group_page_logs_each_record_with_its_owner_and_basis(listed, probation_officer, police):
    person, group, _call_in = listed
    client = PurposefulClient()
    client.force_login(probation_officer)
    assert client.get(reverse("frontend:group_detail", args=[group.pk])).status_code == 200
    rows = m.AccessLog.objects.filter(user=probation_officer)
    membership = rows.get(record_kind="membership")
    assert membership.person_id == person.pk and membership.owner_organisation == police
    assert membership.sharing_rule and membership.legal_basis
    assert rows.get(record_kind="group").owner_organisation == police


def test_the_call_in_page_logs_each_invitation_with_its_owner_and_basis(listed, probation_officer, police):
    person, _group, call_in = listed
    client = PurposefulClient()
    client.force_login(probation_officer)
    assert client.get(reverse("frontend:call_in_detail", args=[call_in.pk])).status_code == 200
    rows = m.AccessLog.objects.filter(user=probation_officer)
    invitation = rows.get(record_kind="invitation")
    assert invitation.person_id == person.pk and invitation.owner_organisation == police
    assert invitation.sharing_rule and invitation.legal_basis
    assert rows.get(record_kind="call_in").owner_organisation == police


def test_involvements_inside_api_incidents_are_logged_as_disclosures(client_for, police, probation, police_coordinator):
    incident = f.IncidentFactory(organisation=police)
    person = f.PersonFactory(organisation=probation)
    involvement = f.InvolvementFactory(
        organisation=probation, incident=incident, person=person, role=m.InvolvementRole.VICTIM
    )
    api = client_for(police_coordinator)
    assert api.get("/api/v1/incidents/").status_code == 200
    assert api.get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
    rows = m.AccessLog.objects.filter(user=police_coordinator, record_kind="involvement")
    assert rows.count() == 2  # the list and the single read
    for row in rows:
        assert row.object_id == str(involvement.pk) and row.person_id == person.pk
        assert row.owner_organisation == probation


def test_an_export_of_incidents_logs_each_one_another_organisation_owns(police, probation, police_coordinator):
    own = f.IncidentFactory(organisation=police)
    theirs = f.IncidentFactory(organisation=probation)
    write_csv(io.StringIO(), user=police_coordinator, kind="incident")
    rows = m.AccessLog.objects.filter(user=police_coordinator, action=m.AccessAction.EXPORT, record_kind="incident")
    assert [row.object_id for row in rows] == [str(theirs.pk)]
    assert rows.get().owner_organisation == probation
    assert not rows.filter(object_id=str(own.pk)).exists()
