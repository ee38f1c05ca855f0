"""The call-in from plan to held: dates, the lifecycle, attendance, follow-ups on holding, the
speakers and their message, and the notification planned for a group that was not there."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from config.celery import app
from gvi import followup_rules as rules
from gvi import models as m
from gvi.selectors.callins import groups_not_represented, status_history
from gvi.services import callins as services
from gvi.services.notifications import plan_custom_notification
from tests import factories as f

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
# The fixed clock: the call-in is on Tuesday 2026-03-10 at 17:00 local time.
MEETING = dt.datetime(2026, 3, 10, 17, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def eager():
    """The follow-up rules run in-process when a change is committed."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and the jobs it dispatches on commit."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def _call_in(organisation, at=None, **kwargs):
    at = at or timezone.now() - dt.timedelta(days=1)
    return f.CallInFactory(organisation=organisation, scheduled_at=at, **kwargs)


def rule_made(rule=None):
    qs = m.FollowUp.objects.filter(origin=m.FollowUpOrigin.RULE, rule__startswith="call_in_")
    return qs.filter(rule=rule) if rule else qs


# --- Dates ---------------------------------------------------------------------------------------


def test_a_call_in_more_than_a_year_back_is_refused_and_nothing_is_stored(police_coordinator):
    with pytest.raises(ValidationError) as error:
        services.plan_call_in(
            user=police_coordinator, scheduled_at=timezone.now() - dt.timedelta(days=400), venue="Stadshuset"
        )
    assert "scheduled_at" in error.value.message_dict
    assert not m.CallIn.objects.exists()


def test_a_call_in_within_the_year_back_can_be_recorded(police_coordinator):
    call_in = services.plan_call_in(
        user=police_coordinator, scheduled_at=timezone.now() - dt.timedelta(days=300), venue="Stadshuset"
    )
    assert call_in.status == m.CallInStatus.PLANNED


def test_a_venue_without_a_date_is_refused(police_coordinator):
    with pytest.raises(ValidationError) as error:
        services.plan_call_in(user=police_coordinator, scheduled_at=None, venue="Stadshuset")
    assert "venue alone" in error.value.message_dict["scheduled_at"][0]
    with pytest.raises(ValidationError) as error:
        services.plan_call_in(user=police_coordinator, scheduled_at=timezone.now(), venue="  ")
    assert "venue" in error.value.message_dict
    assert not m.CallIn.objects.exists()


def test_a_bad_speaker_leaves_no_call_in_half_planned(police_coordinator):
    with pytest.raises(ValidationError):
        services.plan_call_in(
            user=police_coordinator,
            scheduled_at=timezone.now() + dt.timedelta(days=3),
            venue="Stadshuset",
            speakers=[{"kind": "police", "name": "Kommissarien"}, {"kind": "astronaut", "name": "X"}],
        )
    assert not m.CallIn.objects.exists() and not m.CallInSpeaker.objects.exists()


# --- Lifecycle -----------------------------------------------------------------------------------


def test_marking_held_records_who_and_when_and_keeps_the_history(police_coordinator, police):
    call_in = _call_in(police)
    services.mark_held(user=police_coordinator, call_in=call_in, note="42 närvarande")
    call_in.refresh_from_db()
    assert call_in.status == m.CallInStatus.HELD
    assert call_in.status_changed_by == police_coordinator and call_in.status_changed_at is not None
    assert call_in.status_note == "42 närvarande"
    last = call_in.history.latest()
    assert last.history_user == police_coordinator and last.history_change_reason == "marked held"
    changes = status_history(call_in)
    assert [change["status"] for change in changes] == ["Planned", "Held"]
    assert changes[-1]["by"] == police_coordinator


def test_held_and_cancelled_are_final(police_coordinator, police):
    held = _call_in(police)
    services.mark_held(user=police_coordinator, call_in=held)
    for change in (
        lambda: services.mark_held(user=police_coordinator, call_in=held),
        lambda: services.cancel_call_in(user=police_coordinator, call_in=held, reason="Fel"),
    ):
        with pytest.raises(ValidationError):
            change()
    cancelled = _call_in(police, at=timezone.now() + dt.timedelta(days=5))
    services.cancel_call_in(user=police_coordinator, call_in=cancelled, reason="Lokalen brann")
    with pytest.raises(ValidationError):
        services.mark_held(user=police_coordinator, call_in=cancelled)
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.status_note) == (m.CallInStatus.CANCELLED, "Lokalen brann")


