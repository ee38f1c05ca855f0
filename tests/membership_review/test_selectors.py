"""The membership review selectors, which the pages call: what each returns, scoped by the policy."""

import datetime as dt

import pytest

from gvi import models as m
from gvi.selectors import membership_review as selectors
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_queue_holds_proposals_and_reviews_due_within_the_window(
    police, probation_officer, police_coordinator, propose, today
):
    proposed = propose(probation_officer)
    window = selectors.REVIEW_WINDOW_DAYS
    due = f.MembershipFactory(organisation=police, status="active", review_due=today + dt.timedelta(days=window))
    f.MembershipFactory(organisation=police, status="active", review_due=today + dt.timedelta(days=window + 1))
    queue = selectors.approval_queue(police_coordinator, today=today)
    assert queue.proposed == [proposed] and queue.due == [due] and queue.window_days == window


def test_records_of_another_programme_are_not_found(
    probation_officer, other_programme_officer, police_coordinator, propose
):
    membership = propose(probation_officer)
    subject_request = m.DataSubjectRequest.objects.create(
        programme=membership.programme, person=membership.person, kind="access", received_on=dt.date(2026, 3, 1)
    )
    assert selectors.membership_for(police_coordinator, membership.pk) == membership
    assert selectors.subject_request_for(police_coordinator, subject_request.pk) == subject_request
    assert selectors.membership_for(other_programme_officer, membership.pk) is None
    assert selectors.person_for(other_programme_officer, membership.person_id) is None
    assert selectors.subject_request_for(other_programme_officer, subject_request.pk) is None


def test_the_rights_section_offers_only_attended_call_ins_and_delivered_notifications(
    police, police_coordinator, probation
):
    person = f.PersonFactory(organisation=police)
    attended = f.InvitationFactory(organisation=police, person=person, status=m.InvitationStatus.ATTENDED)
    f.InvitationFactory(organisation=police, person=person, status=m.InvitationStatus.NO_SHOW)
    delivered = f.CustomNotificationFactory(organisation=probation, person=person, message_delivered=True)
    f.CustomNotificationFactory(organisation=probation, person=person, message_delivered=False)
    section = selectors.rights_section(police_coordinator, person)
    assert list(section.choices.invitations) == [attended]
    assert list(section.choices.notifications) == [delivered]
    assert section.notices == [] and section.requests == []
