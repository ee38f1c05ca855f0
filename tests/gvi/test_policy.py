import pytest

from gvi import models as m
from gvi.policy import Action, can, scoped_queryset
from tests import factories as f

pytestmark = pytest.mark.django_db


def ids(qs):
    return set(qs.values_list("id", flat=True))


def test_nobody_sees_another_programmes_persons(police, police_coordinator, other_programme_officer):
    ours = f.PersonFactory(organisation=police)
    assert ids(scoped_queryset(other_programme_officer, "person")) == set()
    assert ids(scoped_queryset(police_coordinator, "person")) == {ours.id}


def test_risk_assessments_are_read_by_the_owning_organisation_only(
    police, probation, probation_officer, social_services_officer
):
    own = f.RiskAssessmentFactory(organisation=probation)
    f.RiskAssessmentFactory(organisation=police)
    assert ids(scoped_queryset(probation_officer, "risk_assessment")) == {own.id}
    assert ids(scoped_queryset(social_services_officer, "risk_assessment")) == set()


def test_minors_rule(
    police,
    social_services,
    minor_birth_date,
    police_coordinator,
    police_analyst,
    social_services_officer,
    probation_officer,
):
    minor_by_soc = f.PersonFactory(organisation=social_services, date_of_birth=minor_birth_date)
    adult = f.PersonFactory(organisation=police)
    assert ids(scoped_queryset(police_coordinator, "person")) == {minor_by_soc.id, adult.id}
    assert ids(scoped_queryset(police_analyst, "person")) == {adult.id}
    # Partner officers see minors only in their own organisation's records.
    assert ids(scoped_queryset(social_services_officer, "person")) == {minor_by_soc.id, adult.id}
    assert ids(scoped_queryset(probation_officer, "person")) == {adult.id}


def test_minors_rule_follows_the_person_into_related_records(police, minor_birth_date, police_analyst):
    minor = f.PersonFactory(organisation=police, date_of_birth=minor_birth_date)
    hidden = f.InvolvementFactory(organisation=police, person=minor)
    shown = f.InvolvementFactory(organisation=police)
    assert ids(scoped_queryset(police_analyst, "involvement")) == {shown.id}
    assert hidden.id not in ids(scoped_queryset(police_analyst, "involvement"))


def test_follow_up_without_person_is_not_hidden_as_a_minors(police, police_analyst):
    follow_up = f.FollowUpFactory(owner_organisation=police)
    assert ids(scoped_queryset(police_analyst, "follow_up")) == {follow_up.id}


def test_write_rules_own_organisation(police, probation, probation_officer):
    own = f.CustomNotificationFactory(organisation=probation)
    theirs = f.CustomNotificationFactory(organisation=police)
    assert can(probation_officer, "custom_notification", Action.CHANGE, own)
    assert not can(probation_officer, "custom_notification", Action.CHANGE, theirs)
    assert can(probation_officer, "custom_notification", Action.READ, theirs)
    new_for_police = f.CustomNotificationFactory.build(
        organisation=police, programme=police.programme, person=own.person
    )
    assert not can(probation_officer, "custom_notification", Action.CREATE, new_for_police)


def test_auditor_reads_but_never_writes(police, auditor):
    person = f.PersonFactory(organisation=police)
    assert can(auditor, "person", Action.READ, person)
    assert not can(auditor, "person", Action.CHANGE, person)
    assert not can(auditor, "person", Action.DELETE, person)


def test_user_without_organisation_sees_nothing(police):
    f.PersonFactory(organisation=police)
    loner = f.UserFactory(organisation=None, role=m.Role.COORDINATOR)
    assert not scoped_queryset(loner, "person").exists()


def test_anonymous_sees_nothing(police):
    from django.contrib.auth.models import AnonymousUser

    f.PersonFactory(organisation=police)
    assert not scoped_queryset(AnonymousUser(), "person").exists()


def test_call_in_list_counts_only_the_invitations_the_user_may_see(
    police, probation_officer, police_coordinator, minor_birth_date
):
    from gvi.selectors.callins import call_in_list

    call_in = f.CallInFactory(organisation=police)
    f.InvitationFactory(organisation=police, call_in=call_in, status=m.InvitationStatus.ATTENDED)
    minor = f.PersonFactory(organisation=police, date_of_birth=minor_birth_date)
    f.InvitationFactory(organisation=police, call_in=call_in, person=minor, status=m.InvitationStatus.ATTENDED)
    seen_by_coordinator = call_in_list(police_coordinator).get(pk=call_in.pk)
    seen_by_analyst = call_in_list(probation_officer).get(pk=call_in.pk)
    assert (seen_by_coordinator.invited, seen_by_coordinator.attended) == (2, 2)
    assert (seen_by_analyst.invited, seen_by_analyst.attended) == (1, 1)  # the minor's is not even counted
