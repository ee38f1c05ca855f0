"""`manage.py seed`: the small scale loads, obeys the model's rules, and is reproducible."""

import datetime as dt
import math

import pytest
from django.apps import apps
from django.contrib.auth.hashers import is_password_usable
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from gvi import models as m
from gvi.seed.runner import run


@pytest.fixture
def seeded(db):
    call_command("seed", "--scale", "small", "--seed", "3", verbosity=0)
    return m.Programme.objects.get()


def test_every_membership_period_is_valid(seeded):
    memberships = list(m.Membership.objects.all())
    assert len(memberships) > 50
    for membership in memberships:
        assert membership.end_date is None or membership.end_date >= membership.start_date
        assert membership.start_date <= timezone.localdate()
        membership.full_clean()  # includes the no-overlap rule for proposed and active memberships


def test_concern_reports_only_for_minors(seeded):
    reports = list(m.ConcernReport.objects.select_related("person"))
    assert reports
    for report in reports:
        assert report.person.is_minor(on=report.reported_on)
        assert report.person.is_minor()


def test_every_sourced_record_has_source_and_confidence(seeded):
    sourced_models = [model for model in apps.get_app_config("gvi").get_models() if issubclass(model, m.SourcedModel)]
    assert len(sourced_models) >= 15
    for model in sourced_models:
        rows = model.objects.all()
        assert rows.exists(), f"{model.__name__} is not seeded"
        assert not rows.filter(Q(source="") | ~Q(confidence__in=m.Confidence.values)).exists(), model.__name__
        assert not rows.exclude(programme=seeded).exists(), model.__name__


def test_statuses_and_review_pages_are_not_empty(seeded):
    today = timezone.localdate()
    statuses = set(m.Membership.objects.values_list("status", flat=True))
    assert {"proposed", "active", "rejected", "lapsed"} <= statuses
    contested = m.Membership.objects.filter(is_contested=True)
    assert contested.exists()
    for membership in contested:
        assert membership.requests.filter(kind=m.RequestKind.CONTEST).exists()
    assert m.Membership.objects.filter(status="active", is_key_individual=True).exists()
    invitations = set(m.Invitation.objects.values_list("status", flat=True))
    assert {"attended", "no_show", "excused"} <= invitations
    assert set(m.CallInSpeaker.objects.values_list("message_kind", flat=True)) == set(m.MessageKind.values)
    assert set(m.Supervision.objects.values_list("kind", flat=True)) >= {"probation", "conditional_release"}
    assert m.Supervision.objects.filter(end_date__gte=today, end_date__lte=today + dt.timedelta(days=30)).exists()
    assert m.FollowUp.objects.overdue().filter(origin="manual").exists()
    assert m.RiskAssessment.objects.filter(next_review_on__lt=today).exists()
    assert m.RiskAssessment.objects.filter(next_review_on__gte=today).exists()
    assert m.EnforcementAction.objects.filter(flag__status=m.FlagStatus.CONFIRMED).exists()
    assert m.GroupRelation.objects.filter(kind="conflict").exists()
    assert m.Involvement.objects.filter(role="victim").exclude(person__memberships__isnull=False).exists()
    assert len(set(m.Incident.objects.values_list("verification_status", flat=True))) >= 3
    now = timezone.now()
    for week in range(4):  # this week and the previous weeks all have incidents: a trend to show
        start, end = now - dt.timedelta(days=7 * (week + 1)), now - dt.timedelta(days=7 * week)
        assert m.Incident.objects.filter(occurred_at__gt=start, occurred_at__lte=end).exists()
    assert not m.Incident.objects.filter(occurred_at__gt=now).exists()


def test_proposed_and_active_memberships_cite_enough_criteria(seeded):
    memberships = m.Membership.objects.filter(status__in=["proposed", "active"]).annotate(
        criteria=Count("evidence__criterion", distinct=True)
    )
    assert memberships.exists()
    assert min(memberships.values_list("criteria", flat=True)) >= seeded.min_inclusion_criteria
    assert not m.MembershipEvidence.objects.filter(source_reference="").exists()


def test_incidents_are_logged_after_they_occur_not_all_at_once(seeded):
    """The review's "logged since the last review" needs logging times spread as in a programme."""
    incidents = m.Incident.objects.all()
    assert not incidents.filter(created_at__lt=F("occurred_at")).exists()
    assert not incidents.filter(created_at__gt=timezone.now()).exists()
    last_week = timezone.now() - dt.timedelta(days=7)
    assert 0 < incidents.filter(created_at__gte=last_week).count() < incidents.count() / 2


