"""Migration 0027 fills the group-incident links of existing programmes as the write path keeps them."""

import datetime as dt

import pytest

from tests.gvi.migrating import (  # noqa: F401 (an autouse fixture)
    back_to_the_latest_migrations,
    migrate,
    migrate_to_latest,
    programme_with_police,
)

BEFORE = [("gvi", "0026_single_sign_on")]
AFTER = [("gvi", "0027_group_incident_links")]
MOMENT = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_links_the_write_path_would_store():
    old = migrate(BEFORE)
    try:
        get = old.get_model
        programme, sourced, born = programme_with_police(old, "Länkstad")
        norr, soder = (get("gvi", "Group").objects.create(name=name, **sourced) for name in ("Norr", "Söder"))
        Person = get("gvi", "Person")
        member, former = (
            Person.objects.create(first_name=n, last_name="Testsson", **born, **sourced) for n in ("A", "B")
        )
        Membership = get("gvi", "Membership")
        Membership.objects.create(person=member, group=norr, status="active", start_date=dt.date(2025, 1, 1), **sourced)
        Membership.objects.create(person=former, group=soder, status="ended", start_date=dt.date(2025, 1, 1), **sourced)
        Incident = get("gvi", "Incident")
        Involvement = get("gvi", "Involvement")
        incidents = [
            Incident.objects.create(incident_type="shooting", occurred_at=MOMENT + dt.timedelta(days=i), **sourced)
            for i in range(3)
        ]
        for person, incident in ((member, incidents[0]), (former, incidents[1]), (member, incidents[2])):
            Involvement.objects.create(incident=incident, person=person, role="suspect", **sourced)
        get("gvi", "GroupAttribution").objects.create(incident=incidents[2], group=norr, **sourced)
        get("gvi", "GroupAttribution").objects.create(incident=incidents[1], group=soder, **sourced)
    finally:
        migrate(AFTER)
        migrate_to_latest()
    from gvi import models as m
    from gvi import weekly_counts

    links = set(m.GroupIncidentLink.objects.values_list("group_id", "incident_id"))
    # Norr: the member's two incidents (one also attributed: once); Söder: the attribution only
    # (the suspect's membership has ended).
    assert links == {(norr.pk, incidents[0].pk), (norr.pk, incidents[2].pk), (soder.pk, incidents[1].pk)}
    assert weekly_counts.drifted_links(programme.pk) == set()
