"""The call-in pages: planning with bad dates, the status panel, the speakers and their message,
attendance saved by a button (never on a change), the groups not represented and their planned
notification, the run sheet; and their query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gvi import followup_rules as rules
from gvi import models as m
from tests import factories as f
from tests.frontend.test_accessibility import PageAudit

pytestmark = pytest.mark.django_db


def _held_call_in(police, probation, *, groups: int, per_group: int = 2, speakers: int = 2, tag: str = ""):
    """A held call-in: in each group the first invited member attended, except in every second
    group, where nobody did (so half the groups were not represented)."""
    call_in = f.CallInFactory(
        organisation=police,
        scheduled_at=timezone.now() - dt.timedelta(days=2),
        status=m.CallInStatus.HELD,
        venue=f"{tag} Medborgarhuset",
    )
    for number in range(groups):
        group = f.GroupFactory(organisation=police, name=f"{tag} Gruppering {number:02d}")
        for member in range(per_group):
            person = f.MembershipFactory(organisation=police, group=group).person
            came = number % 2 == 0 and member == 0
            f.InvitationFactory(
                organisation=probation,
                call_in=call_in,
                person=person,
                status=m.InvitationStatus.ATTENDED if came else m.InvitationStatus.NO_SHOW,
            )
    for number in range(speakers):
        m.CallInSpeaker.objects.create(
            call_in=call_in,
            position=number + 1,
            kind=m.SpeakerKind.POLICE,
            name=f"Talare {number}",
            organisation=police,
            message_kind=m.MessageKind.ENFORCEMENT,
            message="Våldet upphör nu.",
        )
    return call_in


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "gvi_accesslog"')]
    return len(queries) - max(len(inserts) - 1, 0)


def test_the_call_in_pages_take_the_same_queries_for_four_times_the_rows(coordinator_client, police, probation):
    small = _held_call_in(police, probation, groups=2, speakers=2, tag="S")
    large = _held_call_in(police, probation, groups=8, per_group=3, speakers=8, tag="L")
    for name in ("frontend:call_in_detail", "frontend:call_in_message", "frontend:call_in_run_sheet"):
        _count(coordinator_client, reverse(name, args=[small.pk]))  # warm: the content type cache
        few = _count(coordinator_client, reverse(name, args=[small.pk]))
        many = _count(coordinator_client, reverse(name, args=[large.pk]))
        assert few == many, f"{name}: {few} queries with few rows, {many} with many"
        assert many <= 40, name
    detail = coordinator_client.get(reverse("frontend:call_in_detail", args=[large.pk]))
    assert len(detail.context["missing_groups"]) == 4
    assert _count(coordinator_client, reverse("frontend:call_in_list")) <= 40


def test_the_new_pages_are_labelled_and_have_nothing_inline(coordinator_client, police, probation):
    call_in = _held_call_in(police, probation, groups=2)
    for name in ("frontend:call_in_detail", "frontend:call_in_message", "frontend:call_in_run_sheet"):
        audit = PageAudit()
        audit.feed(coordinator_client.get(reverse(name, args=[call_in.pk])).content.decode())
        assert audit.problems == [] and audit.unlabelled() == [], name


# --- Planning: bad dates -----------------------------------------------------------------------


def test_a_date_more_than_a_year_back_is_a_field_error(coordinator_client):
    old = timezone.localdate() - dt.timedelta(days=400)
    response = coordinator_client.post(
        reverse("frontend:call_in_list"),
        {"date": old.isoformat(), "time": "18:00", "venue": "Folkets hus"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "at most a year back" in response.context["form"].errors["date"][0]
    assert not m.CallIn.objects.exists()


def test_a_venue_without_a_date_is_a_field_error(coordinator_client):
    response = coordinator_client.post(
        reverse("frontend:call_in_list"),
        {"date": "", "time": "18:00", "venue": "Folkets hus"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.context["form"].errors["date"] == ["Give the date of the call-in: a venue alone is not enough."]
    assert not m.CallIn.objects.exists()


# --- The status panel ---------------------------------------------------------------------------


def test_marking_held_on_the_page_starts_the_follow_ups(
    coordinator_client, police, probation, social_services, police_coordinator, django_capture_on_commit_callbacks
):
    from config.celery import app

    call_in = f.CallInFactory(organisation=police, scheduled_at=timezone.now() - dt.timedelta(days=1))
    invitation = f.InvitationFactory(organisation=probation, call_in=call_in, status=m.InvitationStatus.NO_SHOW)
    url = reverse("frontend:call_in_status", args=[call_in.pk])
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = coordinator_client.post(url, {"change": "held", "note": ""})
    finally:
        app.conf.task_always_eager = eager
    assert response.status_code == 302
    call_in.refresh_from_db()
    assert call_in.status == m.CallInStatus.HELD and call_in.status_changed_by == police_coordinator
    assert m.FollowUp.objects.filter(rule=rules.RULE_CALL_IN_NO_SHOW, cause_id=invitation.pk).exists()
    page = coordinator_client.get(reverse("frontend:call_in_detail", args=[call_in.pk])).content.decode()
    assert "samordnare.polis" in page or police_coordinator.get_full_name() in page


def test_cancelling_without_a_reason_is_a_field_error(coordinator_client, police):
    call_in = f.CallInFactory(organisation=police)
    response = coordinator_client.post(
        reverse("frontend:call_in_status", args=[call_in.pk]), {"change": "cancelled", "note": ""}
    )
    assert response.status_code == 400
    assert response.context["status_form"].errors["note"]
    call_in.refresh_from_db()
    assert call_in.status == m.CallInStatus.PLANNED


def test_a_future_call_in_offers_no_held_button(coordinator_client, police):
    call_in = f.CallInFactory(organisation=police)
    page = coordinator_client.get(reverse("frontend:call_in_detail", args=[call_in.pk])).content.decode()
    assert 'value="cancelled"' in page and 'value="held"' not in page


# --- Attendance: saved by a button ----------------------------------------------------------------


def test_the_attendance_select_does_not_save_on_change(coordinator_client, city):
    page = coordinator_client.get(reverse("frontend:call_in_detail", args=[city["call_in"].pk])).content.decode()
    assert 'hx-trigger="change"' not in page
    assert "Save attendance" in page or "Spara närvaro" in page


def test_saving_all_attendance_at_once(coordinator_client, city):
    invitations = list(m.Invitation.objects.filter(call_in=city["call_in"]).order_by("pk"))
    data = {f"i{i.pk}-status": i.status for i in invitations}
    data[f"i{invitations[0].pk}-status"] = "excused"
    data[f"i{invitations[1].pk}-status"] = "excused"
    response = coordinator_client.post(reverse("frontend:save_attendance", args=[city["call_in"].pk]), data)
    assert response.status_code == 302
    statuses = dict(m.Invitation.objects.filter(call_in=city["call_in"]).values_list("pk", "status"))
    assert statuses[invitations[0].pk] == statuses[invitations[1].pk] == "excused"
    # Unchanged rows get no history row.
    assert invitations[2].history.count() == 0  # the city is bulk-made: no history before


def test_one_bad_row_saves_nothing(coordinator_client, city):
    invitations = list(m.Invitation.objects.filter(call_in=city["call_in"]).order_by("pk"))
    before = dict(m.Invitation.objects.filter(call_in=city["call_in"]).values_list("pk", "status"))
    data = {f"i{invitations[0].pk}-status": "excused", f"i{invitations[1].pk}-status": "dancing"}
    response = coordinator_client.post(reverse("frontend:save_attendance", args=[city["call_in"].pk]), data)
    assert response.status_code == 400
    assert dict(m.Invitation.objects.filter(call_in=city["call_in"]).values_list("pk", "status")) == before
    rows = {row["invitation"].pk: row for row in response.context["rows"]}
    assert rows[invitations[1].pk]["error"]


def test_a_refused_row_rolls_back_the_others(client, city, probation_officer, police, probation):
    """A partner officer changes its own organisation's invitations only; a posted row of the
    police's makes the whole save fail, with the reason on that row."""
    own = f.InvitationFactory(organisation=probation, call_in=city["call_in"], status=m.InvitationStatus.NO_SHOW)
    police_row = (
        m.Invitation.objects.filter(call_in=city["call_in"], organisation=police, person__in=m.Person.objects.adults())
        .order_by("pk")
        .first()
    )
    client.force_login(probation_officer)
    response = client.post(
        reverse("frontend:save_attendance", args=[city["call_in"].pk]),
        {f"i{own.pk}-status": "attended", f"i{police_row.pk}-status": "excused"},
    )
    assert response.status_code == 400
    own.refresh_from_db()
    assert own.status == m.InvitationStatus.NO_SHOW


