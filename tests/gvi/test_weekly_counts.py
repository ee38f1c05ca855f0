"""The weekly counts the review reads: kept current by logging, correcting and retracting incidents
and by memberships starting and ending, equal to a recount from the raw tables, checked nightly."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gvi import models as m
from gvi import reach, weekly_counts
from gvi.membership_review import review_programme
from gvi.selectors.weekly_review import group_incidents, group_weekly_incidents, incident_trends, review_period
from gvi.services import rights
from gvi.services.common import update_record
from gvi.services.incident_corrections import correct_incident, retract_incident
from gvi.services.incidents import log_incident
from gvi.services.memberships import end_membership
from tasks.weekly_counts import verify_weekly_counts
from tests import factories as f

pytestmark = pytest.mark.django_db

TYPES = [m.IncidentType.SHOOTING, m.IncidentType.EXPLOSION, m.IncidentType.HOMICIDE]
WEEKS_BACK = 5


@pytest.fixture
def world(police, police_coordinator):
    areas = [f.AreaFactory(programme=police.programme, name=f"Område {i}") for i in range(2)]
    groups = [f.GroupFactory(organisation=police, name=f"Gruppering {i}") for i in range(2)]
    # Persons 0 and 1 are active members of group 0 and 1; person 2 of both; person 3 of none.
    persons = [f.PersonFactory(organisation=police) for _ in range(4)]
    memberships = [
        f.MembershipFactory(organisation=police, person=persons[0], group=groups[0]),
        f.MembershipFactory(organisation=police, person=persons[1], group=groups[1]),
        f.MembershipFactory(organisation=police, person=persons[2], group=groups[0]),
        f.MembershipFactory(organisation=police, person=persons[2], group=groups[1]),
    ]
    other_coordinator = f.UserFactory(organisation=police, role=m.Role.COORDINATOR)
    reach.rebuild(programme_id=police.programme_id)  # the factories went around the services
    return {
        "user": police_coordinator,
        "other": other_coordinator,
        "programme_id": police.programme_id,
        "areas": areas,
        "groups": groups,
        "persons": persons,
        "memberships": memberships,
    }


def _moment(weeks_back: int, day: int, hour: int) -> dt.datetime:
    # Local times, including the hours around midnight where UTC is still the day before.
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday(), weeks=weeks_back)
    moment = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour, 30)))
    return min(moment, timezone.now() - dt.timedelta(minutes=1))


def stored(programme_id):
    return (
        weekly_counts._stored_areas(programme_id),
        weekly_counts._stored_types(programme_id),
        weekly_counts._stored_groups(programme_id),
    )


def recounted(programme_id):
    return (
        weekly_counts.count_areas(programme_id=programme_id),
        weekly_counts.count_types(programme_id=programme_id),
        weekly_counts.count_groups(programme_id=programme_id),
    )


when = st.tuples(st.integers(0, WEEKS_BACK), st.integers(0, 6), st.sampled_from([0, 1, 12, 23]))
log_op = st.tuples(
    st.just("log"),
    when,
    st.sampled_from([0, 1, None]),  # area
    st.sampled_from(TYPES),
    st.sampled_from([None, 0, 1]),  # attributed group
    st.lists(st.integers(0, 3), max_size=2, unique=True),  # suspects
    st.sampled_from([None, 1, 3]),  # a victim (never links)
)
correct_op = st.tuples(
    st.just("correct"),
    st.integers(0, 20),
    st.one_of(st.none(), when),
    st.sampled_from([0, 1, None, "keep"]),
    st.sampled_from([*TYPES, None]),
)
retract_op = st.tuples(st.just("retract"), st.integers(0, 20))
days_ago = st.integers(0, 7 * WEEKS_BACK + 6)
end_op = st.tuples(st.just("end"), st.integers(0, 3), days_ago)  # ended on a day in the period
redate_op = st.tuples(st.just("redate"), st.integers(0, 3), days_ago)  # its start date corrected
lapse_op = st.tuples(st.just("lapse"), st.integers(0, 3), days_ago)  # its review date passed
contest_op = st.tuples(st.just("contest"), st.integers(0, 3))
operations = st.lists(
    st.one_of(log_op, log_op, correct_op, retract_op, end_op, redate_op, lapse_op, contest_op),
    min_size=1,
    max_size=12,
)


def _apply(world, op, incidents):
    user, areas, groups, persons = world["user"], world["areas"], world["groups"], world["persons"]
    if op[0] == "log":
        _, (weeks_back, day, hour), area, kind, group, suspects, victim = op
        involvements = [{"person": persons[i], "role": m.InvolvementRole.SUSPECT} for i in suspects]
        if victim is not None and victim not in suspects:
            involvements.append({"person": persons[victim], "role": m.InvolvementRole.VICTIM})
        incidents.append(
            log_incident(
                user=user,
                incident_type=kind,
                occurred_at=_moment(weeks_back, day, hour),
                source=f"K-{len(incidents)}-26",
                area=None if area is None else areas[area],
                involvements=involvements,
                attributions=[] if group is None else [{"group": groups[group]}],
            )
        )
    elif op[0] == "correct" and incidents:
        _, index, moment, area, kind = op
        changes = {}
        if moment is not None:
            changes["occurred_at"] = _moment(*moment)
        if area != "keep":
            changes["area"] = None if area is None else areas[area]
        if kind is not None:
            changes["incident_type"] = kind
        incident = incidents[index % len(incidents)]
        incidents[index % len(incidents)] = correct_incident(user=user, incident=incident, reason="Rättad", **changes)
    elif op[0] == "retract" and incidents:
        incident = incidents[op[1] % len(incidents)]
        retract_incident(user=user, incident=incident, reason="Ogrundad")
    elif op[0] in ("end", "redate", "lapse", "contest"):
        membership = m.Membership.objects.get(pk=world["memberships"][op[1]].pk)
        if membership.status != m.MembershipStatus.ACTIVE or membership.is_contested:
            return
        day = timezone.localdate() - dt.timedelta(days=op[2]) if len(op) > 2 else None
        if op[0] == "end":
            end_date = max(day, membership.start_date)
            end_membership(user=world["other"], membership=membership, reason="Lämnat gruppen", end_date=end_date)
        elif op[0] == "redate":
            update_record(membership, user=world["other"], kind="membership", start_date=day)
        elif op[0] == "lapse":
            update_record(membership, user=world["other"], kind="membership", review_due=day)
            review_programme(programme_id=world["programme_id"], today=day + dt.timedelta(days=1))
        else:
            rights.log_request(user=world["other"], person=membership.person, kind="contest", membership=membership)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_counts_agree_with_a_recount_after_any_sequence_of_writes(world, ops):
    programme_id = world["programme_id"]
    with transaction.atomic():
        incidents = []
        for op in ops:
            _apply(world, op, incidents)
        assert stored(programme_id) == recounted(programme_id)
        # Nothing for the nightly job to correct.
        assert weekly_counts.verify(programme_id=programme_id, fix=False).total == 0
        # The group page's weekly incidents, read from the counts, are the raw tables' recount, and
        # its latest incidents, read from the stored links, the raw tables' (retracted ones too).
        since = timezone.now() - dt.timedelta(weeks=WEEKS_BACK + 2)
        for group in world["groups"]:
            from_counts = group_weekly_incidents(world["user"], group.pk)
            assert from_counts == group_weekly_incidents(world["user"], group.pk, raw=True)
            from_links = list(group_incidents(world["user"], group.pk, since).values_list("pk", flat=True))
            raw = list(group_incidents(world["user"], group.pk, since, raw=True).values_list("pk", flat=True))
            assert from_links == raw
        transaction.set_rollback(True)


def _suspect_in(world, person, moment, source):
    return log_incident(
        user=world["user"],
        incident_type=m.IncidentType.SHOOTING,
        occurred_at=moment,
        source=source,
        involvements=[{"person": person, "role": m.InvolvementRole.SUSPECT}],
    )


def _listed(world, group, since):
    return list(group_incidents(world["user"], group.pk, since).values_list("source", flat=True))


def test_a_member_who_moves_keeps_his_past_incidents_with_the_group_he_was_in(world):
    """A member leaves (jailed, or to another group): his past violence stays with the group he
    was in then; his later violence counts where he is now, never back-dated to his new group."""
    pid, (old_group, new_group), person = world["programme_id"], world["groups"], world["persons"][2]
    before = _suspect_in(world, person, _moment(3, 2, 12), "K-före")
    after = _suspect_in(world, person, _moment(1, 2, 12), "K-efter")
    moved_on = weekly_counts.monday_of(_moment(2, 0, 12))
    end_membership(
        user=world["other"],
        membership=m.Membership.objects.get(pk=world["memberships"][2].pk),
        reason="Bytte grupp",
        end_date=moved_on,
    )
    update_record(
        m.Membership.objects.get(pk=world["memberships"][3].pk),
        user=world["other"],
        kind="membership",
        start_date=moved_on + dt.timedelta(days=1),
    )

    counts = weekly_counts._stored_groups(pid)
    week = weekly_counts.monday_of
    assert counts.get((pid, week(before.occurred_at), old_group.pk)) == 1
    assert (pid, week(after.occurred_at), old_group.pk) not in counts
    assert counts.get((pid, week(after.occurred_at), new_group.pk)) == 1
    assert (pid, week(before.occurred_at), new_group.pk) not in counts
    assert stored(pid) == recounted(pid)
    since = timezone.now() - dt.timedelta(weeks=WEEKS_BACK + 2)
    assert (_listed(world, old_group, since), _listed(world, new_group, since)) == (["K-före"], ["K-efter"])


def test_a_lapsed_membership_counts_up_to_its_review_date(world):
    pid, group, person = world["programme_id"], world["groups"][0], world["persons"][0]
    before = _suspect_in(world, person, _moment(3, 2, 12), "K-före")
    after = _suspect_in(world, person, _moment(1, 2, 12), "K-efter")
    review_due = weekly_counts.monday_of(_moment(2, 0, 12))
    update_record(
        m.Membership.objects.get(pk=world["memberships"][0].pk),
        user=world["other"],
        kind="membership",
        review_due=review_due,
    )
    review_programme(programme_id=pid, today=timezone.localdate())

    assert m.Membership.objects.get(pk=world["memberships"][0].pk).status == m.MembershipStatus.LAPSED
    counts = weekly_counts._stored_groups(pid)
    assert counts.get((pid, weekly_counts.monday_of(before.occurred_at), group.pk)) == 1
    assert (pid, weekly_counts.monday_of(after.occurred_at), group.pk) not in counts
    assert stored(pid) == recounted(pid)


def test_only_a_membership_change_that_can_move_a_link_recounts(world, monkeypatch):
    recounts = []
    monkeypatch.setattr(weekly_counts, "member_links_changed", lambda **kwargs: recounts.append(kwargs))
    membership = m.Membership.objects.get(pk=world["memberships"][0].pk)
    # A new review date of an active membership (a re-approval) bounds nothing.
    update_record(membership, user=world["other"], kind="membership", review_due=timezone.localdate())
    assert recounts == []
    update_record(membership, user=world["other"], kind="membership", start_date=dt.date(2026, 1, 5))
    moved = {"person_ids": {membership.person_id}, "group_ids": {membership.group_id}}
    assert recounts == [{"programme_id": world["programme_id"], **moved}]


def test_a_correction_moves_the_incident_between_weeks_areas_and_types(world):
    user, area0, area1 = world["user"], *world["areas"]
    group = world["groups"][0]
    incident = log_incident(
        user=user,
        incident_type=m.IncidentType.SHOOTING,
        occurred_at=_moment(2, 6, 23),  # a Sunday 23:30 local: Saturday evening in UTC
        source="K-1-26",
        area=area0,
        attributions=[{"group": group}],
    )
    week2 = weekly_counts.monday_of(_moment(2, 0, 12))
    assert m.WeeklyGroupCount.objects.get(group=group).week == week2
    assert m.WeeklyAreaCount.objects.get(area=area0).incident_type == m.IncidentType.SHOOTING

    correct_incident(
        user=user,
        incident=incident,
        reason="Fel vecka och plats",
        occurred_at=_moment(1, 0, 0),  # Monday 00:30 local: still Sunday in UTC
        area=area1,
        incident_type=m.IncidentType.EXPLOSION,
    )
    week1 = weekly_counts.monday_of(_moment(1, 0, 12))
    assert list(m.WeeklyGroupCount.objects.values_list("week", "incidents")) == [(week1, 1)]
    assert list(m.WeeklyAreaCount.objects.values_list("area_id", "incident_type", "week", "incidents")) == [
        (area1.pk, m.IncidentType.EXPLOSION, week1, 1)
    ]
    assert m.Incident.history.filter(id=incident.pk).first().history_change_reason == "Fel vecka och plats"

    retract_incident(user=user, incident=incident, reason="Ogrundad")
    assert not m.WeeklyGroupCount.objects.exists() and not m.WeeklyAreaCount.objects.exists()
    assert not m.WeeklyTypeCount.objects.exists()
    assert m.Incident.objects.get(pk=incident.pk).verification_status == m.VerificationStatus.UNFOUNDED


def test_a_correction_needs_a_reason_and_only_correctable_fields(world):
    incident = log_incident(
        user=world["user"], incident_type=m.IncidentType.SHOOTING, occurred_at=_moment(1, 2, 12), source="K-2-26"
    )
    with pytest.raises(ValidationError):
        correct_incident(user=world["user"], incident=incident, reason=" ", area=None)
    with pytest.raises(ValidationError):
        correct_incident(user=world["user"], incident=incident, reason="x", programme_id=99)
    assert m.WeeklyAreaCount.objects.get().incidents == 1


def _shooting_last_week(user, group):
    """A shooting last Thursday (K-3-26), attributed to `group`, logged through the services."""
    return log_incident(
        user=user,
        incident_type=m.IncidentType.SHOOTING,
        occurred_at=_moment(1, 3, 12),
        source="K-3-26",
        attributions=[{"group": group}],
    )


def test_the_nightly_job_finds_and_corrects_drift(world):
    user, group = world["user"], world["groups"][0]
    _shooting_last_week(user, group)
    # Written around the services (an import, the admin): the counts drift.
    f.GroupAttributionFactory(
        organisation=world["groups"][1].organisation,
        group=world["groups"][1],
        incident=f.IncidentFactory(organisation=world["groups"][1].organisation, occurred_at=_moment(2, 1, 12)),
    )
    m.WeeklyGroupCount.objects.filter(group=group).update(incidents=7)
    assert stored(world["programme_id"]) != recounted(world["programme_id"])

    # A stored link whose incident moved around the services (its date changed in the admin).
    moved = m.Incident.objects.filter(source="K-3-26")
    moved.update(occurred_at=_moment(3, 2, 12))

    result = verify_weekly_counts.apply().get()

    # Area and type rows, group rows and links alike: the moved incident's old week and new week,
    # and the week of the incident written around the services.
    assert result == {
        "area_rows": 3,
        "type_rows": 3,
        "group_rows": 3,
        "link_weeks": 3,
        "reach_group_rows": 0,
        "reach_person_rows": 0,
    }
    assert stored(world["programme_id"]) == recounted(world["programme_id"])
    assert weekly_counts.drifted_links(world["programme_id"]) == set()
    assert set(m.GroupIncidentLink.objects.values_list("group_id", "incident__source")) == {
        (group.pk, "K-3-26"),
        (world["groups"][1].pk, m.Incident.objects.get(attributions__group=world["groups"][1]).source),
    }
    assert set(verify_weekly_counts.apply().get().values()) == {0}


def test_a_write_committed_during_the_nightly_recount_is_not_reported_as_drift(world, monkeypatch):
    user, group = world["user"], world["groups"][0]
    recount = weekly_counts.count_groups
    logged = []

    recounts = []

    def an_incident_is_logged_meanwhile(**kwargs):
        recounts.append(kwargs)
        # The stored counts were read a moment ago; an incident is logged (through the services,
        # which keep the counts) before the full recount reads the raw tables.
        if not logged:
            logged.append(_shooting_last_week(user, group))
        return recount(**kwargs)

    monkeypatch.setattr(weekly_counts, "count_groups", an_incident_is_logged_meanwhile)
    stored_before = m.WeeklyGroupCount.objects.count()

    drift = weekly_counts.verify(programme_id=world["programme_id"], fix=True)

    # Seen as a difference by the recount without the lock, it is counted again under the lock,
    # where the write is whole: nothing drifted and nothing was corrected.
    assert logged and drift.total == 0
    # Under the lock only the group found and its week were counted again, not the programme.
    week = weekly_counts.monday_of(_moment(1, 3, 12))
    assert recounts[1] == {"programme_id": world["programme_id"], "weeks": {week}, "groups": {group.pk}}
    assert m.WeeklyGroupCount.objects.count() == stored_before + 1
    assert stored(world["programme_id"]) == recounted(world["programme_id"])

    # Real drift is still reported and corrected.
    monkeypatch.undo()
    m.WeeklyGroupCount.objects.filter(group=group).update(incidents=7)
    drift = weekly_counts.verify(programme_id=world["programme_id"], fix=True)
    assert drift.group_rows == 1 and drift.area_rows == drift.type_rows == drift.link_weeks == 0
    assert stored(world["programme_id"]) == recounted(world["programme_id"])


def test_the_review_reads_the_counts_and_agrees_with_the_raw_tables_for_every_period(world):
    user = world["user"]
    for weeks_back, day in ((0, 0), (1, 6), (2, 3), (4, 1)):
        log_incident(
            user=user,
            incident_type=m.IncidentType.SHOOTING,
            occurred_at=_moment(weeks_back, day, 12),
            source=f"K-{weeks_back}-26",
            area=world["areas"][0],
            involvements=[{"person": world["persons"][2], "role": m.InvolvementRole.SUSPECT}],
        )
    today = timezone.localdate()
    for kind in ("8w", "quarter", "year"):
        period = review_period(today, kind)
        stored_trends = incident_trends(user, period=period)
        raw_trends = incident_trends(user, period=period, raw=True)
        assert stored_trends.source == "stored" and raw_trends.source == "raw"
        for name in ("total", "by_group", "by_area", "by_type"):
            assert getattr(stored_trends, name) == getattr(raw_trends, name), (kind, name)
        assert stored_trends.total.current == 1
        assert stored_trends.total.reviewed == 1


def test_the_group_page_counts_its_incidents_from_the_weekly_counts(world, client):
    """The group page reads its 52 weeks from the counts (one row per week, whatever the history),
    agrees with the raw tables, leaves out unfounded incidents and the weeks before the 52."""
    from django.urls import reverse

    from gvi.selectors.groups import group_detail

    user, group, person = world["user"], world["groups"][0], world["persons"][0]
    logged = []
    for i, (weeks_back, day) in enumerate(((0, 0), (1, 6), (1, 2), (30, 3), (52, 0), (53, 6), (80, 1))):
        logged.append(
            log_incident(
                user=user,
                incident_type=m.IncidentType.SHOOTING,
                occurred_at=_moment(weeks_back, day, 12),
                source=f"K-{i}-26",
                involvements=[{"person": person, "role": m.InvolvementRole.SUSPECT}],
            )
        )
    retract_incident(user=user, incident=logged[2], reason="Ogrundad")
    stored_page = group_detail(user, group.pk)
    raw_page = group_detail(user, group.pk, raw=True)
    assert stored_page.weekly == raw_page.weekly
    # This week so far: 1; the 52 full weeks: last week's (one retracted), 30 and 52 weeks back.
    assert (stored_page.weekly.current, stored_page.weekly.total) == (1, 3)
    assert stored_page.incident_count == raw_page.incident_count == 4
    assert len(stored_page.weekly.counts) == 52 and stored_page.weekly.counts[-1] == 1
    # The list is of the same 52 weeks (the retracted one shown, as unfounded); older ones are not.
    assert {i.pk for i in stored_page.incidents} == {i.pk for i in logged[:5]}
    # It is the stored counts the page shows: a drifted row shows until the nightly job fixes it.
    last_week = review_period(timezone.localdate(), "year").reviewed_week
    m.WeeklyGroupCount.objects.filter(group=group, week=last_week).update(incidents=7)
    assert group_detail(user, group.pk).incident_count == 10
    assert group_detail(user, group.pk, raw=True).incident_count == 4
    weekly_counts.verify(programme_id=world["programme_id"], fix=True)
    client.force_login(user)
    page = client.get(reverse("frontend:group_detail", args=[group.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["data"].incident_count == 4
    assert "3 incidents in the last 52 full weeks (1 this week so far)." in page.content.decode()


def test_the_stored_links_list_only_incidents_the_reader_may_see_linked(world, police, civil_society, probation):
    """The stored links hold every link, whoever may see it: they only pick the candidates. A
    coordinator of another organisation sees an incident on the group page only through a link
    they may see, exactly as the raw tables give it."""
    from gvi.policy import scoped_queryset
    from gvi.selectors.weekly_review import reads_weekly_counts

    user, group, person = world["user"], world["groups"][0], world["persons"][0]
    through_suspect = log_incident(
        user=user,
        incident_type=m.IncidentType.SHOOTING,
        occurred_at=_moment(1, 2, 12),
        source="K-susp-26",
        involvements=[{"person": person, "role": m.InvolvementRole.SUSPECT}],
    )
    attributed = log_incident(
        user=user,
        incident_type=m.IncidentType.EXPLOSION,
        occurred_at=_moment(1, 3, 12),
        source="K-attr-26",
        attributions=[{"group": group}],
    )
    since = timezone.now() - dt.timedelta(weeks=8)
    readers = [
        user,
        f.UserFactory(organisation=civil_society, role=m.Role.COORDINATOR),
        f.UserFactory(organisation=probation, role=m.Role.COORDINATOR),
        f.UserFactory(organisation=police, role=m.Role.ANALYST),
    ]
    for reader in readers:
        stored = list(group_incidents(reader, group.pk, since, raw=False).values_list("pk", flat=True))
        raw = list(group_incidents(reader, group.pk, since, raw=True).values_list("pk", flat=True))
        assert stored == raw, reader
    # Civil society sees the police's incidents (the situational picture) and attributions, never
    # the police's suspects: the incident linked only through a suspect is not theirs to list.
    civil = readers[1]
    assert scoped_queryset(civil, "incident").filter(pk=through_suspect.pk).exists()
    assert list(group_incidents(civil, group.pk, since, raw=False).values_list("pk", flat=True)) == [attributed.pk]
    assert list(group_incidents(user, group.pk, since).values_list("pk", flat=True)) == [
        attributed.pk,
        through_suspect.pk,
    ]
    assert reads_weekly_counts(user)


def test_a_failure_while_storing_the_links_raises_its_own_error(world, monkeypatch):
    """The temporary table is dropped after a failure, and the error is the failure's, not
    PostgreSQL's "current transaction is aborted"; the caller's transaction stays usable."""
    from django.db import DatabaseError

    monkeypatch.setattr(m.GroupIncidentLink._meta, "db_table", "gvi_no_such_table")
    with transaction.atomic():
        with pytest.raises(DatabaseError, match="gvi_no_such_table"):
            weekly_counts.store_links(programme_id=world["programme_id"])
        monkeypatch.undo()
        assert weekly_counts.store_links(programme_id=world["programme_id"]) == {}
