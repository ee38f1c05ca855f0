"""`gvi.services.bulk_copy` writes, with COPY from plain values, the rows that `bulk_create` and
simple-history's `bulk_history_create` write for the same records: field for field, history included."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from gvi import models as m
from gvi.services import bulk_copy
from tests import factories as f

REASON = "Import: händelser.csv"
AWKWARD = "Tab\there, a newline\nand \\N, a backslash \\ and 'quotes' \"both\", å ä ö, \r too"


def _incidents(user, area):
    owner = {
        "programme_id": user.organisation.programme_id,
        "organisation_id": user.organisation_id,
        "created_by_id": user.pk,
        "updated_by_id": user.pk,
    }
    moment = timezone.make_aware(dt.datetime(2025, 3, 30, 2, 30))  # the night the clocks go forward
    return [
        {
            **owner,
            "source": AWKWARD,
            "confidence": "probable",
            "incident_type": "shooting",
            "occurred_at": moment,
            "area_id": area.pk,
            "place": "",
            "killed": 0,
            "injured": 2,
            "verification_status": "verified",
            "description": AWKWARD * 3,
        },
        # Only what has no default: the rest takes its default, as a model instance made without it.
        {**owner, "source": "Polisen", "incident_type": "explosion", "occurred_at": moment - dt.timedelta(days=400)},
    ]


def _rows(queryset, leave_out):
    names = [field.attname for field in queryset.model._meta.concrete_fields if field.attname not in leave_out]
    return list(queryset.order_by("pk").values_list(*names))


@pytest.mark.parametrize("with_copy", [True, False])
def test_copy_writes_what_bulk_create_and_bulk_history_create_write(police_coordinator, with_copy, monkeypatch):
    if with_copy and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; elsewhere bulk_copy is bulk_create itself (the other case)")
    if not with_copy:
        monkeypatch.setattr(connection, "vendor", "sqlite")  # the fallback, on any database
    user = police_coordinator
    area = f.AreaFactory(programme=user.organisation.programme)
    person = f.PersonFactory(programme=user.organisation.programme, organisation=user.organisation)
    started = timezone.now()
    values = _incidents(user, area)
    ids = bulk_copy.create_with_history(m.Incident, [dict(v) for v in values], user=user, reason=REASON)
    expected = m.Incident.objects.bulk_create([m.Incident(**v) for v in values])
    m.Incident.history.bulk_history_create(expected, default_user=user, default_change_reason=REASON)
    written = m.Incident.objects.filter(pk__in=ids)
    assert list(written.order_by("pk").values_list("pk", flat=True)) == sorted(ids) and len(ids) == 2
    stamps = {"id", "created_at", "updated_at"}
    assert _rows(written, stamps) == _rows(m.Incident.objects.filter(pk__in=[e.pk for e in expected]), stamps)
    for incident in written:
        assert started <= incident.created_at <= incident.updated_at <= timezone.now()
    history = m.Incident.history.model
    leave_out = stamps | {"history_id", "history_date"}
    assert _rows(history.objects.filter(id__in=ids), leave_out) == _rows(
        history.objects.filter(id__in=[e.pk for e in expected]), leave_out
    )
    for row in history.objects.filter(id__in=ids):
        assert (row.history_type, row.history_user, row.history_change_reason) == ("+", user, REASON)
        assert row.created_at == m.Incident.objects.get(pk=row.id).created_at
        assert row.history_date >= row.created_at
        assert started <= row.history_date <= timezone.now()
    # Involvements point at the new incidents; their history too.
    involvements = [
        {"incident_id": pk, "person_id": person.pk, "role": role, "source": "Polisen", **_owner(user)}
        for pk in ids
        for role in ("suspect", "victim")
    ]
    new = bulk_copy.create_with_history(m.Involvement, involvements, user=user, reason=REASON)
    assert len(new) == 4 and m.Involvement.objects.filter(pk__in=new, confidence="unverified").count() == 4
    assert m.Involvement.history.filter(id__in=new, history_type="+", incident_id__in=ids).count() == 4
    # Rows without history (the import's source references).
    bulk_copy.create_plain(
        m.ImportKey,
        [
            {
                "programme_id": user.organisation.programme_id,
                "kind": "incidents",
                "reference": f"R-{pk}",
                "object_id": pk,
            }
            | {"row_hash": "h"}
            for pk in ids
        ],
    )
    assert sorted(m.ImportKey.objects.values_list("object_id", "row_hash", "last_run")) == [
        (pk, "h", None) for pk in sorted(ids)
    ]


def _owner(user):
    return {
        "programme_id": user.organisation.programme_id,
        "organisation_id": user.organisation_id,
        "created_by_id": user.pk,
        "updated_by_id": user.pk,
    }


def test_nothing_to_write_writes_nothing(police_coordinator):
    assert bulk_copy.create_with_history(m.Incident, [], user=police_coordinator, reason=REASON) == []
    bulk_copy.create_plain(m.ImportKey, [])
    assert not m.Incident.objects.exists() and not m.ImportKey.objects.exists()


def test_the_writer_writes_in_the_callers_transaction_and_raises_its_errors(police_coordinator):
    if connection.vendor != "postgresql":
        pytest.skip("the writer's thread runs PostgreSQL's COPY")
    import psycopg
    from django.db import transaction

    user = police_coordinator
    area = f.AreaFactory(programme=user.organisation.programme)
    writer = bulk_copy.Writer()
    try:
        ids = bulk_copy.create_with_history(m.Incident, _incidents(user, area), user=user, reason=REASON, writer=writer)
        writer.wait()
        # Written in this (the test's own, uncommitted) transaction, history rows included.
        assert m.Incident.objects.filter(pk__in=ids).count() == 2
        assert m.Incident.history.filter(id__in=ids).count() == 2
        bad = {**_incidents(user, area)[1], "incident_type": None}
        with pytest.raises(psycopg.errors.NotNullViolation), transaction.atomic():
            bulk_copy.create_with_history(m.Incident, [bad], user=user, reason=REASON, writer=writer)
            writer.wait()
        assert m.Incident.objects.count() == 2
    finally:
        writer.close()
