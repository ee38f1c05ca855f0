"""factory_boy factories for every model tests need. Synthetic data only."""

import datetime as dt

import factory
from django.utils import timezone

from gvi import models as m


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Programme
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Testsatsning {n}")
    city = "Teststad"

    @factory.post_generation
    def sharing_bases(obj, create, extracted, **kwargs):
        """Programmes share on the default legal bases unless a test says otherwise (False)."""
        if create and extracted is not False:
            from gvi.services.sharing import apply_default_bases

            apply_default_bases(obj)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.PartnerOrganisation

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = m.OrganisationKind.POLICE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Användare{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    organisation = factory.SubFactory(OrganisationFactory)
    role = m.Role.PARTNER_OFFICER
    password = factory.django.Password("correct-horse-battery-staple")


class SourcedFactory(factory.django.DjangoModelFactory):
    """Fills programme, owning organisation, source and confidence."""

    class Meta:
        abstract = True

    organisation = factory.SubFactory(OrganisationFactory)
    programme = factory.SelfAttribute("organisation.programme")
    source = factory.Sequence(lambda n: f"TEST-{n:06d}")
    confidence = m.Confidence.PROBABLE


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Area

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Område {n}")
    police_classification = m.PoliceClassification.VULNERABLE


class GroupFactory(SourcedFactory):
    class Meta:
        model = m.Group

    name = factory.Sequence(lambda n: f"Gruppering {n}")
    status = m.GroupStatus.ACTIVE


class PersonFactory(SourcedFactory):
    class Meta:
        model = m.Person

    first_name = factory.Sequence(lambda n: f"Förnamn{n}")
    last_name = factory.Sequence(lambda n: f"Efternamn{n}")
    date_of_birth = dt.date(1998, 5, 17)
    sex = m.Sex.MALE


class InclusionCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.InclusionCriterion

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"criterion-{n}")
    name = factory.Sequence(lambda n: f"Kriterium {n}")


class MembershipFactory(SourcedFactory):
    class Meta:
        model = m.Membership

    person = factory.SubFactory(PersonFactory, organisation=factory.SelfAttribute("..organisation"))
    group = factory.SubFactory(GroupFactory, organisation=factory.SelfAttribute("..organisation"))
    start_date = dt.date(2025, 1, 1)
    status = m.MembershipStatus.ACTIVE


class SupervisionFactory(SourcedFactory):
    class Meta:
        model = m.Supervision

    person = factory.SubFactory(PersonFactory, organisation=factory.SelfAttribute("..organisation"))
    kind = m.SupervisionKind.PROBATION
    start_date = dt.date(2025, 1, 1)


class IncidentFactory(SourcedFactory):
    class Meta:
        model = m.Incident

    incident_type = m.IncidentType.SHOOTING
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
    verification_status = m.VerificationStatus.VERIFIED


class InvolvementFactory(SourcedFactory):
    class Meta:
        model = m.Involvement

    incident = factory.SubFactory(IncidentFactory, organisation=factory.SelfAttribute("..organisation"))
    person = factory.SubFactory(PersonFactory, organisation=factory.SelfAttribute("..organisation"))
    role = m.InvolvementRole.SUSPECT


class GroupAttributionFactory(SourcedFactory):
    class Meta:
        model = m.GroupAttribution

    incident = factory.SubFactory(IncidentFactory, organisation=factory.SelfAttribute("..organisation"))
    group = factory.SubFactory(GroupFactory, organisation=factory.SelfAttribute("..organisation"))
    share = 1
    # Counting, as most tests need; the four-eyes path is gvi.services.incidents.confirm_attribution.
    status = m.AttributionStatus.CONFIRMED


class CallInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.CallIn

    organisation = factory.SubFactory(OrganisationFactory)
    programme = factory.SelfAttribute("organisation.programme")
    scheduled_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))
    venue = "Stadshuset"


