"""Retention purges EXACTLY what is due, keeps statistics, records what it did, and is idempotent."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from gvi import models as m
from gvi import retention
from gvi.models.people import years_before
from tests import factories as f

pytestmark = pytest.mark.django_db


def aged(obj, *, days=0, years=0):
    """Backdate a record's created/updated stamps (auto_now cannot be set through save)."""
    moment = timezone.now() - dt.timedelta(days=days)
    if years:
        moment = moment.replace(year=moment.year - years)
    fields = {"updated_at": moment} if hasattr(obj, "updated_at") else {}
    if hasattr(obj, "created_at"):
        fields["created_at"] = moment
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    return obj


@pytest.fixture
def world(settings, police, today):
    settings.GVI_RETENTION_PERSON_YEARS = 5
    settings.GVI_RETENTION_MINOR_YEARS = 3
    settings.GVI_RETENTION_INCIDENT_YEARS = 5
    adult = dt.date(1990, 1, 1)
    people = {}

    def person(name, *, born=adult, **age):
        people[name] = aged(f.PersonFactory(organisation=police, first_name=name, date_of_birth=born), **age)
        return people[name]

    # Due: no activity for more than five years.
    person("idle_adult", years=6)
    person("just_over", years=5, days=2)
    # Due: a minor at their last activity four years ago (minor period three years).
    person("minor_then", born=years_before(today, 18), years=4)
    # Due with everything about them: an ended membership with evidence, a risk assessment, an enforcement action.
    gone = person("idle_member", years=7)
    membership = aged(
        f.MembershipFactory(
            organisation=police, person=gone, end_date=dt.date(2018, 1, 1), start_date=dt.date(2017, 1, 1)
        ),
        years=7,
    )
    criterion = f.InclusionCriterionFactory(programme=police.programme)
    m.MembershipEvidence.objects.create(membership=membership, criterion=criterion, source_reference="R-1")
    aged(f.RiskAssessmentFactory(organisation=police, person=gone), years=7)
    enforcement = aged(
        f.EnforcementActionFactory(
            organisation=police, person=gone, group=membership.group, outcome="Kontroll av idle_member vid torget"
        ),
        years=7,
    )

    # Due: a rule's reminder that nobody closed does not hold a person (only a task opened by hand does).
    reminded = person("rule_reminder", years=6)
    aged(
        f.FollowUpFactory(
            owner_organisation=police, person=reminded, origin=m.FollowUpOrigin.RULE, rule="membership_review_due"
        ),
        years=6,
    )

    # Not due.
    person("just_under", years=5, days=-2)
    person("adult_then", born=dt.date(2000, 1, 1), years=4)  # 22 then: the adult period applies
    recent = person("recent_record", years=6)
    aged(f.RiskAssessmentFactory(organisation=police, person=recent), years=1)
    held = person("supervised", years=6)
    aged(f.SupervisionFactory(organisation=police, person=held, start_date=dt.date(2019, 1, 1)), years=6)
    member = person("active_member", years=6)
    aged(f.MembershipFactory(organisation=police, person=member, start_date=dt.date(2019, 1, 1)), years=6)
    followed = person("open_follow_up", years=6)
    aged(f.FollowUpFactory(owner_organisation=police, person=followed), years=6)

    # Incidents: the old one keeps statistics only; the recent one is untouched.
    old_incident = f.IncidentFactory(
        organisation=police, occurred_at=timezone.now() - dt.timedelta(days=6 * 366), place="Torget", description="x"
    )
    f.InvolvementFactory(organisation=police, incident=old_incident, person=people["just_under"])
    f.GroupAttributionFactory(organisation=police, incident=old_incident)
    new_incident = f.IncidentFactory(organisation=police, place="Parken", description="y")
    f.InvolvementFactory(organisation=police, incident=new_incident, person=people["just_under"])
    m.AccessLog.objects.create(action="read", record_kind="person", person_id=gone.pk)
    return people, enforcement, old_incident, new_incident


DUE = {"idle_adult", "just_over", "minor_then", "idle_member", "rule_reminder"}


def test_dry_run_lists_exactly_what_is_due_and_changes_nothing(world):
    people, _, old_incident, _ = world
    before = m.Person.objects.count()
    due = retention.plan()
    assert set(due.person_ids) == {people[name].pk for name in DUE}
    assert due.incident_ids == [old_incident.pk]
    run = retention.run(dry_run=True)
    # The run's record keeps counts, not the ids of persons about to go.
    assert (run.summary["persons"], run.summary["incidents"]) == (len(DUE), 1)
    assert run.dry_run and m.Person.objects.count() == before
    assert m.Involvement.objects.filter(incident=old_incident).exists()


