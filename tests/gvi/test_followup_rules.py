"""Each follow-up rule on its own, the entry points, and that nothing is made twice."""

import datetime as dt
import threading
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gvi import digest
from gvi import followup_rules as rules
from gvi import models as m
from gvi.services.followups import create_rule_follow_ups
from tests import factories as f
from tests.conftest import in_parallel


def rule_follow_ups(rule=None):
    qs = m.FollowUp.objects.filter(origin=m.FollowUpOrigin.RULE)
    return qs.filter(rule=rule) if rule else qs


@pytest.fixture
def call_in(police, probation, social_services):
    call_in = f.CallInFactory(
        organisation=police, scheduled_at=timezone.now() - dt.timedelta(days=1), status=m.CallInStatus.HELD
    )
    statuses = [m.InvitationStatus.ATTENDED, m.InvitationStatus.ATTENDED, m.InvitationStatus.NO_SHOW]
    statuses += [m.InvitationStatus.EXCUSED, m.InvitationStatus.INVITED]
    for status in statuses:
        f.InvitationFactory(organisation=probation, call_in=call_in, status=status)
    return call_in


def test_call_in_attendees_get_a_services_follow_up_by_social_services(call_in, social_services):
    planned = rules.call_in_attendees(call_in)
    assert len(planned) == 2
    assert {p.owner_organisation_id for p in planned} == {social_services.pk}
    assert {p.due_date for p in planned} == {timezone.localdate(call_in.scheduled_at) + dt.timedelta(days=7)}
    assert all(p.person_id for p in planned)


def test_no_shows_get_a_custom_notification_task_for_the_inviting_organisation(call_in, probation):
    planned = rules.call_in_no_shows(call_in)
    assert len(planned) == 1
    assert planned[0].owner_organisation_id == probation.pk
    assert planned[0].due_date == timezone.localdate(call_in.scheduled_at) + dt.timedelta(days=14)


def test_a_cancelled_call_in_makes_nothing(call_in):
    call_in.status = m.CallInStatus.CANCELLED
    assert rules.call_in_attendees(call_in) == [] and rules.call_in_no_shows(call_in) == []


def test_services_follow_up_falls_back_to_the_organiser_without_social_services(police, probation):
    call_in = f.CallInFactory(organisation=police, status=m.CallInStatus.HELD)
    f.InvitationFactory(organisation=probation, call_in=call_in, status=m.InvitationStatus.ATTENDED)
    assert rules.call_in_attendees(call_in)[0].owner_organisation_id == police.pk


def test_apply_rules_for_a_call_in_twice_makes_each_follow_up_once(call_in):
    assert rules.apply_rules_for(cause_kind="call_in", cause_id=call_in.pk) == 3
    assert rules.apply_rules_for(cause_kind="call_in", cause_id=call_in.pk) == 0
    assert rule_follow_ups().count() == 3
    # A late attendance record adds exactly the new one.
    invitation = call_in.invitations.get(status=m.InvitationStatus.INVITED)
    invitation.status = m.InvitationStatus.ATTENDED
    invitation.save()
    assert rules.apply_rules_for(cause_kind="call_in", cause_id=call_in.pk) == 1
    made = rule_follow_ups(rules.RULE_CALL_IN_ATTENDED).get(cause_id=invitation.pk)
    assert made.person_id == invitation.person_id and made.programme_id == call_in.programme_id


def test_after_custom_notification(probation, social_services):
    accepted = f.CustomNotificationFactory(organisation=probation, response=m.NotificationResponse.ACCEPTED_HELP)
    listened = f.CustomNotificationFactory(organisation=probation, response=m.NotificationResponse.LISTENED)
    missed = f.CustomNotificationFactory(organisation=probation, response=m.NotificationResponse.NOT_REACHED)
    (a,) = rules.after_custom_notification(accepted)
    (b,) = rules.after_custom_notification(listened)
    assert (a.owner_organisation_id, a.due_date) == (social_services.pk, accepted.delivered_on + dt.timedelta(days=7))
    assert b.due_date == listened.delivered_on + dt.timedelta(days=14)
    assert rules.after_custom_notification(missed) == []
    assert rules.apply_rules_for(cause_kind="custom_notification", cause_id=accepted.pk) == 1
    assert rules.apply_rules_for(cause_kind="custom_notification", cause_id=accepted.pk) == 0


