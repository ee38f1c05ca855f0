"""A contested listing is restricted while the contest is pending, and removed when it is upheld
(issue 17, point 1)."""

import datetime as dt

import pytest
from django.utils import timezone

from gvi import models as m
from gvi.policy import restricted_listing_counts, scoped_queryset
from gvi.selectors.callins import suggested_invitees
from gvi.selectors.groups import group_list
from gvi.selectors.persons import person_detail
from gvi.selectors.weekly_review import reach
from gvi.services import memberships, rights
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(police, probation_officer, police_coordinator, propose):
    """An active membership of an active group, the member under supervision today."""
    group = f.GroupFactory(organisation=police, status=m.GroupStatus.ACTIVE)
    membership = propose(probation_officer, group=group, start_date=timezone.localdate() - dt.timedelta(days=30))
    membership = memberships.approve_membership(user=police_coordinator, membership=membership, reason="Två källor")
    f.SupervisionFactory(organisation=police, person=membership.person, start_date=dt.date(2020, 1, 1), end_date=None)
    return membership


@pytest.fixture
def contest(listed, probation_coordinator):
    return rights.log_request(user=probation_coordinator, person=listed.person, kind="contest", membership=listed)


def _counts(user, listed):
    call_in = f.CallInFactory(organisation=listed.organisation)
    return {
        "counting": m.Membership.objects.counting().filter(pk=listed.pk).exists(),
        "suggested": listed.person in list(suggested_invitees(user, call_in)),
        "reach_members": reach(user)["members"],
        "group_members": group_list(user).get(pk=listed.group_id).active_members,
    }


def test_a_pending_contest_stops_the_listing_counting(listed, police_coordinator, probation_coordinator):
    before = _counts(police_coordinator, listed)
    assert before == {"counting": True, "suggested": True, "reach_members": 1, "group_members": 1}
    rights.log_request(user=probation_coordinator, person=listed.person, kind="contest", membership=listed)
    assert _counts(police_coordinator, listed) == {
        "counting": False,
        "suggested": False,
        "reach_members": 0,
        "group_members": 0,
    }


def test_partners_see_only_that_a_restricted_listing_exists(listed, contest, probation_officer, police_coordinator):
    page = person_detail(probation_officer, listed.person_id)
    assert page.memberships == [] and page.restricted_listings == 1
    assert not scoped_queryset(probation_officer, "membership").filter(pk=listed.pk).exists()
    # Those who decide the contest, and auditors, see it in full (marked restricted).
    page = person_detail(police_coordinator, listed.person_id)
    assert [mm.pk for mm in page.memberships] == [listed.pk] and page.restricted_listings == 0
    assert restricted_listing_counts(police_coordinator, [listed.person_id]) == {}


def test_the_restricted_count_keeps_the_minors_rule(police, police_analyst, probation_coordinator, propose, today):
    child = f.PersonFactory(organisation=police, date_of_birth=today - dt.timedelta(days=16 * 365))
    membership = propose(probation_coordinator, person=child)
    rights.log_request(user=probation_coordinator, person=child, kind="contest", membership=membership)
    assert restricted_listing_counts(police_analyst, [child.pk]) == {}  # an analyst sees no minors at all


def test_the_person_page_says_a_restricted_listing_exists(client, listed, contest, probation_officer):
    client.force_login(probation_officer)
    session = client.session
    session["gvi_purpose"] = {"kind": "case", "text": "K-2026-17"}
    session.save()
    response = client.get(f"/persons/{listed.person_id}/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-restricted-listings="1"' in body and "1 restricted listing exists" in body
    assert listed.group.name not in body


def test_an_upheld_contest_removes_the_listing_and_its_evidence_from_every_view(
    listed, contest, police_coordinator, probation_coordinator, auditor
):
    evidence_ids = list(listed.evidence.values_list("pk", flat=True))
    assert evidence_ids
    updated_before = m.Membership.objects.get(pk=listed.pk).created_at
    rights.decide_request(user=probation_coordinator, request=contest, status="upheld", reason="Förväxling")
    listed.refresh_from_db()
    assert listed.removed_at is not None and listed.status == m.MembershipStatus.REJECTED
    for user in (police_coordinator, auditor):
        assert not scoped_queryset(user, "membership").filter(pk=listed.pk).exists()
        assert person_detail(user, listed.person_id).restricted_listings == 0
    assert not m.MembershipEvidence.objects.filter(pk__in=evidence_ids).exists()
    # Kept for the audit only: the history of the listing and of its evidence.
    assert m.MembershipEvidence.history.filter(id__in=evidence_ids, history_type="-").count() == len(evidence_ids)
    assert listed.history.filter(removed_at__isnull=False).exists()
    # The decision is no new start for a retention period: the record's own date is unchanged.
    assert listed.created_at == updated_before


def test_a_rejected_contest_lifts_the_restriction(listed, contest, probation_coordinator, probation_officer):
    rights.decide_request(user=probation_coordinator, request=contest, status="rejected", reason="Styrkt")
    assert scoped_queryset(probation_officer, "membership").filter(pk=listed.pk).exists()
    assert m.Membership.objects.counting().filter(pk=listed.pk).exists()
