"""API keys: 401 without a valid key, per-person and per-organisation keys, the issuing command."""

import datetime as dt
import pickle
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import SERVICE_ACCOUNT_PREFIX, OrganisationAPIKey, service_account_for
from gvi import models as m

pytestmark = pytest.mark.django_db

URL = "/api/v1/persons/"


READER = "probation-reader"


@pytest.fixture(autouse=True)
def _reader(db, probation):
    """The probation officer named in X-Acting-User by requests with the organisation's key
    (a per-person key needs no header: it names its person)."""
    return m.User.objects.create(username=READER, organisation=probation, role=m.Role.PARTNER_OFFICER)


def _client(raw, acting: str = READER):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_X_ACTING_USER=acting)
    return client


def test_no_key_is_401_with_the_error_shape():
    response = APIClient().get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json() == {
        "status": 401,
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "errors": {},
    }


def test_unknown_key_is_401(issue_key, probation):
    _obj, raw = issue_key(probation)
    prefix = raw.partition(".")[0]
    for bad in ("nonsense", f"{prefix}.wrongsecret", ""):
        response = _client(bad).get(URL, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 401, bad
        assert response.json()["code"] in ("authentication_failed", "not_authenticated")


def test_revoked_and_expired_keys_are_401(issue_key, probation):
    revoked, revoked_raw = issue_key(probation)
    revoked.revoked = True
    revoked.save()
    _expired, expired_raw = issue_key(probation, expiry_date=timezone.now() - dt.timedelta(minutes=1))
    assert _client(revoked_raw).get(URL).status_code == 401
    response = _client(expired_raw).get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["detail"] == "The API key has expired."


def test_a_revoked_key_cannot_be_restored(issue_key, probation):
    key, _raw = issue_key(probation)
    key.revoked = True
    key.save()
    key = OrganisationAPIKey.objects.get(pk=key.pk)
    key.revoked = False
    with pytest.raises(ValidationError):
        key.save()


def test_key_of_an_inactive_user_is_401(issue_key, probation_officer):
    _obj, raw = issue_key(probation_officer.organisation, user=probation_officer)
    probation_officer.is_active = False
    probation_officer.save()
    assert _client(raw).get(URL).status_code == 401


def _key_queries(raw) -> int:
    """Statements that touch the API key table during one request with `raw`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert _client(raw).get(URL).status_code == 200
    return sum("api_organisationapikey" in q["sql"] for q in captured)


def test_a_key_is_looked_up_once_then_cached(issue_key, probation):
    _obj, raw = issue_key(probation)
    service_account_for(probation)  # creating it would drop the organisation's cached keys
    assert _key_queries(raw) == 1
    assert _key_queries(raw) == 0


def test_the_cached_key_holds_no_password_hash(issue_key, probation_officer):
    from django.core.cache import cache

    from api.authentication import _cache_key

    key, raw = issue_key(probation_officer.organisation, user=probation_officer)
    assert _client(raw).get(URL).status_code == 200
    _key, user = cache.get(_cache_key(key.prefix))
    assert user.pk == probation_officer.pk and "password" in user.get_deferred_fields()
    assert probation_officer.password not in pickle.dumps(cache.get(_cache_key(key.prefix))).decode("latin-1")


def test_revoking_a_cached_key_takes_effect_at_once(issue_key, probation):
    key, raw = issue_key(probation)
    assert _client(raw).get(URL).status_code == 200  # now cached
    key.revoked = True
    key.save()
    assert _client(raw).get(URL).status_code == 401
    deleted, deleted_raw = issue_key(probation)
    assert _client(deleted_raw).get(URL).status_code == 200
    deleted.delete()
    assert _client(deleted_raw).get(URL).status_code == 401


@pytest.mark.parametrize("whose", ["person", "service account"])
def test_deactivating_the_acting_user_of_a_cached_key_takes_effect_at_once(whose, issue_key, probation_officer):
    organisation = probation_officer.organisation
    _obj, raw = issue_key(organisation, user=probation_officer if whose == "person" else None)
    response = _client(raw).get(URL)
    assert response.status_code == 200  # now cached
    user = m.User.objects.get(pk=response.wsgi_request.user.pk)
    user.is_active = False
    user.save()
    assert _client(raw).get(URL).status_code == 401


def test_a_user_moved_out_of_the_organisation_loses_a_cached_key_at_once(issue_key, probation_officer, police):
    _obj, raw = issue_key(probation_officer.organisation, user=probation_officer)
    assert _client(raw).get(URL).status_code == 200  # now cached
    probation_officer.organisation = police
    probation_officer.save()
    assert _client(raw).get(URL).status_code == 401


def test_a_revocation_is_not_undone_by_a_request_before_it_commits(
    issue_key, probation, monkeypatch, django_capture_on_commit_callbacks
):
    """A request between the save and the commit reads the old row and caches it; the cache is
    dropped again on commit."""
    from django.db import transaction

    key, raw = issue_key(probation)
    assert _client(raw).get(URL).status_code == 200
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        key.revoked = True
        key.save()
        from api.authentication import usable_key

        monkeypatch.setattr(
            OrganisationAPIKey.objects, "get_usable_keys", lambda: OrganisationAPIKey.objects.filter(pk=key.pk)
        )
        assert usable_key(key.prefix) is not None  # what a request seeing the old row would cache
        monkeypatch.undo()
    assert _client(raw).get(URL).status_code == 401


def test_a_login_does_not_drop_cached_keys(issue_key, probation_officer, client):
    _obj, raw = issue_key(probation_officer.organisation, user=probation_officer)
    assert _key_queries(raw) == 1
    client.force_login(probation_officer)  # saves last_login only
    assert _key_queries(raw) == 0


def test_key_is_stored_hashed(issue_key, probation):
    key, raw = issue_key(probation)
    stored = OrganisationAPIKey.objects.get(pk=key.pk)
    secret = raw.partition(".")[2]
    assert secret not in stored.hashed_key and secret not in stored.id
    assert stored.prefix == raw.partition(".")[0]


def test_person_key_acts_as_that_person(issue_key, probation_officer):
    _obj, raw = issue_key(probation_officer.organisation, user=probation_officer)
    response = _client(raw).get(URL)
    assert response.status_code == 200
    assert response.wsgi_request.user == probation_officer


def test_organisation_key_acts_as_its_service_account(issue_key, probation):
    _obj, raw = issue_key(probation)
    response = _client(raw).get(URL)
    assert response.status_code == 200
    account = m.User.objects.get(username=f"{SERVICE_ACCOUNT_PREFIX}{probation.pk}")
    assert response.wsgi_request.user == account
    assert account.organisation == probation
    assert account.role == m.Role.PARTNER_OFFICER
    assert not account.has_usable_password()
    assert service_account_for(probation) == account  # created once


def test_key_user_must_belong_to_the_key_organisation(police, probation_officer):
    key = OrganisationAPIKey(name="x", organisation=police, user=probation_officer)
    with pytest.raises(ValidationError) as error:
        key.clean()
    assert "user" in error.value.message_dict


def test_session_auth_still_works_for_the_ui(client, probation_officer):
    client.force_login(probation_officer)
    assert client.get(URL).status_code == 200


def test_issue_api_key_prints_the_key_once(probation, probation_officer):
    out, err = StringIO(), StringIO()
    call_command(
        "issue_api_key",
        organisation=str(probation.pk),
        name="Case system",
        user=probation_officer.username,
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip()
    key = OrganisationAPIKey.objects.get()
    assert key.organisation == probation and key.user == probation_officer
    assert key.expiry_date > timezone.now() + dt.timedelta(days=364)
    assert raw.startswith(key.prefix + ".")
    assert raw not in err.getvalue()
    assert _client(raw).get(URL).status_code == 200


def test_issue_api_key_for_an_organisation_by_name_creates_its_service_account(probation):
    out = StringIO()
    call_command("issue_api_key", organisation=probation.name, name="Integration", stdout=out, stderr=StringIO())
    assert OrganisationAPIKey.objects.get().user is None
    assert m.User.objects.filter(username=f"{SERVICE_ACCOUNT_PREFIX}{probation.pk}").exists()


def test_issue_api_key_refuses_a_user_of_another_organisation(police, probation_officer):
    with pytest.raises(CommandError):
        call_command(
            "issue_api_key",
            organisation=str(police.pk),
            name="x",
            user=probation_officer.username,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not OrganisationAPIKey.objects.exists()


def test_api_keys_are_listed_in_the_admin(client, issue_key, probation, django_user_model):
    key, _raw = issue_key(probation, name="Listed key")
    admin = django_user_model.objects.create_superuser("root", "root@example.invalid", "x-very-long-password-1")
    client.force_login(admin)
    response = client.get("/admin/api/organisationapikey/")
    assert response.status_code == 200
    assert key.prefix in response.content.decode()
