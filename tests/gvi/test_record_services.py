"""The write services behind the record forms: groups, relations, links added to an incident."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gvi import models as m
from gvi.services import groups as group_services
from gvi.services import incidents as incident_services
from gvi.services.incident_corrections import retract_incident
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager(settings):
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_register_group_with_aliases_and_areas_keeps_history_source_and_confidence(police_coordinator, programme):
    area = f.AreaFactory(programme=programme, name="Norra")
    group = group_services.register_group(
        user=police_coordinator,
        name="  Norra  ligan ",
        aliases=["NL", "nl", "", "Norra ligan"],
        areas=[area],
        source="PM-2026-11",
        confidence=m.Confidence.PROBABLE,
    )
    group.refresh_from_db()
    assert group.name == "Norra ligan"
    assert sorted(group.aliases.values_list("alias", flat=True)) == ["NL"]  # one per name, never the name itself
    assert list(group.areas.all()) == [area]
    assert (group.source, group.confidence, group.organisation) == (
        "PM-2026-11",
        "probable",
        police_coordinator.organisation,
    )
    assert group.history.get().history_user == police_coordinator


def test_a_duplicate_group_name_is_a_field_error_and_nothing_is_stored(police_coordinator, police):
    f.GroupFactory(organisation=police, name="Södra")
    with pytest.raises(ValidationError) as error:
        group_services.register_group(user=police_coordinator, name="Södra", aliases=["S"], source="X")
    assert error.value.message_dict  # the unique constraint, reported as a validation error
    assert m.Group.objects.count() == 1 and not m.GroupAlias.objects.filter(alias="S").exists()


def test_a_partner_officer_and_another_programme_cannot_register_a_group(probation_officer, other_programme_officer):
    with pytest.raises(PermissionDenied):
        group_services.register_group(user=probation_officer, name="X", source="S")
    assert not m.Group.objects.exists()


def test_an_area_the_user_may_not_see_is_unknown(police_coordinator, other_programme_officer):
    foreign = f.AreaFactory(programme=other_programme_officer.organisation.programme)
    with pytest.raises(ValidationError) as error:
        group_services.register_group(user=police_coordinator, name="X", source="S", areas=[foreign])
    assert "areas" in error.value.message_dict
    assert not m.Group.objects.exists()


def test_correct_group_changes_aliases_areas_and_status_with_the_reason(police_coordinator, police, programme):
    old, new = f.AreaFactory(programme=programme), f.AreaFactory(programme=programme)
    group = group_services.register_group(
        user=police_coordinator, name="G", aliases=["A", "B"], areas=[old], source="S"
    )
    group_services.correct_group(
        user=police_coordinator,
        group=group,
        reason="Ny lägesbild",
        status=m.GroupStatus.DORMANT,
        aliases=["B", "C"],
        areas=[new],
    )
    group.refresh_from_db()
    assert group.status == "dormant"
    assert sorted(group.aliases.values_list("alias", flat=True)) == ["B", "C"]
    assert list(group.areas.all()) == [new]
    assert group.history.first().history_change_reason == "Ny lägesbild"
    with pytest.raises(ValidationError):
        group_services.correct_group(user=police_coordinator, group=group, organisation=police)


def test_group_relation_conflict_is_recorded_and_bad_ones_refused(police_coordinator, police):
    a, b = f.GroupFactory(organisation=police), f.GroupFactory(organisation=police)
    relation = group_services.record_group_relation(
        user=police_coordinator,
        group_a=a,
        group_b=b,
        kind=m.RelationKind.CONFLICT,
        start_date=dt.date(2026, 1, 5),
        source="Lägesbild v2",
        confidence=m.Confidence.PROBABLE,
    )
    assert (relation.kind, relation.created_by, relation.source) == ("conflict", police_coordinator, "Lägesbild v2")
    # The same open conflict the other way round is refused: the picture shows it once.
    with pytest.raises(ValidationError) as error:
        group_services.record_group_relation(
            user=police_coordinator, group_a=b, group_b=a, kind="conflict", start_date=dt.date(2026, 2, 1), source="S"
        )
    assert "group_b" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        group_services.record_group_relation(
            user=police_coordinator, group_a=a, group_b=a, kind="alliance", start_date=dt.date(2026, 2, 1), source="S"
        )
    assert "group_b" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        group_services.record_group_relation(
            user=police_coordinator,
            group_a=a,
            group_b=b,
            kind="alliance",
            start_date=dt.date(2026, 2, 1),
            end_date=dt.date(2026, 1, 1),
            source="S",
        )
    assert "end_date" in error.value.message_dict
    assert m.GroupRelation.objects.count() == 1
    group_services.end_group_relation(
        user=police_coordinator, relation=relation, end_date=dt.date(2026, 3, 1), reason="Förlikning"
    )
    relation.refresh_from_db()
    assert relation.end_date == dt.date(2026, 3, 1)


def test_a_partner_officer_cannot_record_a_relation(probation_officer, police):
    a, b = f.GroupFactory(organisation=police), f.GroupFactory(organisation=police)
    with pytest.raises(PermissionDenied):
        group_services.record_group_relation(
            user=probation_officer, group_a=a, group_b=b, kind="conflict", start_date=dt.date(2026, 1, 1), source="S"
        )


def test_involvement_and_attribution_added_to_a_logged_incident(police_coordinator, police_analyst, police):
    incident = incident_services.log_incident(
        user=police_coordinator,
        incident_type=m.IncidentType.SHOOTING,
        occurred_at=timezone.now() - dt.timedelta(days=2),
        source="K-2026-1",
        killed=1,
        injured=2,
    )
    person = f.PersonFactory(organisation=police)
    group = f.GroupFactory(organisation=police)
    involvement = incident_services.record_involvement(
        user=police_coordinator, incident=incident, person=person, role="suspect", source="K-2026-1"
    )
    assert (involvement.person, involvement.role, involvement.created_by) == (person, "suspect", police_coordinator)
    with pytest.raises(ValidationError) as error:
        incident_services.record_involvement(
            user=police_coordinator, incident=incident, person=person, role="suspect", source="K-2026-1"
        )
    assert "person" in error.value.message_dict
    attribution = incident_services.record_attribution(
        user=police_analyst, incident=incident, group=group, share="0.5", source="Analys 12"
    )
    assert attribution.status == m.AttributionStatus.PROPOSED and attribution.created_by == police_analyst
    with pytest.raises(ValidationError):
        incident_services.record_attribution(user=police_analyst, incident=incident, group=group, share=1, source="S")
    assert m.GroupAttribution.objects.count() == 1


def test_a_partner_officer_cannot_attribute_nor_add_to_another_organisations_incident(
    probation_officer, police_coordinator, police
):
    incident = f.IncidentFactory(organisation=police)
    person = f.PersonFactory(organisation=police)
    with pytest.raises(PermissionDenied):
        incident_services.record_attribution(
            user=probation_officer, incident=incident, group=f.GroupFactory(organisation=police), source="S"
        )
    with pytest.raises(PermissionDenied):
        incident_services.record_involvement(
            user=probation_officer, incident=incident, person=person, role="witness", source="S"
        )
    assert not m.Involvement.objects.exists()


def test_retracting_keeps_the_incident_unfounded_with_the_reason(police_coordinator, police):
    incident = f.IncidentFactory(organisation=police)
    retract_incident(user=police_coordinator, incident=incident, reason="Dubblett av K-2026-2")
    incident.refresh_from_db()
    assert incident.verification_status == m.VerificationStatus.UNFOUNDED
    assert incident.history.first().history_change_reason == "Dubblett av K-2026-2"