# --- Groups not represented -------------------------------------------------------------------------


def test_one_click_plans_a_custom_notification_for_a_missing_group(
    coordinator_client, police, probation, police_coordinator
):
    call_in = _held_call_in(police, probation, groups=2)
    detail = coordinator_client.get(reverse("frontend:call_in_detail", args=[call_in.pk]))
    (missing,) = detail.context["missing_groups"]
    person = missing.members[0]
    response = coordinator_client.post(
        reverse("frontend:call_in_plan_notification", args=[call_in.pk]),
        {"group": missing.group.pk, "person": person.pk},
    )
    assert response.status_code == 302
    plan = m.FollowUp.objects.get(group=missing.group)
    assert (plan.person, plan.created_by) == (person, police_coordinator)
    again = coordinator_client.get(reverse("frontend:call_in_detail", args=[call_in.pk]))
    assert again.context["missing_groups"][0].planned == [plan]
    # Bad input: a group that was represented, a person not among its members.
    represented = m.Group.objects.exclude(pk=missing.group.pk).get(name__contains="Gruppering")
    for data in ({"group": represented.pk, "person": person.pk}, {"group": missing.group.pk, "person": 999999}):
        coordinator_client.post(reverse("frontend:call_in_plan_notification", args=[call_in.pk]), data)
    coordinator_client.post(reverse("frontend:call_in_plan_notification", args=[call_in.pk]), {"group": "x"})
    assert m.FollowUp.objects.count() == 1


