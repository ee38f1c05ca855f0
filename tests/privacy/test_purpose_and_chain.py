"""Purpose of access, no-hit searches, the acting person behind an organisation's key, paths
without query strings, and the access log's hash chain (issue 17, points 2, 3, 7 and 9)."""

import datetime as dt
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import OrganisationAPIKey
from gvi import access_chain, policy
from gvi import models as m
from gvi.audit import log_access
from gvi.policy import Action
from tasks.schedules import SCHEDULES
from tests import factories as f

pytestmark = pytest.mark.django_db


def _with_purpose(client, kind="case", text="K-2026-0417"):
    session = client.session
    session["gvi_purpose"] = {"kind": kind, "text": text}
    session.save()


# --- Purpose of access in the UI -----------------------------------------------------------------


def test_opening_a_person_asks_for_a_purpose_first(client, police, police_coordinator):
    person = f.PersonFactory(organisation=police)
    client.force_login(police_coordinator)
    response = client.get(f"/persons/{person.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/purpose/?next=")
    assert not m.AccessLog.objects.filter(record_kind="person", object_id=str(person.pk)).exists()
    response = client.post(
        "/purpose/", {"purpose_kind": "call_in", "purpose": "Call-in 12 mars", "next": f"/persons/{person.pk}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/persons/{person.pk}/"
    # Remembered for the working session: the next opening needs no new answer.
    assert client.get(f"/persons/{person.pk}/").status_code == 200
    row = m.AccessLog.objects.get(record_kind="person", object_id=str(person.pk))
    assert (row.purpose_kind, row.reason, row.user) == ("call_in", "Call-in 12 mars", police_coordinator)


def test_a_purpose_must_say_something(client, police_coordinator):
    client.force_login(police_coordinator)
    response = client.post("/purpose/", {"purpose_kind": "reason", "purpose": "   "}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "gvi_purpose" not in client.session
    response = client.post("/purpose/", {"purpose_kind": "system", "purpose": "x"}, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200 and "gvi_purpose" not in client.session


def test_a_search_is_logged_without_the_words_searched_even_with_no_hits(client, police, police_coordinator):
    f.PersonFactory(organisation=police, last_name="Testsson")
    client.force_login(police_coordinator)
    _with_purpose(client)
    assert client.get("/persons/", {"q": "Ingenstansson"}).status_code == 200
    row = m.AccessLog.objects.get(action="search")
    assert row.object_id == "" and row.person_id is None  # no hits: one row naming nobody
    assert row.path == "/persons/" and "Ingenstansson" not in str(m.AccessLog.objects.values_list())
    assert (row.purpose_kind, row.reason) == ("case", "K-2026-0417")
    client.get("/persons/", {"q": "Testsson"})
    hit = m.AccessLog.objects.filter(action="search").exclude(pk=row.pk).get()
    assert hit.object_id and "Testsson" not in hit.path


def test_a_search_without_a_purpose_asks_for_one(client, police_coordinator):
    client.force_login(police_coordinator)
    response = client.get("/persons/", {"q": "Namn"})
    assert response.status_code == 302 and response["Location"].startswith("/purpose/")
    assert not m.AccessLog.objects.filter(action="search").exists()


def test_the_log_keeps_the_path_not_the_query_string(police, police_coordinator):
    (row,) = log_access(
        user=police_coordinator, action="list", record_kind="person", path="/api/v1/persons/?search=Ali+Testsson"
    )
    assert row["path"] == "/api/v1/persons/"


# --- The acting person behind an organisation's key ----------------------------------------------


@pytest.fixture
def org_key(probation):
    _key, raw = OrganisationAPIKey.objects.create_key(name="Integration", organisation=probation)
    return raw


def _api(raw, **headers):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}", **headers)
    return client


def test_an_organisation_key_read_must_name_the_acting_person(org_key, probation_officer, police_coordinator):
    assert _api(org_key).get("/api/v1/persons/").status_code == 401
    # Another organisation's user, or nobody, is refused.
    assert _api(org_key, HTTP_X_ACTING_USER=police_coordinator.username).get("/api/v1/persons/").status_code == 401
    assert _api(org_key, HTTP_X_ACTING_USER="ingen.alls").get("/api/v1/persons/").status_code == 401
    assert not m.AccessLog.objects.exists()
    response = _api(
        org_key, HTTP_X_ACTING_USER=probation_officer.username, HTTP_X_PURPOSE_KIND="case", HTTP_X_PURPOSE="FRV-88"
    ).get("/api/v1/persons/", {"search": "Testsson"})
    assert response.status_code == 200
    row = m.AccessLog.objects.get()
    assert row.acting_user == probation_officer and row.user.username.startswith("api-service-")
    assert (row.purpose_kind, row.reason, row.path) == ("case", "FRV-88", "/api/v1/persons/")


def test_a_bad_purpose_header_is_a_clear_400(org_key, probation_officer):
    response = _api(org_key, HTTP_X_ACTING_USER=probation_officer.username, HTTP_X_PURPOSE_KIND="whim").get(
        "/api/v1/persons/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "purpose_kind" in response.json()["errors"]


# --- Minors: age at the time of the record --------------------------------------------------------


def test_a_record_about_childhood_stays_a_minors_record_after_18(police, police_analyst, police_coordinator, today):
    adult = f.PersonFactory(organisation=police, date_of_birth=today - dt.timedelta(days=20 * 365 + 10))
    assert adult.adult_on == adult.date_of_birth.replace(year=adult.date_of_birth.year + 18)
    as_child = f.MembershipFactory(organisation=police, person=adult, start_date=today - dt.timedelta(days=3 * 365))
    as_adult = f.MembershipFactory(organisation=police, person=adult, start_date=today - dt.timedelta(days=30))
    visible = set(policy.scoped_queryset(police_analyst, "membership").values_list("pk", flat=True))
    assert as_adult.pk in visible and as_child.pk not in visible
    assert not policy.can(police_analyst, "membership", Action.READ, as_child)
    assert policy.can(police_coordinator, "membership", Action.READ, as_child)
    # The person record itself was made when he was already an adult.
    assert policy.can(police_analyst, "person", Action.READ, adult)


def test_29_february_comes_of_age_on_1_march(police):
    person = f.PersonFactory(organisation=police, date_of_birth=dt.date(2008, 2, 29))
    assert person.adult_on == dt.date(2026, 3, 1)
    assert person.age(dt.date(2026, 2, 28)) == 17 and person.age(dt.date(2026, 3, 1)) == 18


def test_bulk_written_persons_get_their_18th_birthday(police):
    m.Person.objects.bulk_create(
        [
            m.Person(
                first_name="A",
                last_name="B",
                date_of_birth=dt.date(2001, 6, 1),
                programme=police.programme,
                organisation=police,
                source="x",
            )
        ]
    )
    assert m.Person.objects.fill_adult_on() == 1
    assert m.Person.objects.get(first_name="A").adult_on == dt.date(2019, 6, 1)


# --- The hash chain -------------------------------------------------------------------------------


def _log(user, n):
    for i in range(n):
        log_access(user=user, action="read", record_kind="person", person_ids=[i + 1])


def test_entries_are_chained_and_the_check_finds_them_intact(police_coordinator):
    _log(police_coordinator, 5)
    rows = list(m.AccessLog.objects.order_by("id"))
    assert all(row.entry_hash for row in rows)
    assert [row.previous_hash for row in rows[1:]] == [row.entry_hash for row in rows[:-1]]
    report = access_chain.check()
    assert report.intact and report.checked == 5
    out = StringIO()
    call_command("check_access_log", stdout=out)
    assert "intact (5 entries checked)" in out.getvalue()


def _tamper(sql, params):
    """Change the log behind the app's back (on PostgreSQL, as a database superuser could, with
    triggers switched off)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # no triggers fire
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_a_changed_or_removed_entry_breaks_the_chain(police_coordinator):
    _log(police_coordinator, 4)
    ids = list(m.AccessLog.objects.order_by("id").values_list("id", flat=True))
    _tamper("UPDATE gvi_accesslog SET person_id = 99 WHERE id = %s", [ids[1]])
    report = access_chain.check()
    assert [b["id"] for b in report.breaks] == [ids[1]]
    _tamper("DELETE FROM gvi_accesslog WHERE id = %s", [ids[2]])
    assert ids[3] in [b["id"] for b in access_chain.check().breaks]
    with pytest.raises(CommandError):
        call_command("check_access_log", stdout=StringIO())


def test_pruning_is_the_only_way_out_and_keeps_the_chain_checkable(police_coordinator, settings):
    _log(police_coordinator, 3)
    old = timezone.now() - dt.timedelta(days=settings.GVI_ACCESS_LOG_KEEP_DAYS + 1)
    first_two = list(m.AccessLog.objects.order_by("id").values_list("id", flat=True))[:2]
    # Backdate two entries (and re-seal the whole chain, as if they had been logged then).
    _tamper("UPDATE gvi_accesslog SET at = %s WHERE id IN (%s, %s)", [old, *first_two])
    _reseal()
    assert access_chain.check().intact
    pruned = access_chain.prune()
    assert pruned.entries_deleted == 2 and m.AccessLog.objects.count() == 1
    assert access_chain.check().intact  # the remaining entry follows the anchor the job kept
    assert access_chain.prune() is None  # idempotent
    _log(police_coordinator, 1)
    assert access_chain.check().intact


def _reseal():
    previous = ""
    for row in m.AccessLog.objects.order_by("id"):
        row_hash = access_chain.entry_hash(previous, {name: getattr(row, name) for name in access_chain.HASHED_FIELDS})
        _tamper(
            "UPDATE gvi_accesslog SET previous_hash = %s, entry_hash = %s WHERE id = %s", [previous, row_hash, row.pk]
        )
        previous = row_hash


def test_on_postgresql_delete_is_refused_outside_the_prune_job(police_coordinator):
    if connection.vendor != "postgresql":
        pytest.skip("The trigger exists on PostgreSQL only (CI runs this on PostgreSQL).")
    _log(police_coordinator, 1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM gvi_accesslog")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE gvi_accesslog SET reason = 'x'")
    assert m.AccessLog.objects.count() == 1


# --- Docs agree with the code ---------------------------------------------------------------------


def test_docs_list_every_scheduled_job():
    text = (Path(settings.BASE_DIR) / "docs" / "scoring.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(tasks\.[a-z_.]+)` \|", text, flags=re.MULTILINE))
    assert listed == {schedule.task for schedule in SCHEDULES}


def test_the_breach_report_says_who_read_a_person_in_a_period(police, police_coordinator, probation_officer):
    log_access(user=police_coordinator, action="read", record_kind="person", person_ids=[7], reason="K-1")
    log_access(user=probation_officer, action="read", record_kind="person", person_ids=[8], reason="K-2")
    out = StringIO()
    day = timezone.localdate().isoformat()
    call_command("access_report", "--since", day, "--person", "7", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 2 and police_coordinator.username in lines[1] and "K-1" in lines[1]
    with pytest.raises(CommandError):
        call_command("access_report", "--since", "igår", stdout=StringIO())
