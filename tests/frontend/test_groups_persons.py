"""Group and person pages: what they show, what they log, and what a user may not see."""

import datetime as dt

import pytest
from django.urls import reverse

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_group_list_filters_and_draws_sparklines(coordinator_client, city):
    group = city["groups"][2]
    response = coordinator_client.get(reverse("frontend:group_list"), {"q": group.name})
    rows = response.context["rows"]
    assert [row["group"] for row in rows] == [group]
    assert not rows[0]["trend"].empty and len(rows[0]["trend"].points.split()) == 5
    assert "<polyline" in response.content.decode()
    by_alias = coordinator_client.get(reverse("frontend:group_list"), {"q": "A alias 2"})
    assert [row["group"] for row in by_alias.context["rows"]] == [group]
    dissolved = coordinator_client.get(reverse("frontend:group_list"), {"status": "dissolved"})
    assert dissolved.context["rows"] == []


def test_group_page_shows_members_relations_and_reach(coordinator_client, city, police_coordinator):
    group = city["groups"][0]
    response = coordinator_client.get(reverse("frontend:group_detail", args=[group.pk]))
    data = response.context["data"]
    members = {membership.person for membership in data.memberships}
    assert members == {ms.person for ms in city["memberships"] if ms.group_id == group.pk}
    assert {relation.kind for relation in data.relations} == {"conflict", "alliance"}
    assert len(response.context["network"].nodes) == 3
    html = response.content.decode()
    assert "edge-conflict" in html and "edge-alliance" in html
    # Only active memberships count in the reach; proposed ones are listed but not counted.
    active = [ms for ms in city["memberships"] if ms.group_id == group.pk and ms.status == "active"]
    assert data.reach["members"] == len(active)
    logged = m.AccessLog.objects.filter(user=police_coordinator, record_kind="membership", channel="ui")
    assert set(logged.values_list("person_id", flat=True)) == {p.pk for p in members}


def test_person_page_shows_provenance_marks_unverified_and_logs_the_read(coordinator_client, city, police_coordinator):
    person = city["persons"][0]  # index 0: unverified
    assert person.confidence == m.Confidence.UNVERIFIED
    response = coordinator_client.get(reverse("frontend:person_detail", args=[person.pk]))
    html = response.content.decode()
    assert person.source in html
    assert 'class="provenance unverified"' in html
    data = response.context["data"]
    assert data.memberships and data.supervisions and data.involvements and data.risk_assessments
    log = m.AccessLog.objects.get(user=police_coordinator, record_kind="person", person_id=person.pk)
    assert log.channel == "ui" and log.action == "read" and log.path.endswith(f"/persons/{person.pk}/")


def test_a_partner_does_not_see_another_organisations_risk_assessments(client, city, civil_society_partner):
    person = city["persons"][1]  # an adult with a probation risk assessment
    # Civil society sees the person only because it works with him (a referral of its own).
    f.ServiceReferralFactory(organisation=civil_society_partner.organisation, person=person)
    client.force_login(civil_society_partner)
    response = client.get(reverse("frontend:person_detail", args=[person.pk]))
    assert response.status_code == 200
    assert response.context["data"].risk_assessments == []
    assert m.RiskAssessment.objects.filter(person=person).exists()


