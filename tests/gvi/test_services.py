import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from gvi import models as m
from gvi.services import callins, followups, incidents, interventions, notifications
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_log_incident_is_all_or_nothing(police, police_analyst, other_programme_officer):
    stranger = f.PersonFactory(organisation=other_programme_officer.organisation)
    suspect = f.PersonFactory(organisation=police)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        incidents.log_incident(
            user=police_analyst,
            incident_type=m.IncidentType.SHOOTING,
            occurred_at=timezone.now() - dt.timedelta(hours=2),
            source="K-123-26",
            involvements=[{"person": suspect, "role": "suspect"}, {"person": stranger, "role": "victim"}],
        )
    assert error.value.message_dict == {"person": ["No such record."]}
    assert not m.Incident.objects.exists()
    assert not m.Involvement.objects.exists()


def test_log_incident_stamps_owner_and_author(police, police_analyst, django_capture_on_commit_callbacks):
    suspect = f.PersonFactory(organisation=police)
    group = f.GroupFactory(organisation=police)
    with django_capture_on_commit_callbacks() as callbacks:
        incident = incidents.log_incident(
            user=police_analyst,
            incident_type=m.IncidentType.EXPLOSION,
            occurred_at=timezone.now() - dt.timedelta(hours=2),
            source="K-124-26",
            confidence=m.Confidence.PROBABLE,
            involvements=[{"person": suspect, "role": "suspect"}],
            attributions=[{"group": group, "share": "0.5"}],
        )
    assert incident.organisation == police and incident.created_by == police_analyst
    assert incident.involvements.get().confidence == m.Confidence.PROBABLE
    assert incident.attributions.get().share == pytest.approx(0.5)
    assert len(callbacks) == 1  # the rescoring is dispatched once, after commit


def test_notification_turns_services_offered_into_referrals(police, probation, probation_officer):
    person = f.PersonFactory(organisation=police)
    notification = notifications.log_custom_notification(
        user=probation_officer,
        person=person,
        delivered_on=timezone.localdate(),
        response=m.NotificationResponse.ACCEPTED_HELP,
        source="KVV-55",
        delivering_organisations=[probation, police],
        services_offered=["employment", "housing", "employment"],
    )
    assert set(notification.delivering_organisations.all()) == {probation, police}
    assert sorted(notification.referrals.values_list("kind", flat=True)) == ["employment", "housing"]
    assert notification.organisation == probation


def test_notification_with_unknown_service_stores_nothing(police, probation_officer):
    person = f.PersonFactory(organisation=police)
    with pytest.raises(ValidationError) as error:
        notifications.log_custom_notification(
            user=probation_officer,
            person=person,
            delivered_on=timezone.localdate(),
            response=m.NotificationResponse.LISTENED,
            source="KVV-56",
            services_offered=["spaceship"],
        )
    assert "services_offered" in error.value.message_dict
    assert not m.CustomNotification.objects.exists()


def test_inviting_twice_changes_nothing(police, police_coordinator):
    call_in = callins.plan_call_in(
        user=police_coordinator,
        scheduled_at=timezone.now() + dt.timedelta(days=10),
        venue="Folkets hus",
        speakers=[{"kind": m.SpeakerKind.BEREAVED_MOTHER, "name": "En mamma", "message_kind": m.MessageKind.MORAL}],
    )
    person = f.PersonFactory(organisation=police)
    assert len(callins.invite_persons(user=police_coordinator, call_in=call_in, persons=[person], source="plan")) == 1
    assert callins.invite_persons(user=police_coordinator, call_in=call_in, persons=[person], source="plan") == []
    assert call_in.invitations.count() == 1


def test_partner_officer_cannot_plan_a_call_in(probation_officer):
    with pytest.raises(PermissionDenied):
        callins.plan_call_in(user=probation_officer, scheduled_at=timezone.now(), venue="X")


def test_concern_report_only_for_minors(social_services, social_services_officer, minor_birth_date):
    minor = f.PersonFactory(organisation=social_services, date_of_birth=minor_birth_date)
    adult = f.PersonFactory(organisation=social_services)
    report = interventions.file_concern_report(
        user=social_services_officer, person=minor, reported_on=timezone.localdate(), reason="Oro", source="SOC-1"
    )
    assert report.organisation == social_services
    with pytest.raises(ValidationError) as error:
        interventions.file_concern_report(
            user=social_services_officer, person=adult, reported_on=timezone.localdate(), reason="Oro", source="SOC-2"
        )
    assert "person" in error.value.message_dict


def test_follow_up_status_change_stamps_completion(police, police_coordinator):
    follow_up = followups.create_follow_up(user=police_coordinator, title="Ring", due_date=timezone.localdate())
    followups.update_follow_up_status(user=police_coordinator, follow_up=follow_up, status=m.FollowUpStatus.DONE)
    follow_up.refresh_from_db()
    assert follow_up.completed_at is not None
    with pytest.raises(ValidationError):
        followups.update_follow_up_status(user=police_coordinator, follow_up=follow_up, status="bogus")


def test_other_organisations_follow_up_is_not_changeable(police, probation_officer, police_coordinator):
    follow_up = followups.create_follow_up(user=police_coordinator, title="Polisens", due_date=timezone.localdate())
    with pytest.raises(PermissionDenied):
        followups.update_follow_up_status(user=probation_officer, follow_up=follow_up, status=m.FollowUpStatus.DONE)


