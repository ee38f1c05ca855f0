"""Throttling per API key: the 429 body and Retry-After."""

import pytest

from api.throttling import APIKeyRateThrottle

pytestmark = pytest.mark.django_db


def test_too_many_requests_per_key_is_429(client_for, probation_officer, probation, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "3/min"}}
    client = client_for(probation_officer)
    codes = [client.get("/api/v1/persons/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/persons/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    body = response.json()
    assert body["status"] == 429 and body["code"] == "throttled" and body["errors"] == {}
    assert "Request was throttled" in body["detail"]
    assert int(response["Retry-After"]) > 0
    # Another key of the same organisation has its own budget.
    assert client_for(probation).get("/api/v1/persons/").status_code == 200


def test_the_rate_comes_from_settings(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "7/hour"}}
    assert APIKeyRateThrottle().rate == "7/hour"
