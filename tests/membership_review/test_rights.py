"""Notice, access, correction and contest: the rights of the people listed."""

import datetime as dt
import sys
import types

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gvi import models as m
from gvi.services import memberships, rights
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(police, probation_officer, police_coordinator, propose):
    """An active membership proposed by probation and approved by the police coordinator."""
    membership = propose(probation_officer)
    return memberships.approve_membership(user=police_coordinator, membership=membership, reason="Två källor")


@pytest.fixture
def fake_export(monkeypatch):
    """Stands in for the privacy module's export until it is merged."""
    calls = []

    def export_person_data(*, user, person, reason):
        calls.append((user, person, reason))
        return {"person": {"id": person.pk}, "memberships": []}

    module = types.ModuleType("gvi.services.subject_access")
    module.export_person_data = export_person_data
    monkeypatch.setitem(sys.modules, "gvi.services.subject_access", module)
    return calls


# --- Notice ------------------------------------------------------------------------------


def test_notice_at_a_call_in_links_the_attended_invitation(police, police_coordinator, today):
    held = f.CallInFactory(organisation=police, scheduled_at=timezone.now() - dt.timedelta(days=3))
    invitation = f.InvitationFactory(organisation=police, call_in=held, status=m.InvitationStatus.ATTENDED)
    notice = rights.record_notice(
        user=police_coordinator,
        person=invitation.person,
        method=m.NoticeMethod.CALL_IN,
        invitation=invitation,
        source="Närvarolista",
    )
    assert notice.invitation == invitation
    assert notice.given_on == timezone.localdate(held.scheduled_at)
    assert notice.created_by == police_coordinator and notice.organisation == police


def test_a_no_show_gave_no_notice(police, police_coordinator):
    invitation = f.InvitationFactory(organisation=police, status=m.InvitationStatus.NO_SHOW)
    with pytest.raises(ValidationError) as error:
        rights.record_notice(
            user=police_coordinator,
            person=invitation.person,
            method=m.NoticeMethod.CALL_IN,
            invitation=invitation,
            source="Närvarolista",
        )
    assert "invitation" in error.value.message_dict
    assert not m.Notice.objects.exists()


def test_someone_elses_invitation_is_refused(police, police_coordinator):
    invitation = f.InvitationFactory(organisation=police, status=m.InvitationStatus.ATTENDED)
    other = f.PersonFactory(organisation=police)
    with pytest.raises(ValidationError):
        rights.record_notice(user=police_coordinator, person=other, method="call_in", invitation=invitation, source="X")


def test_notice_by_custom_notification(probation, probation_officer):
    notification = f.CustomNotificationFactory(organisation=probation, delivered_on=dt.date(2026, 3, 2))
    notice = rights.record_notice(
        user=probation_officer,
        person=notification.person,
        method=m.NoticeMethod.CUSTOM_NOTIFICATION,
        notification=notification,
        source="KVV-1",
    )
    assert (notice.notification, notice.given_on) == (notification, dt.date(2026, 3, 2))


def test_withheld_notice_needs_reason_and_future_date(police, police_coordinator, today):
    person = f.PersonFactory(organisation=police)
    with pytest.raises(ValidationError) as error:
        rights.record_notice(user=police_coordinator, person=person, method="withheld", source="Beslut 1")
    assert "withheld_reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        rights.record_notice(
            user=police_coordinator,
            person=person,
            method="withheld",
            source="Beslut 1",
            withheld_reason="Pågående förundersökning",
            withheld_until=today - dt.timedelta(days=1),
        )
    assert "withheld_until" in error.value.message_dict
    notice = rights.record_notice(
        user=police_coordinator,
        person=person,
        method="withheld",
        source="Beslut 1",
        withheld_reason="Pågående förundersökning",
        withheld_until=today + dt.timedelta(days=90),
        given_on=today,  # ignored: notice was not given
    )
    assert (notice.given_on, notice.withheld_until) == (None, today + dt.timedelta(days=90))


# --- Requests ------------------------------------------------------------------------------