def test_a_confirmed_flag_asks_enforcement_only_of_partners_with_the_mandate(
    police, probation, social_services, civil_society, police_coordinator
):
    exit_organisation = f.OrganisationFactory(
        programme=police.programme, name="Avhopparverksamheten", kind=m.OrganisationKind.CIVIL_SOCIETY
    )
    group = f.GroupFactory(organisation=police)
    flag = m.GroupFlag.objects.create(programme=group.programme, group=group, score=5)
    assert rules.enforcement_plan_for_flag(flag) == []  # only suggested: nothing acts yet
    assert rules.help_offer_for_flag(flag) == []
    from gvi.services.flags import confirm_flag

    confirm_flag(user=police_coordinator, flag=flag, reason="Flest skjutningar")
    flag.refresh_from_db()
    assert rules.apply_rules_for(cause_kind="flag", cause_id=flag.pk) == 5
    assert rules.apply_rules_for(cause_kind="flag", cause_id=flag.pk) == 0
    enforcement = rule_follow_ups(rules.RULE_FLAG_ENFORCEMENT_PLAN)
    assert {fu.owner_organisation_id for fu in enforcement} == {police.pk, probation.pk}
    help_offers = rule_follow_ups(rules.RULE_FLAG_HELP_OFFER)
    assert {fu.owner_organisation_id for fu in help_offers} == {
        social_services.pk,
        civil_society.pk,
        exit_organisation.pk,
    }
    # Titles in the deployment's language (Swedish), whatever the request's.
    assert {fu.title for fu in help_offers} == {f"Erbjud stöd till medlemmarna i den utpekade gruppen {group.name}"}
    assert {fu.title for fu in enforcement} == {f"Planera riktade insatser mot den utpekade gruppen {group.name}"}
    made = [*enforcement, *help_offers]
    assert {fu.group_id for fu in made} == {group.pk}
    assert {fu.due_date for fu in made} == {timezone.localdate() + dt.timedelta(days=7)}


def test_the_enforcement_mandate_is_a_programme_setting_per_organisation_kind(
    police, probation, social_services, police_coordinator
):
    """A programme where social services take part in enforcement and probation does not."""
    programme_id = police.programme_id
    assert rules.enforcement_mandates(programme_id)["police"] is True  # the defaults without a setting
    assert rules.enforcement_mandates(programme_id)["municipality"] is False
    m.OrganisationKindSetting.objects.create(programme_id=programme_id, kind="municipality", enforcement_mandate=True)
    m.OrganisationKindSetting.objects.create(programme_id=programme_id, kind="probation", enforcement_mandate=False)
    other = f.OrganisationFactory(kind=m.OrganisationKind.MUNICIPALITY)  # another programme keeps the default
    assert rules.enforcement_mandates(other.programme_id)["municipality"] is False
    group = f.GroupFactory(organisation=police)
    flag = m.GroupFlag.objects.create(programme=group.programme, group=group, score=5)
    from gvi.services.flags import confirm_flag

    confirm_flag(user=police_coordinator, flag=flag, reason="Flest skjutningar")
    rules.apply_rules_for(cause_kind="flag", cause_id=flag.pk)
    owners = {
        rule: {fu.owner_organisation_id for fu in rule_follow_ups(rule)}
        for rule in (rules.RULE_FLAG_ENFORCEMENT_PLAN, rules.RULE_FLAG_HELP_OFFER)
    }
    assert owners == {
        rules.RULE_FLAG_ENFORCEMENT_PLAN: {police.pk, social_services.pk},
        rules.RULE_FLAG_HELP_OFFER: {probation.pk},
    }


