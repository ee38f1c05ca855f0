"""The review job: reminders before the review date, lapses after it, idempotent."""

import datetime as dt
import io
import threading
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gvi import membership_review
from gvi import models as m
from gvi.services import memberships
from tasks.memberships import review_memberships
from tests import factories as f
from tests.conftest import in_parallel

pytestmark = pytest.mark.django_db


def active(organisation, review_due, **kwargs):
    return f.MembershipFactory(
        organisation=organisation, status=m.MembershipStatus.ACTIVE, review_due=review_due, **kwargs
    )


def snapshot():
    """Everything the job could touch, to compare two runs."""
    return (
        list(m.Membership.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        list(m.FollowUp.objects.order_by("pk").values("pk", "rule", "status", "due_date", "owner_organisation_id")),
        m.Membership.history.count(),
        m.FollowUp.history.count(),
    )


def test_lapses_exactly_those_past_due_and_twice_changes_nothing(programme, police, police_coordinator, today):
    yesterday, long_ago = today - dt.timedelta(days=1), today - dt.timedelta(days=400)
    past_due = [active(police, yesterday), active(police, long_ago)]
    due_today = active(police, today)
    later = active(police, today + dt.timedelta(days=200))
    proposed = f.MembershipFactory(organisation=police, status=m.MembershipStatus.PROPOSED, review_due=long_ago)
    ended = f.MembershipFactory(organisation=police, status=m.MembershipStatus.ENDED, review_due=long_ago)

    result = membership_review.review_programme(programme_id=programme.pk)

    statuses = dict(m.Membership.objects.values_list("pk", "status"))
    assert {pk for pk, status in statuses.items() if status == m.MembershipStatus.LAPSED} == {
        mem.pk for mem in past_due
    }
    assert statuses[due_today.pk] == statuses[later.pk] == m.MembershipStatus.ACTIVE
    assert (statuses[proposed.pk], statuses[ended.pk]) == (m.MembershipStatus.PROPOSED, m.MembershipStatus.ENDED)
    assert result.lapsed == 2
    # Lapsed memberships stop counting.
    assert set(m.Membership.objects.counting()) == {due_today, later}
    # The lapse is on each record's history, made by the system.
    last = m.Membership.history.filter(id=past_due[0].pk).latest("history_date")
    assert (last.status, last.history_user, last.history_change_reason) == ("lapsed", None, "review date passed")
    # The coordinator's organisation is told, once per lapsed membership.
    told = m.FollowUp.objects.filter(rule=membership_review.LAPSED_RULE)
    assert sorted(told.values_list("cause_id", flat=True)) == sorted(mem.pk for mem in past_due)
    assert set(told.values_list("owner_organisation", flat=True)) == {police_coordinator.organisation_id}
    assert all(fu.origin == m.FollowUpOrigin.RULE and fu.person_id for fu in told)

    before = snapshot()
    second = membership_review.review_programme(programme_id=programme.pk)
    assert second == membership_review.ReviewResult()
    assert snapshot() == before


def test_coordinators_of_every_coordinating_organisation_are_told(programme, police, probation, police_coordinator):
    f.UserFactory(organisation=probation, role=m.Role.COORDINATOR)
    f.UserFactory(organisation=probation, role=m.Role.PARTNER_OFFICER)
    lapsing = active(probation, timezone.localdate() - dt.timedelta(days=1))
    membership_review.review_programme(programme_id=programme.pk)
    owners = m.FollowUp.objects.filter(rule=membership_review.LAPSED_RULE, cause_id=lapsing.pk)
    assert set(owners.values_list("owner_organisation", flat=True)) == {police.pk, probation.pk}


def test_owner_is_reminded_before_the_review_and_again_next_cycle(
    programme, police, probation, probation_officer, police_coordinator, today, propose
):
    membership = propose(probation_officer, person=f.PersonFactory(organisation=probation))
    memberships.approve_membership(user=police_coordinator, membership=membership, reason="Ok")
    m.Membership.objects.filter(pk=membership.pk).update(review_due=today + dt.timedelta(days=10))
    far = active(police, today + dt.timedelta(days=100))

    assert membership_review.review_programme(programme_id=programme.pk).reminded == 1
    reminder = m.FollowUp.objects.get(rule=memberships.REVIEW_RULE)
    assert (reminder.cause_id, reminder.owner_organisation, reminder.owner_user) == (
        membership.pk,
        probation,
        probation_officer,
    )
    assert reminder.due_date == today + dt.timedelta(days=10)
    assert not m.FollowUp.objects.filter(cause_id=far.pk).exists()
    assert membership_review.review_programme(programme_id=programme.pk).reminded == 0

    # Re-approval closes the reminder; the next cycle reopens the same one with the new date.
    membership.refresh_from_db()
    memberships.reapprove_membership(
        user=f.UserFactory(organisation=probation, role=m.Role.COORDINATOR), membership=membership, reason="Består"
    )
    reminder.refresh_from_db()
    assert reminder.status == m.FollowUpStatus.DONE
    membership.refresh_from_db()
    later = membership.review_due - dt.timedelta(days=5)
    assert membership_review.review_programme(programme_id=programme.pk, today=later).reminded == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.due_date) == (m.FollowUpStatus.OPEN, membership.review_due)
    assert m.FollowUp.objects.filter(rule=memberships.REVIEW_RULE).count() == 1