class InvitationFactory(SourcedFactory):
    class Meta:
        model = m.Invitation

    call_in = factory.SubFactory(CallInFactory, organisation=factory.SelfAttribute("..organisation"))
    person = factory.SubFactory(PersonFactory, organisation=factory.SelfAttribute("..organisation"))


class CustomNotificationFactory(SourcedFactory):
    class Meta:
        model = m.CustomNotification
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory, organisation=factory.SelfAttribute("..organisation"))
    delivered_on = factory.LazyFunction(timezone.localdate)
    response = m.NotificationResponse.LISTENED

    @factory.post_generation
    def delivering_organisations(self, create, extracted, **kwargs):
        if create:
            self.delivering_organisations.set(extracted or [self.organisation])


class EnforcementActionFactory(SourcedFactory):
    class Meta:
        model = m.EnforcementAction

    group = factory.SubFactory(GroupFactory, organisation=factory.SelfAttribute("..organisation"))
    kind = m.EnforcementKind.CONTROL
    performed_on = factory.LazyFunction(timezone.localdate)


class ServiceReferralFactory(SourcedFactory):
    class Meta:
        model = m.ServiceReferral

    person = factory.SubFactory(PersonFactory, organisation=factory.SelfAttribute("..organisation"))
    kind = m.ServiceKind.EMPLOYMENT
    offered_on = factory.LazyFunction(timezone.localdate)


class ConcernReportFactory(SourcedFactory):
    class Meta:
        model = m.ConcernReport

    person = factory.SubFactory(
        PersonFactory,
        organisation=factory.SelfAttribute("..organisation"),
        date_of_birth=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=16 * 365)),
    )
    reported_on = factory.LazyFunction(timezone.localdate)
    reason = "Oro för barnets säkerhet"


class ExitCaseFactory(SourcedFactory):
    class Meta:
        model = m.ExitCase

    person = factory.SubFactory(PersonFactory, organisation=factory.SelfAttribute("..organisation"))
    opened_on = factory.LazyFunction(timezone.localdate)


class RiskAssessmentFactory(SourcedFactory):
    class Meta:
        model = m.RiskAssessment

    person = factory.SubFactory(PersonFactory, organisation=factory.SelfAttribute("..organisation"))
    kind = m.RiskKind.THREAT_TO
    level = m.RiskLevel.HIGH
    assessed_on = factory.LazyFunction(timezone.localdate)
    next_review_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.FollowUp

    owner_organisation = factory.SubFactory(OrganisationFactory)
    programme = factory.SelfAttribute("owner_organisation.programme")
    title = factory.Sequence(lambda n: f"Uppföljning {n}")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


# --- Scores, flags and relations (added for the web UI tests) ---------------------------------


class GroupRelationFactory(SourcedFactory):
    class Meta:
        model = m.GroupRelation

    group_a = factory.SubFactory(GroupFactory, organisation=factory.SelfAttribute("..organisation"))
    group_b = factory.SubFactory(GroupFactory, organisation=factory.SelfAttribute("..organisation"))
    kind = m.RelationKind.CONFLICT
    start_date = dt.date(2025, 6, 1)


class ScoringRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ScoringRun

    programme = factory.SubFactory(ProgrammeFactory)
    as_of = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    trigger = "test"


class GroupScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.GroupScore

    run = factory.SubFactory(ScoringRunFactory)
    group = factory.SubFactory(GroupFactory)
    score = 10.0
    rank = 1
    incident_count = 1


class ScoreContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ScoreContribution

    group_score = factory.SubFactory(GroupScoreFactory)
    incident = factory.SubFactory(IncidentFactory)
    contribution = 5.0
    detail = factory.LazyFunction(lambda: {"weight": 5, "decay": 1.0, "attribution": 1.0, "confidence": 1.0})


class GroupFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.GroupFlag

    group = factory.SubFactory(GroupFactory)
    programme = factory.SelfAttribute("group.programme")
    run = factory.SubFactory(ScoringRunFactory, programme=factory.SelfAttribute("..programme"))
    status = m.FlagStatus.SUGGESTED
    score = 10.0
