"""Navigation by role and policy; the review pages reachable; every page naming persons logs the read."""

import pytest
from django.urls import reverse

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

QUEUE = reverse("frontend:membership_queue")
REPORT = reverse("frontend:quality_report")
ACCESS_LOG = reverse("frontend:audit_access_log")
CHANGES = reverse("frontend:audit_change_history")
TWO_FACTOR = reverse("frontend:twofactor_setup")

# What each role finds in the menu (True) or not (False), and every link it finds opens.
MENU = {
    "police_coordinator": {QUEUE: True, REPORT: True, ACCESS_LOG: False, CHANGES: False, TWO_FACTOR: True},
    # Every role is offered the second factor (issue 17).
    "auditor": {QUEUE: False, REPORT: True, ACCESS_LOG: True, CHANGES: True, TWO_FACTOR: True},
    "probation_officer": {QUEUE: False, REPORT: False, ACCESS_LOG: False, CHANGES: False, TWO_FACTOR: True},
    "police_analyst": {QUEUE: False, REPORT: False, ACCESS_LOG: False, CHANGES: False, TWO_FACTOR: True},
}


@pytest.mark.parametrize("who", list(MENU))
def test_the_menu_offers_what_the_policy_allows(request, client, settings, who):
    settings.GVI_REQUIRE_TWO_FACTOR = False
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("frontend:person_list")).content.decode()
    for url, offered in MENU[who].items():
        assert (f'href="{url}"' in page) is offered, (who, url)
        if offered and url != TWO_FACTOR:
            assert client.get(url).status_code == 200, (who, url)
        elif not offered and url != TWO_FACTOR:
            assert client.get(url).status_code in (403, 404), (who, url)


def test_the_current_page_is_marked_in_the_menu(client, police_coordinator):
    client.force_login(police_coordinator)
    page = client.get(QUEUE).content.decode()
    assert f'href="{QUEUE}" aria-current="page"' in page


def test_the_person_page_links_to_the_rights_section(client, police, police_coordinator):
    person = f.PersonFactory(organisation=police)
    client.force_login(police_coordinator)
    page = client.get(reverse("frontend:person_detail", args=[person.pk])).content.decode()
    rights = reverse("frontend:person_rights", args=[person.pk])
    assert f'href="{rights}"' in page
    response = client.get(rights)
    assert response.status_code == 200
    log = m.AccessLog.objects.filter(user=police_coordinator, record_kind="person", person_id=person.pk)
    assert set(log.values_list("path", flat=True)) == {reverse("frontend:person_detail", args=[person.pk]), rights}


@pytest.mark.parametrize("who", ["police_coordinator", "auditor"])
def test_the_weekly_review_summarises_the_quality_report(request, client, city, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("frontend:weekly_review"))
    page = response.content.decode()
    assert 'id="quality-summary"' in page and f'href="{REPORT}"' in page
    # The page fetches the summary itself once shown (htmx): its figures are the slow part.
    assert reverse("frontend:weekly_review_quality") in page
    response = client.get(reverse("frontend:weekly_review_quality"))
    report = response.context["report"]
    active = [ms for ms in city["memberships"] if ms.status == m.MembershipStatus.ACTIVE]
    assert report.people_listed == len({ms.person_id for ms in active})
    assert 'id="quality-summary"' in response.content.decode()


def test_partners_get_no_quality_summary(client, city, probation_officer):
    client.force_login(probation_officer)
    response = client.get(reverse("frontend:weekly_review"))
    assert not response.context["quality_summary"]
    assert 'id="quality-summary"' not in response.content.decode()
    assert client.get(reverse("frontend:weekly_review_quality")).status_code == 403


def test_the_auditors_weekly_review_stays_within_the_bound(client, city, auditor, django_assert_max_num_queries):
    client.force_login(auditor)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("frontend:weekly_review")).status_code == 200


def test_the_group_page_logs_persons_named_in_enforcement(client, police, police_coordinator):
    group = f.GroupFactory(organisation=police)
    target = f.PersonFactory(organisation=police)
    f.EnforcementActionFactory(organisation=police, group=group, person=target)
    client.force_login(police_coordinator)
    assert client.get(reverse("frontend:group_detail", args=[group.pk])).status_code == 200
    assert m.AccessLog.objects.filter(user=police_coordinator, channel="ui", person_id=target.pk).exists()