# --- Speakers and message, run sheet ----------------------------------------------------------------


def test_the_coordinator_writes_the_message_and_the_run_sheet_shows_it(coordinator_client, police):
    call_in = f.CallInFactory(organisation=police)
    url = reverse("frontend:call_in_message", args=[call_in.pk])
    response = coordinator_client.post(
        url,
        {
            "action": "add",
            "new-kind": "bereaved_mother",
            "new-name": "Amina",
            "new-message": "Om min son Karim.",
            "new-organisation": "",
            "new-message_kind": "",
        },
    )
    assert response.status_code == 302
    coordinator_client.post(
        url, {"action": "add", "new-kind": "police", "new-name": "Kommissarien", "new-organisation": police.pk}
    )
    mother, officer = call_in.speakers.all()
    coordinator_client.post(url, {"action": "up", "speaker": officer.pk})
    sheet = coordinator_client.get(reverse("frontend:call_in_run_sheet", args=[call_in.pk])).content.decode()
    assert sheet.index("Kommissarien") < sheet.index("Amina") and "Om min son Karim." in sheet
    # Bad input: a speaker without a name is a field error, and nothing is added.
    bad = coordinator_client.post(url, {"action": "add", "new-kind": "police", "new-name": ""})
    assert bad.status_code == 400 and bad.context["add_form"].errors["name"]
    bad = coordinator_client.post(
        url,
        {"action": "save", "speaker": mother.pk, f"s{mother.pk}-kind": "alien", f"s{mother.pk}-name": "Amina"},
    )
    assert bad.status_code == 400
    assert call_in.speakers.count() == 2
    mother.refresh_from_db()
    assert mother.kind == m.SpeakerKind.BEREAVED_MOTHER


def test_a_partner_officer_reads_the_run_sheet_but_cannot_edit_the_message(client, police, probation_officer):
    call_in = f.CallInFactory(organisation=police)
    client.force_login(probation_officer)
    assert client.get(reverse("frontend:call_in_run_sheet", args=[call_in.pk])).status_code == 200
    assert client.get(reverse("frontend:call_in_message", args=[call_in.pk])).status_code == 403
    response = client.post(reverse("frontend:call_in_status", args=[call_in.pk]), {"change": "cancelled", "note": "x"})
    assert response.status_code == 403