def test_cancelling_needs_a_reason_and_no_attendance(police_coordinator, police):
    call_in = _call_in(police, at=timezone.now() + dt.timedelta(days=5))
    with pytest.raises(ValidationError) as error:
        services.cancel_call_in(user=police_coordinator, call_in=call_in, reason=" ")
    assert "reason" in error.value.message_dict
    today_call_in = _call_in(police, at=timezone.now())
    f.InvitationFactory(organisation=police, call_in=today_call_in, status=m.InvitationStatus.ATTENDED)
    with pytest.raises(ValidationError):
        services.cancel_call_in(user=police_coordinator, call_in=today_call_in, reason="Inställt")
    today_call_in.refresh_from_db()
    assert today_call_in.status == m.CallInStatus.PLANNED


def test_only_a_coordinator_marks_a_call_in_held(probation_officer, police_analyst, police):
    call_in = _call_in(police)
    for user in (probation_officer, police_analyst):
        with pytest.raises(PermissionDenied):
            services.mark_held(user=user, call_in=call_in)
    call_in.refresh_from_db()
    assert call_in.status == m.CallInStatus.PLANNED


def test_held_on_its_day_but_not_before_with_a_fixed_clock(police_coordinator, police):
    with time_machine.travel(MEETING - dt.timedelta(days=3), tick=False):
        call_in = _call_in(police, at=MEETING)
    with time_machine.travel(MEETING - dt.timedelta(days=1), tick=False), pytest.raises(ValidationError) as error:
        services.mark_held(user=police_coordinator, call_in=call_in)
    assert "on its day" in error.value.message_dict["status"][0]
    # In the morning of its day, before it has started: the day is what counts.
    with time_machine.travel(MEETING.replace(hour=8), tick=False):
        services.mark_held(user=police_coordinator, call_in=call_in)
    call_in.refresh_from_db()
    assert call_in.status == m.CallInStatus.HELD


# --- Attendance ----------------------------------------------------------------------------------


def test_attendance_on_its_day_and_for_a_held_call_in_only_with_a_fixed_clock(police_coordinator, police):
    with time_machine.travel(MEETING - dt.timedelta(days=3), tick=False):
        call_in = _call_in(police, at=MEETING)
        invitation = f.InvitationFactory(organisation=police, call_in=call_in)

    def record(status):
        return services.record_attendance(user=police_coordinator, invitation=invitation, status=status)

    with time_machine.travel(MEETING - dt.timedelta(days=1), tick=False), pytest.raises(ValidationError) as error:
        record(m.InvitationStatus.ATTENDED)  # the day before: not yet
    assert "on the day" in error.value.message_dict["status"][0]
    with time_machine.travel(MEETING.replace(hour=23, minute=59), tick=False):
        record(m.InvitationStatus.ATTENDED)  # on its day, still planned: yes
    with time_machine.travel(MEETING + dt.timedelta(days=1), tick=False):
        with pytest.raises(ValidationError) as error:
            record(m.InvitationStatus.NO_SHOW)  # the day after, not marked held: no
        assert "Mark the call-in held" in error.value.message_dict["status"][0]
        services.mark_held(user=police_coordinator, call_in=call_in)
        record(m.InvitationStatus.NO_SHOW)  # held: yes, corrections too
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.NO_SHOW


def test_no_attendance_for_a_cancelled_call_in(police_coordinator, police):
    call_in = _call_in(police, at=timezone.now() + dt.timedelta(days=2))
    invitation = f.InvitationFactory(organisation=police, call_in=call_in)
    services.cancel_call_in(user=police_coordinator, call_in=call_in, reason="Inställt")
    with pytest.raises(ValidationError):
        services.record_attendance(user=police_coordinator, invitation=invitation, status="attended")
    with pytest.raises(ValidationError):
        services.invite_persons(
            user=police_coordinator, call_in=call_in, persons=[f.PersonFactory(organisation=police)], source="x"
        )
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.INVITED


# --- Follow-ups start when it is held -----------------------------------------------------------


