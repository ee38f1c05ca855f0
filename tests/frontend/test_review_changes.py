"""What changed since the last review (issue 18): the last review marked as held, or the reviewed week."""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gvi import models as m
from gvi.selectors.review_changes import changes_since_review
from gvi.services.review_meetings import mark_review_held
from tests import factories as f

pytestmark = pytest.mark.django_db

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
MONDAY = dt.date(2026, 11, 30)
REVIEWED = dt.date(2026, 11, 23)  # the last full week on that Monday
EARLIER = dt.date(2026, 11, 16)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=STOCKHOLM)


def _run(programme, when, scores):
    run = m.ScoringRun.objects.create(programme=programme, as_of=when, finished_at=when, trigger="test")
    for rank, (group, score) in enumerate(scores, start=1):
        m.GroupScore.objects.create(run=run, group=group, score=score, rank=rank, incident_count=1)
    return run


def test_without_a_marked_review_the_changes_run_from_the_start_of_the_reviewed_week(police, police_coordinator):
    with time_machine.travel(_at(MONDAY, 9), tick=False):
        changes = changes_since_review(police_coordinator, REVIEWED)
    assert changes.last_review is None
    assert changes.since == _at(REVIEWED, 0)


def test_only_a_coordinator_marks_a_full_week_held_once(police, police_coordinator, probation_officer):
    with time_machine.travel(_at(MONDAY, 9), tick=False):
        with pytest.raises(PermissionDenied):
            mark_review_held(user=probation_officer, week=REVIEWED)
        with pytest.raises(ValidationError, match="Monday"):
            mark_review_held(user=police_coordinator, week=REVIEWED + dt.timedelta(days=1))
        with pytest.raises(ValidationError, match="ended"):
            mark_review_held(user=police_coordinator, week=MONDAY)  # the current week is not over
        meeting = mark_review_held(user=police_coordinator, week=REVIEWED, note="Alla parter närvarande")
        assert (meeting.held_by, meeting.held_at, meeting.note) == (
            police_coordinator,
            _at(MONDAY, 9),
            "Alla parter närvarande",
        )
        with pytest.raises(ValidationError, match="already"):
            mark_review_held(user=police_coordinator, week=REVIEWED)
    assert m.ReviewMeeting.objects.count() == 1
    assert meeting.history.count() == 1  # who and when, kept with its history


def test_the_changes_since_the_last_marked_review(police, police_coordinator):
    programme = police.programme
    top = [f.GroupFactory(organisation=police, name=f"Grupp {i}") for i in range(12)]
    with time_machine.travel(_at(EARLIER + dt.timedelta(days=7), 10), tick=False):  # Monday of the reviewed week
        mark_review_held(user=police_coordinator, week=EARLIER)
    since = _at(REVIEWED, 10)
    # Before the last review: the baseline run, an old suggestion, an old homicide, an old conflict.
    with time_machine.travel(since - dt.timedelta(hours=1), tick=False):
        _run(programme, since - dt.timedelta(hours=1), [(g, 100.0 - i) for i, g in enumerate(top)])
        old_flag = f.GroupFlagFactory(
            group=top[5], programme=programme, run=None, status=m.FlagStatus.SUGGESTED, score=95
        )
        f.IncidentFactory(
            organisation=police, incident_type=m.IncidentType.HOMICIDE, occurred_at=since - dt.timedelta(days=1)
        )
        f.GroupRelationFactory(organisation=police, group_a=top[0], group_b=top[1], start_date=dt.date(2026, 1, 1))
    # Since: group 11 climbs from 12th to 1st, group 0 falls to 2nd, the suggestion moves to group 11.
    with time_machine.travel(_at(REVIEWED + dt.timedelta(days=3), 12), tick=False):
        order = [top[11], *top[:11]]
        _run(programme, _at(REVIEWED + dt.timedelta(days=3), 12), [(g, 200.0 - 3 * i) for i, g in enumerate(order)])
        old_flag.status, old_flag.ended_at = m.FlagStatus.SUPERSEDED, _at(REVIEWED + dt.timedelta(days=3), 12)
        old_flag.end_reason = m.FlagEndReason.SUPERSEDED
        old_flag.save()
        new_flag = f.GroupFlagFactory(
            group=top[11], programme=programme, run=None, status=m.FlagStatus.SUGGESTED, score=200
        )
        old_flag.successor = new_flag
        old_flag.save()
        shooting = f.IncidentFactory(organisation=police, incident_type=m.IncidentType.SHOOTING, occurred_at=since)
        threat_killed = f.IncidentFactory(
            organisation=police, incident_type=m.IncidentType.ARMED_THREAT, killed=1, occurred_at=since
        )
        f.IncidentFactory(organisation=police, incident_type=m.IncidentType.ARMED_THREAT, occurred_at=since)
        f.IncidentFactory(
            organisation=police,
            incident_type=m.IncidentType.HOMICIDE,
            occurred_at=since,
            verification_status=m.VerificationStatus.UNFOUNDED,
        )
        conflict = f.GroupRelationFactory(organisation=police, group_a=top[2], group_b=top[11], start_date=REVIEWED)

    with time_machine.travel(_at(MONDAY, 9), tick=False):
        changes = changes_since_review(police_coordinator, REVIEWED)
    assert changes.last_review.week == EARLIER
    assert changes.since == _at(REVIEWED, 10)
    assert changes.new_suggestions == [new_flag]
    assert changes.moved_suggestions == [old_flag]
    ranks = {row["name"]: row for row in changes.rank_changes}
    assert (
        ranks["Grupp 11"]["rank"] == 1 and ranks["Grupp 11"]["previous_rank"] == 12 and ranks["Grupp 11"]["move"] == 11
    )
    assert ranks["Grupp 0"]["move"] == -1
    assert [row["name"] for row in changes.left_top] == ["Grupp 9"]  # 10th before, 11th now
    assert changes.score_changes[0]["name"] == "Grupp 11"
    assert changes.score_changes[0]["change"] == pytest.approx(200.0 - 89.0)
    assert set(changes.serious_incidents) == {shooting, threat_killed}
    assert changes.serious_count == 2
    assert changes.conflicts == [conflict]
    assert changes.anything


