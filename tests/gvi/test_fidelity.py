"""Programme fidelity: each figure as docs/evaluation.md defines it, the period, and the page."""

import datetime as dt

import pytest
from django.utils import timezone

from gvi import models as m
from gvi import reach
from gvi.selectors.fidelity import default_period, groups_not_reached, programme_fidelity
from gvi.selectors.weekly_review import reads_stored_reach
from tests import factories as f

SINCE, UNTIL = dt.date(2026, 1, 1), dt.date(2026, 6, 30)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def groups(programme, police):
    return {
        name: f.GroupFactory(organisation=police, name=name, status=m.GroupStatus.ACTIVE)
        for name in ("Norra ligan", "Södra ligan", "Östra nätverket")
    }


def member(group, police, **fields):
    person = f.PersonFactory(organisation=police)
    f.MembershipFactory(organisation=police, person=person, group=group, status=m.MembershipStatus.ACTIVE, **fields)
    return person


def test_reach_lists_the_active_groups_no_member_of_which_was_reached(groups, police, police_coordinator):
    north, south = member(groups["Norra ligan"], police), member(groups["Södra ligan"], police)
    call_in = f.CallInFactory(programme=police.programme, organisation=police, status=m.CallInStatus.HELD)
    f.InvitationFactory(organisation=police, call_in=call_in, person=north, status=m.InvitationStatus.ATTENDED)
    f.InvitationFactory(organisation=police, call_in=call_in, person=south, status=m.InvitationStatus.NO_SHOW)
    f.GroupFactory(organisation=police, name="Gamla gänget", status=m.GroupStatus.DISSOLVED)  # not active: not listed
    reach.rebuild(programme_id=police.programme_id)  # the factories went around the services

    fidelity = programme_fidelity(police_coordinator, since=SINCE, until=UNTIL)

    assert fidelity.groups_not_reached == ["Södra ligan", "Östra nätverket"]
    assert (fidelity.reach["groups_reached"], fidelity.reach["active_groups"]) == (1, 3)
    # Read from the stored reach for a coordinator; counted from the raw tables, the same groups.
    assert reads_stored_reach(police_coordinator)
    assert groups_not_reached(police_coordinator, raw=True) == fidelity.groups_not_reached


def test_a_group_missing_at_a_call_in_counts_as_followed_up_only_by_a_notification_in_time(
    groups, police, programme, police_coordinator
):
    programme.notification_after_call_in_days = 14
    programme.save()
    north, south, east = (member(groups[name], police) for name in ("Norra ligan", "Södra ligan", "Östra nätverket"))
    held = f.CallInFactory(
        programme=programme, organisation=police, status=m.CallInStatus.HELD, scheduled_at=at(dt.date(2026, 3, 2))
    )
    for person, status in (
        (north, m.InvitationStatus.ATTENDED),
        (south, m.InvitationStatus.NO_SHOW),
        (east, m.InvitationStatus.EXCUSED),
    ):
        f.InvitationFactory(organisation=police, call_in=held, person=person, status=status)
    # South hears the message 10 days after the call-in (in time); East only after 20 (too late).
    f.CustomNotificationFactory(
        organisation=police, person=south, group=groups["Södra ligan"], delivered_on=dt.date(2026, 3, 12)
    )
    f.CustomNotificationFactory(
        organisation=police, person=east, group=groups["Östra nätverket"], delivered_on=dt.date(2026, 3, 22)
    )
    # A planned call-in is not held: nobody is missing from it.
    planned = f.CallInFactory(programme=programme, organisation=police, scheduled_at=at(dt.date(2026, 4, 1)))
    f.InvitationFactory(organisation=police, call_in=planned, person=north, status=m.InvitationStatus.INVITED)

    follow_through = programme_fidelity(police_coordinator, since=SINCE, until=UNTIL).call_ins

    assert (follow_through.not_represented, follow_through.notified_in_time, follow_through.percent) == (2, 1, 50)
    assert [group for _venue, group, _day in follow_through.waiting] == ["Östra nätverket"]


