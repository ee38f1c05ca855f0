"""Erasure, restriction and objection; due dates and reminders; sources on follow-ups and
requests; the minimum of inclusion criteria (issue 17, points 8 and 9)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gvi import followup_rules as rules
from gvi import models as m
from gvi.models.people import add_months
from gvi.policy import scoped_queryset
from gvi.services import followups, memberships, rights
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(police, probation_officer, police_coordinator, propose):
    membership = propose(probation_officer)
    return memberships.approve_membership(user=police_coordinator, membership=membership, reason="Två källor")


def _reminders(rule):
    return m.FollowUp.objects.filter(origin=m.FollowUpOrigin.RULE, rule=rule)


def test_a_request_is_due_in_a_month_with_a_reminder_a_week_before(
    listed, probation_coordinator, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as dispatched:
        request = rights.log_request(
            user=probation_coordinator,
            person=listed.person,
            kind="erasure",
            received_on=dt.date(2026, 1, 31),
            source="Brev 2026-01-31",
        )
    assert request.due_on == dt.date(2026, 2, 28)  # one month, the month's last day when shorter
    assert (request.source, request.confidence) == ("Brev 2026-01-31", m.Confidence.CONFIRMED)
    assert dispatched  # the rule is dispatched on commit; the worker runs it:
    assert rules.apply_rules_for(cause_kind="data_subject_request", cause_id=request.pk) == 1
    reminder = _reminders(rules.RULE_REQUEST_DUE).get()
    assert (
        reminder.due_date == dt.date(2026, 2, 21) and reminder.owner_organisation == probation_coordinator.organisation
    )
    assert reminder.source == f"rule: {rules.RULE_REQUEST_DUE}" and "2026-02-28" in reminder.title
    assert rules.run_daily_rules(today=today)[rules.RULE_REQUEST_DUE] == 0  # made once


def test_restriction_and_objection_restrict_the_listing_while_pending(listed, probation_coordinator, probation_officer):
    for kind in ("restriction", "objection"):
        request = rights.log_request(user=probation_coordinator, person=listed.person, kind=kind, membership=listed)
        listed.refresh_from_db()
        assert listed.is_contested
        assert not scoped_queryset(probation_officer, "membership").filter(pk=listed.pk).exists()
        rights.decide_request(user=probation_coordinator, request=request, status="rejected", reason="Ej grund")
        listed.refresh_from_db()
        assert not listed.is_contested


def test_an_upheld_restriction_keeps_it_restricted_an_upheld_objection_removes_it(listed, probation_coordinator):
    request = rights.log_request(
        user=probation_coordinator, person=listed.person, kind="restriction", membership=listed
    )
    rights.decide_request(user=probation_coordinator, request=request, status="upheld", reason="Prövas")
    listed.refresh_from_db()
    assert listed.is_contested and listed.removed_at is None
    request = rights.log_request(user=probation_coordinator, person=listed.person, kind="objection", membership=listed)
    rights.decide_request(user=probation_coordinator, request=request, status="upheld", reason="Invändning godtas")
    listed.refresh_from_db()
    assert listed.removed_at is not None


def test_a_withheld_notice_gets_a_reminder_when_its_date_comes(police, police_coordinator, today):
    person = f.PersonFactory(organisation=police)
    rights.record_notice(
        user=police_coordinator,
        person=person,
        method="withheld",
        source="Beslut 12",
        withheld_reason="Pågående förundersökning",
        withheld_until=today + dt.timedelta(days=10),
    )
    assert rules.run_daily_rules(today=today)[rules.RULE_NOTICE_WITHHELD] == 0
    later = today + dt.timedelta(days=10)
    assert rules.run_daily_rules(today=later)[rules.RULE_NOTICE_WITHHELD] == 1
    reminder = _reminders(rules.RULE_NOTICE_WITHHELD).get()
    assert reminder.due_date == later and reminder.person == person
    assert rules.run_daily_rules(today=later)[rules.RULE_NOTICE_WITHHELD] == 0


def test_a_follow_up_by_hand_names_its_source(police_coordinator, today):
    task = followups.create_follow_up(user=police_coordinator, title="Ring", due_date=today)
    assert task.source == police_coordinator.organisation.name and task.confidence == m.Confidence.CONFIRMED
    task = followups.create_follow_up(
        user=police_coordinator, title="Ring", due_date=today, source="Samtal 3/4", confidence="probable"
    )
    assert (task.source, task.confidence) == ("Samtal 3/4", "probable")


def test_an_unknown_confidence_on_a_request_is_refused(listed, probation_coordinator):
    with pytest.raises(ValidationError):
        rights.log_request(user=probation_coordinator, person=listed.person, kind="access", confidence="sure")
    assert not m.DataSubjectRequest.objects.exists()


def test_the_minimum_of_inclusion_criteria_cannot_be_zero(programme):
    programme.min_inclusion_criteria = 0
    with pytest.raises(ValidationError):
        programme.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Programme.objects.filter(pk=programme.pk).update(min_inclusion_criteria=0)


def test_add_months():
    assert add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
