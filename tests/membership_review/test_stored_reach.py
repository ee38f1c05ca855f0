"""The stored reach of the message (gvi.reach): kept by the membership, attendance, notification
and group writes, equal to a count from the raw tables after any sequence of them, checked nightly,
and read only by those who may read every record it is counted from."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gvi import models as m
from gvi import reach as stored_reach
from gvi.membership_review import review_programme
from gvi.policy import reads_every_record
from gvi.retention import _purge_persons
from gvi.selectors.weekly_review import REACH_KINDS, WEEKLY_COUNT_KINDS, group_reach, reach, reads_stored_reach
from gvi.services import memberships, rights
from gvi.services.callins import record_attendance
from gvi.services.common import update_record
from gvi.services.groups import correct_group
from gvi.services.notifications import log_custom_notification
from gvi.services.records import delete_record
from tasks.weekly_counts import verify_weekly_counts
from tests import factories as f
from tests.conftest import in_parallel

pytestmark = pytest.mark.django_db

PERSONS, GROUPS = 5, 3


@pytest.fixture
def world(police, probation_officer, police_coordinator, propose):
    """Five persons, each proposed (by probation) to one or two of three groups; a held call-in
    they are all invited to."""
    groups = [f.GroupFactory(organisation=police, name=f"Gruppering {i}") for i in range(GROUPS)]
    persons = [f.PersonFactory(organisation=police) for _ in range(PERSONS)]
    proposed = [
        propose(probation_officer, person=persons[i], group=groups[g], is_key_individual=i % 2 == 0)
        for i, g in ((0, 0), (1, 0), (2, 1), (3, 1), (4, 2), (2, 2), (0, 1))
    ]
    call_in = f.CallInFactory(
        organisation=police, scheduled_at=timezone.now() - dt.timedelta(hours=3), status=m.CallInStatus.HELD
    )
    invitations = [f.InvitationFactory(organisation=police, call_in=call_in, person=p) for p in persons]
    return {
        "user": police_coordinator,
        "programme_id": police.programme_id,
        "groups": groups,
        "persons": persons,
        "memberships": proposed,
        "invitations": invitations,
        "call_in": call_in,
    }


def assert_kept(world):
    """The stored figures are the raw tables' count, and the review reads the same either way."""
    assert stored_reach.verify(programme_id=world["programme_id"], fix=False).total == 0
    assert reach(world["user"], raw=False) == reach(world["user"], raw=True)
    for group in world["groups"]:  # the group page's figures
        assert group_reach(world["user"], group.pk, raw=False) == group_reach(world["user"], group.pk, raw=True)


membership = st.integers(0, 6)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("approve"), membership),
        st.tuples(st.just("approve"), membership),
        st.tuples(st.just("end"), membership),
        st.tuples(st.just("lapse"), membership),
        st.tuples(st.just("contest"), membership),
        st.tuples(st.just("key"), membership),
        st.tuples(st.just("attend"), st.integers(0, PERSONS - 1), st.booleans()),
        st.tuples(st.just("notify"), st.integers(0, PERSONS - 1), st.booleans()),
        st.tuples(st.just("group"), st.integers(0, GROUPS - 1), st.sampled_from(list(m.GroupStatus.values))),
    ),
    min_size=1,
    max_size=10,
)


def _apply(world, op, *, probation_coordinator):
    user = world["user"]
    if op[0] in ("approve", "end", "lapse", "contest", "key"):
        record = m.Membership.objects.get(pk=world["memberships"][op[1]].pk)
        active = record.status == m.MembershipStatus.ACTIVE and not record.is_contested
        if op[0] == "approve" and record.status == m.MembershipStatus.PROPOSED:
            memberships.approve_membership(user=user, membership=record, reason="Två källor")
        elif op[0] == "end" and active:
            memberships.end_membership(user=probation_coordinator, membership=record, reason="Lämnat gruppen")
        elif op[0] == "lapse" and active:
            m.Membership.objects.filter(pk=record.pk).update(review_due=timezone.localdate() - dt.timedelta(days=1))
            review_programme(programme_id=world["programme_id"])
        elif op[0] == "contest" and active:
            rights.log_request(user=user, person=record.person, kind=m.RequestKind.CONTEST, membership=record)
        elif op[0] == "key" and active:
            update_record(record, user=user, kind="membership", is_key_individual=not record.is_key_individual)
    elif op[0] == "attend":
        _, person, attended = op
        status = m.InvitationStatus.ATTENDED if attended else m.InvitationStatus.NO_SHOW
        invitation = m.Invitation.objects.get(pk=world["invitations"][person].pk)
        record_attendance(user=user, invitation=invitation, status=status)
    elif op[0] == "notify":
        _, person, delivered = op
        log_custom_notification(
            user=user,
            person=world["persons"][person],
            delivered_on=timezone.localdate(),
            response=m.NotificationResponse.LISTENED,
            source="Hembesök",
            message_delivered=delivered,
        )
    elif op[0] == "group":
        _, group, status = op
        correct_group(user=user, group=m.Group.objects.get(pk=world["groups"][group].pk), status=status)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_stored_reach_agrees_with_a_count_after_any_sequence_of_writes(world, ops, probation_coordinator):
    with transaction.atomic():
        for op in ops:
            _apply(world, op, probation_coordinator=probation_coordinator)
            assert_kept(world)
        transaction.set_rollback(True)