def test_supervision_ending_within_30_days(probation, today):
    soon = f.SupervisionFactory(organisation=probation, end_date=today + dt.timedelta(days=20))
    very_soon = f.SupervisionFactory(organisation=probation, end_date=today + dt.timedelta(days=3))
    later = f.SupervisionFactory(organisation=probation, end_date=today + dt.timedelta(days=31))
    open_ended = f.SupervisionFactory(organisation=probation, end_date=None)
    (a,) = rules.supervision_ending(soon, today)
    assert (a.owner_organisation_id, a.due_date) == (probation.pk, today + dt.timedelta(days=6))
    assert rules.supervision_ending(very_soon, today)[0].due_date == today
    assert rules.supervision_ending(later, today) == []
    assert rules.supervision_ending(open_ended, today) == []


def test_risk_review_dates(probation, today):
    due = f.RiskAssessmentFactory(organisation=probation, next_review_on=today + dt.timedelta(days=10))
    far = f.RiskAssessmentFactory(organisation=probation, next_review_on=today + dt.timedelta(days=60))
    (a,) = rules.risk_review(due, today)
    assert (a.owner_organisation_id, a.due_date) == (probation.pk, due.next_review_on)
    assert rules.risk_review(far, today) == []


def test_concern_reports_for_minors(probation, social_services, today):
    report = f.ConcernReportFactory(organisation=probation, reported_on=today - dt.timedelta(days=2))
    old = f.ConcernReportFactory(organisation=probation, reported_on=today - dt.timedelta(days=90))
    (a,) = rules.concern_report(report, today)
    assert (a.owner_organisation_id, a.due_date) == (social_services.pk, report.reported_on + dt.timedelta(days=14))
    assert rules.concern_report(old, today) == []


def test_daily_sweep_makes_each_follow_up_once_and_skips_replaced_assessments(probation, social_services, today):
    f.SupervisionFactory(organisation=probation, end_date=today + dt.timedelta(days=10))
    person = f.PersonFactory(organisation=probation)
    f.RiskAssessmentFactory(
        organisation=probation,
        person=person,
        assessed_on=today - dt.timedelta(days=200),
        next_review_on=today - dt.timedelta(days=20),
    )
    current = f.RiskAssessmentFactory(
        organisation=probation, person=person, assessed_on=today, next_review_on=today + dt.timedelta(days=5)
    )
    f.ConcernReportFactory(organisation=probation, reported_on=today)
    made = rules.run_daily_rules(today=today)
    assert (
        made
        == {rules.RULE_SUPERVISION_ENDING: 1, rules.RULE_RISK_REVIEW: 1, rules.RULE_CONCERN_REPORT: 1}
        | NONE_OF_THE_RIGHTS_RULES
    )
    assert rule_follow_ups(rules.RULE_RISK_REVIEW).get().cause_id == current.pk
    before = list(m.FollowUp.objects.values_list("pk", "due_date", "status"))
    assert rules.run_daily_rules(today=today) == dict.fromkeys(made, 0)
    assert list(m.FollowUp.objects.values_list("pk", "due_date", "status")) == before


CALENDAR_RULES = (rules.RULE_SUPERVISION_ENDING, rules.RULE_RISK_REVIEW, rules.RULE_CONCERN_REPORT)
# The sweeps for persons' requests and withheld notices, with nothing to do in these tests.
NONE_OF_THE_RIGHTS_RULES = {rules.RULE_REQUEST_DUE: 0, rules.RULE_NOTICE_WITHHELD: 0}


def calendar_causes(organisation, today, n):
    """n causes for each calendar rule of the daily sweep."""
    for _ in range(n):
        f.SupervisionFactory(organisation=organisation, end_date=today + dt.timedelta(days=10))
        f.RiskAssessmentFactory(organisation=organisation, next_review_on=today + dt.timedelta(days=5))
        f.ConcernReportFactory(organisation=organisation, reported_on=today)