def test_task_and_command_run_the_job(programme, police, police_coordinator, today):
    lapsing = active(police, today - dt.timedelta(days=2))
    assert review_memberships.apply(kwargs={"programme_id": programme.pk}).get() == {
        "reminded": 0,
        "lapsed": 1,
        "coordinators_told": 1,
        "dated": 0,
    }
    lapsing.refresh_from_db()
    assert lapsing.status == m.MembershipStatus.LAPSED
    # A programme that is gone is not an error; all programmes by default.
    assert review_memberships.apply(kwargs={"programme_id": 999999}).get()["lapsed"] == 0
    assert review_memberships.apply().get()["lapsed"] == 0
    out = io.StringIO()
    call_command("review_memberships", "--programme", str(programme.pk), stdout=out)
    assert out.getvalue() == "reminded=0 lapsed=0 coordinators_told=0 dated=0\n"
    with pytest.raises(CommandError):
        call_command("review_memberships", "--programme", "999999")


def test_undated_active_memberships_get_a_review_date_before_anything_lapses(
    programme, police, today, minor_birth_date
):
    long_ago = timezone.now() - dt.timedelta(days=900)
    old_adult = f.MembershipFactory(organisation=police, status="active", review_due=None)
    m.Membership.objects.filter(pk=old_adult.pk).update(decided_at=long_ago)
    recent_minor = f.MembershipFactory(
        organisation=police,
        status="active",
        review_due=None,
        person=f.PersonFactory(organisation=police, date_of_birth=minor_birth_date),
    )
    proposed = f.MembershipFactory(organisation=police, status="proposed", review_due=None)

    result = membership_review.review_programme(programme_id=programme.pk)

    old_adult.refresh_from_db()
    recent_minor.refresh_from_db()
    proposed.refresh_from_db()
    # Approved long ago: not lapsed at once, but reminded first (due at the end of the notice window).
    assert old_adult.status == m.MembershipStatus.ACTIVE
    assert old_adult.review_due == today + dt.timedelta(days=membership_review.REVIEW_NOTICE_DAYS)
    assert recent_minor.review_due == today + dt.timedelta(days=programme.minor_membership_review_days)
    assert proposed.review_due is None
    assert (result.dated, result.lapsed, result.reminded) == (2, 0, 1)
    assert membership_review.review_programme(programme_id=programme.pk) == membership_review.ReviewResult()