def test_the_figures_move_with_attendance_membership_and_group(world, probation_coordinator):
    user, persons, groups = world["user"], world["persons"], world["groups"]
    for record in world["memberships"][:3]:  # persons 0, 1 in group 0; person 2 in group 1
        memberships.approve_membership(user=user, membership=record, reason="Två källor")
    figures = reach(user)
    assert (figures["members"], figures["members_reached"], figures["groups_reached"]) == (3, 0, 0)

    record_attendance(user=user, invitation=world["invitations"][0], status=m.InvitationStatus.ATTENDED)
    figures = reach(user)
    assert (figures["members_reached"], figures["key_reached"], figures["groups_reached"]) == (1, 1, 1)
    group_row = m.GroupReach.objects.get(group=groups[0])
    assert (group_row.members, group_row.attended, group_row.reached, group_row.key_individuals) == (2, 1, 1, 1)

    # A dissolved group's members are no longer counted; its own row stays for its page.
    correct_group(user=user, group=groups[0], status=m.GroupStatus.DISSOLVED)
    figures = reach(user)
    assert (figures["members"], figures["members_reached"], figures["groups_with_members"]) == (1, 0, 1)
    assert m.GroupReach.objects.filter(group=groups[0]).exists()
    assert not m.PersonReach.objects.filter(person=persons[0]).exists()
    assert_kept(world)


def test_deleting_a_held_call_in_takes_its_attendances_out_of_the_figures(world, police, police_coordinator):
    memberships.approve_membership(user=police_coordinator, membership=world["memberships"][0], reason="Två källor")
    record_attendance(user=police_coordinator, invitation=world["invitations"][0], status=m.InvitationStatus.ATTENDED)
    assert reach(police_coordinator)["members_reached"] == 1
    # The police coordinator's organisation owns the call-in: its coordinators may delete it.
    delete_record(m.CallIn.objects.get(pk=world["call_in"].pk), user=police_coordinator, kind="call_in")
    assert reach(police_coordinator)["members_reached"] == 0
    assert_kept(world)


def test_a_person_deleted_by_retention_leaves_their_groups_figures(world, police_coordinator):
    memberships.approve_membership(user=police_coordinator, membership=world["memberships"][0], reason="Två källor")
    memberships.approve_membership(user=police_coordinator, membership=world["memberships"][1], reason="Två källor")
    assert m.GroupReach.objects.get(group=world["groups"][0]).members == 2
    _purge_persons([world["persons"][0].pk])
    assert m.GroupReach.objects.get(group=world["groups"][0]).members == 1
    assert_kept(world)


def test_the_nightly_job_repairs_figures_changed_around_the_services(world, police_coordinator):
    memberships.approve_membership(user=police_coordinator, membership=world["memberships"][0], reason="Två källor")
    # Written around the services (a raw fix): the stored figures do not know.
    m.Invitation.objects.filter(pk=world["invitations"][0].pk).update(status=m.InvitationStatus.ATTENDED)
    assert reach(police_coordinator)["members_reached"] == 0

    result = verify_weekly_counts.apply().get()

    assert (result["reach_group_rows"], result["reach_person_rows"]) == (1, 1)
    assert reach(police_coordinator)["members_reached"] == 1
    assert verify_weekly_counts.apply().get()["reach_person_rows"] == 0  # idempotent