def test_the_daily_sweep_takes_as_many_statements_for_many_causes_as_for_few(probation, social_services, today):
    rules.run_daily_rules(today=today)  # warms the content-type cache, which the first run fills
    calendar_causes(probation, today, 2)
    # The content types are cached after their first lookup: warm the cache so that the first
    # sweep is not charged for it when this test runs first in its process.
    ContentType.objects.get_for_models(m.Supervision, m.RiskAssessment, m.ConcernReport)
    with CaptureQueriesContext(connection) as few:
        assert rules.run_daily_rules(today=today) == dict.fromkeys(CALENDAR_RULES, 2) | NONE_OF_THE_RIGHTS_RULES
    calendar_causes(probation, today, 25)
    with CaptureQueriesContext(connection) as many:
        assert rules.run_daily_rules(today=today) == dict.fromkeys(CALENDAR_RULES, 25) | NONE_OF_THE_RIGHTS_RULES
    assert len(many) == len(few)
    # Every row made in bulk still has its creation in the change history, once, by the system.
    made = rule_follow_ups()
    assert made.count() == 81
    assert m.FollowUp.history.filter(history_type="+", history_user=None).count() == 81
    assert not m.FollowUp.history.exclude(history_type="+").exists()
    # Concern reports go to social services, looked up with the records, not once per record.
    assert set(rule_follow_ups(rules.RULE_CONCERN_REPORT).values_list("owner_organisation", flat=True)) == {
        social_services.pk
    }


def test_a_rule_follow_up_made_in_bulk_is_not_made_again_and_keeps_its_history(call_in):
    assert rules.apply_rules_for(cause_kind="call_in", cause_id=call_in.pk) == 3
    history = list(m.FollowUp.history.order_by("history_id").values_list("id", "history_type"))
    assert sorted(history) == sorted((pk, "+") for pk in rule_follow_ups().values_list("pk", flat=True))
    assert rules.apply_rules_for(cause_kind="call_in", cause_id=call_in.pk) == 0
    assert list(m.FollowUp.history.order_by("history_id").values_list("id", "history_type")) == history
    with pytest.raises(ValueError):
        create_rule_follow_ups([m.FollowUp(title="By hand", origin=m.FollowUpOrigin.MANUAL)])


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_sweeps_make_each_follow_up_once_with_one_history_row(monkeypatch, probation, today):
    """Both runs plan the same rows, then insert at the same moment (real PostgreSQL)."""
    calendar_causes(probation, today, 5)
    barrier = threading.Barrier(2, timeout=30)
    insert = rules.create_rule_follow_ups

    def together(follow_ups, **kwargs):
        barrier.wait()  # both have planned; now both insert
        return insert(follow_ups, **kwargs)

    monkeypatch.setattr(rules, "create_rule_follow_ups", together)

    def sweep():
        return rules.run_daily_rules(today=today)

    results = in_parallel(sweep, sweep)
    assert sum(sum(made.values()) for made in results) == 15
    assert rule_follow_ups().count() == 15
    assert m.FollowUp.history.count() == 15


def test_a_vanished_cause_makes_nothing_and_an_unknown_kind_is_an_error(db):
    assert rules.apply_rules_for(cause_kind="flag", cause_id=999999) == 0
    with pytest.raises(ValueError):
        rules.apply_rules_for(cause_kind="nonsense", cause_id=1)


# --- Escalation and digest -----------------------------------------------------------------


@pytest.fixture
def follow_ups(police, probation, police_coordinator, probation_officer, today):
    overdue = f.FollowUpFactory(owner_organisation=probation, due_date=today - dt.timedelta(days=1))
    mine = f.FollowUpFactory(
        owner_organisation=probation, owner_user=probation_officer, due_date=today + dt.timedelta(days=3)
    )
    done = f.FollowUpFactory(
        owner_organisation=probation, due_date=today - dt.timedelta(days=5), status=m.FollowUpStatus.DONE
    )
    return {"overdue": overdue, "mine": mine, "done": done}


def test_overdue_follow_ups_escalate_once_to_the_coordinators(follow_ups, police_coordinator, today):
    assert digest.escalate_overdue(today=today) == 1
    follow_ups["overdue"].refresh_from_db()
    assert follow_ups["overdue"].escalated_at is not None
    (message,) = mail.outbox
    assert message.to == [police_coordinator.email]
    assert f"#{follow_ups['overdue'].pk}" in message.body
    assert digest.escalate_overdue(today=today) == 0
    assert len(mail.outbox) == 1


