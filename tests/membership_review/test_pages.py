"""The review pages: approval queue, quality report and CSV, a person's rights. Query counts included."""

import csv
import datetime as dt
import io
import json
import sys
import types

import pytest
from django.urls import reverse

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

QUEUE = reverse("frontend:membership_queue")
REPORT = reverse("frontend:quality_report")
REPORT_CSV = reverse("frontend:quality_report_csv")


def rights_url(person):
    return reverse("frontend:person_rights", args=[person.pk])


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


# --- Approval queue --------------------------------------------------------------------------


def test_queue_shows_proposals_with_their_evidence(login, probation_officer, police_coordinator, propose):
    membership = propose(probation_officer, source="KVV-PM-7")
    response = login(police_coordinator).get(QUEUE)
    assert response.status_code == 200
    body = response.content.decode()
    assert str(membership.person) in body and "KVV-PM-7" in body
    assert "Egen uppgift" in body and "REF-0" in body and "REF-1" in body
    assert 'name="decision" value="approve"' in body
    # Listing persons is logged, one row per membership shown.
    logged = m.AccessLog.objects.filter(user=police_coordinator, record_kind="membership", action="list")
    assert list(logged.values_list("person_id", flat=True)) == [membership.person_id]


def test_own_proposal_shows_no_approve_button(login, police_coordinator, propose):
    propose(police_coordinator)
    body = login(police_coordinator).get(QUEUE).content.decode()
    assert 'value="approve"' not in body and 'value="reject"' in body


@pytest.mark.parametrize("who", ["probation_officer", "police_analyst", "auditor"])
def test_queue_is_for_coordinators(request, login, who):
    assert login(request.getfixturevalue(who)).get(QUEUE).status_code == 403


def test_queue_query_count_does_not_grow(
    login, police, probation_officer, police_coordinator, propose, django_assert_max_num_queries, today
):
    def add(n):
        for _ in range(n):
            propose(probation_officer)
            f.MembershipFactory(organisation=police, status="active", review_due=today + dt.timedelta(days=3))

    client = login(police_coordinator)
    add(1)
    with django_assert_max_num_queries(10):
        assert client.get(QUEUE).status_code == 200
    add(6)
    with django_assert_max_num_queries(10):
        response = client.get(QUEUE)
    assert response.content.decode().count('class="membership') == 14


def test_approve_from_the_queue(login, probation_officer, police_coordinator, propose):
    membership = propose(probation_officer)
    url = reverse("frontend:membership_decide", args=[membership.pk])
    client = login(police_coordinator)
    response = client.post(url, {"decision": "approve", "reason": "Två oberoende källor"})
    assert response.status_code == 302 and response["Location"] == QUEUE
    membership.refresh_from_db()
    assert (membership.status, membership.decided_by) == (m.MembershipStatus.ACTIVE, police_coordinator)


def test_self_approval_from_the_queue_is_refused(login, police_coordinator, propose):
    membership = propose(police_coordinator)
    url = reverse("frontend:membership_decide", args=[membership.pk])
    response = login(police_coordinator).post(url, {"decision": "approve", "reason": "Jag"})
    assert response.status_code == 403
    assert 'role="alert"' in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == m.MembershipStatus.PROPOSED


def test_rejection_needs_a_reason(login, probation_officer, police_coordinator, propose):
    membership = propose(probation_officer)
    url = reverse("frontend:membership_decide", args=[membership.pk])
    response = login(police_coordinator).post(url, {"decision": "reject", "reason": " "})
    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.status == m.MembershipStatus.PROPOSED


def test_other_programme_cannot_reach_a_membership(login, probation_officer, other_programme_officer, propose):
    membership = propose(probation_officer)
    url = reverse("frontend:membership_decide", args=[membership.pk])
    assert login(other_programme_officer).post(url, {"decision": "approve", "reason": "x"}).status_code == 404


# --- Quality report ---------------------------------------------------------------------------


def test_report_page_and_csv(login, programme, police, auditor, django_assert_max_num_queries):
    area = f.AreaFactory(programme=programme, name="=HYPERLINK(1)")
    for _ in range(3):
        f.MembershipFactory(
            organisation=police, status="active", person=f.PersonFactory(organisation=police, home_area=area)
        )
    client = login(auditor)
    with django_assert_max_num_queries(15):
        assert client.get(REPORT).status_code == 200
    with django_assert_max_num_queries(15):
        response = client.get(REPORT_CSV)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows[0]) == 3
    values = {row[1]: row[2] for row in rows[1:]}
    assert values["'=HYPERLINK(1)"] == "3"  # the formula is neutralised
    assert m.AccessLog.objects.filter(user=auditor, record_kind="quality_report", action="export").exists()


