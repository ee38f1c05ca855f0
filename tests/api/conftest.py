"""API test helpers: keys per organisation or per person, and clients that send them."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.models import OrganisationAPIKey


@pytest.fixture(autouse=True)
def _fresh_throttle_cache(own_cache_per_test_process):
    # Throttle counters live in the cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issue_key(db):
    """issue_key(organisation, user=None, **fields) -> (key object, the raw key)."""

    def issue(organisation, user=None, **fields):
        fields.setdefault("name", f"Test key {organisation.name}")
        return OrganisationAPIKey.objects.create_key(organisation=organisation, user=user, **fields)

    return issue


def acting_reader(organisation):
    """A partner officer of `organisation` to name in X-Acting-User."""
    from gvi.models import Role, User

    user, _created = User.objects.get_or_create(
        username=f"reader-{organisation.pk}", defaults={"organisation": organisation, "role": Role.PARTNER_OFFICER}
    )
    return user


@pytest.fixture
def client_for(issue_key):
    """client_for(user or organisation): an APIClient sending an API key (a person's key for a user)."""

    def make(who, **key_fields):
        headers = {}
        if hasattr(who, "role"):
            _obj, raw = issue_key(who.organisation, user=who, **key_fields)
        else:
            _obj, raw = issue_key(who, **key_fields)
            # An organisation's key names the person who reads (X-Acting-User).
            headers["HTTP_X_ACTING_USER"] = acting_reader(who).username
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}", **headers)
        client.raw_key = raw
        return client

    return make
