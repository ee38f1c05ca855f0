"""Idempotency-Key: a retry replays the first response; a different body with the same key is a 422."""

import datetime as dt

import pytest
from django.utils import timezone

from api.models import IdempotencyRecord
from gvi import models as m
from tests import factories as f
from tests.conftest import in_parallel

URL = "/api/v1/custom-notifications/"


@pytest.fixture
def person(probation):
    return f.PersonFactory(organisation=probation)


def _body(person, **changes):
    return {
        "person": person.pk,
        "delivered_on": str(timezone.localdate()),
        "response": "accepted_help",
        "services_offered": ["employment"],
        "source": "KVV-1",
        **changes,
    }


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_response(client_for, probation_officer, person):
    client = client_for(probation_officer)
    first = client.post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert m.CustomNotification.objects.count() == 1
    assert m.ServiceReferral.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.organisation == probation_officer.organisation
    assert record.api_key_prefix == client.raw_key.partition(".")[0]


@pytest.mark.django_db
def test_a_replay_is_byte_identical_to_the_first_response(client_for, probation_officer, person):
    """Issue 14, item 16: the bytes, not only the same JSON. (PostgreSQL's jsonb gave the stored
    body back with its keys in another order; CI runs this on PostgreSQL.)"""
    client = client_for(probation_officer)
    body = _body(person, source="Källa – Malmö")
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-bytes")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-bytes")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert list(again.json()) == list(first.json())  # (the key order, spelt out)


@pytest.mark.django_db
def test_same_key_with_another_body_or_path_is_422(client_for, probation_officer, person):
    client = client_for(probation_officer)
    assert client.post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    response = client.post(
        URL, _body(person, source="KVV-2"), format="json", HTTP_IDEMPOTENCY_KEY="k-2", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    other_path = client.post(
        "/api/v1/service-referrals/",
        {"person": person.pk, "kind": "housing", "offered_on": "2026-01-01", "source": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert other_path.status_code == 422
    assert m.CustomNotification.objects.count() == 1
    assert not m.ServiceReferral.objects.filter(kind="housing").exists()


@pytest.mark.django_db
def test_a_failed_request_is_not_kept_so_the_key_can_be_retried(client_for, probation_officer, person):
    client = client_for(probation_officer)
    bad = client.post(URL, _body(person, response="nonsense"), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    good = client.post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201


@pytest.mark.django_db
def test_keys_are_per_organisation(client_for, probation_officer, social_services_officer, person, social_services):
    theirs = f.PersonFactory(organisation=social_services)
    assert (
        client_for(probation_officer).post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="same").status_code
        == 201
    )
    response = client_for(social_services_officer).post(URL, _body(theirs), format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert m.CustomNotification.objects.count() == 2


@pytest.mark.django_db
def test_an_expired_key_starts_afresh(client_for, probation_officer, person):
    client = client_for(probation_officer)
    assert client.post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="k-4").status_code == 201
    IdempotencyRecord.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(URL, _body(person, source="KVV-9"), format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert response.status_code == 201
    assert m.CustomNotification.objects.count() == 2
    assert IdempotencyRecord.objects.get().fingerprint != ""


@pytest.mark.django_db
def test_a_bad_key_is_400(client_for, probation_officer, person):
    response = client_for(probation_officer).post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not m.CustomNotification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_do_not_both_create(client_for, probation_officer, probation):
    """Two requests with the same key at once: one creates, the other replays (real PostgreSQL)."""
    person = f.PersonFactory(organisation=probation)
    raw = client_for(probation_officer).raw_key

    def post():
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        return client.post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="race")

    results = in_parallel(post, post, start_together=True)
    assert sorted(r.status_code for r in results) == [201, 201]
    assert results[0].json()["id"] == results[1].json()["id"]
    assert m.CustomNotification.objects.count() == 1


@pytest.mark.django_db
def test_purge_deletes_only_expired_records(client_for, probation_officer, person):
    from io import StringIO

    from django.core.management import call_command

    client = client_for(probation_officer)
    client.post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="old")
    client.post(URL, _body(person, source="KVV-5"), format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyRecord.objects.filter(key="old").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    call_command("purge_idempotency_records", stdout=StringIO())
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db
def test_the_scheduled_purge_task_deletes_only_expired_records_and_is_idempotent(client_for, probation_officer, person):
    from api.jobs import purge_idempotency_records

    client = client_for(probation_officer)
    client.post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="old")
    client.post(URL, _body(person, source="KVV-6"), format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyRecord.objects.filter(key="old").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert purge_idempotency_records.apply().get() == 1
    assert purge_idempotency_records.apply().get() == 0
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db
def test_another_user_of_the_organisation_reusing_a_key_gets_a_422_not_the_first_response(
    client_for, probation, probation_officer, person
):
    colleague = f.UserFactory(username="kollega.frivard", organisation=probation, role=m.Role.PARTNER_OFFICER)
    first = client_for(probation_officer).post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    other = client_for(colleague).post(URL, _body(person), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert first.status_code == 201
    assert other.status_code == 422
    assert "id" not in other.json()
    assert m.CustomNotification.objects.count() == 1
