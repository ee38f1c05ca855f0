"""The weekly review: trends, the flag explained, reach, work done, overdue follow-ups, exports."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from gvi import models as m
from gvi.selectors.weekly_review import incident_trends, reach, week_starts
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_week_starts_are_mondays_oldest_first():
    starts = week_starts(dt.date(2026, 11, 25))  # a Wednesday
    assert starts[-1] == dt.date(2026, 11, 23)
    assert starts[0] == dt.date(2026, 10, 5)
    assert all(day.weekday() == 0 for day in starts)


def test_trends_count_incidents_per_group_and_area_by_week(police, police_coordinator):
    today = timezone.localdate()
    area = f.AreaFactory(programme=police.programme, name="Norra")
    group = f.GroupFactory(organisation=police, name="Norrgänget")
    member = f.MembershipFactory(organisation=police, group=group).person
    this_week = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time(1)))
    attributed = f.IncidentFactory(organisation=police, area=area, occurred_at=this_week)
    f.GroupAttributionFactory(organisation=police, incident=attributed, group=group)
    # A member's suspect involvement links an incident to the group; the same incident
    # attributed and involving a member counts once.
    by_member = f.IncidentFactory(organisation=police, area=area, occurred_at=this_week - dt.timedelta(days=14))
    f.InvolvementFactory(organisation=police, incident=by_member, person=member)
    f.InvolvementFactory(organisation=police, incident=attributed, person=member)
    # A victim's incident does not count for the victim's group.
    as_victim = f.IncidentFactory(organisation=police, area=area, occurred_at=this_week - dt.timedelta(days=7))
    f.InvolvementFactory(organisation=police, incident=as_victim, person=member, role=m.InvolvementRole.VICTIM)

    trends = incident_trends(police_coordinator, today)

    assert trends.total.counts[-3:] == [1, 1, 1]
    [row] = trends.by_group
    assert row.label == "Norrgänget" and row.counts[-3:] == [1, 0, 1] and row.this_week == 1
    [area_row] = trends.by_area
    assert area_row.label == "Norra" and area_row.total == 3


def test_reach_counts_only_active_memberships_of_active_groups(police, probation, police_coordinator):
    reached_group = f.GroupFactory(organisation=police)
    other_group = f.GroupFactory(organisation=police)
    f.GroupFactory(organisation=police, status=m.GroupStatus.DISSOLVED)
    key = f.MembershipFactory(organisation=police, group=reached_group, is_key_individual=True).person
    f.MembershipFactory(organisation=police, group=other_group, is_key_individual=True)
    proposed = f.MembershipFactory(organisation=police, group=other_group, status=m.MembershipStatus.PROPOSED).person
    f.InvitationFactory(organisation=police, person=key, status=m.InvitationStatus.ATTENDED)
    # Reaching a person whose membership is only proposed reaches no group.
    f.CustomNotificationFactory(organisation=probation, person=proposed)
    # Invited but absent is not reached.
    f.InvitationFactory(organisation=police, person=f.MembershipFactory(organisation=police, group=other_group).person)

    numbers = reach(police_coordinator)

    assert numbers["active_groups"] == 2 and numbers["groups_reached"] == 1 and numbers["groups_percent"] == 50
    assert numbers["key_individuals"] == 2 and numbers["key_reached"] == 1 and numbers["key_percent"] == 50
    assert numbers["members"] == 3 and numbers["members_reached"] == 1


def test_review_page_shows_the_flags_explained_down_to_incidents(coordinator_client, city):
    response = coordinator_client.get(reverse("frontend:weekly_review"))
    html = response.content.decode()
    suggested, confirmed = city["suggested"], city["confirmed"]
    assert suggested.group.name in html and confirmed.group.name in html
    assert reverse("frontend:flag_detail", args=[suggested.pk]) in html
    contribution = m.ScoreContribution.objects.filter(group_score__group=suggested.group).first()
    assert contribution.incident.source in html
    assert "<svg" in html and 'role="img"' in html
    assert response.context["review"].reach["active_groups"] == 4


def test_review_shows_overdue_follow_ups_by_organisation(coordinator_client, police, probation):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    f.FollowUpFactory(owner_organisation=probation, due_date=yesterday)
    f.FollowUpFactory(owner_organisation=probation, due_date=yesterday, status=m.FollowUpStatus.DONE)
    f.FollowUpFactory(owner_organisation=police)  # not yet due
    response = coordinator_client.get(reverse("frontend:weekly_review"))
    assert [(row["owner_organisation__name"], row["n"]) for row in response.context["review"].overdue] == [
        (probation.name, 1)
    ]


def test_csv_export_has_every_section_and_is_logged(coordinator_client, city, police_coordinator):
    response = coordinator_client.get(reverse("frontend:weekly_review_csv"))
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert city["suggested"].group.name in text
    assert city["groups"][0].name in text
    assert m.AccessLog.objects.filter(user=police_coordinator, action="export", record_kind="weekly_review").exists()


def test_csv_export_names_each_contributions_factors(coordinator_client, city, settings):
    flag = city["suggested"]
    contributions = m.ScoreContribution.objects.filter(group_score__run=flag.run, group_score__group=flag.group)
    contributions.update(detail={"share": 0.5, "decay": 0.9739412345, "severity": 8, "later_key": 1})
    coordinator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = coordinator_client.get(reverse("frontend:weekly_review_csv"))
    rows = [row for row in csv.reader(io.StringIO(response.content.decode())) if row and row[0] == "Contribution"]
    assert rows
    ours = [row for row in rows if row[4] == f"{contributions[0].contribution:.2f}"]
    assert ours[0][5:] == ["Severity weight", "8", "Time decay", "0.974", "Attribution share", "0.5", "later_key", "1"]
    assert not {"severity", "decay", "share"} & {cell for row in rows for cell in row}


def test_pdf_export_is_a_pdf(coordinator_client, city):
    response = coordinator_client.get(reverse("frontend:weekly_review_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 5000


def test_another_programme_sees_none_of_it(client, city, other_programme_officer):
    client.force_login(other_programme_officer)
    response = client.get(reverse("frontend:weekly_review"))
    html = response.content.decode()
    assert city["suggested"].group.name not in html
    assert response.context["review"].trends.total.total == 0


# --- Users the policy shows nothing (issue 14, item 9) ------------------------------------------


@pytest.fixture
def administrator(police):
    return f.UserFactory(username="admin.polis", organisation=police, role=m.Role.ADMINISTRATOR)


@pytest.fixture
def without_organisation(db):
    return f.UserFactory(username="utan.organisation", organisation=None, role=m.Role.COORDINATOR)


@pytest.mark.parametrize("who", ["administrator", "without_organisation"])
def test_the_review_answers_a_user_who_may_see_no_incidents(client, request, police, police_coordinator, who):
    """The policy empties their querysets; the SQL built from them must not fail (it was a 500)."""
    group = f.GroupFactory(organisation=police)
    incident = f.IncidentFactory(organisation=police, occurred_at=timezone.now() - dt.timedelta(days=1))
    f.GroupAttributionFactory(organisation=police, incident=incident, group=group)
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse("frontend:weekly_review"))
    assert response.status_code == 200
    review = response.context["review"]
    assert review.trends.total.total == 0 and review.trends.by_group == []
    assert review.reach["members"] == 0