def test_mail_subjects_count_in_singular_and_plural(settings, follow_ups, probation_officer, today):
    settings.LANGUAGE_CODE = "en"  # the English source strings; the catalogues translate them
    digest.escalate_overdue(today=today)
    digest.send_digests(today=today)
    escalated, summary = mail.outbox
    assert escalated.subject == "gvi: 1 overdue follow-up escalated"
    assert summary.subject == "gvi: 2 open follow-ups (1 overdue)"


def test_daily_digest_goes_to_each_owner_once_a_day(follow_ups, probation, probation_officer, today):
    sent = digest.send_digests(today=today)
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    # The officer owns one follow-up and is a partner officer of the organisation owning the other.
    assert sent == 1 and set(by_recipient) == {(probation_officer.email,)}
    body = by_recipient[(probation_officer.email,)].body
    assert f"#{follow_ups['mine'].pk}" in body and f"#{follow_ups['overdue'].pk}" in body
    assert f"#{follow_ups['done'].pk}" not in body
    assert digest.send_digests(today=today) == 0  # a retried job does not mail twice
    probation.contact_email = "frivarden@example.invalid"
    probation.save()
    recipients = digest.digest_recipients()
    assert [fu.pk for fu in recipients["frivarden@example.invalid"]] == [follow_ups["overdue"].pk]


@pytest.fixture
def two_owners(follow_ups, police, police_coordinator, today):
    """Two recipients: the probation officer (mailed first: sorted by address) and the police coordinator."""
    f.FollowUpFactory(owner_organisation=police, owner_user=police_coordinator, due_date=today)
    return follow_ups


def test_a_second_digest_run_the_same_day_sends_nothing_even_after_a_cache_flush(
    two_owners, probation_officer, police_coordinator, today
):
    assert digest.send_digests(today=today) == 2
    cache.clear()  # the mark is in the database: a flushed (or per-process) cache changes nothing
    assert digest.send_digests(today=today) == 0
    assert len(mail.outbox) == 2
    assert set(m.DigestDelivery.objects.values_list("recipient", "day")) == {
        (probation_officer.email, today),
        (police_coordinator.email, today),
    }
    # The next day's digest goes out again.
    assert digest.send_digests(today=today + dt.timedelta(days=1)) == 2


def test_a_failed_digest_leaves_no_mark_and_the_retry_sends_only_what_is_missing(
    monkeypatch, two_owners, probation_officer, police_coordinator, today
):
    send = locmem.EmailBackend.send_messages

    def coordinator_unreachable(self, messages):
        if messages[0].to == [police_coordinator.email]:
            raise ConnectionRefusedError("mail server refused the message")
        return send(self, messages)

    with monkeypatch.context() as patch:
        patch.setattr(locmem.EmailBackend, "send_messages", coordinator_unreachable)
        with pytest.raises(ConnectionRefusedError):
            digest.send_digests(today=today)
    # The officer's digest went and is marked; the coordinator's failed and is not.
    assert [message.to for message in mail.outbox] == [[probation_officer.email]]
    assert list(m.DigestDelivery.objects.values_list("recipient", flat=True)) == [probation_officer.email]
    assert digest.send_digests(today=today) == 1  # the retry
    assert [message.to for message in mail.outbox] == [[probation_officer.email], [police_coordinator.email]]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_digest_runs_mail_each_owner_once(monkeypatch, follow_ups, probation_officer, today):
    """A retry overlapping a slow first attempt: the second run waits on the first one's claim (real PostgreSQL)."""
    send = locmem.EmailBackend.send_messages

    def slow(self, messages):
        time.sleep(0.5)  # the other run reads "not sent yet" and reaches its claim meanwhile
        return send(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", slow)

    def run():
        return digest.send_digests(today=today)

    results = in_parallel(run, run, start_together=True)
    assert sorted(results) == [0, 1]
    assert [message.to for message in mail.outbox] == [[probation_officer.email]]
