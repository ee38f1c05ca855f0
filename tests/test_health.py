import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    body = response.json()
    assert set(body) == {"ok", "database", "broker"}
    assert body["database"]["ok"] is True
    assert response.status_code == (200 if body["ok"] else 503)


def test_healthz_says_503_when_the_broker_is_down(client, settings, monkeypatch):
    from gvi import health

    monkeypatch.setattr(health, "check_broker", lambda: {"ok": False, "transport": "redis", "error": "ConnectionError"})
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
