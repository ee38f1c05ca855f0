"""Every page renders for a coordinator, and shows what it should."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_render(coordinator_client, city):
    group = city["groups"][0]
    person = city["persons"][1]
    urls = [
        reverse("frontend:weekly_review"),
        reverse("frontend:group_list"),
        reverse("frontend:group_detail", args=[group.pk]),
        reverse("frontend:person_list"),
        reverse("frontend:person_detail", args=[person.pk]),
        reverse("frontend:call_in_list"),
        reverse("frontend:call_in_detail", args=[city["call_in"].pk]),
        reverse("frontend:call_in_print", args=[city["call_in"].pk]),
        reverse("frontend:flag_detail", args=[city["suggested"].pk]),
        reverse("frontend:follow_ups"),
        reverse("frontend:password_change"),
    ]
    for url in urls:
        response = coordinator_client.get(url)
        assert response.status_code == 200, url