def test_records_of_another_programme_are_not_found(client, city, other_programme_officer):
    client.force_login(other_programme_officer)
    for url in [
        reverse("frontend:group_detail", args=[city["groups"][0].pk]),
        reverse("frontend:person_detail", args=[city["persons"][1].pk]),
        reverse("frontend:flag_detail", args=[city["suggested"].pk]),
        reverse("frontend:call_in_detail", args=[city["call_in"].pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert not m.AccessLog.objects.filter(user=other_programme_officer, record_kind="person").exists()


def test_an_analyst_does_not_see_minors(client, police, police_analyst):
    minor = f.PersonFactory(organisation=police, date_of_birth=f.timezone.localdate().replace(year=2015))
    client.force_login(police_analyst)
    assert client.get(reverse("frontend:person_detail", args=[minor.pk])).status_code == 404
    assert minor not in client.get(reverse("frontend:person_list")).context["page"].object_list


def test_person_search_finds_by_name_and_logs_the_list(coordinator_client, city, police_coordinator):
    person = f.PersonFactory(organisation=city["groups"][0].organisation, first_name="Zäta", last_name="Östling")
    # Every word must match, in either name. (SQLite folds the case of ASCII letters only.)
    response = coordinator_client.get(reverse("frontend:person_list"), {"q": "Östling zäta"})
    assert list(response.context["page"].object_list) == [person]
    assert m.AccessLog.objects.filter(user=police_coordinator, action="search", person_id=person.pk).exists()


def test_login_is_required(client):
    response = client.get(reverse("frontend:group_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("frontend:login"))


# --- Counts follow the policy (issue 14, item 10) -----------------------------------------------


def test_the_group_list_counts_only_members_the_reader_may_see(client, police, police_analyst, minor_birth_date):
    """An analyst sees no minors: the list's count must be the page's, not one that reveals them."""
    group = f.GroupFactory(organisation=police, name="Västgänget")
    for _ in range(8):
        f.MembershipFactory(organisation=police, group=group, status=m.MembershipStatus.ACTIVE)
    for _ in range(2):
        minor = f.PersonFactory(organisation=police, date_of_birth=minor_birth_date)
        f.MembershipFactory(organisation=police, group=group, person=minor, status=m.MembershipStatus.ACTIVE)
    # Not active: listed on the page, counted nowhere.
    f.MembershipFactory(organisation=police, group=group, status=m.MembershipStatus.PROPOSED)
    client.force_login(police_analyst)
    [row] = client.get(reverse("frontend:group_list")).context["rows"]
    page = client.get(reverse("frontend:group_detail", args=[group.pk])).context["data"]
    assert row["group"].active_members == page.reach["members"] == 8
    assert len([ms for ms in page.memberships if ms.status == m.MembershipStatus.ACTIVE]) == 8


def test_a_person_in_two_memberships_of_one_group_counts_once(client, police, police_coordinator):
    group = f.GroupFactory(organisation=police)
    person = f.PersonFactory(organisation=police)
    f.MembershipFactory(organisation=police, group=group, person=person, status=m.MembershipStatus.ACTIVE)
    f.MembershipFactory(organisation=police, group=group, person=person, status=m.MembershipStatus.ACTIVE)
    client.force_login(police_coordinator)
    [row] = client.get(reverse("frontend:group_list")).context["rows"]
    assert row["group"].active_members == 1


def test_incidents_link_to_a_group_only_through_memberships_the_reader_may_see(
    client, police, probation, probation_officer, auditor, minor_birth_date
):
    """A probation officer sees his own involvement of a minor suspect, but not the police's record
    of the minor's membership: the group's incident count and trend must not reveal it."""
    from django.utils import timezone

    from gvi.selectors.weekly_review import incident_trends

    group = f.GroupFactory(organisation=police)
    minor = f.PersonFactory(organisation=probation, date_of_birth=minor_birth_date)
    f.MembershipFactory(organisation=police, group=group, person=minor, status=m.MembershipStatus.ACTIVE)
    # Last week: the review's trends are of whole weeks (this week so far is shown apart).
    incident = f.IncidentFactory(organisation=probation, occurred_at=timezone.now() - dt.timedelta(days=7))
    f.InvolvementFactory(organisation=probation, incident=incident, person=minor, role=m.InvolvementRole.SUSPECT)
    client.force_login(probation_officer)
    page = client.get(reverse("frontend:group_detail", args=[group.pk])).context["data"]
    assert page.memberships == [] and page.incident_count == 0
    assert incident_trends(probation_officer).by_group == []
    # The auditor sees the membership and the involvement (a minor's records of two organisations),
    # so the incident counts for the group. (Auditors read the weekly counts, which the factories
    # above did not keep: the nightly check brings them up to date.)
    from gvi import weekly_counts

    weekly_counts.verify(fix=True)
    assert [s.total for s in incident_trends(auditor).by_group] == [1]


def test_a_large_group_lists_its_first_members_with_a_link_to_all(coordinator_client, police, police_coordinator):
    """A group page lists MEMBER_LIMIT memberships, current members first, then proposed, then
    former ones, says how many there are and links to the whole list."""
    from gvi.selectors import groups as selectors

    group = f.GroupFactory(organisation=police, name="Stor gruppering")
    ended = f.MembershipFactory(organisation=police, group=group, status=m.MembershipStatus.ENDED)
    proposed = f.MembershipFactory(organisation=police, group=group, status=m.MembershipStatus.PROPOSED)
    active = [f.MembershipFactory(organisation=police, group=group) for _ in range(3)]
    url = reverse("frontend:group_detail", args=[group.pk])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selectors, "MEMBER_LIMIT", 4)
        response = coordinator_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        data = response.context["data"]
        assert set(data.memberships[:3]) == set(active)
        assert data.memberships[3] == proposed and data.membership_count == 5
        html = response.content.decode()
        assert "The first 4 of 5 memberships are listed" in html and 'href="?members=all#members-title"' in html
        everything = coordinator_client.get(url, {"members": "all"}, HTTP_ACCEPT_LANGUAGE="en")
    assert everything.context["data"].memberships[-1] == ended
    assert "memberships are listed" not in everything.content.decode()
    # Only the listed memberships are logged as read.
    logged = m.AccessLog.objects.filter(user=police_coordinator, record_kind="membership")
    assert logged.filter(object_id=str(ended.pk)).count() == 1


def test_choice_labels_follow_the_language_of_the_request(coordinator_client, city):
    """get_<field>_display looks labels up from a table built once, in the request's language."""
    from django.utils import translation

    membership = city["memberships"][0]
    membership.status = m.MembershipStatus.ACTIVE
    with translation.override("en"):
        assert membership.get_status_display() == "Active"
    with translation.override("sv"):
        assert membership.get_status_display() == "Aktiv"
    membership.status = "unknown-value"  # not a choice: shown as it is, as Django does
    assert membership.get_status_display() == "unknown-value"


def test_a_group_with_many_relations_draws_and_lists_the_current_ones_first(coordinator_client, police, monkeypatch):
    from gvi.selectors import groups as selectors

    group = f.GroupFactory(organisation=police, name="Nav")
    ended = f.GroupRelationFactory(
        organisation=police,
        group_a=group,
        group_b=f.GroupFactory(organisation=police),
        kind=m.RelationKind.CONFLICT,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2025, 6, 1),
    )
    current = [
        f.GroupRelationFactory(
            organisation=police,
            group_a=f.GroupFactory(organisation=police),
            group_b=group,
            kind=kind,
            start_date=dt.date(2024, 1, 1),
            end_date=None,
        )
        for kind in (m.RelationKind.CONFLICT, m.RelationKind.ALLIANCE)
    ]
    monkeypatch.setattr(selectors, "RELATION_LIMIT", 2)
    url = reverse("frontend:group_detail", args=[group.pk])
    response = coordinator_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    data = response.context["data"]
    assert set(data.relations) == set(current) and data.relation_count == 3
    assert len(response.context["network"].nodes) == 3  # the group and the two listed
    html = response.content.decode()
    assert "The first 2 of 3 relations are drawn and listed" in html and 'href="?relations=all#relations-title"' in html
    everything = coordinator_client.get(url, {"relations": "all"}).context["data"]
    assert everything.relations[-1] == ended and len(everything.relations) == 3
