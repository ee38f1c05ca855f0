"""Every list endpoint: the number of queries does not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db


def _incident(org):
    incident = f.IncidentFactory(organisation=org)
    f.InvolvementFactory(organisation=org, incident=incident)
    f.GroupAttributionFactory(organisation=org, incident=incident)


def _group(org):
    group = f.GroupFactory(organisation=org)
    group.areas.add(f.AreaFactory(programme=org.programme))
    m.GroupAlias.objects.create(group=group, alias=f"Alias {group.pk}")


def _call_in(org):
    call_in = f.CallInFactory(organisation=org)
    m.CallInSpeaker.objects.create(call_in=call_in, name="Talare", organisation=org, message_kind=m.MessageKind.MORAL)


BUILDERS = {
    "custom-notifications": lambda org: f.CustomNotificationFactory(organisation=org),
    "call-ins": _call_in,
    "invitations": lambda org: f.InvitationFactory(organisation=org),
    "enforcement-actions": lambda org: f.EnforcementActionFactory(organisation=org),
    "service-referrals": lambda org: f.ServiceReferralFactory(organisation=org),
    "incidents": _incident,
    "follow-ups": lambda org: f.FollowUpFactory(owner_organisation=org),
    "persons": lambda org: f.PersonFactory(organisation=org),
    "groups": _group,
    "risk-assessments": lambda org: f.RiskAssessmentFactory(organisation=org),
    "supervisions": lambda org: f.SupervisionFactory(organisation=org),
    "exit-cases": lambda org: f.ExitCaseFactory(organisation=org),
    "concern-reports": lambda org: f.ConcernReportFactory(organisation=org),
    "group-relations": lambda org: f.GroupRelationFactory(organisation=org),
}


@pytest.mark.parametrize("endpoint", sorted(BUILDERS))
def test_list_query_count_does_not_grow_with_rows(endpoint, client_for, police_coordinator, police):
    client = client_for(police_coordinator)
    url = f"/api/v1/{endpoint}/"

    def count_queries(rows):
        client.get(url)  # the API key is cached from the first request on: count the steady state
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.json()["results"]) == rows
        return len(captured)

    for _ in range(2):
        BUILDERS[endpoint](police)
    few = count_queries(2)
    for _ in range(6):
        BUILDERS[endpoint](police)
    many = count_queries(8)
    assert many == few
    assert many <= 5  # key lookup, page, up to two prefetches, one access log insert
