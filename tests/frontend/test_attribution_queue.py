"""The attribution confirmation page: four eyes through the service, Swedish first, no N+1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gvi import models as m
from tests import factories as f
from tests.frontend.test_browser import _log_in, eager_tasks, page  # noqa: F401 (fixtures)

URL = "/review/attributions/"


def _proposed(police, analyst, n=1, name=None):
    group = f.GroupFactory(organisation=police, **({"name": name} if name else {}))
    return [
        f.GroupAttributionFactory(
            organisation=police,
            group=group,
            created_by=analyst,
            status=m.AttributionStatus.PROPOSED,
            share="0.500",
            incident=f.IncidentFactory(organisation=police, source=f"K-{k}"),
        )
        for k in range(n)
    ]


@pytest.mark.django_db
def test_a_coordinator_confirms_an_analysts_attribution(client, police, police_coordinator, police_analyst):
    [attribution] = _proposed(police, police_analyst, name="Norra gänget")
    client.force_login(police_coordinator)
    shown = client.get(URL)
    assert shown.status_code == 200
    assert b"K-0" in shown.content and b"Norra g\xc3\xa4nget" in shown.content
    assert m.AccessLog.objects.filter(record_kind="group_attribution", action="list").exists()
    # No reason: a field error, nothing written.
    missing = client.post(reverse("frontend:attribution_decide", args=[attribution.pk]), {"decision": "confirm"})
    assert missing.status_code == 400
    attribution.refresh_from_db()
    assert attribution.status == m.AttributionStatus.PROPOSED
    done = client.post(
        reverse("frontend:attribution_decide", args=[attribution.pk]),
        {"decision": "confirm", "reason": "Two independent sources."},
    )
    assert done.status_code == 302
    attribution.refresh_from_db()
    assert attribution.status == m.AttributionStatus.CONFIRMED
    assert attribution.confirmed_by == police_coordinator
    assert attribution.decision_reason == "Two independent sources."
    # The change is noted for the incremental scoring.
    assert m.ScorePending.objects.filter(incident_id=attribution.incident_id).exists()


@pytest.mark.django_db
def test_four_eyes_and_roles(client, police, police_coordinator, police_analyst, probation_officer):
    [own] = _proposed(police, police_coordinator)
    client.force_login(police_coordinator)
    answer = client.post(
        reverse("frontend:attribution_decide", args=[own.pk]), {"decision": "confirm", "reason": "mine"}
    )
    assert answer.status_code == 403
    own.refresh_from_db()
    assert own.status == m.AttributionStatus.PROPOSED
    client.force_login(police_analyst)
    [other] = _proposed(police, police_coordinator)
    answer = client.post(
        reverse("frontend:attribution_decide", args=[other.pk]), {"decision": "confirm", "reason": "seen"}
    )
    assert answer.status_code == 403
    client.force_login(probation_officer)
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_the_page_sends_the_same_queries_for_1_and_10_attributions(client, police, police_coordinator, police_analyst):
    client.force_login(police_coordinator)
    _proposed(police, police_analyst, n=1)
    client.get(URL)
    counts = []
    for n in (1, 10):
        _proposed(police, police_analyst, n=n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_confirming_in_the_browser(page, live_server, police, police_coordinator, police_analyst):  # noqa: F811
    [attribution] = _proposed(police, police_analyst)
    _log_in(page, live_server, police_coordinator)
    page.click("nav >> text=Tillskrivningar")
    assert page.locator("h1").inner_text() == "Tillskrivningar att bekräfta"
    card = page.locator(f"#attribution-{attribution.pk}")
    card.locator("textarea").fill("Bekräftad av två källor.")
    card.locator("button[value=confirm]").click()
    page.wait_for_selector(f"#decided-{attribution.pk}")
    assert "Bekräftad" in page.locator(f"#decided-{attribution.pk}").inner_text()
    attribution.refresh_from_db()
    assert attribution.status == m.AttributionStatus.CONFIRMED
    assert page.console_errors == []
