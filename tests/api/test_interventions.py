"""Custom notifications, call-in invitations and attendance, enforcement actions, follow-ups."""

import datetime as dt

import pytest
from django.utils import timezone

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/api/v1/custom-notifications/"


def _notification(person, **changes):
    return {
        "person": person.pk,
        "delivered_on": "2026-03-02",
        "response": "accepted_help",
        "services_offered": ["exit_programme", "employment"],
        "source": "KVV-2026-0113",
        **changes,
    }


# --- custom notifications -----------------------------------------------------------


def test_log_a_custom_notification(client_for, probation_officer, probation, police):
    person = f.PersonFactory(organisation=probation)
    group = f.GroupFactory(organisation=police)
    client = client_for(probation_officer)
    body = _notification(person, group=group.pk, delivering_organisations=[probation.pk, police.pk])
    response = client.post(NOTIFICATIONS, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    notification = m.CustomNotification.objects.get(pk=data["id"])
    assert data["organisation"] == probation.pk
    assert sorted(data["delivering_organisations"]) == sorted([probation.pk, police.pk])
    assert notification.created_by == probation_officer
    assert set(notification.referrals.values_list("kind", flat=True)) == {"exit_programme", "employment"}
    history = notification.history.get()
    assert history.history_user == probation_officer
    assert client.raw_key.partition(".")[0] in history.history_change_reason


def test_notification_bad_input_is_400_with_field_messages_in_english(client_for, probation_officer, probation):
    person = f.PersonFactory(organisation=probation)
    body = _notification(person, response="nonsense", delivered_on="yesterday", services_offered=["spa"])
    del body["source"]
    response = client_for(probation_officer).post(NOTIFICATIONS, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"response", "delivered_on", "services_offered", "source"}
    assert errors["source"] == ["This field is required."]
    assert not m.CustomNotification.objects.exists()


def test_notification_errors_follow_accept_language_swedish(client_for, probation_officer):
    response = client_for(probation_officer).post(NOTIFICATIONS, {}, format="json", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 400
    assert response["Content-Language"] == "sv"
    assert response.json()["errors"]["source"] == ["Det här fältet är obligatoriskt."]


def test_service_rule_errors_are_field_level_400s(client_for, probation_officer, probation, police):
    person = f.PersonFactory(organisation=probation)
    body = _notification(person, delivering_organisations=[police.pk])
    response = client_for(probation_officer).post(NOTIFICATIONS, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "delivering_organisations": ["Your own organisation must be among those delivering the message."]
    }
    assert not m.CustomNotification.objects.exists()
    assert not m.ServiceReferral.objects.exists()


def test_a_person_the_caller_may_not_see_is_no_different_from_none(
    client_for, social_services_officer, probation, minor_birth_date
):
    """Another organisation's minor is invisible to a partner officer: same answer as a missing id."""
    minor = f.PersonFactory(organisation=probation, date_of_birth=minor_birth_date)
    client = client_for(social_services_officer)
    hidden = client.post(NOTIFICATIONS, _notification(minor), format="json", HTTP_ACCEPT_LANGUAGE="en")
    missing = client.post(
        NOTIFICATIONS, {**_notification(minor), "person": minor.pk + 1000}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    assert hidden.json()["errors"] == {"person": ["No such record."]}


def test_another_programmes_notification_is_404_and_not_listed(client_for, probation_officer, other_programme_officer):
    theirs = f.CustomNotificationFactory(organisation=other_programme_officer.organisation)
    client = client_for(probation_officer)
    response = client.get(f"{NOTIFICATIONS}{theirs.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["status"] == 404 and response.json()["code"] == "not_found"
    assert client.get(NOTIFICATIONS).json()["results"] == []


def test_reads_are_logged_with_the_key(client_for, probation_officer, probation):
    ours = f.CustomNotificationFactory(organisation=probation)
    client = client_for(probation_officer)
    prefix = client.raw_key.partition(".")[0]
    assert client.get(NOTIFICATIONS).status_code == 200
    assert client.get(f"{NOTIFICATIONS}{ours.pk}/").json()["id"] == ours.pk
    logs = m.AccessLog.objects.filter(record_kind="custom_notification").order_by("id")
    assert [(log.action, log.channel, log.api_key_prefix, log.person_id) for log in logs] == [
        ("list", "api", prefix, ours.person_id),
        ("read", "api", prefix, ours.person_id),
    ]
    assert logs[0].user == probation_officer and logs[0].organisation == probation


def test_list_filters_and_orders_with_a_stable_cursor(client_for, probation_officer, probation):
    person = f.PersonFactory(organisation=probation)
    day = dt.date(2026, 1, 1)
    made = [f.CustomNotificationFactory(organisation=probation, person=person, delivered_on=day) for _ in range(5)]
    f.CustomNotificationFactory(organisation=probation, delivered_on=day)  # another person
    client = client_for(probation_officer)
    seen, url = [], f"{NOTIFICATIONS}?person={person.pk}&ordering=delivered_on&page_size=2"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(n.pk for n in made)  # same day: the id breaks the tie, no row twice or lost
    bad = client.get(f"{NOTIFICATIONS}?delivered_on__gte=notadate", HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "delivered_on__gte" in bad.json()["errors"]


# --- call-ins: invitations and attendance ---------------------------------------------


def test_a_coordinator_invites_persons_once(client_for, police_coordinator, police, probation):
    call_in = f.CallInFactory(organisation=police)
    persons = [f.PersonFactory(organisation=probation), f.PersonFactory(organisation=police)]
    client = client_for(police_coordinator)
    body = {"call_in": call_in.pk, "persons": [p.pk for p in persons], "source": "Kallelse 12"}
    response = client.post("/api/v1/invitations/", body, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(row["person"] for row in response.json()) == sorted(p.pk for p in persons)
    again = client.post("/api/v1/invitations/", body, format="json")
    assert again.status_code == 201 and again.json() == []
    assert m.Invitation.objects.filter(call_in=call_in).count() == 2


def test_a_partner_officer_may_not_invite(client_for, probation, police):
    call_in = f.CallInFactory(organisation=police)
    person = f.PersonFactory(organisation=probation)
    response = client_for(probation).post(
        "/api/v1/invitations/", {"call_in": call_in.pk, "persons": [person.pk], "source": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not m.Invitation.objects.exists()


def test_invitations_bad_input(client_for, police_coordinator):
    response = client_for(police_coordinator).post(
        "/api/v1/invitations/", {"call_in": "x", "persons": [], "source": ""}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"call_in", "persons", "source"}


def held_call_in(organisation):
    return f.CallInFactory(
        organisation=organisation, scheduled_at=timezone.now() - dt.timedelta(days=1), status=m.CallInStatus.HELD
    )


def test_record_attendance(client_for, probation_officer, probation, police):
    invitation = f.InvitationFactory(organisation=probation, call_in=held_call_in(police))
    client = client_for(probation_officer)
    response = client.patch(f"/api/v1/invitations/{invitation.pk}/", {"status": "attended"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "attended"
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.ATTENDED and invitation.updated_by == probation_officer
    change = invitation.history.latest()
    assert change.history_user == probation_officer and change.history_type == "~"
    assert change.history_change_reason == (
        f"API key {client.raw_key.partition('.')[0]} (organisation {probation_officer.organisation_id})"
    )
    bad = client.patch(f"/api/v1/invitations/{invitation.pk}/", {"status": "maybe"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


def test_attendance_for_a_call_in_not_held_is_a_400_and_changes_nothing(client_for, probation_officer, probation):
    """A planned call-in in the future (the factory's) takes no attendance yet; a cancelled none."""
    invitation = f.InvitationFactory(organisation=probation)
    client = client_for(probation_officer)
    response = client.patch(
        f"/api/v1/invitations/{invitation.pk}/", {"status": "attended"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["status"] == [
        "Attendance can be recorded on the day of the call-in, or once it is marked held."
    ]
    m.CallIn.objects.filter(pk=invitation.call_in_id).update(status=m.CallInStatus.CANCELLED)
    response = client.patch(f"/api/v1/invitations/{invitation.pk}/", {"status": "attended"}, format="json")
    assert response.status_code == 400 and "status" in response.json()["errors"]
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.INVITED and invitation.history.count() == 1


def test_a_follow_up_withdrawn_by_an_api_correction_names_the_key(
    client_for, police_coordinator, police, django_capture_on_commit_callbacks
):
    from config.celery import app
    from gvi.followup_rules import RULE_CALL_IN_NO_SHOW

    invitation = f.InvitationFactory(organisation=police, call_in=held_call_in(police))
    client = client_for(police_coordinator)
    prefix = client.raw_key.partition(".")[0]

    def attendance(status):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.patch(f"/api/v1/invitations/{invitation.pk}/", {"status": status}, format="json")
        assert response.status_code == 200, response.json()

    eager, app.conf.task_always_eager = app.conf.task_always_eager, True  # the rules run on commit, here
    try:
        attendance("no_show")
        follow_up = m.FollowUp.objects.get(rule=RULE_CALL_IN_NO_SHOW, cause_id=invitation.pk)
        attendance("attended")
        follow_up.refresh_from_db()
        assert follow_up.status == m.FollowUpStatus.CANCELLED
        withdrawn = follow_up.history.order_by("-history_date", "-history_id").first()
        assert withdrawn.history_change_reason.startswith("withdrawn: attendance corrected")
        assert f"API key {prefix}" in withdrawn.history_change_reason
        # Still read as a withdrawal: correcting back reopens it.
        attendance("no_show")
        follow_up.refresh_from_db()
        assert follow_up.status == m.FollowUpStatus.OPEN
    finally:
        app.conf.task_always_eager = eager


def test_a_long_reason_of_a_service_leaves_room_for_the_whole_key():
    from types import SimpleNamespace

    from api import history

    via = "API key AbCdEfGh (organisation 12345)"
    token = history._change_reason.set(via)
    try:
        row = SimpleNamespace(history_change_reason="withdrawn: " + "x" * 95)
        history.stamp_change_reason(None, row)
    finally:
        history._change_reason.reset(token)
    assert len(row.history_change_reason) == 100
    assert row.history_change_reason.startswith("withdrawn: x") and row.history_change_reason.endswith(f"; {via}")


def test_attendance_on_a_visible_invitation_of_another_organisation_is_403(client_for, probation_officer, police):
    invitation = f.InvitationFactory(organisation=police)
    response = client_for(probation_officer).patch(
        f"/api/v1/invitations/{invitation.pk}/", {"status": "attended"}, format="json"
    )
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.INVITED


def test_attendance_on_an_invisible_invitation_is_404(client_for, probation_officer, other_programme_officer):
    invitation = f.InvitationFactory(organisation=other_programme_officer.organisation)
    client = client_for(probation_officer)
    hidden = client.patch(f"/api/v1/invitations/{invitation.pk}/", {"status": "attended"}, format="json")
    missing = client.patch(f"/api/v1/invitations/{invitation.pk + 1000}/", {"status": "attended"}, format="json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_list_invitations_of_a_call_in(client_for, probation_officer, probation):
    invitation = f.InvitationFactory(organisation=probation)
    f.InvitationFactory(organisation=probation)
    client = client_for(probation_officer)
    rows = client.get(f"/api/v1/invitations/?call_in={invitation.call_in_id}").json()["results"]
    assert [row["id"] for row in rows] == [invitation.pk]
    assert client.get(f"/api/v1/call-ins/{invitation.call_in_id}/").json()["venue"] == "Stadshuset"


# --- enforcement actions --------------------------------------------------------------


def test_log_an_enforcement_action(client_for, police_coordinator, police):
    group = f.GroupFactory(organisation=police)
    body = {"group": group.pk, "kind": "control", "performed_on": "2026-03-01", "source": "Insats 4"}
    response = client_for(police_coordinator).post("/api/v1/enforcement-actions/", body, format="json")
    assert response.status_code == 201, response.json()
    action = m.EnforcementAction.objects.get(pk=response.json()["id"])
    assert action.organisation == police and action.created_by == police_coordinator


def test_enforcement_bad_input_and_groups_of_another_programme(client_for, police_coordinator, other_programme_officer):
    theirs = f.GroupFactory(organisation=other_programme_officer.organisation)
    body = {"group": theirs.pk, "kind": "bombing", "performed_on": "2026-03-01", "source": "x"}
    response = client_for(police_coordinator).post(
        "/api/v1/enforcement-actions/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["group"] == ["No such record."]
    assert "kind" in response.json()["errors"]
    assert not m.EnforcementAction.objects.exists()


# --- follow-ups -----------------------------------------------------------------------


def test_follow_ups_lists_only_the_callers_organisation(client_for, probation_officer, probation, police):
    ours = f.FollowUpFactory(owner_organisation=probation)
    mine = f.FollowUpFactory(owner_organisation=probation, owner_user=probation_officer)
    f.FollowUpFactory(owner_organisation=police)
    client = client_for(probation_officer)
    assert sorted(r["id"] for r in client.get("/api/v1/follow-ups/").json()["results"]) == sorted([ours.pk, mine.pk])
    assert [r["id"] for r in client.get("/api/v1/follow-ups/?mine=true").json()["results"]] == [mine.pk]


def test_update_a_follow_up_status(client_for, probation_officer, probation):
    follow_up = f.FollowUpFactory(owner_organisation=probation)
    response = client_for(probation_officer).patch(
        f"/api/v1/follow-ups/{follow_up.pk}/", {"status": "done"}, format="json"
    )
    assert response.status_code == 200, response.json()
    follow_up.refresh_from_db()
    assert follow_up.status == m.FollowUpStatus.DONE and follow_up.completed_at is not None


def test_another_organisations_follow_up_is_404(client_for, probation_officer, police):
    theirs = f.FollowUpFactory(owner_organisation=police)
    client = client_for(probation_officer)
    assert client.get(f"/api/v1/follow-ups/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/v1/follow-ups/{theirs.pk}/", {"status": "done"}, format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == m.FollowUpStatus.OPEN


def test_follow_up_bad_status_is_400(client_for, probation_officer, probation):
    follow_up = f.FollowUpFactory(owner_organisation=probation)
    response = client_for(probation_officer).patch(
        f"/api/v1/follow-ups/{follow_up.pk}/", {"status": "x"}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()["errors"]