def test_follow_ups_start_when_the_call_in_is_marked_held_not_at_attendance(
    committed, police_coordinator, police, probation, social_services
):
    call_in = _call_in(police, at=timezone.now())  # today: attendance is taken at the door
    came = f.InvitationFactory(organisation=probation, call_in=call_in)
    stayed_away = f.InvitationFactory(organisation=probation, call_in=call_in)
    committed(services.record_attendance, user=police_coordinator, invitation=came, status="attended")
    committed(services.record_attendance, user=police_coordinator, invitation=stayed_away, status="no_show")
    assert not rule_made().exists()
    assert rules.apply_rules_for(cause_kind="call_in", cause_id=call_in.pk) == 0  # a planned one makes nothing

    committed(services.mark_held, user=police_coordinator, call_in=call_in)

    made = set(rule_made().values_list("rule", "owner_organisation", "cause_id"))
    assert made == {
        (rules.RULE_CALL_IN_ATTENDED, social_services.pk, came.pk),
        (rules.RULE_CALL_IN_NO_SHOW, probation.pk, stayed_away.pk),
    }
    # A correction after it is held settles them as before.
    committed(services.record_attendance, user=police_coordinator, invitation=stayed_away, status="excused")
    assert rule_made(rules.RULE_CALL_IN_NO_SHOW).get().status == m.FollowUpStatus.CANCELLED


def test_inviting_makes_no_follow_up(committed, police_coordinator, police):
    call_in = _call_in(police, at=timezone.now() + dt.timedelta(days=7))
    committed(
        services.invite_persons,
        user=police_coordinator,
        call_in=call_in,
        persons=[f.PersonFactory(organisation=police)],
        source="Kallelse",
    )
    assert not m.FollowUp.objects.exists()


# --- Speakers and the message --------------------------------------------------------------------


def test_speakers_are_ordered_editable_and_kept_in_history(police_coordinator, police, probation):
    call_in = _call_in(police, at=timezone.now() + dt.timedelta(days=7))
    mother = services.add_speaker(
        user=police_coordinator, call_in=call_in, kind="bereaved_mother", name="Amina", message="Om min son."
    )
    officer = services.add_speaker(user=police_coordinator, call_in=call_in, kind="police", name="Kommissarien")
    probation_speaker = services.add_speaker(
        user=police_coordinator, call_in=call_in, kind="probation", name="Inspektören", organisation=probation
    )
    assert [s.pk for s in call_in.speakers.all()] == [mother.pk, officer.pk, probation_speaker.pk]
    # The part of the message follows from the kind of speaker.
    assert (mother.message_kind, officer.message_kind) == (m.MessageKind.MORAL, m.MessageKind.ENFORCEMENT)

    services.move_speaker(user=police_coordinator, speaker=officer, up=True)
    assert [s.pk for s in call_in.speakers.all()] == [officer.pk, mother.pk, probation_speaker.pk]
    services.update_speaker(
        user=police_coordinator,
        speaker=officer,
        kind="police",
        name="Kommissarien",
        message="1. Våldet upphör nu.\n2. Hela gruppen får svara.",
    )
    removed_id = probation_speaker.pk
    services.remove_speaker(user=police_coordinator, speaker=probation_speaker)
    officer.refresh_from_db()
    assert officer.message.startswith("1. Våldet")
    history = m.CallInSpeaker.history.filter(id=officer.pk).order_by("history_date", "history_id")
    assert [row.history_change_reason for row in history] == ["speaker added", "speaking order", "speaker changed"]
    assert all(row.history_user == police_coordinator for row in history)
    assert m.CallInSpeaker.history.filter(id=removed_id, history_type="-").exists()


def test_speaker_bad_input_and_policy(police_coordinator, probation_officer, other_programme_officer, police):
    call_in = _call_in(police, at=timezone.now() + dt.timedelta(days=7))
    with pytest.raises(ValidationError) as error:
        services.add_speaker(user=police_coordinator, call_in=call_in, kind="police", name="")
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.add_speaker(
            user=police_coordinator,
            call_in=call_in,
            kind="police",
            name="X",
            organisation=other_programme_officer.organisation,
        )
    assert "organisation" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.add_speaker(user=probation_officer, call_in=call_in, kind="police", name="X")
    assert not call_in.speakers.exists()


# --- Groups not represented, and the planned notification ---------------------------------------


