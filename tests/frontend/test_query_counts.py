"""Every page renders with a bounded number of queries that does not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.frontend.conftest import build_city

pytestmark = pytest.mark.django_db

MAX_QUERIES = 40


def _pages(city):
    return {
        "weekly review": reverse("frontend:weekly_review"),
        "weekly review, a quarter": reverse("frontend:weekly_review") + "?period=quarter",
        "weekly review, a year": reverse("frontend:weekly_review") + "?period=year",
        "weekly review, a range": reverse("frontend:weekly_review") + "?period=range&start=2025-01-01&end=2026-06-30",
        "weekly review quality summary": reverse("frontend:weekly_review_quality"),
        "weekly review csv": reverse("frontend:weekly_review_csv"),
        "weekly review xlsx": reverse("frontend:weekly_review_xlsx") + "?period=year",
        "groups": reverse("frontend:group_list"),
        "group": reverse("frontend:group_detail", args=[city["groups"][0].pk]),
        "persons": reverse("frontend:person_list"),
        "person": reverse("frontend:person_detail", args=[city["persons"][0].pk]),
        "call-ins": reverse("frontend:call_in_list"),
        "call-in": reverse("frontend:call_in_detail", args=[city["call_in"].pk]),
        "invitation list": reverse("frontend:call_in_print", args=[city["call_in"].pk]),
        "flag": reverse("frontend:flag_detail", args=[city["suggested"].pk]),
        "follow-ups": reverse("frontend:follow_ups") + "?organisation=",
    }


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    # The access log's rows go in one INSERT; SQLite's 999-parameter limit makes Django split it
    # into batches of 66 rows (15 columns each), so there it counts once.
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "gvi_accesslog"')]
    return len(queries) - max(len(inserts) - 1, 0)


def test_query_count_does_not_grow_with_rows(
    coordinator_client, police, probation, city, django_assert_max_num_queries
):
    pages = _pages(city)
    for url in pages.values():  # warm the process's caches (content types, ...) first
        _count(coordinator_client, url)
    small = {name: _count(coordinator_client, url) for name, url in pages.items()}
    # Four times the groups, persons, incidents, invitations, follow-ups ... of the first city.
    build_city(police, probation, scale=4, prefix="B", with_flags=False)
    for name, url in pages.items():
        with django_assert_max_num_queries(MAX_QUERIES):
            large = _count(coordinator_client, url)
        assert large == small[name], f"{name}: {small[name]} queries with few rows, {large} with many"