def make_flag(group, status=m.FlagStatus.SUGGESTED):
    return m.GroupFlag.objects.create(programme=group.programme, group=group, score=10.0, status=status)


def test_confirming_a_flag_needs_a_reason_and_ends_the_old_one(police, police_coordinator):
    old = make_flag(f.GroupFactory(organisation=police), status=m.FlagStatus.CONFIRMED)
    new = make_flag(f.GroupFactory(organisation=police))
    with pytest.raises(ValidationError):
        from gvi.services.flags import confirm_flag

        confirm_flag(user=police_coordinator, flag=new, reason="  ")
    confirm_flag(user=police_coordinator, flag=new, reason="Tre skjutningar på en månad")
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (m.FlagStatus.ENDED, m.FlagStatus.CONFIRMED)
    assert new.decided_by == police_coordinator and new.decision_reason == "Tre skjutningar på en månad"


def test_only_coordinators_decide_on_flags(police, probation_officer):
    from gvi.services.flags import reject_flag

    flag = make_flag(f.GroupFactory(organisation=police))
    with pytest.raises(PermissionDenied):
        reject_flag(user=probation_officer, flag=flag, reason="Nej")


def test_proposal_needs_the_programmes_minimum_of_criteria(police, police_coordinator):
    from gvi.services.memberships import propose_membership

    person, group = f.PersonFactory(organisation=police), f.GroupFactory(organisation=police)
    statement = f.InclusionCriterionFactory(programme=police.programme, name="Egen uppgift")
    crime = f.InclusionCriterionFactory(programme=police.programme, name="Brott tillsammans med medlemmar")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        propose_membership(
            user=police_coordinator,
            person=person,
            group=group,
            start_date=dt.date(2026, 1, 1),
            source="PM-1",
            evidence=[{"criterion": statement, "source_reference": "Förhör 2026-01-02"}],
        )
    assert error.value.message_dict["evidence"] == ["A membership must cite at least 2 inclusion criteria."]
    membership = propose_membership(
        user=police_coordinator,
        person=person,
        group=group,
        start_date=dt.date(2026, 1, 1),
        source="PM-1",
        evidence=[
            {"criterion": statement, "source_reference": "Förhör 2026-01-02"},
            {"criterion": crime, "source_reference": "K-998-26"},
        ],
    )
    assert membership.status == m.MembershipStatus.PROPOSED
    assert membership.evidence.count() == 2
    assert not m.Membership.objects.counting().exists()


def test_a_change_cannot_move_a_record_out_of_reach(
    police, probation, police_coordinator, probation_officer, other_programme_officer
):
    from gvi.services.common import update_record

    follow_up = followups.create_follow_up(user=police_coordinator, title="Ring", due_date=timezone.localdate())
    with pytest.raises(ValidationError) as error:  # another programme's organisation: unknown
        update_record(
            follow_up,
            user=police_coordinator,
            kind="follow_up",
            owner_organisation=other_programme_officer.organisation,
        )
    assert error.value.message_dict == {"owner_organisation": ["No such record."]}
    referral = f.ServiceReferralFactory(organisation=probation)
    stranger = f.PersonFactory(organisation=other_programme_officer.organisation)
    with pytest.raises(ValidationError):
        update_record(referral, user=probation_officer, kind="service_referral", person=stranger)


def test_a_change_cannot_hand_a_record_to_another_organisation(police, probation, probation_officer):
    from gvi.services.common import update_record

    referral = f.ServiceReferralFactory(organisation=probation)
    with pytest.raises(PermissionDenied):
        update_record(referral, user=probation_officer, kind="service_referral", organisation=police)
    referral.refresh_from_db()
    assert referral.organisation == probation


def test_a_new_concern_report_makes_its_follow_up_at_once(
    social_services, social_services_officer, minor_birth_date, monkeypatch, django_capture_on_commit_callbacks
):
    from gvi import followup_rules
    from tasks.followups import apply_rules_for

    monkeypatch.setattr(
        apply_rules_for, "delay", lambda kind, pk: followup_rules.apply_rules_for(cause_kind=kind, cause_id=pk)
    )
    minor = f.PersonFactory(organisation=social_services, date_of_birth=minor_birth_date)
    with django_capture_on_commit_callbacks(execute=True):
        report = interventions.file_concern_report(
            user=social_services_officer, person=minor, reported_on=timezone.localdate(), reason="Oro", source="SOC-3"
        )
    assert m.FollowUp.objects.filter(rule="concern_report_minor", cause_id=report.pk, person=minor).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_invitations_of_the_same_persons_invite_each_once(police, police_coordinator):
    """Partners' systems retry and coordinators double-click: each race ends with one invitation
    per person and no error, the persons already invited skipped (PostgreSQL: real concurrency)."""
    from tests.conftest import in_parallel

    for _round in range(5):
        call_in = f.CallInFactory(organisation=police, scheduled_at=timezone.now())
        persons = [f.PersonFactory(organisation=police) for _ in range(3)]

        def invite(call_in=call_in, persons=persons):
            return callins.invite_persons(user=police_coordinator, call_in=call_in, persons=persons, source="plan")

        created = in_parallel(invite, invite, invite, invite, start_together=True)
        assert sum(len(invitations) for invitations in created) == 3
        assert sorted(call_in.invitations.values_list("person_id", flat=True)) == sorted(p.pk for p in persons)
