"""Confirming an analyst's attribution through the API: four eyes, idempotency, the error shape."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gvi import models as m
from tests import factories as f


def _proposed(police, analyst, n=1):
    group = f.GroupFactory(organisation=police)
    return [
        f.GroupAttributionFactory(
            organisation=police, group=group, created_by=analyst, status=m.AttributionStatus.PROPOSED
        )
        for _k in range(n)
    ]


@pytest.mark.django_db
def test_a_coordinator_confirms_and_a_retry_replays(client_for, police, police_coordinator, police_analyst):
    [attribution] = _proposed(police, police_analyst)
    client = client_for(police_coordinator)
    url = f"/api/v1/group-attributions/{attribution.pk}/decision/"
    body = {"decision": "confirm", "reason": "Two sources."}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="decide-1")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "confirmed" and first.json()["confirmed_by"] == police_coordinator.pk
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="decide-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    # Without the key a second decision is refused: it is no longer awaiting confirmation.
    refused = client.post(url, body, format="json")
    assert refused.status_code == 400


@pytest.mark.django_db
def test_errors_in_the_one_shape(client_for, police, police_coordinator, police_analyst):
    [attribution] = _proposed(police, police_analyst)
    url = f"/api/v1/group-attributions/{attribution.pk}/decision/"
    coordinator = client_for(police_coordinator)
    bad = coordinator.post(url, {"decision": "maybe"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"decision", "reason"}
    own = _proposed(police, police_coordinator)[0]
    mine = coordinator.post(
        f"/api/v1/group-attributions/{own.pk}/decision/", {"decision": "confirm", "reason": "x"}, format="json"
    )
    assert mine.status_code == 403
    analyst = client_for(police_analyst).post(url, {"decision": "confirm", "reason": "x"}, format="json")
    assert analyst.status_code == 403
    assert coordinator.post("/api/v1/group-attributions/999999/decision/", {}, format="json").status_code == 404
    attribution.refresh_from_db()
    assert attribution.status == m.AttributionStatus.PROPOSED


@pytest.mark.django_db
def test_the_list_does_not_grow_in_queries(client_for, police, police_coordinator, police_analyst):
    client = client_for(police_coordinator)
    _proposed(police, police_analyst, n=1)
    client.get("/api/v1/group-attributions/?status=proposed")
    counts = []
    for n in (1, 10):
        _proposed(police, police_analyst, n=n)
        with CaptureQueriesContext(connection) as queries:
            answer = client.get("/api/v1/group-attributions/?status=proposed")
        assert answer.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert len(answer.json()["results"]) == 12