def test_report_query_count_does_not_grow(login, police, police_coordinator, django_assert_max_num_queries):
    client = login(police_coordinator)
    f.MembershipFactory(organisation=police, status="active")
    with django_assert_max_num_queries(15):
        client.get(REPORT)
    for _ in range(8):
        f.MembershipFactory(organisation=police, status="active")
    with django_assert_max_num_queries(15):
        client.get(REPORT)


@pytest.mark.parametrize("who", ["probation_officer", "police_analyst"])
def test_report_is_not_for_partners(request, login, who):
    client = login(request.getfixturevalue(who))
    assert client.get(REPORT).status_code == 403
    assert client.get(REPORT_CSV).status_code == 403


# --- A person's rights -----------------------------------------------------------------------


@pytest.fixture
def listed(police, probation_officer, police_coordinator, propose):
    from gvi.services.memberships import approve_membership

    membership = propose(probation_officer)
    return approve_membership(user=police_coordinator, membership=membership, reason="Två källor")


def test_contest_from_the_rights_page(login, listed, probation_coordinator, today):
    client = login(probation_coordinator)
    response = client.post(
        reverse("frontend:person_request", args=[listed.person_id]),
        {"kind": "contest", "received_on": today.isoformat(), "membership": listed.pk, "description": "Inte jag"},
    )
    assert response.status_code == 302
    listed.refresh_from_db()
    assert listed.is_contested
    contest = m.DataSubjectRequest.objects.get()
    response = client.post(
        reverse("frontend:request_decide", args=[contest.pk]), {"status": "rejected", "reason": "Underlaget håller"}
    )
    assert response.status_code == 302
    listed.refresh_from_db()
    contest.refresh_from_db()
    assert not listed.is_contested and contest.status == "rejected"
    body = client.get(rights_url(listed.person)).content.decode()
    assert "Underlaget håller" in body


def test_withheld_notice_from_the_rights_page(login, listed, police_coordinator, today):
    url = reverse("frontend:person_notice", args=[listed.person_id])
    client = login(police_coordinator)
    response = client.post(url, {"method": "withheld", "source": "Beslut 3"})
    assert response.status_code == 400 and not m.Notice.objects.exists()
    until = (today + dt.timedelta(days=60)).isoformat()
    response = client.post(
        url, {"method": "withheld", "source": "Beslut 3", "withheld_reason": "Förundersökning", "withheld_until": until}
    )
    assert response.status_code == 302
    assert m.Notice.objects.get().withheld_reason == "Förundersökning"


def test_access_export_download(login, listed, police_coordinator, monkeypatch):
    module = types.ModuleType("gvi.services.subject_access")
    module.export_person_data = lambda *, user, person, reason: {
        "person": {"id": person.pk, "born": person.date_of_birth}
    }
    monkeypatch.setitem(sys.modules, "gvi.services.subject_access", module)
    client = login(police_coordinator)
    client.post(
        reverse("frontend:person_request", args=[listed.person_id]),
        {"kind": "access", "received_on": dt.date(2026, 1, 5).isoformat()},
    )
    access = m.DataSubjectRequest.objects.get(kind="access")
    response = client.post(reverse("frontend:request_export", args=[access.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == {"person": {"id": listed.person_id, "born": "1998-05-17"}}
    access.refresh_from_db()
    assert access.status == m.RequestStatus.COMPLETED


def test_rights_page_query_count_does_not_grow(
    login, police, listed, police_coordinator, probation_coordinator, django_assert_max_num_queries, today
):
    from gvi.services import rights

    person = listed.person
    client = login(police_coordinator)

    def add(n):
        for i in range(n):
            rights.log_request(user=probation_coordinator, person=person, kind="correction", description=f"Fel {i}")
            rights.record_notice(
                user=police_coordinator,
                person=person,
                method="letter",
                given_on=today,
                source=f"Brev {i}",
            )
            f.MembershipFactory(organisation=police, person=person, status="ended", end_date=dt.date(2025, 6, 1))
            f.InvitationFactory(organisation=police, person=person, status=m.InvitationStatus.ATTENDED)
            f.CustomNotificationFactory(organisation=police, person=person)

    add(1)
    with django_assert_max_num_queries(15):
        assert client.get(rights_url(person)).status_code == 200
    add(6)
    with django_assert_max_num_queries(15):
        response = client.get(rights_url(person))
    assert response.content.decode().count('id="request-') == 7


def test_rights_page_is_scoped(login, listed, other_programme_officer, probation_officer):
    assert login(other_programme_officer).get(rights_url(listed.person)).status_code == 404
    # A partner officer may read it but not act on requests.
    body = login(probation_officer).get(rights_url(listed.person)).content.decode()
    assert reverse("frontend:person_request", args=[listed.person_id]) not in body