@pytest.mark.django_db(transaction=True)
def test_a_write_in_flight_is_not_taken_for_drift_by_the_nightly_check(world, police_coordinator, monkeypatch):
    """The check starts while an approval holds the reach lock and has not committed; the count
    runs only after the commit (real PostgreSQL, two connections)."""
    held, committed, checking = threading.Event(), threading.Event(), set()
    counted = stored_reach.count_groups

    def counted_after_the_commit(**kwargs):
        if threading.get_ident() in checking:
            # Without the lock the stored rows were read before the commit, and the raw
            # tables are counted after it: the approval would look like drift.
            assert committed.wait(10)
        return counted(**kwargs)

    monkeypatch.setattr(stored_reach, "count_groups", counted_after_the_commit)

    def approve():
        with transaction.atomic():
            memberships.approve_membership(
                user=police_coordinator, membership=world["memberships"][0], reason="Två källor"
            )
            held.set()
            time.sleep(0.5)  # the check reaches the lock meanwhile
        committed.set()
        return "approved"

    def check():
        checking.add(threading.get_ident())
        assert held.wait(10)
        return stored_reach.verify(programme_id=world["programme_id"], fix=False)

    results = in_parallel(check, approve)
    assert "approved" in results
    [drift] = [result for result in results if result != "approved"]
    assert drift.total == 0
    assert stored_reach.verify(programme_id=world["programme_id"], fix=False).total == 0


@pytest.mark.parametrize(
    ("organisation", "role", "reads"),
    [
        ("police", m.Role.COORDINATOR, True),
        ("probation", m.Role.COORDINATOR, True),
        ("social_services", m.Role.COORDINATOR, True),
        # Civil society sees only the persons it works with, and never the police's suspects.
        ("civil_society", m.Role.COORDINATOR, False),
        ("police", m.Role.ANALYST, False),  # no minors' records
        ("police", m.Role.PARTNER_OFFICER, False),
    ],
)
def test_only_a_reader_of_every_record_reads_the_programme_wide_figures(request, organisation, role, reads):
    reader = f.UserFactory(organisation=request.getfixturevalue(organisation), role=role)
    assert reads_stored_reach(reader) is reads
    assert reads_every_record(reader, WEEKLY_COUNT_KINDS) is reads


def test_without_the_recorded_legal_basis_the_figures_are_counted_within_the_view(police, police_coordinator):
    assert reads_every_record(police_coordinator, REACH_KINDS)
    # Both rules that open every membership, invitation and notification to a police coordinator.
    bases = m.SharingBasis.objects.filter(programme_id=police.programme_id, rule__in=["call_in", "coordination"])
    bases.filter(rule="coordination").update(text="")
    assert reads_every_record(police_coordinator, REACH_KINDS)
    bases.update(text="")
    assert not reads_every_record(police_coordinator, REACH_KINDS)
    assert reads_every_record(f.UserFactory(is_superuser=True, organisation=None), REACH_KINDS)


def test_the_stored_reach_is_read_with_a_fixed_number_of_queries(world, police_coordinator, django_assert_num_queries):
    for record in world["memberships"]:
        memberships.approve_membership(user=police_coordinator, membership=record, reason="Två källor")
    connection.queries_log.clear()
    # The legal bases (1), the persons' figures (1), the groups' (1), the active groups (1).
    with django_assert_num_queries(4):
        reach(police_coordinator)


def test_a_stale_copy_of_a_record_still_moves_the_figures(world, police_coordinator):
    """The state before a change is read from the database: a copy read before another request
    marked the person as attended must not leave them counted as reached."""
    memberships.approve_membership(user=police_coordinator, membership=world["memberships"][0], reason="Två källor")
    stale = m.Invitation.objects.get(pk=world["invitations"][0].pk)  # still "invited"
    record_attendance(
        user=police_coordinator,
        invitation=m.Invitation.objects.get(pk=stale.pk),
        status=m.InvitationStatus.ATTENDED,
    )
    assert reach(police_coordinator)["members_reached"] == 1
    record_attendance(user=police_coordinator, invitation=stale, status=m.InvitationStatus.EXCUSED)
    assert reach(police_coordinator)["members_reached"] == 0
    assert_kept(world)


def test_a_new_group_moves_no_figure_and_takes_no_lock(world, police_coordinator):
    """A new group has no members: nothing to count, and no lock held on the programme's reach
    for the rest of the transaction (an import of a groups file registers hundreds)."""
    from django.test.utils import CaptureQueriesContext

    from gvi.services.groups import register_group

    with CaptureQueriesContext(connection) as queries:
        register_group(user=police_coordinator, name="Nya gruppen", source="Lägesbild")
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "gvi_groupreach" not in sql and "gvi_personreach" not in sql and "advisory" not in sql
