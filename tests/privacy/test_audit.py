"""The audit trail: reads and writes are recorded, nobody changes the records, auditors read them."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from gvi import models as m
from gvi.services.people import correct_person, register_person
from tests import factories as f
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_auditor(auditor):
    auditor.is_staff = True
    auditor.save()
    return auditor


def make_log_rows(police, user, n):
    m.AccessLog.objects.bulk_create(
        m.AccessLog(user=user, organisation=police, action="read", record_kind="person", object_id=str(i), person_id=i)
        for i in range(n)
    )


class TestAppendOnly:
    def test_the_app_cannot_change_or_delete_a_row(self, police, police_coordinator):
        make_log_rows(police, police_coordinator, 2)
        row = m.AccessLog.objects.first()
        row.reason = "changed"
        with pytest.raises(PermissionDenied):
            row.save()
        with pytest.raises(PermissionDenied):
            row.delete()
        with pytest.raises(PermissionDenied):
            m.AccessLog.objects.filter(pk=row.pk).update(reason="changed")
        with pytest.raises(PermissionDenied):
            m.AccessLog.objects.all().delete()
        assert m.AccessLog.objects.count() == 2
        assert not m.AccessLog.objects.filter(reason="changed").exists()

    def test_the_admin_offers_no_change_or_delete_even_to_a_superuser(self, client, police, staff_auditor):
        root = f.UserFactory(organisation=police, is_staff=True, is_superuser=True)
        make_log_rows(police, staff_auditor, 1)
        row = m.AccessLog.objects.get()
        for user in (staff_auditor, root):
            client.force_login(user)
            change_url = reverse("admin:gvi_accesslog_change", args=[row.pk])
            assert client.get(change_url).status_code == 200  # view only
            assert client.post(change_url, {"reason": "x"}).status_code == 403
            assert client.post(reverse("admin:gvi_accesslog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
            assert client.get(reverse("admin:gvi_accesslog_add")).status_code == 403
        row.refresh_from_db()
        assert row.reason == ""

    def test_postgresql_refuses_update_and_delete_in_sql(self, police, police_coordinator):
        if connection.vendor != "postgresql":
            pytest.skip("The trigger exists on PostgreSQL only (CI runs this on PostgreSQL).")
        make_log_rows(police, police_coordinator, 1)
        for statement in ("UPDATE gvi_accesslog SET reason = 'x'", "DELETE FROM gvi_accesslog"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        assert m.AccessLog.objects.filter(reason="").count() == 1

    @pytest.mark.parametrize(
        "statement",
        [
            "TRUNCATE gvi_accesslog",
            "TRUNCATE gvi_accesslog RESTART IDENTITY",
            "TRUNCATE gvi_user CASCADE",  # the log refers to its users: a cascade would empty it
        ],
    )
    def test_postgresql_refuses_truncate_in_sql(self, police, police_coordinator, statement):
        if connection.vendor != "postgresql":
            skip_or_fail("The trigger exists on PostgreSQL only (CI runs this on PostgreSQL).")
        make_log_rows(police, police_coordinator, 2)
        with connection.cursor() as cursor:
            # The rows were inserted in this test's transaction: check their deferred foreign
            # keys now, or PostgreSQL refuses the TRUNCATE for pending trigger events instead.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        assert m.AccessLog.objects.count() == 2


class TestWhatIsRecorded:
    def test_writes_keep_who_when_and_before_after(self, police_coordinator):
        person = register_person(
            user=police_coordinator, first_name="Före", last_name="Test", source="S", date_of_birth=dt.date(1990, 1, 1)
        )
        correct_person(user=police_coordinator, person=person, reason="Rättelse", first_name="Efter")
        created, changed = person.history.order_by("history_date")
        assert (created.history_type, changed.history_type) == ("+", "~")
        assert {created.history_user_id, changed.history_user_id} == {police_coordinator.pk}
        delta = changed.diff_against(created)
        assert [(c.field, c.old, c.new) for c in delta.changes] == [("first_name", "Före", "Efter")]

    def test_admin_reads_of_personal_data_are_logged(self, client, police):
        root = f.UserFactory(organisation=police, is_staff=True, is_superuser=True)
        people = [f.PersonFactory(organisation=police) for _ in range(3)]
        client.force_login(root)
        client.get(reverse("admin:gvi_person_changelist"))
        listed = m.AccessLog.objects.filter(action="list", channel="admin", record_kind="person")
        assert sorted(listed.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
        client.get(reverse("admin:gvi_person_change", args=[people[0].pk]))
        read = m.AccessLog.objects.get(action="read", channel="admin")
        assert (read.person_id, read.user_id) == (people[0].pk, root.pk)


class TestAuditorPages:
    def test_only_auditors_get_in(self, client, police_coordinator, probation_officer, auditor):
        for user in (police_coordinator, probation_officer):
            client.force_login(user)
            assert client.get(reverse("frontend:audit_access_log")).status_code == 403
            assert client.get(reverse("frontend:audit_change_history")).status_code == 403
            assert client.get(reverse("frontend:audit_access_log_csv")).status_code == 403
        client.force_login(auditor)
        assert client.get(reverse("frontend:audit_access_log")).status_code == 200

    def test_access_log_filters_and_is_scoped_to_the_programme(self, client, police, auditor, other_programme_officer):
        make_log_rows(police, auditor, 3)
        other = other_programme_officer.organisation
        m.AccessLog.objects.create(
            user=other_programme_officer, organisation=other, action="read", record_kind="person"
        )
        client.force_login(auditor)
        page = client.get(reverse("frontend:audit_access_log")).context["page"]
        assert page.paginator.count == 3
        filtered = client.get(reverse("frontend:audit_access_log"), {"person_id": 1}).context["page"]
        assert [row.person_id for row in filtered] == [1]
        bad = client.get(reverse("frontend:audit_access_log"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
        assert bad.context["page"].paginator.count == 0 and bad.context["form"].errors

    def test_access_log_export_is_csv_and_itself_logged(self, client, police, auditor):
        make_log_rows(police, auditor, 3)
        client.force_login(auditor)
        response = client.get(reverse("frontend:audit_access_log_csv"), {"reason": "Kvartalsgranskning"})
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][:3] == ["at", "user__username", "organisation__name"] and len(rows) == 4
        export = m.AccessLog.objects.get(action="export")
        assert (export.record_kind, export.reason, export.user_id) == ("access_log", "Kvartalsgranskning", auditor.pk)

    def test_change_history_shows_before_and_after_and_hides_identity_numbers(
        self, client, police_coordinator, auditor
    ):
        from tests.privacy.identity import make_number

        person = register_person(
            user=police_coordinator, first_name="Före", last_name="Test", source="S", date_of_birth=dt.date(1990, 1, 1)
        )
        number = make_number(dt.date(1990, 1, 1))
        correct_person(
            user=police_coordinator, person=person, reason="Rättelse", first_name="Efter", personnummer=number
        )
        client.force_login(auditor)
        response = client.get(reverse("frontend:audit_change_history"), {"kind": "person", "record_id": person.pk})
        html = response.content.decode()
        assert "Före" in html and "Efter" in html and "Rättelse" in html
        assert number not in html and person.personnummer_encrypted[:20] not in html
        assert m.AccessLog.objects.filter(record_kind="person_history", person_id=person.pk, action="list").exists()
        export = client.get(reverse("frontend:audit_change_history_csv"), {"kind": "person"})
        text = export.content.decode()
        assert "Efter" in text and "personnummer" not in text
        assert m.AccessLog.objects.filter(record_kind="person_history", action="export", person_id=person.pk).exists()

    def test_pages_have_no_n_plus_one(self, client, police, police_coordinator, auditor, django_assert_max_num_queries):
        client.force_login(auditor)
        for size in (3, 30):
            make_log_rows(police, police_coordinator, size)
            for _ in range(size // 3):
                person = f.PersonFactory(organisation=police)
                correct_person(user=police_coordinator, person=person, reason="r", first_name="Ny")
            with django_assert_max_num_queries(12):
                assert client.get(reverse("frontend:audit_access_log")).status_code == 200
            with django_assert_max_num_queries(14):
                assert client.get(reverse("frontend:audit_change_history"), {"kind": "person"}).status_code == 200
            with django_assert_max_num_queries(14):
                assert client.get(reverse("frontend:audit_access_log_csv")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_flush_the_database(police, police_coordinator):
    """The trigger refuses row deletes only; Django's test flush (TRUNCATE) keeps working."""
    make_log_rows(police, police_coordinator, 1)
    assert m.AccessLog.objects.count() == 1