def test_contest_marks_the_membership_until_decided(listed, probation_coordinator, police_coordinator):
    request = rights.log_request(
        user=probation_coordinator,
        person=listed.person,
        kind=m.RequestKind.CONTEST,
        membership=listed,
        description="Jag är inte med i gruppen",
    )
    listed.refresh_from_db()
    assert listed.is_contested and request.status == m.RequestStatus.RECEIVED
    # The approver does not judge their own decision.
    with pytest.raises(PermissionDenied):
        rights.decide_request(user=police_coordinator, request=request, status="rejected", reason="Står fast")
    rights.decide_request(
        user=probation_coordinator, request=request, status=m.RequestStatus.REJECTED, reason="Underlaget håller"
    )
    request.refresh_from_db()
    listed.refresh_from_db()
    assert (request.status, request.decided_by, request.decision_reason) == (
        "rejected",
        probation_coordinator,
        "Underlaget håller",
    )
    assert request.decided_on is not None
    assert not listed.is_contested and listed.status == m.MembershipStatus.ACTIVE
    with pytest.raises(ValidationError):
        rights.decide_request(user=probation_coordinator, request=request, status="upheld", reason="Ändrat mig")


def test_upheld_contest_removes_the_listing(listed, probation_coordinator):
    request = rights.log_request(user=probation_coordinator, person=listed.person, kind="contest", membership=listed)
    rights.decide_request(user=probation_coordinator, request=request, status="upheld", reason="Förväxling")
    listed.refresh_from_db()
    assert (listed.status, listed.is_contested, listed.decision_reason) == ("rejected", False, "Förväxling")
    assert not m.Membership.objects.counting().exists()


def test_contest_needs_the_persons_membership(listed, police, probation_coordinator):
    with pytest.raises(ValidationError):
        rights.log_request(user=probation_coordinator, person=listed.person, kind="contest")
    other = f.PersonFactory(organisation=police)
    with pytest.raises(ValidationError):
        rights.log_request(user=probation_coordinator, person=other, kind="contest", membership=listed)
    assert not m.DataSubjectRequest.objects.exists()
    listed.refresh_from_db()
    assert not listed.is_contested


def test_only_coordinators_log_requests(listed, probation_officer):
    with pytest.raises(PermissionDenied):
        rights.log_request(user=probation_officer, person=listed.person, kind="access")


def test_correction_keeps_its_history(listed, police_coordinator):
    person = listed.person
    request = rights.log_request(
        user=police_coordinator, person=person, kind="correction", description="Fel födelsedag"
    )
    rights.correct_record(
        user=police_coordinator,
        request=request,
        kind="person",
        obj=person,
        changes={"date_of_birth": dt.date(1999, 5, 17)},
    )
    rights.decide_request(user=police_coordinator, request=request, status="upheld", reason="Rättat enligt pass")
    person.refresh_from_db()
    assert person.date_of_birth == dt.date(1999, 5, 17)
    old, new = person.history.order_by("history_date")[:2]
    assert (old.date_of_birth, new.date_of_birth) == (dt.date(1998, 5, 17), dt.date(1999, 5, 17))
    assert new.history_change_reason == f"correction request {request.pk}"
    assert new.history_user == police_coordinator


def test_correction_cannot_touch_decisions_or_other_people(listed, police, police_coordinator):
    request = rights.log_request(user=police_coordinator, person=listed.person, kind="correction")
    with pytest.raises(ValidationError):
        rights.correct_record(
            user=police_coordinator, request=request, kind="membership", obj=listed, changes={"status": "ended"}
        )
    stranger = f.PersonFactory(organisation=police)
    with pytest.raises(ValidationError):
        rights.correct_record(
            user=police_coordinator, request=request, kind="person", obj=stranger, changes={"last_name": "X"}
        )
    listed.refresh_from_db()
    assert listed.status == m.MembershipStatus.ACTIVE


def test_access_request_produces_the_export(listed, police_coordinator, fake_export):
    request = rights.log_request(user=police_coordinator, person=listed.person, kind="access")
    data = rights.produce_access_export(user=police_coordinator, request=request)
    assert data == {"person": {"id": listed.person.pk}, "memberships": []}
    assert fake_export == [(police_coordinator, listed.person, f"access request {request.pk}")]
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (m.RequestStatus.COMPLETED, police_coordinator)


def test_access_export_is_the_coordinators(listed, police_coordinator, auditor, fake_export):
    request = rights.log_request(user=police_coordinator, person=listed.person, kind="access")
    with pytest.raises(PermissionDenied):
        rights.produce_access_export(user=auditor, request=request)
    assert fake_export == []
