"""Redis down: the API still authenticates and throttles, from the database, and says so in the
log; an error it cannot avoid is in the documented shape. The cache points at a closed port (no
server of any kind there), so this runs without Redis too."""

import logging
import socket

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import acting_reader

pytestmark = pytest.mark.django_db

URL = "/api/v1/persons/"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe is


@pytest.fixture
def redis_down(settings):
    def down(fallback=True):
        default = {"BACKEND": "config.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}
        if fallback:
            default["FALLBACK"] = "fallback"
        fallback = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gvi_cache_fallback"}
        settings.CACHES = {"default": default, "fallback": fallback}

    down()
    return down


def test_reads_answer_while_redis_is_down_and_the_outage_is_logged(redis_down, client_for, probation_officer, caplog):
    client = client_for(probation_officer)
    with caplog.at_level(logging.WARNING, logger="gvi.cache"):
        assert client.get(URL).status_code == 200
        assert client.get(URL).status_code == 200  # the key now cached in the database
    warnings = [r for r in caplog.records if r.name == "gvi.cache"]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()


def test_a_revoked_or_wrong_key_is_refused_while_redis_is_down(redis_down, issue_key, probation):
    key, raw = issue_key(probation)
    client = APIClient()
    # An organisation's key: reads name the person who acts.
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_X_ACTING_USER=acting_reader(probation).username)
    assert client.get(URL).status_code == 200
    key.revoked = True
    key.save()  # drops the cached key, in the database cache
    assert client.get(URL).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}x")
    assert client.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()["code"] == "authentication_failed"


def test_throttling_goes_on_while_redis_is_down(redis_down, client_for, probation_officer, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "3/min"}}
    client = client_for(probation_officer)
    assert [client.get(URL).status_code for _ in range(4)] == [200, 200, 200, 429]
    body = client.get(URL).json()
    assert body["status"] == 429 and body["code"] == "throttled" and body["errors"] == {}


def test_a_cache_reachable_nowhere_is_a_503_in_the_error_shape(redis_down, client_for, probation_officer):
    client = client_for(probation_officer)
    redis_down(fallback=False)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == 503 and body["code"] == "service_unavailable" and body["errors"] == {}
    assert body["detail"]
    redis_down()  # the fixtures' clean-up clears the cache