def review_work(organisation, today, n):
    """n memberships each that lapse, get a first reminder, and get last cycle's reminder reopened."""
    reopened = []
    for _ in range(n):
        active(organisation, today - dt.timedelta(days=1))
        active(organisation, today + dt.timedelta(days=10))
        cycle = active(organisation, today + dt.timedelta(days=20))
        reopened.append(
            f.FollowUpFactory(
                owner_organisation=organisation,
                origin=m.FollowUpOrigin.RULE,
                rule=memberships.REVIEW_RULE,
                cause_type=ContentType.objects.get_for_model(m.Membership),
                cause_id=cycle.pk,
                due_date=today - dt.timedelta(days=345),
                status=m.FollowUpStatus.DONE,
            )
        )
    return reopened


def test_the_review_takes_as_many_statements_for_many_memberships_as_for_few(
    programme, police, police_coordinator, today
):
    review_work(police, today, 2)
    with CaptureQueriesContext(connection) as few:
        result = membership_review.review_programme(programme_id=programme.pk, today=today)
    assert result == membership_review.ReviewResult(reminded=4, lapsed=2, coordinators_told=2)
    reopened = review_work(police, today, 20)
    with CaptureQueriesContext(connection) as many:
        result = membership_review.review_programme(programme_id=programme.pk, today=today)
    assert result == membership_review.ReviewResult(reminded=40, lapsed=20, coordinators_told=20)
    assert len(many) == len(few)
    # Each follow-up made or reopened in bulk has its change in the history, by the system.
    for follow_up in m.FollowUp.objects.filter(origin=m.FollowUpOrigin.RULE):
        assert follow_up.history.filter(history_type="+").count() == 1
    for follow_up in reopened:
        follow_up.refresh_from_db()
        assert (follow_up.status, follow_up.due_date) == (m.FollowUpStatus.OPEN, today + dt.timedelta(days=20))
        last = follow_up.history.latest("history_date")
        assert (last.history_type, last.status, last.history_user, last.history_change_reason) == (
            "~",
            m.FollowUpStatus.OPEN,
            None,
            "next review cycle",
        )
    # Run again: nothing new.
    assert (
        membership_review.review_programme(programme_id=programme.pk, today=today) == membership_review.ReviewResult()
    )


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_reviews_reopen_a_reminder_once(monkeypatch, programme, police, today):
    """The second run starts while the first is between reading and writing (real PostgreSQL)."""
    membership = active(police, today + dt.timedelta(days=10))
    reminder = f.FollowUpFactory(
        owner_organisation=police,
        rule=memberships.REVIEW_RULE,
        origin=m.FollowUpOrigin.RULE,
        cause_type=ContentType.objects.get_for_model(m.Membership),
        cause_id=membership.pk,
        due_date=today - dt.timedelta(days=300),  # last cycle's, dealt with
        status=m.FollowUpStatus.DONE,
    )
    write = membership_review.bulk_update_with_history

    def slowly(*args, **kwargs):
        time.sleep(1)  # the other run has read by now, unless it waits for this one
        return write(*args, **kwargs)

    monkeypatch.setattr(membership_review, "bulk_update_with_history", slowly)

    def review():
        return membership_review.review_programme(programme_id=programme.pk, today=today)

    results = in_parallel(review, review)
    assert sorted(result.reminded for result in results) == [0, 1]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.due_date) == (m.FollowUpStatus.OPEN, membership.review_due)
    assert reminder.history.filter(history_change_reason="next review cycle").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_running_review_does_not_hold_up_new_records_of_the_programme(monkeypatch, programme, police, today):
    """The review's turn-taking lock must not stop partners inserting persons, incidents... meanwhile."""
    active(police, today - dt.timedelta(days=1))  # past due: the review writes while holding its lock
    inside, finished = threading.Event(), threading.Event()
    write = membership_review.bulk_update_with_history

    def holding(*args, **kwargs):
        inside.set()
        finished.wait(10)
        return write(*args, **kwargs)

    monkeypatch.setattr(membership_review, "bulk_update_with_history", holding)

    def review():
        return membership_review.review_programme(programme_id=programme.pk, today=today).lapsed

    def insert():
        try:
            assert inside.wait(10)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")  # a blocked insert fails, not waits
                f.PersonFactory(organisation=police)
            return "inserted"
        finally:
            finished.set()

    assert sorted(in_parallel(review, insert), key=str) == [1, "inserted"]
