"""A civil-society API key sees the persons its organisation works with, never supervision or
suspect roles, through any list, filter, count or record; consent opens more until withdrawn,
at once even for a cached key; every read of another organisation's record is a disclosure."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from api.authentication import _cache_key
from gvi import models as m
from gvi.services.sharing import record_consent, withdraw_consent
from tests import factories as f

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/persons/",
    "/api/v1/incidents/",
    "/api/v1/enforcement-actions/",
    "/api/v1/risk-assessments/",
    "/api/v1/service-referrals/",
    "/api/v1/invitations/",
    "/api/v1/custom-notifications/",
    "/api/v1/follow-ups/",
]


@pytest.fixture
def world(police, probation, civil_society):
    mentored = f.PersonFactory(organisation=police, last_name="Mentorad")
    stranger = f.PersonFactory(organisation=police, last_name="Okand")
    for person in (mentored, stranger):
        f.SupervisionFactory(organisation=probation, person=person)
        f.InvolvementFactory(organisation=police, person=person, role=m.InvolvementRole.SUSPECT)
        f.EnforcementActionFactory(organisation=police, person=person)
        f.RiskAssessmentFactory(organisation=police, person=person)
    f.ServiceReferralFactory(organisation=civil_society, person=mentored)
    return mentored, stranger


def _rows(response):
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def test_a_civil_society_key_reads_no_supervision_or_suspect_role_in_any_list_filter_or_record(
    client_for, world, civil_society_partner
):
    mentored, stranger = world
    api = client_for(civil_society_partner)
    seen = {}
    for url in LISTS:
        for query in ("", f"?person={mentored.pk}", f"?person={stranger.pk}"):
            response = api.get(url + query)
            assert response.status_code == 200, url + query
            seen[url + query] = response.json()
    # Persons: only the one civil society works with, by list, filter and count.
    persons = seen["/api/v1/persons/"]
    assert [row["id"] for row in persons["results"]] == [mentored.pk]
    assert api.get(f"/api/v1/persons/{stranger.pk}/").status_code == 404
    assert api.get("/api/v1/persons/?last_name=Okand").json()["results"] == []
    # Incidents are the shared picture, but with no suspect roles in them.
    for incident in seen["/api/v1/incidents/"]["results"]:
        assert incident["involvements"] == []
    for url in ("/api/v1/enforcement-actions/", "/api/v1/risk-assessments/"):
        for query in ("", f"?person={mentored.pk}", f"?person={stranger.pk}"):
            assert seen[url + query]["results"] == [], url + query
    text = str(seen)
    assert "suspect" not in text and "probation" not in text.replace("probation_service", "")


def test_consent_opens_a_person_to_a_cached_key_until_withdrawn_at_once(
    client_for, world, civil_society_partner, police_coordinator
):
    _mentored, stranger = world
    api = client_for(civil_society_partner)
    url = f"/api/v1/persons/{stranger.pk}/"
    assert api.get(url).status_code == 404
    prefix = api.raw_key.partition(".")[0]
    assert cache.get(_cache_key(prefix)) is not None  # the key is cached from here on
    consent = record_consent(
        user=police_coordinator,
        person=stranger,
        organisation=civil_society_partner.organisation,
        scope=m.ConsentScope.CONTACT,
        given_on=timezone.localdate(),
        source="Samtyckesblankett S-12",
    )
    assert api.get(url).status_code == 200
    row = m.AccessLog.objects.filter(object_id=str(stranger.pk), record_kind="person").latest("id")
    assert row.sharing_rule == "consent" and str(consent.pk) in row.legal_basis
    assert cache.get(_cache_key(prefix)) is not None  # still the cached key
    withdraw_consent(user=police_coordinator, consent=consent)
    assert api.get(url).status_code == 404
    assert len(api.get("/api/v1/persons/").json()["results"]) == 1


def test_every_read_of_another_organisations_record_is_a_disclosure(
    client_for, world, civil_society_partner, police, civil_society
):
    mentored, _stranger = world
    api = client_for(civil_society_partner)
    api.get("/api/v1/persons/")
    api.get(f"/api/v1/persons/{mentored.pk}/")
    api.get("/api/v1/service-referrals/")
    rows = m.AccessLog.objects.filter(user=civil_society_partner)
    for row in rows.filter(record_kind="person"):
        assert row.owner_organisation == police and row.sharing_rule == "works_with" and row.legal_basis
    # Its own referral is no disclosure.
    assert rows.get(record_kind="service_referral").owner_organisation is None


def test_the_persons_list_logs_disclosures_in_a_constant_number_of_queries(
    client_for, world, probation_officer, police, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = client_for(probation_officer)
    api.get("/api/v1/persons/")  # the key is cached
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/persons/")
    for _ in range(10):
        f.PersonFactory(organisation=police)
    with CaptureQueriesContext(connection) as many:
        response = api.get("/api/v1/persons/")
    assert len(response.json()["results"]) == 12
    assert len(many) == len(few)
    assert (
        m.AccessLog.objects.filter(user=probation_officer, owner_organisation=police).count() == 2 + 2 + 12
    )  # three lists
