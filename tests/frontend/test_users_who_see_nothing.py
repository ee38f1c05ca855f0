"""Every page without parameters answers a user the policy shows nothing (issue 14, item 9):
an administrator (no personal data) and a user without an organisation. Never a 500."""

import pytest
from django.urls import URLPattern, reverse

from frontend.urls import urlpatterns
from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

# Pages that are not pages: leaving them changes the session.
SKIP = {"logout", "research_export_request", "weekly_review_held", "import_upload"}  # POST only: a GET is rightly a 405
PAGES = sorted(
    pattern.name
    for pattern in urlpatterns
    if isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.converters and pattern.name not in SKIP
)


@pytest.fixture
def administrator(police):
    return f.UserFactory(username="admin.polis", organisation=police, role=m.Role.ADMINISTRATOR)


@pytest.fixture
def without_organisation(db):
    return f.UserFactory(username="utan.organisation", organisation=None, role=m.Role.COORDINATOR)


@pytest.fixture
def scene(police):
    group = f.GroupFactory(organisation=police)
    membership = f.MembershipFactory(organisation=police, group=group)
    incident = f.IncidentFactory(organisation=police)
    f.GroupAttributionFactory(organisation=police, incident=incident, group=group)
    f.InvolvementFactory(organisation=police, incident=incident, person=membership.person)
    f.FollowUpFactory(owner_organisation=police, programme=police.programme)


def test_the_pages_are_found():
    assert "weekly_review" in PAGES and "group_list" in PAGES


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["administrator", "without_organisation"])
def test_no_page_fails(client, request, scene, who, page):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(f"frontend:{page}"))
    assert response.status_code in (200, 302, 403, 404), (page, response.status_code)
