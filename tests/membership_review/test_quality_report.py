"""The quality and equality report on a hand-made set whose figures are known."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from gvi import models as m
from gvi.models.people import years_before
from gvi.selectors.quality_report import quality_report
from gvi.services import memberships, rights
from tests import factories as f

pytestmark = pytest.mark.django_db


def born(today, years, days=10):
    """A birth date making the person `years` old today (and `days` past the birthday)."""
    return years_before(today, years) - dt.timedelta(days=days)


def set_wait(membership, days):
    """Move the proposal back in history so the wait from proposal to approval is `days`."""
    history = m.Membership.history.filter(id=membership.pk)
    approved_at = history.filter(status="active").earliest("history_date").history_date
    history.filter(status="proposed").update(history_date=approved_at - dt.timedelta(days=days))


@pytest.fixture
def hand_made_set(programme, police, probation, social_services, police_coordinator, probation_coordinator, propose):
    today = timezone.localdate()
    third_coordinator = f.UserFactory(organisation=social_services, role=m.Role.COORDINATOR)
    north = f.AreaFactory(programme=programme, name="Norr")
    south = f.AreaFactory(programme=programme, name="Söder")
    person = lambda years, sex=m.Sex.MALE, area=None: f.PersonFactory(  # noqa: E731
        organisation=police, date_of_birth=born(today, years), sex=sex, home_area=area
    )

    def approved(who, group=None, wait=0):
        membership = propose(police_coordinator, person=who, group=group)
        memberships.approve_membership(user=probation_coordinator, membership=membership, reason="Två källor")
        set_wait(membership, wait)
        membership.refresh_from_db()
        return membership

    def active(who, n_evidence=0, **kwargs):
        kwargs.setdefault("status", "active")
        membership = f.MembershipFactory(organisation=police, person=who, **kwargs)
        for criterion in m.InclusionCriterion.objects.all()[:n_evidence]:
            m.MembershipEvidence.objects.create(membership=membership, criterion=criterion, source_reference="R")
        return membership

    a = person(16, m.Sex.FEMALE, north)  # 15–17, listed, no incidents
    a_membership = approved(a, wait=2)
    b = person(19, area=north)  # 18–20, single criterion, past review, recent violence
    active(b, n_evidence=1, review_due=today - dt.timedelta(days=1))
    f.InvolvementFactory(organisation=police, person=b, role="suspect")
    c = person(35, area=south)  # 30+, two memberships, old violence, recent victim
    c1, c2 = approved(c, wait=4), approved(c, wait=9)
    m.Membership.objects.filter(pk__in=[c1.pk, c2.pk]).update(review_due=None)
    old = f.IncidentFactory(organisation=police, occurred_at=timezone.now() - dt.timedelta(days=3 * 365))
    f.InvolvementFactory(organisation=police, person=c, incident=old, role="suspect")
    f.InvolvementFactory(organisation=police, person=c, role="victim")
    d = person(22, m.Sex.UNKNOWN)  # only proposed: not listed
    propose(police_coordinator, person=d)
    e = person(40, area=south)  # lapsed: not listed
    active(e, status="lapsed")
    g = person(25, area=south)  # 25–29, no evidence, unfounded "violence"
    active(g, review_due=today + dt.timedelta(days=30))
    unfounded = f.IncidentFactory(organisation=police, verification_status=m.VerificationStatus.UNFOUNDED)
    f.InvolvementFactory(organisation=police, person=g, incident=unfounded, role="suspect")
    h = person(45)  # contest upheld: no longer listed
    h_membership = active(h, n_evidence=2, review_due=today + dt.timedelta(days=30))
    # Another programme's listing never shows.
    stranger_org = f.OrganisationFactory(programme=f.ProgrammeFactory(name="Annan"))
    f.MembershipFactory(organisation=stranger_org, status="active")

    # Contests: one open, one rejected, one upheld. Corrections: one open, one made.
    rights.log_request(user=third_coordinator, person=c, kind="contest", membership=c1)
    rejected = rights.log_request(user=third_coordinator, person=a, kind="contest", membership=a_membership)
    rights.decide_request(user=third_coordinator, request=rejected, status="rejected", reason="Underlaget håller")
    upheld = rights.log_request(user=third_coordinator, person=h, kind="contest", membership=h_membership)
    rights.decide_request(user=third_coordinator, request=upheld, status="upheld", reason="Förväxling")
    rights.log_request(user=third_coordinator, person=b, kind="correction")
    made = rights.log_request(user=third_coordinator, person=g, kind="correction")
    rights.correct_record(user=third_coordinator, request=made, kind="person", obj=g, changes={"home_area": north})
    rights.decide_request(user=third_coordinator, request=made, status="upheld", reason="Fel område")
    # A re-approval does not change the measured wait.
    memberships.reapprove_membership(user=third_coordinator, membership=a_membership, reason="Består")
    return {"north": north, "south": south}


def test_areas_with_the_most_people_listed_first_then_by_name_and_no_area_last(programme, police, police_coordinator):
    for area, people in (("Öster", 1), (None, 1), ("Väster", 2), ("Alby", 1)):
        home = area and f.AreaFactory(programme=programme, name=area)
        for _ in range(people):
            f.MembershipFactory(organisation=police, person=f.PersonFactory(organisation=police, home_area=home))
    with translation.override("en"):
        report = quality_report(user=police_coordinator)
    assert report.by_area == [("Väster", 2), ("Alby", 1), ("Öster", 1), ("No area recorded", 1)]
    assert report.people_listed == sum(n for _, n in report.by_sex) == sum(n for _, n in report.by_age_band) == 5


def test_figures_on_a_hand_made_set(hand_made_set, police_coordinator, django_assert_max_num_queries):
    with django_assert_max_num_queries(12), translation.override("en"):
        report = quality_report(user=police_coordinator)
    assert report.people_listed == 4  # a, b, c, g
    assert report.by_age_band == [
        ("under 15", 0),
        ("15–17", 1),
        ("18–20", 1),
        ("21–24", 0),
        ("25–29", 1),
        ("30 and over", 1),
    ]
    assert report.by_sex == [("Female", 1), ("Male", 3), ("Other", 0), ("Unknown", 0)]
    assert report.by_area == [("Norr", 3), ("Söder", 1)]  # g was corrected from Söder to Norr
    assert report.active_memberships == 5  # a, b, c1, c2, g
    assert (report.single_criterion, report.single_criterion_share) == (2, 40.0)  # b (one), g (none)
    assert (report.past_review, report.past_review_share) == (1, 20.0)
    assert report.without_review_date == 2  # c1, c2
    assert report.lapsed == 1
    assert (report.no_violence, report.no_violence_share) == (3, 75.0)  # a, c, g
    assert (report.approvals_measured, report.approval_median_days) == (3, 4.0)
    assert (report.contested_now, report.contests_received) == (1, 3)
    assert (report.contests_upheld, report.contests_rejected) == (1, 1)
    assert (report.corrections_received, report.corrections_made) == (2, 1)
    assert not any("ethnic" in str(label).lower() for _section, label, _value in report.rows())


def test_median_of_an_even_number_is_the_mean_of_the_middle_two(
    police, police_coordinator, probation_coordinator, propose
):
    for wait in (1, 3, 10, 20):
        membership = propose(police_coordinator)
        memberships.approve_membership(user=probation_coordinator, membership=membership, reason="Ok")
        set_wait(membership, wait)
    assert quality_report(user=police_coordinator).approval_median_days == 6.5


def test_empty_programme(police_coordinator):
    report = quality_report(user=police_coordinator)
    assert report.people_listed == 0 and report.approval_median_days is None
    assert report.single_criterion_share is None


def test_auditor_sees_it_partners_do_not(hand_made_set, auditor, probation_officer, police_analyst):
    assert quality_report(user=auditor).people_listed == 4
    for user in (probation_officer, police_analyst):
        with pytest.raises(PermissionDenied):
            quality_report(user=user)
