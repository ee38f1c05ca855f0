"""Flag decisions, the call-in planner and the follow-up board: writes through the services."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gvi import followup_rules as rules
from gvi import models as m
from gvi.selectors.callins import suggested_invitees
from tests import factories as f

pytestmark = pytest.mark.django_db


# --- Flags --------------------------------------------------------------------------------------


def test_confirming_a_flag_keeps_the_reason_and_ends_the_old_flag(coordinator_client, city, police_coordinator):
    flag, old = city["suggested"], city["confirmed"]
    url = reverse("frontend:flag_detail", args=[flag.pk])
    response = coordinator_client.post(url, {"reason": "Tre skjutningar på två veckor", "decision": "confirm"})
    assert response.status_code == 302
    flag.refresh_from_db()
    old.refresh_from_db()
    assert flag.status == m.FlagStatus.CONFIRMED and flag.decided_by == police_coordinator
    assert flag.decision_reason == "Tre skjutningar på två veckor"
    assert old.status == m.FlagStatus.ENDED


def test_a_decision_needs_a_reason(coordinator_client, city):
    flag = city["suggested"]
    response = coordinator_client.post(
        reverse("frontend:flag_detail", args=[flag.pk]), {"reason": "  ", "decision": "reject"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    flag.refresh_from_db()
    assert flag.status == m.FlagStatus.SUGGESTED


def test_rejecting_a_flag(coordinator_client, city):
    flag = city["suggested"]
    coordinator_client.post(
        reverse("frontend:flag_detail", args=[flag.pk]), {"reason": "Fel grupp", "decision": "reject"}
    )
    flag.refresh_from_db()
    assert flag.status == m.FlagStatus.REJECTED and flag.decision_reason == "Fel grupp"


def test_a_partner_officer_sees_the_flag_but_cannot_decide(client, city, probation_officer):
    client.force_login(probation_officer)
    url = reverse("frontend:flag_detail", args=[city["suggested"].pk])
    response = client.get(url)
    assert response.status_code == 200 and not response.context["may_decide"]
    assert 'name="decision"' not in response.content.decode()
    assert client.post(url, {"reason": "x", "decision": "confirm"}).status_code == 403
    city["suggested"].refresh_from_db()
    assert city["suggested"].status == m.FlagStatus.SUGGESTED


# --- Call-ins -----------------------------------------------------------------------------------


@pytest.fixture
def invitee_scene(police, probation):
    today = timezone.localdate()
    group = f.GroupFactory(organisation=police, name="Södergänget")
    call_in = f.CallInFactory(organisation=police)

    def member(name, *, supervised=True, status=m.MembershipStatus.ACTIVE, group=group):
        person = f.PersonFactory(organisation=police, last_name=name)
        f.MembershipFactory(organisation=police, person=person, group=group, status=status)
        if supervised:
            f.SupervisionFactory(organisation=probation, person=person, start_date=today - dt.timedelta(days=30))
        return person

    scene = {
        "call_in": call_in,
        "suggested": member("Aktiv"),
        "unsupervised": member("Utanövervakning", supervised=False),
        "proposed": member("Föreslagen", status=m.MembershipStatus.PROPOSED),
        "dormant_group": member("Vilande", group=f.GroupFactory(organisation=police, status=m.GroupStatus.DORMANT)),
        "attended": member("Närvarat"),
        "notified": member("Underrättad"),
        "invited": member("Redaninbjuden"),
    }
    f.InvitationFactory(organisation=police, person=scene["attended"], status=m.InvitationStatus.ATTENDED)
    f.CustomNotificationFactory(organisation=probation, person=scene["notified"])
    f.InvitationFactory(organisation=police, call_in=call_in, person=scene["invited"])
    victim = f.PersonFactory(organisation=police, last_name="Offer")
    f.SupervisionFactory(organisation=probation, person=victim)
    f.InvolvementFactory(organisation=police, person=victim, role=m.InvolvementRole.VICTIM)
    scene["victim"] = victim
    ended = member("Avslutad")
    m.Supervision.objects.filter(person=ended).update(end_date=today - dt.timedelta(days=1))
    return scene


def test_suggested_invitees_are_only_supervised_unreached_active_members(police_coordinator, invitee_scene):
    assert list(suggested_invitees(police_coordinator, invitee_scene["call_in"])) == [invitee_scene["suggested"]]


def test_planning_a_call_in_and_inviting(coordinator_client, police, invitee_scene):
    day = timezone.localdate() + dt.timedelta(days=10)
    response = coordinator_client.post(
        reverse("frontend:call_in_list"), {"date": day.isoformat(), "time": "18:30", "venue": "Folkets hus"}
    )
    call_in = m.CallIn.objects.get(venue="Folkets hus")
    assert response["Location"] == reverse("frontend:call_in_detail", args=[call_in.pk])
    assert timezone.localtime(call_in.scheduled_at).date() == day and call_in.organisation == police
    person = invitee_scene["suggested"]
    detail = coordinator_client.get(response["Location"])
    # Invited to another call-in is not reached: still suggested for this one.
    assert detail.context["suggested"] == [person, invitee_scene["invited"]]
    coordinator_client.post(response["Location"], {"persons": [person.pk], "source": "Frivårdens villkor 12"})
    invitation = m.Invitation.objects.get(call_in=call_in)
    assert invitation.person == person and invitation.source == "Frivårdens villkor 12"
    # Someone not suggested (here: a victim without membership) cannot be slipped in.
    bad = coordinator_client.post(response["Location"], {"persons": [invitee_scene["victim"].pk], "source": "x"})
    assert bad.status_code == 200 and bad.context["form"].errors["persons"]
    assert m.Invitation.objects.filter(call_in=call_in).count() == 1


def test_a_call_in_needs_a_venue_and_a_date(coordinator_client):
    response = coordinator_client.post(reverse("frontend:call_in_list"), {"date": "", "time": "18:00", "venue": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"date", "venue"}
    assert not m.CallIn.objects.exists()


def test_recording_attendance_with_htmx_returns_the_row(coordinator_client, city):
    invitation = m.Invitation.objects.filter(call_in=city["call_in"]).first()
    url = reverse("frontend:record_attendance", args=[city["call_in"].pk, invitation.pk])
    response = coordinator_client.post(url, {f"i{invitation.pk}-status": "excused"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="invitation-{invitation.pk}"')
    assert 'value="excused" selected' in html
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.EXCUSED


def test_a_refused_quick_change_says_why_and_shows_what_is_stored(client, city, probation_officer):
    """A partner may see the police's invitations but not change them: htmx gets the row back,
    with the reason, showing the stored status rather than the refused one."""
    adults = m.Person.objects.adults()
    invitation = m.Invitation.objects.filter(
        call_in=city["call_in"], status=m.InvitationStatus.NO_SHOW, person__in=adults
    ).first()
    client.force_login(probation_officer)
    url = reverse("frontend:record_attendance", args=[city["call_in"].pk, invitation.pk])
    response = client.post(
        url, {f"i{invitation.pk}-status": "excused"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "You may not do this." in html
    # A row the user may not change shows the stored status as text, not a select.
    assert "No-show" in html and "<select" not in html
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.NO_SHOW


def test_recording_attendance_without_javascript_redirects(coordinator_client, city):
    invitation = m.Invitation.objects.filter(call_in=city["call_in"]).first()
    url = reverse("frontend:record_attendance", args=[city["call_in"].pk, invitation.pk])
    response = coordinator_client.post(url, {f"i{invitation.pk}-status": "attended"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.ATTENDED
    bad = coordinator_client.post(url, {f"i{invitation.pk}-status": "dancing"})
    assert bad.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.ATTENDED


def test_correcting_a_no_show_on_the_page_cancels_its_follow_up(coordinator_client, city, police_coordinator):
    invitation = m.Invitation.objects.filter(call_in=city["call_in"], status=m.InvitationStatus.NO_SHOW).first()
    rules.apply_rules_for(cause_kind="call_in", cause_id=city["call_in"].pk)
    task = m.FollowUp.objects.get(rule=rules.RULE_CALL_IN_NO_SHOW, cause_id=invitation.pk)
    url = reverse("frontend:record_attendance", args=[city["call_in"].pk, invitation.pk])
    response = coordinator_client.post(url, {f"i{invitation.pk}-status": "attended"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == m.FollowUpStatus.CANCELLED and task.updated_by == police_coordinator
    # It leaves the owner's board.
    board = coordinator_client.get(reverse("frontend:follow_ups"), {"organisation": task.owner_organisation_id})
    assert task not in [card["follow_up"] for column in board.context["columns"] for card in column["cards"]]


def test_invitation_list_prints_every_invitee(coordinator_client, city, police_coordinator):
    response = coordinator_client.get(reverse("frontend:call_in_print", args=[city["call_in"].pk]))
    assert len(response.context["invitations"]) == 10
    assert m.AccessLog.objects.filter(user=police_coordinator, action="export", record_kind="invitation").count() == 10


# --- Follow-ups ---------------------------------------------------------------------------------


def test_board_defaults_to_own_organisation_and_filters(coordinator_client, city, police):
    response = coordinator_client.get(reverse("frontend:follow_ups"))
    cards = [card["follow_up"] for column in response.context["columns"] for card in column["cards"]]
    assert cards and all(card.owner_organisation == police for card in cards)
    assert all(card.status in ("open", "in_progress") for card in cards)
    overdue = coordinator_client.get(reverse("frontend:follow_ups"), {"organisation": "", "overdue": "on"})
    cards = [card["follow_up"] for column in overdue.context["columns"] for card in column["cards"]]
    assert cards and all(card.is_overdue for card in cards)
    assert {card.owner_organisation for card in cards} == {police, city["persons"][0].organisation} | {
        card.owner_organisation for card in cards
    }


def test_quick_status_change_with_htmx(coordinator_client, police):
    follow_up = f.FollowUpFactory(owner_organisation=police)
    url = reverse("frontend:follow_up_status", args=[follow_up.pk])
    response = coordinator_client.post(url, {f"f{follow_up.pk}-status": "done"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    # The whole board comes back (the card moves column, the counts follow), with the announcement;
    # done is not on the default board, so the card has left it.
    html = response.content.decode()
    assert html.startswith('<div id="follow-up-board">')
    assert f'id="follow-up-{follow_up.pk}"' not in html
    assert f"Sparat: {follow_up.title} har nu status Klar." in html
    follow_up.refresh_from_db()
    assert follow_up.status == m.FollowUpStatus.DONE and follow_up.completed_at is not None


def test_a_partner_sees_and_changes_only_own_follow_ups(client, police, probation, probation_officer):
    own = f.FollowUpFactory(owner_organisation=probation)
    other = f.FollowUpFactory(owner_organisation=police)
    client.force_login(probation_officer)
    response = client.get(reverse("frontend:follow_ups"), {"organisation": ""})
    cards = [card["follow_up"] for column in response.context["columns"] for card in column["cards"]]
    assert cards == [own]
    assert (
        client.post(reverse("frontend:follow_up_status", args=[other.pk]), {f"f{other.pk}-status": "done"}).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.status == m.FollowUpStatus.OPEN


def test_the_board_logs_one_row_per_person_it_names(client, police, police_coordinator):
    person = f.PersonFactory(organisation=police)
    f.FollowUpFactory(owner_organisation=police, person=person)
    f.FollowUpFactory(owner_organisation=police, person=person)  # the same person twice: one row
    f.FollowUpFactory(owner_organisation=police)  # about no person: nothing to log for it
    client.force_login(police_coordinator)
    assert client.get(reverse("frontend:follow_ups")).status_code == 200
    logged = m.AccessLog.objects.filter(user=police_coordinator, record_kind="follow_up")
    assert list(logged.values_list("person_id", "action", "channel")) == [(person.pk, "list", "ui")]


def test_the_board_pages_and_logs_only_the_persons_on_the_page(client, police, police_coordinator):
    today = timezone.localdate()
    persons = f.PersonFactory.create_batch(55, organisation=police)
    for i, person in enumerate(persons):
        f.FollowUpFactory(owner_organisation=police, person=person, due_date=today + dt.timedelta(days=i))
    client.force_login(police_coordinator)
    logged = m.AccessLog.objects.filter(user=police_coordinator, record_kind="follow_up", action="list")

    first = client.get(reverse("frontend:follow_ups"), {"organisation": police.pk, "q": "Uppföljning"})
    cards = [card["follow_up"] for column in first.context["columns"] for card in column["cards"]]
    assert [card.person for card in cards] == persons[:50]
    assert set(logged.values_list("person_id", flat=True)) == {person.pk for person in persons[:50]}
    # The page link is a plain link (keyboard-usable) that keeps the filters.
    assert f'href="?organisation={police.pk}&amp;q=Uppf%C3%B6ljning&amp;page=2" rel="next"' in first.content.decode()

    before = logged.order_by("-id").first().pk
    # A bare page link keeps the default filter: the user's own organisation.
    second = client.get(reverse("frontend:follow_ups"), {"page": 2})
    cards = [card["follow_up"] for column in second.context["columns"] for card in column["cards"]]
    assert [card.person for card in cards] == persons[50:]
    assert set(logged.filter(pk__gt=before).values_list("person_id", flat=True)) == {p.pk for p in persons[50:]}


def test_an_analyst_sees_the_call_in_but_no_suggestions(client, city, police_analyst):
    client.force_login(police_analyst)
    response = client.get(reverse("frontend:call_in_detail", args=[city["call_in"].pk]))
    assert response.status_code == 200
    assert response.context["suggested"] == []
    assert 'name="persons"' not in response.content.decode()
