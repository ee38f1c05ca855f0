"""The printed invitation list is an export (issue 14, item 13), and the 403 page is a page of
the app: its layout, the user's language, the reason the code gave (item 15)."""

import pytest
from django.urls import reverse
from django.utils import translation

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def call_in(police, probation):
    call_in = f.CallInFactory(organisation=police, programme=police.programme)
    f.InvitationFactory(call_in=call_in, organisation=police, person=f.PersonFactory(organisation=police))
    f.InvitationFactory(call_in=call_in, organisation=probation, person=f.PersonFactory(organisation=probation))
    return call_in


def _exports():
    return m.AccessLog.objects.filter(action=m.AccessAction.EXPORT)


@pytest.mark.parametrize("who", ["probation_officer", "civil_society_partner"])
def test_a_partner_officer_may_not_print_the_invitation_list(client, request, call_in, who):
    """The policy gives partner officers no EXPORT of invitations: no list, no export logged."""
    client.force_login(request.getfixturevalue(who))
    detail = client.get(reverse("frontend:call_in_detail", args=[call_in.pk]))
    assert detail.status_code == 200
    assert reverse("frontend:call_in_print", args=[call_in.pk]) not in detail.content.decode()
    response = client.get(reverse("frontend:call_in_print", args=[call_in.pk]))
    assert response.status_code == 403
    assert not _exports().exists()


def test_a_coordinator_prints_the_list_and_it_is_logged_as_an_export(client, police_coordinator, call_in):
    client.force_login(police_coordinator)
    detail = client.get(reverse("frontend:call_in_detail", args=[call_in.pk]))
    assert reverse("frontend:call_in_print", args=[call_in.pk]) in detail.content.decode()
    response = client.get(reverse("frontend:call_in_print", args=[call_in.pk]))
    assert response.status_code == 200
    assert len(response.context["invitations"]) == 2
    assert _exports().filter(user=police_coordinator, record_kind="invitation").count() == 2


@pytest.mark.parametrize(
    "language, heading, reason",
    [
        ("sv", "Du har inte behörighet att göra detta", "Du har inte behörighet att exportera dessa poster."),
        ("en", "You may not do this", "You may not export these records."),
    ],
)
def test_the_403_page_is_in_the_layout_and_language_with_the_reason(
    client, probation_officer, call_in, language, heading, reason
):
    client.force_login(probation_officer)
    client.cookies["django_language"] = language
    response = client.get(reverse("frontend:call_in_print", args=[call_in.pk]))
    assert response.status_code == 403
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert 'class="site-nav"' in html  # the menu, so the user can go on
    assert heading in html and reason in html
    with translation.override(language):
        assert str(translation.gettext("Log out")) in html


def test_the_403_page_gives_each_reason(client, police_analyst):
    client.force_login(police_analyst)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("frontend:audit_access_log"))
    assert response.status_code == 403
    assert "Only auditors may see the audit trail." in response.content.decode()


def test_the_403_page_without_a_reason_says_why_in_general(client, police_analyst):
    """A PermissionDenied raised without a message still gets a sentence, not an empty page."""
    client.force_login(police_analyst)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("frontend:membership_queue"))
    assert response.status_code == 403
    assert "Your role does not allow this page or this action." in response.content.decode()
