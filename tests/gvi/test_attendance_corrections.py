"""Correcting attendance settles the follow-ups the rules made for the status it replaces."""

import datetime as dt

import pytest
from django.utils import timezone

from config.celery import app
from gvi import followup_rules as rules
from gvi import models as m
from gvi.services.callins import record_attendance
from gvi.services.followups import update_follow_up_status
from tests import factories as f

pytestmark = pytest.mark.django_db

ATTENDED, NO_SHOW, EXCUSED = m.InvitationStatus.ATTENDED, m.InvitationStatus.NO_SHOW, m.InvitationStatus.EXCUSED


@pytest.fixture(autouse=True)
def eager():
    """The follow-up rules run in-process when the attendance is committed."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def invitation(police, social_services):
    call_in = f.CallInFactory(
        organisation=police, scheduled_at=timezone.now() - dt.timedelta(days=1), status=m.CallInStatus.HELD
    )
    return f.InvitationFactory(organisation=police, call_in=call_in, status=m.InvitationStatus.INVITED)


@pytest.fixture
def record(police_coordinator, django_capture_on_commit_callbacks):
    def _record(invitation, status):
        with django_capture_on_commit_callbacks(execute=True):
            return record_attendance(user=police_coordinator, invitation=invitation, status=status)

    return _record


def made_for(invitation, rule):
    return m.FollowUp.objects.filter(origin=m.FollowUpOrigin.RULE, rule=rule, cause_id=invitation.pk)


def test_a_no_show_corrected_to_attended_cancels_the_custom_notification_task(
    record, invitation, police_coordinator, police
):
    record(invitation, NO_SHOW)
    (task,) = made_for(invitation, rules.RULE_CALL_IN_NO_SHOW)
    assert (task.status, task.owner_organisation) == (m.FollowUpStatus.OPEN, police)

    record(invitation, ATTENDED)

    task.refresh_from_db()
    assert task.status == m.FollowUpStatus.CANCELLED and task.completed_at is not None
    last = task.history.order_by("-history_date", "-history_id").first()
    assert last.history_user == police_coordinator and last.status == m.FollowUpStatus.CANCELLED
    assert last.history_change_reason == "withdrawn: attendance corrected"
    # The attendee's own follow-up is made as for anyone who attended.
    assert made_for(invitation, rules.RULE_CALL_IN_ATTENDED).get().status == m.FollowUpStatus.OPEN


def test_corrected_back_to_no_show_the_withdrawn_task_is_reopened(record, invitation):
    record(invitation, NO_SHOW)
    record(invitation, ATTENDED)
    record(invitation, NO_SHOW)
    (task,) = made_for(invitation, rules.RULE_CALL_IN_NO_SHOW)
    assert (task.status, task.completed_at) == (m.FollowUpStatus.OPEN, None)
    last = task.history.order_by("-history_date", "-history_id").first()
    assert last.history_change_reason == "reopened: attendance corrected"


def test_excused_after_all_also_cancels_it(record, invitation):
    record(invitation, NO_SHOW)
    record(invitation, EXCUSED)
    assert made_for(invitation, rules.RULE_CALL_IN_NO_SHOW).get().status == m.FollowUpStatus.CANCELLED


def test_the_rules_and_the_daily_sweep_do_not_make_it_again(record, invitation):
    record(invitation, NO_SHOW)
    record(invitation, ATTENDED)

    rules.run_daily_rules()
    rules.apply_rules_for(cause_kind="call_in", cause_id=invitation.call_in_id)
    record(invitation, ATTENDED)  # recorded again: the rules run once more on commit

    (task,) = made_for(invitation, rules.RULE_CALL_IN_NO_SHOW)
    assert task.status == m.FollowUpStatus.CANCELLED
    assert not m.FollowUp.objects.filter(status__in=m.OPEN_STATUSES, rule=rules.RULE_CALL_IN_NO_SHOW).exists()


def test_a_task_its_owner_has_done_is_left_as_it_is(record, invitation, police_coordinator):
    record(invitation, NO_SHOW)
    task = made_for(invitation, rules.RULE_CALL_IN_NO_SHOW).get()
    update_follow_up_status(user=police_coordinator, follow_up=task, status=m.FollowUpStatus.DONE)
    task.refresh_from_db()
    done_at, versions = task.completed_at, task.history.count()

    record(invitation, ATTENDED)

    task.refresh_from_db()
    assert (task.status, task.completed_at, task.history.count()) == (m.FollowUpStatus.DONE, done_at, versions)
    # Back to no-show: the notification was delivered already; nothing new to do.
    record(invitation, NO_SHOW)
    assert list(made_for(invitation, rules.RULE_CALL_IN_NO_SHOW).values_list("status", flat=True)) == ["done"]


def test_a_task_in_progress_is_left_to_its_owner(record, invitation, police_coordinator):
    """The owner (perhaps another organisation) has started it: a correction does not cancel it."""
    record(invitation, NO_SHOW)
    task = made_for(invitation, rules.RULE_CALL_IN_NO_SHOW).get()
    update_follow_up_status(user=police_coordinator, follow_up=task, status=m.FollowUpStatus.IN_PROGRESS)
    versions = task.history.count()
    record(invitation, ATTENDED)
    task.refresh_from_db()
    assert (task.status, task.history.count()) == (m.FollowUpStatus.IN_PROGRESS, versions)
    services = made_for(invitation, rules.RULE_CALL_IN_ATTENDED).get()

    record(invitation, NO_SHOW)

    task.refresh_from_db()
    services.refresh_from_db()
    assert (task.status, task.completed_at) == (m.FollowUpStatus.IN_PROGRESS, None)
    assert made_for(invitation, rules.RULE_CALL_IN_NO_SHOW).count() == 1
    # The services follow-up for an attendee no longer holds either.
    assert services.status == m.FollowUpStatus.CANCELLED


def test_a_task_its_owner_cancelled_is_not_reopened(record, invitation, police_coordinator):
    record(invitation, NO_SHOW)
    task = made_for(invitation, rules.RULE_CALL_IN_NO_SHOW).get()
    update_follow_up_status(user=police_coordinator, follow_up=task, status=m.FollowUpStatus.CANCELLED)
    record(invitation, ATTENDED)
    record(invitation, NO_SHOW)
    task.refresh_from_db()
    assert task.status == m.FollowUpStatus.CANCELLED


def test_a_first_no_show_after_a_correction_still_gets_its_task(record, invitation):
    """Attended, corrected to no-show: no task existed, the rule makes it on commit."""
    record(invitation, ATTENDED)
    record(invitation, NO_SHOW)
    assert made_for(invitation, rules.RULE_CALL_IN_NO_SHOW).get().status == m.FollowUpStatus.OPEN
    assert made_for(invitation, rules.RULE_CALL_IN_ATTENDED).get().status == m.FollowUpStatus.CANCELLED
