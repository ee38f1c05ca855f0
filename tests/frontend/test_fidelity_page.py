"""The programme fidelity page and its CSV: the chosen period, a wrong one refused, the export rule."""

import csv
import io

import pytest
from django.urls import reverse

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(police):
    return [f.GroupFactory(organisation=police, name=name) for name in ("Norra ligan", "Östra nätverket")]


def test_the_page_shows_the_chosen_period_and_refuses_a_wrong_one(client, groups, police_coordinator):
    client.force_login(police_coordinator)
    page = client.get(reverse("frontend:fidelity"), {"since": "2026-01-01", "until": "2026-06-30"}).content.decode()
    assert "Programtrohet" in page and "Östra nätverket" in page
    assert "1 januari 2026 – 30 juni 2026" in page
    wrong = client.get(reverse("frontend:fidelity"), {"since": "2026-06-30", "until": "2026-01-01"})
    assert wrong.status_code == 200 and "Perioden måste börja innan den slutar" in wrong.content.decode()
    csv_response = client.get(reverse("frontend:fidelity_csv"), {"since": "2026-06-30", "until": "2026-01-01"})
    assert csv_response.status_code == 400
    assert not m.AccessLog.objects.filter(action=m.AccessAction.EXPORT).exists()


def test_the_csv_is_an_export_for_those_who_may_export(client, groups, police_coordinator, probation_officer):
    client.force_login(police_coordinator)
    response = client.get(reverse("frontend:fidelity_csv"), {"since": "2026-01-01", "until": "2026-06-30"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Programtrohet", "2026-01-01", "2026-06-30"]
    assert m.AccessLog.objects.filter(
        user=police_coordinator, action=m.AccessAction.EXPORT, record_kind="fidelity"
    ).exists()
    client.force_login(probation_officer)
    assert client.get(reverse("frontend:fidelity_csv")).status_code == 403


def test_the_pdf_of_the_chosen_period(client, groups, police_coordinator, probation_officer, tmp_path):
    from tests.frontend.test_outcomes_page import first_page_is_not_blank

    client.force_login(police_coordinator)
    response = client.get(reverse("frontend:fidelity_pdf"), {"since": "2026-01-01", "until": "2026-06-30"})
    assert response.status_code == 200 and first_page_is_not_blank(response.content, tmp_path)
    assert (
        client.get(reverse("frontend:fidelity_pdf"), {"since": "2026-06-30", "until": "2026-01-01"}).status_code == 400
    )
    client.force_login(probation_officer)
    assert client.get(reverse("frontend:fidelity_pdf")).status_code == 403
