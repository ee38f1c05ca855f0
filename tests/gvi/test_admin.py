"""Every admin changelist renders and searches with a bounded number of queries."""

import pytest
from django.contrib import admin
from django.urls import reverse

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(police):
    return f.UserFactory(
        username="admin", organisation=police, role=m.Role.ADMINISTRATOR, is_staff=True, is_superuser=True
    )


def populate(police, n):
    for _ in range(n):
        membership = f.MembershipFactory(organisation=police)
        f.InvolvementFactory(organisation=police, person=membership.person)
        f.GroupAttributionFactory(organisation=police, group=membership.group)
        f.InvitationFactory(organisation=police, person=membership.person)
        f.CustomNotificationFactory(organisation=police, person=membership.person, group=membership.group)
        f.EnforcementActionFactory(organisation=police, group=membership.group, person=membership.person)
        f.ServiceReferralFactory(organisation=police, person=membership.person)
        f.RiskAssessmentFactory(organisation=police, person=membership.person)
        f.ConcernReportFactory(organisation=police)
        f.SupervisionFactory(organisation=police, person=membership.person)
        f.FollowUpFactory(owner_organisation=police, person=membership.person)


def changelist_queries(client, django_assert_max_num_queries, model_admin, limit, query=""):
    url = reverse(f"admin:{model_admin.model._meta.app_label}_{model_admin.model._meta.model_name}_changelist")
    with django_assert_max_num_queries(limit):
        response = client.get(url + query)
    assert response.status_code == 200, (url, response.status_code)


@pytest.mark.parametrize(
    "model",
    [model for model in admin.site._registry if model._meta.app_label == "gvi"],
    ids=lambda model: model.__name__,
)
def test_changelist_has_no_n_plus_one(client, superuser, police, model, django_assert_max_num_queries):
    client.force_login(superuser)
    populate(police, 3)
    # The same bound holds with 3 and with 12 rows: queries do not grow with the rows.
    model_admin = admin.site._registry[model]
    changelist_queries(client, django_assert_max_num_queries, model_admin, 20)
    populate(police, 9)
    changelist_queries(client, django_assert_max_num_queries, model_admin, 20)
    if model_admin.search_fields:
        changelist_queries(client, django_assert_max_num_queries, model_admin, 20, "?q=Efternamn")


def test_partner_officer_sees_only_what_policy_allows_in_admin(client, police, probation, probation_officer):
    probation_officer.is_staff = True
    probation_officer.save()
    own = f.RiskAssessmentFactory(organisation=probation)
    theirs = f.RiskAssessmentFactory(organisation=police)
    client.force_login(probation_officer)
    response = client.get(reverse("admin:gvi_riskassessment_changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown == {own.pk}
    assert client.get(reverse("admin:gvi_riskassessment_change", args=[theirs.pk])).status_code in (302, 403, 404)
