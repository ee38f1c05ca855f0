import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    body = response.json()
    assert set(body) == {"ok", "database", "broker"}
    assert body["database"]["ok"] is True
    assert response.status_code == (200 if body["ok"] else 503)


def test_healthz_says_503_when_the_broker_is_down(client, settings, monkeypatch):
    from gvi import health

    monkeypatch.setattr(health, "check_broker", lambda: {"ok": False, "transport": "redis", "error": "ConnectionError"})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_healthz_answers_any_host_over_plain_http(client, settings):
    """The container health check asks by the container's own address, over plain HTTP."""
    settings.ALLOWED_HOSTS = ["gvi.example.se"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code in (200, 503) and "database" in response.json()
    assert client.get("/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/login/", HTTP_HOST="gvi.example.se").status_code == 301  # to https
    assert client.head("/healthz", HTTP_HOST="127.0.0.1:8000").status_code in (200, 503)  # load balancers