def test_days_from_a_confirmed_flag_to_each_partners_first_enforcement(groups, police, probation, police_coordinator):
    group = groups["Norra ligan"]
    flag = f.GroupFlagFactory(
        programme=police.programme,
        group=group,
        status=m.FlagStatus.CONFIRMED,
        decided_by=police_coordinator,
        decided_at=at(dt.date(2026, 2, 3)),  # a Tuesday
    )
    f.EnforcementActionFactory(organisation=police, group=group, performed_on=dt.date(2026, 1, 20))  # before: no
    f.EnforcementActionFactory(organisation=police, group=group, performed_on=dt.date(2026, 2, 5))  # Thursday
    f.EnforcementActionFactory(organisation=police, group=group, performed_on=dt.date(2026, 2, 9))
    f.EnforcementActionFactory(organisation=probation, group=group, performed_on=dt.date(2026, 2, 10))  # next week

    fidelity = programme_fidelity(police_coordinator, since=SINCE, until=UNTIL)

    assert len(fidelity.flags) == 1 and fidelity.flags[0].confirmed_on == flag.decided_at.date()
    assert fidelity.flags[0].days_by_organisation == {"Frivården Teststad": 7, "Polisen Teststad": 2}


def test_follow_ups_on_time_late_and_not_done_by_organisation_and_rule(police, probation, police_coordinator):
    due = dt.date(2026, 3, 10)
    f.FollowUpFactory(
        owner_organisation=police,
        due_date=due,
        status=m.FollowUpStatus.DONE,
        completed_at=at(due, 23),
        rule="after_call_in",
    )
    f.FollowUpFactory(
        owner_organisation=police,
        due_date=due,
        status=m.FollowUpStatus.DONE,
        completed_at=at(dt.date(2026, 3, 11)),
        rule="after_call_in",
    )
    f.FollowUpFactory(owner_organisation=police, due_date=due, status=m.FollowUpStatus.OPEN, rule="after_call_in")
    f.FollowUpFactory(owner_organisation=police, due_date=due, status=m.FollowUpStatus.CANCELLED, rule="after_call_in")
    f.FollowUpFactory(owner_organisation=probation, due_date=dt.date(2026, 7, 1), rule="")  # after the period

    rows = programme_fidelity(police_coordinator, since=SINCE, until=UNTIL).follow_ups

    assert [(r.organisation, r.rule, r.due, r.on_time, r.late, r.not_done) for r in rows] == [
        ("Polisen Teststad", "after_call_in", 3, 1, 1, 1)
    ]


def test_help_offered_and_taken_up_and_the_months(police, police_coordinator):
    person = f.PersonFactory(organisation=police)
    notification = f.CustomNotificationFactory(organisation=police, person=person, delivered_on=dt.date(2026, 2, 1))
    f.ServiceReferralFactory(
        organisation=police,
        person=person,
        offered_on=dt.date(2026, 2, 2),
        notification=notification,
        status=m.ReferralStatus.ACCEPTED,
    )
    f.ServiceReferralFactory(
        organisation=police, person=person, offered_on=dt.date(2026, 4, 2), status=m.ReferralStatus.DECLINED
    )
    f.ServiceReferralFactory(organisation=police, person=person, offered_on=dt.date(2025, 12, 31))  # before the period
    m.ExitCase.objects.create(
        programme=police.programme, organisation=police, person=person, opened_on=dt.date(2026, 4, 3), source="T-1"
    )

    fidelity = programme_fidelity(police_coordinator, since=SINCE, until=UNTIL)

    assert fidelity.help == {
        "offered": 2,
        "after_notification": 1,
        "taken_up": 1,
        "exit_cases_opened": 1,
        "taken_up_percent": 50,
    }
    assert [row["month"] for row in fidelity.months] == [dt.date(2026, month, 1) for month in range(1, 7)]
    february, april = fidelity.months[1], fidelity.months[3]
    assert (february["notified"], february["offered"], february["taken_up"]) == (1, 1, 1)
    assert (april["offered"], april.get("taken_up", 0), april["exit_cases"]) == (1, 0, 1)


def test_the_default_period_is_this_month_so_far_and_the_eleven_before():
    assert default_period(dt.date(2026, 11, 30)) == (dt.date(2025, 12, 1), dt.date(2026, 11, 30))


def test_the_queries_do_not_grow_with_the_records(groups, police, police_coordinator, django_assert_max_num_queries):
    for n in range(5):
        person = member(groups["Norra ligan"], police)
        call_in = f.CallInFactory(
            programme=police.programme,
            organisation=police,
            status=m.CallInStatus.HELD,
            scheduled_at=at(dt.date(2026, 3, 1 + n)),
        )
        f.InvitationFactory(organisation=police, call_in=call_in, person=person, status=m.InvitationStatus.NO_SHOW)
        f.FollowUpFactory(owner_organisation=police, due_date=dt.date(2026, 3, 1 + n))
    with django_assert_max_num_queries(20):
        programme_fidelity(police_coordinator, since=SINCE, until=UNTIL)