def test_incidents_skew_toward_a_few_groups(seeded):
    counts = sorted(
        m.Group.objects.annotate(n=Count("attributions")).values_list("n", flat=True),
        reverse=True,
    )
    top = max(1, math.ceil(len(counts) / 10))
    share = sum(counts[:top]) / sum(counts)
    assert share >= 0.3  # a uniform spread would give the top tenth about 12 %


def test_users_cannot_log_in_but_demo_login_works(seeded, capsys):
    users = list(m.User.objects.all())
    assert len(users) == m.PartnerOrganisation.objects.count() * len(m.Role.values)
    assert not any(is_password_usable(user.password) for user in users)
    assert set(m.PartnerOrganisation.objects.values_list("kind", flat=True)) >= {
        "police",
        "probation",
        "municipality",
        "civil_society",
    }
    call_command("demo_login")
    demo = m.User.objects.get(username="demo.samordnare")
    assert demo.has_usable_password()
    assert demo.role == m.Role.COORDINATOR and demo.organisation.kind == m.OrganisationKind.POLICE


def test_persons_carry_no_identity_numbers(seeded):
    assert not m.Person.objects.exclude(personnummer_hash="").exists()
    assert not m.Person.objects.exclude(personnummer_encrypted="").exists()


def test_if_empty_is_idempotent(db):
    call_command("seed", "--scale", "small", "--if-empty", verbosity=0)
    counts = (m.Programme.objects.count(), m.Person.objects.count(), m.Incident.objects.count())
    assert counts[0] == 1 and counts[2] > 0
    call_command("seed", "--scale", "small", "--if-empty", verbosity=0)
    assert (m.Programme.objects.count(), m.Person.objects.count(), m.Incident.objects.count()) == counts


def test_refused_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed", "--scale", "small", verbosity=0)
    assert not m.Programme.objects.exists()


def fingerprint(programme) -> tuple:
    """What the seed made for one programme, without database ids or the city name."""
    persons = m.Person.objects.filter(programme=programme).order_by("id")
    return (
        list(persons.values_list("first_name", "last_name", "date_of_birth", "sex", "confidence")),
        list(m.Group.objects.filter(programme=programme).order_by("id").values_list("name", "status")),
        list(
            m.Membership.objects.filter(programme=programme)
            .order_by("id")
            .values_list("person__first_name", "group__name", "start_date", "end_date", "status", "is_key_individual")
        ),
        list(
            m.Incident.objects.filter(programme=programme)
            .order_by("id")
            .values_list("incident_type", "occurred_at", "area__name", "killed", "injured", "source")
        ),
        list(
            m.Involvement.objects.filter(programme=programme)
            .order_by("id")
            .values_list("incident__source", "person__last_name", "role")
        ),
        list(
            m.CustomNotification.objects.filter(programme=programme)
            .order_by("id")
            .values_list("response", "delivered_on")
        ),
    )


def test_same_seed_gives_same_data(db):
    now = timezone.now()
    run(scale="small", seed=5, city="Ettby", now=now)
    run(scale="small", seed=5, city="Tvåby", now=now)
    run(scale="small", seed=6, city="Treby", now=now)
    first, second, other = (fingerprint(m.Programme.objects.get(city=c)) for c in ("Ettby", "Tvåby", "Treby"))
    assert first == second
    assert first != other


def test_a_second_run_with_the_same_city_is_refused_clearly(seeded):
    with pytest.raises(CommandError, match="exists already"):
        call_command("seed", "--scale", "small", "--seed", "3", verbosity=0)
    call_command("seed", "--scale", "small", "--seed", "3", "--city", "Andraby", verbosity=0)
    assert m.Programme.objects.count() == 2


def test_the_seeded_flag_was_suggested_before_it_was_decided(seeded):
    flag = m.GroupFlag.objects.get(status=m.FlagStatus.CONFIRMED)
    assert flag.decided_at is not None
    assert flag.suggested_at < flag.decided_at
    assert flag.suggested_at < timezone.now() - dt.timedelta(days=1)  # not the seeding time


def test_fields_the_seed_leaves_out_get_their_defaults(seeded):
    """COPY (PostgreSQL) does not apply the model's defaults: the sink fills the NOT NULL fields the
    rows leave out (the exit case's contacts and plan were added after the seed was written)."""
    cases = m.ExitCase.objects.all()
    assert cases.exists()
    assert set(cases.values_list("contacts", "plan").distinct()) == {("", "")}
    assessments = m.RiskAssessment.objects.all()
    assert assessments.exists()
    assert "" in set(assessments.values_list("actor_measures", flat=True))