@pytest.fixture
def held_scene(police, probation):
    """A held call-in: North had two members invited and one came; South's only invitee did not
    show; West's was excused. A victim (no membership) was invited too."""
    call_in = _call_in(police, status=m.CallInStatus.HELD)
    groups = {name: f.GroupFactory(organisation=police, name=name) for name in ("North", "South", "West")}
    invited = {}
    for key, group, status in [
        ("north_came", "North", m.InvitationStatus.ATTENDED),
        ("north_away", "North", m.InvitationStatus.NO_SHOW),
        ("south_away", "South", m.InvitationStatus.NO_SHOW),
        ("west_excused", "West", m.InvitationStatus.EXCUSED),
    ]:
        membership = f.MembershipFactory(organisation=police, group=groups[group])
        f.InvitationFactory(organisation=probation, call_in=call_in, person=membership.person, status=status)
        invited[key] = membership.person
    f.InvitationFactory(organisation=police, call_in=call_in, status=m.InvitationStatus.NO_SHOW)  # no membership
    return {"call_in": call_in, "groups": groups, "persons": invited}


def test_groups_not_represented_at_a_held_call_in(police_coordinator, held_scene):
    missing = groups_not_represented(police_coordinator, held_scene["call_in"])
    assert [item.group.name for item in missing] == ["South", "West"]
    assert missing[0].members == [held_scene["persons"]["south_away"]]
    planned_call_in = _call_in(held_scene["call_in"].organisation)
    assert groups_not_represented(police_coordinator, planned_call_in) == []


def test_planning_a_custom_notification_for_a_missing_group(police_coordinator, police, held_scene):
    call_in, south = held_scene["call_in"], held_scene["groups"]["South"]
    person = held_scene["persons"]["south_away"]
    plan = plan_custom_notification(user=police_coordinator, call_in=call_in, group=south, person=person)
    held_on = timezone.localtime(call_in.scheduled_at).date()
    assert (plan.person, plan.group, plan.owner_organisation) == (person, south, police)
    assert plan.due_date == held_on + dt.timedelta(days=call_in.programme.notification_after_call_in_days)
    assert plan.cause == call_in and plan.rule == rules.PLANNED_NOTIFICATION_RULE
    assert plan.history.get().history_user == police_coordinator
    # A second click plans nothing more; the page shows the plan.
    again = plan_custom_notification(user=police_coordinator, call_in=call_in, group=south, person=person)
    assert again.pk == plan.pk and m.FollowUp.objects.filter(group=south).count() == 1
    (south_item,) = [i for i in groups_not_represented(police_coordinator, call_in) if i.group == south]
    assert south_item.planned == [plan]


def test_planning_is_refused_for_a_represented_group_a_non_member_or_a_role_without_the_right(
    police_coordinator, police_analyst, held_scene
):
    call_in, groups, persons = held_scene["call_in"], held_scene["groups"], held_scene["persons"]
    with pytest.raises(ValidationError) as error:
        plan_custom_notification(
            user=police_coordinator, call_in=call_in, group=groups["North"], person=persons["north_away"]
        )
    assert "group" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        plan_custom_notification(
            user=police_coordinator, call_in=call_in, group=groups["South"], person=persons["west_excused"]
        )
    assert "person" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        plan_custom_notification(
            user=police_analyst, call_in=call_in, group=groups["South"], person=persons["south_away"]
        )
    assert not m.FollowUp.objects.exists()


# --- The data migration ----------------------------------------------------------------------------


def test_the_migration_marks_past_call_ins_with_attendance_held(police):
    from django.apps import apps as global_apps

    from gvi.migrations import __name__ as package

    migration = __import__(f"{package}.0024_call_ins_with_attendance_held", fromlist=["x"])
    past = _call_in(police, at=timezone.now() - dt.timedelta(days=20))
    f.InvitationFactory(organisation=police, call_in=past, status=m.InvitationStatus.ATTENDED)
    past_without = _call_in(police, at=timezone.now() - dt.timedelta(days=20))
    f.InvitationFactory(organisation=police, call_in=past_without, status=m.InvitationStatus.INVITED)
    future = _call_in(police, at=timezone.now() + dt.timedelta(days=20))
    cancelled = _call_in(police, status=m.CallInStatus.CANCELLED)
    f.InvitationFactory(organisation=police, call_in=cancelled, status=m.InvitationStatus.NO_SHOW)

    migration.mark_past_call_ins_with_attendance_held(global_apps, None)

    statuses = dict(m.CallIn.objects.values_list("pk", "status"))
    assert statuses == {
        past.pk: "held",
        past_without.pk: "planned",
        future.pk: "planned",
        cancelled.pk: "cancelled",
    }
    assert past.history.latest().history_change_reason == migration.MARKED_HELD_REASON
