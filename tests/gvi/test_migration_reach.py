"""Migration 0029 fills the stored reach of existing programmes as the writes keep it."""

import datetime as dt

import pytest

from tests.gvi.migrating import (  # noqa: F401 (an autouse fixture)
    back_to_the_latest_migrations,
    migrate,
    migrate_to_latest,
    programme_with_police,
)

BEFORE = [("gvi", "0028_import_expired")]
AFTER = [("gvi", "0029_reach_of_the_message")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_figures_the_writes_would_store():
    old = migrate(BEFORE)
    try:
        get = old.get_model
        programme, sourced, born = programme_with_police(old, "Nåstad")
        norr, soder = (get("gvi", "Group").objects.create(name=name, **sourced) for name in ("Norr", "Söder"))
        dissolved = get("gvi", "Group").objects.create(name="Gamla", status="dissolved", **sourced)
        Person = get("gvi", "Person")
        a, b, c, d = (Person.objects.create(first_name=n, last_name="Testsson", **born, **sourced) for n in "ABCD")
        Membership = get("gvi", "Membership")
        start = {"start_date": dt.date(2025, 1, 1), **sourced}
        Membership.objects.create(person=a, group=norr, status="active", is_key_individual=True, **start)
        Membership.objects.create(person=a, group=soder, status="active", **start)
        Membership.objects.create(person=b, group=norr, status="active", is_contested=True, **start)
        Membership.objects.create(person=c, group=soder, status="ended", **start)
        Membership.objects.create(person=d, group=soder, status="active", **start)
        Membership.objects.create(person=d, group=dissolved, status="active", is_key_individual=True, **start)
        call_in = get("gvi", "CallIn").objects.create(
            programme=programme,
            organisation=sourced["organisation"],
            scheduled_at=dt.datetime(2026, 6, 1, 18, tzinfo=dt.UTC),
            venue="Stadshuset",
            status="held",
        )
        get("gvi", "Invitation").objects.create(call_in=call_in, person=a, status="attended", **sourced)
        get("gvi", "Invitation").objects.create(call_in=call_in, person=b, status="attended", **sourced)
        get("gvi", "CustomNotification").objects.create(
            person=d, delivered_on=dt.date(2026, 6, 2), message_delivered=True, response="listened", **sourced
        )
    finally:
        migrate(AFTER)
        migrate_to_latest()
    from gvi import models as m
    from gvi import reach

    groups = {
        row.group_id: (row.members, row.attended, row.notified, row.reached, row.key_individuals, row.key_reached)
        for row in m.GroupReach.objects.all()
    }
    # B's membership is contested and C's ended: neither counts. D is reached by notification.
    assert groups == {norr.pk: (1, 1, 0, 1, 1, 1), soder.pk: (2, 1, 1, 2, 0, 0), dissolved.pk: (1, 0, 1, 1, 1, 1)}
    persons = {row.person_id: (row.is_key_individual, row.reached) for row in m.PersonReach.objects.all()}
    # D is a key individual only of the dissolved group, which the review does not count.
    assert persons == {a.pk: (True, True), d.pk: (False, True)}
    assert reach.verify(programme_id=programme.pk, fix=False).total == 0