def test_a_partner_sees_only_what_the_policy_lets_through(police, police_coordinator, other_programme_officer):
    with time_machine.travel(_at(REVIEWED, 12), tick=False):
        f.IncidentFactory(organisation=police, incident_type=m.IncidentType.SHOOTING, occurred_at=_at(REVIEWED, 11))
    with time_machine.travel(_at(MONDAY, 9), tick=False):
        assert changes_since_review(police_coordinator, REVIEWED).serious_count == 1
        other = changes_since_review(other_programme_officer, REVIEWED)
    assert other.serious_count == 0 and not other.serious_incidents


def _page(client, path="frontend:weekly_review"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(path))
    return response, len(queries)


def test_the_page_marks_the_review_held_and_shows_the_changes(coordinator_client, police, police_coordinator):
    with time_machine.travel(_at(MONDAY, 9), tick=False):
        f.IncidentFactory(organisation=police, incident_type=m.IncidentType.HOMICIDE, occurred_at=_at(REVIEWED, 23))
        response, _ = _page(coordinator_client)
        html = response.content.decode()
        assert 'id="changes-since-review"' in html
        assert "Homicide" in html or "Dödligt våld" in html
        assert 'name="week" value="2026-11-23"' in html

        response = coordinator_client.post(reverse("frontend:weekly_review_held"), {"week": "2026-11-23", "note": ""})
        assert response.status_code == 302
        meeting = m.ReviewMeeting.objects.get()
        assert (meeting.week, meeting.held_by) == (REVIEWED, police_coordinator)
        response = coordinator_client.post(reverse("frontend:weekly_review_held"), {"week": "2026-11-23"})
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
        response = coordinator_client.post(reverse("frontend:weekly_review_held"), {"week": "not a date"})
        assert response.status_code == 400
        html = coordinator_client.get(reverse("frontend:weekly_review")).content.decode()
        assert 'name="week"' not in html  # marked: the form gives way to who and when
    # A week later, the changes run from that meeting.
    with time_machine.travel(_at(MONDAY + dt.timedelta(days=7), 9), tick=False):
        coordinator_client.force_login(police_coordinator)  # a new working session
        html = coordinator_client.get(reverse("frontend:weekly_review")).content.decode()
        assert "Since the review of week 48" in html or "Sedan genomgången av vecka 48" in html


def test_a_partner_officer_cannot_mark_the_review_held(client, police, probation_officer):
    client.force_login(probation_officer)
    with time_machine.travel(_at(MONDAY, 9), tick=False):
        html = client.get(reverse("frontend:weekly_review")).content.decode()
        assert 'name="week"' not in html
        response = client.post(reverse("frontend:weekly_review_held"), {"week": "2026-11-23"})
    assert response.status_code == 403
    assert not m.ReviewMeeting.objects.exists()


def test_the_exports_carry_the_changes(coordinator_client, police):
    with time_machine.travel(_at(MONDAY, 9), tick=False):
        f.IncidentFactory(organisation=police, incident_type=m.IncidentType.SHOOTING, occurred_at=_at(REVIEWED, 22))
        response = coordinator_client.get(reverse("frontend:weekly_review_csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    heads = [row[0] for row in rows if row]
    assert any("since the last review" in h or "sedan förra genomgången" in h for h in heads), heads
    serious = next(
        i
        for i, row in enumerate(rows)
        if row and row[0] in ("New incidents of the most serious kinds", "Nya händelser av de allvarligaste slagen")
    )
    assert rows[serious][1] == "1"
    assert rows[serious + 1][2] == "2026-11-23 22:00"  # local time, not UTC


def test_a_very_large_number_of_new_serious_incidents_is_counted_up_to_a_limit(
    police, police_coordinator, coordinator_client, monkeypatch
):
    """The count stops at SERIOUS_COUNT_LIMIT and says "more than" (a programme logs a few a week)."""
    from gvi.selectors import review_changes

    monkeypatch.setattr(review_changes, "SERIOUS_COUNT_LIMIT", 2)
    with time_machine.travel(_at(REVIEWED, 12), tick=False):
        for _ in range(3):
            f.IncidentFactory(organisation=police, incident_type=m.IncidentType.SHOOTING, occurred_at=_at(REVIEWED, 11))
    with time_machine.travel(_at(MONDAY, 9), tick=False):
        changes = changes_since_review(police_coordinator, REVIEWED)
        assert (changes.serious_count, changes.serious_count_more) == (2, True)
        page = coordinator_client.get(reverse("frontend:weekly_review"), HTTP_ACCEPT_LANGUAGE="en")
    assert "New incidents of the most serious kinds (more than 2)" in page.content.decode()
    monkeypatch.setattr(review_changes, "SERIOUS_COUNT_LIMIT", 3)
    with time_machine.travel(_at(MONDAY, 9), tick=False):
        changes = changes_since_review(police_coordinator, REVIEWED)
    assert (changes.serious_count, changes.serious_count_more) == (3, False)
