"""Exports: the EXPORT action decides, every exported record is logged, nothing leaks."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied

from gvi import models as m
from gvi import personnummer as pnr
from gvi.exports import csv_response, write_csv
from tests import factories as f
from tests.privacy.identity import make_number

pytestmark = pytest.mark.django_db


def export(user, kind, **kwargs):
    buffer = io.StringIO()
    count = write_csv(buffer, user=user, kind=kind, **kwargs)
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert len(rows) == count + 1
    return rows[0], rows[1:]


def test_coordinator_exports_persons_without_identity_numbers_and_each_is_logged(police, police_coordinator):
    people = [f.PersonFactory(organisation=police) for _ in range(3)]
    pnr.set_on(people[0], make_number(dt.date(1998, 5, 17), 321))
    people[0].save()
    header, rows = export(police_coordinator, "person", reason="Veckogenomgång")
    assert "personnummer_encrypted" not in header and "personnummer_hash" not in header
    assert {int(row[header.index("id")]) for row in rows} == {p.pk for p in people}
    logged = m.AccessLog.objects.filter(action=m.AccessAction.EXPORT)
    assert sorted(logged.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    assert set(logged.values_list("reason", "user_id", "channel")) == {
        ("Veckogenomgång", police_coordinator.pk, "export")
    }


def test_a_partner_officer_may_not_export_and_nothing_is_logged(police, probation_officer):
    f.PersonFactory(organisation=police)
    with pytest.raises(PermissionDenied):
        export(probation_officer, "person")
    assert not m.AccessLog.objects.exists()


def test_identity_number_columns_are_refused_even_when_asked_for(police, police_coordinator):
    with pytest.raises(PermissionDenied):
        export(police_coordinator, "person", fields=["id", "personnummer_hash"])
    with pytest.raises(PermissionDenied):
        export(police_coordinator, "membership", fields=["id", "person__personnummer_encrypted"])


def test_a_given_queryset_is_still_scoped_by_the_policy(police, other_programme_officer, police_analyst, today):
    ours = f.PersonFactory(organisation=police)
    minor = f.PersonFactory(organisation=police, date_of_birth=today - dt.timedelta(days=15 * 365))
    # Another programme's coordinator learns nothing, even handing in every person there is.
    _, rows = export(other_programme_officer, "person", queryset=m.Person.objects.all())
    assert rows == []
    # The analyst exports incidents but never persons; the minor's involvement stays out of sight.
    with pytest.raises(PermissionDenied):
        export(police_analyst, "person", queryset=m.Person.objects.filter(pk=ours.pk))
    incident = f.IncidentFactory(organisation=police)
    f.InvolvementFactory(organisation=police, incident=incident, person=minor)
    header, rows = export(police_analyst, "incident")
    assert [int(row[header.index("id")]) for row in rows] == [incident.pk]


def test_cells_that_look_like_formulas_are_neutralised(police, police_coordinator):
    f.PersonFactory(organisation=police, first_name='=HYPERLINK("http://x")', last_name="+1")
    header, rows = export(police_coordinator, "person", fields=["first_name", "last_name"])
    assert rows == [['\'=HYPERLINK("http://x")', "'+1"]]


def test_csv_response_is_an_uncached_attachment(police, police_coordinator):
    f.PersonFactory(organisation=police)
    response = csv_response(user=police_coordinator, kind="person", fields=["id"], reason="r")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("kind", ["person", "membership", "risk_assessment", "incident"])
def test_export_queries_do_not_grow_with_rows(kind, police, police_coordinator, django_assert_max_num_queries):
    factory = {
        "person": f.PersonFactory,
        "membership": f.MembershipFactory,
        "risk_assessment": f.RiskAssessmentFactory,
        "incident": f.IncidentFactory,
    }[kind]
    for size in (2, 20):
        while factory._meta.model.objects.count() < size:
            factory(organisation=police)
        with django_assert_max_num_queries(6):
            export(police_coordinator, kind, reason="count")