def test_run_purges_exactly_what_is_due_with_history_and_keeps_statistics(world):
    people, enforcement, old_incident, new_incident = world
    due_ids = {people[name].pk for name in DUE}
    run = retention.run()
    remaining = set(m.Person.objects.values_list("first_name", flat=True))
    assert remaining == set(people) - DUE
    # Nothing about the purged persons is left, their change history included.
    assert not m.Person.history.filter(id__in=due_ids).exists()
    assert not m.Membership.history.filter(person_id__in=due_ids).exists()
    assert not m.RiskAssessment.objects.filter(person_id__in=due_ids).exists()
    assert not m.RiskAssessment.history.filter(person_id__in=due_ids).exists()
    assert not m.MembershipEvidence.objects.exists() and not m.MembershipEvidence.history.exists()
    # The enforcement action against the group stays, without the person.
    enforcement.refresh_from_db()
    assert enforcement.person_id is None
    assert enforcement.outcome == "" and enforcement.source == retention.ANONYMISED_SOURCE  # its text too
    assert not enforcement.history.filter(outcome__contains="idle_member").exists()
    assert not enforcement.history.filter(person_id__in=due_ids).exists()
    # The old incident keeps only statistics; the new one is untouched.
    old_incident.refresh_from_db()
    assert (old_incident.place, old_incident.description, old_incident.source) == ("", "", retention.ANONYMISED_SOURCE)
    assert old_incident.incident_type == m.IncidentType.SHOOTING and old_incident.attributions.count() == 1
    assert not old_incident.involvements.exists()
    assert not m.Incident.history.filter(id=old_incident.pk).exclude(description="").exists()
    new_incident.refresh_from_db()
    assert new_incident.place == "Parken" and new_incident.involvements.count() == 1
    # What it did is recorded, with statistics that name nobody.
    stats = run.summary["statistics"]
    assert stats["persons_purged"] == len(DUE) and stats["incidents_anonymised"] == 1
    assert stats["records_purged"]["membership"] == 1 and stats["records_purged"]["risk_assessment"] == 1
    assert stats["involvements_by_role"] == {"suspect": 1}
    assert not run.dry_run and run.finished_at is not None
    assert "idle_adult" not in str(run.summary)
    # The access log outlives the person.
    assert m.AccessLog.objects.filter(person_id=people["idle_member"].pk).exists()


def test_a_second_run_finds_nothing(world):
    retention.run()
    again = retention.run()
    assert again.summary["persons"] == 0 and again.summary["incidents"] == 0
    assert m.RetentionRun.objects.count() == 2


def test_command_and_task(world):
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert f"{len(DUE)} persons" in out.getvalue() and m.Person.objects.filter(first_name="idle_adult").exists()
    from tasks.retention import run_retention

    run_id = run_retention.apply().get()
    assert m.RetentionRun.objects.get(pk=run_id).summary["statistics"]["persons_purged"] == len(DUE)
    assert not m.Person.objects.filter(first_name="idle_adult").exists()


def test_plan_queries_do_not_grow_with_persons(world, police, django_assert_max_num_queries):
    # Persons, incidents, scoring runs, digest delivery marks: one query each.
    with django_assert_max_num_queries(4):
        retention.plan()
    for _ in range(20):
        aged(f.PersonFactory(organisation=police), years=6)
    with django_assert_max_num_queries(4):
        assert len(retention.plan().person_ids) == len(DUE) + 20


# --- Rules by record kind, counted from the event (issue 17, point 7) ----------------------------


@pytest.fixture
def periods(settings):
    settings.GVI_RETENTION_PERSON_YEARS = 5
    settings.GVI_RETENTION_MINOR_YEARS = 3
    settings.GVI_RETENTION_YEARS_BY_KIND = {}
    settings.GVI_RETENTION_YEARS_BY_ORGANISATION_KIND = {}
    return settings


def _idle_person(org, years=7):
    return aged(f.PersonFactory(organisation=org, date_of_birth=dt.date(1990, 1, 1)), years=years)


def test_an_edit_or_a_decision_restarts_no_clock(periods, police):
    person = _idle_person(police)
    membership = aged(
        f.MembershipFactory(
            organisation=police, person=person, start_date=dt.date(2017, 1, 1), end_date=dt.date(2018, 1, 1)
        ),
        years=7,
    )
    # Decided on (or corrected) today: updated_at is now, the record's own dates are not.
    m.Membership.objects.filter(pk=membership.pk).update(status=m.MembershipStatus.REJECTED, updated_at=timezone.now())
    m.Person.objects.filter(pk=person.pk).update(updated_at=timezone.now())
    assert retention.due_persons(timezone.now()) == [person.pk]


def test_a_period_counts_from_its_end_not_from_when_it_was_recorded(periods, police, today):
    person = _idle_person(police)
    # Recorded seven years ago, but the supervision ended two years ago: its period runs from then.
    aged(
        f.SupervisionFactory(
            organisation=police, person=person, start_date=dt.date(2015, 1, 1), end_date=today - dt.timedelta(days=730)
        ),
        years=7,
    )
    assert retention.due_persons(timezone.now()) == []
    periods.GVI_RETENTION_YEARS_BY_KIND = {"supervision": 1}
    assert retention.due_persons(timezone.now()) == [person.pk]


def test_a_period_by_record_kind_and_by_organisation_kind(periods, police, social_services):
    person = _idle_person(police)
    aged(f.RiskAssessmentFactory(organisation=social_services, person=person), years=4)
    assert retention.due_persons(timezone.now()) == []  # four years < five
    periods.GVI_RETENTION_YEARS_BY_KIND = {"risk_assessment": 3}
    assert retention.due_persons(timezone.now()) == [person.pk]
    # Social services keep their risk assessments longer than the kind's rule.
    periods.GVI_RETENTION_YEARS_BY_ORGANISATION_KIND = {social_services.kind: {"risk_assessment": 10}}
    assert retention.due_persons(timezone.now()) == []
    assert retention.retention_years("risk_assessment", minor=False, organisation_kind=police.kind) == 3


def test_a_record_made_in_childhood_keeps_the_minors_period_after_18(periods, police, today):
    person = aged(f.PersonFactory(organisation=police, date_of_birth=today - dt.timedelta(days=22 * 365)), years=4)
    # Made four years ago, when he was 18 - 4 = under 18: the minors' period (three years) applies.
    aged(f.RiskAssessmentFactory(organisation=police, person=person), years=4)
    assert retention.due_persons(timezone.now()) == [person.pk]
