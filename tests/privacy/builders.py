"""Build one record of any policy record kind, owned by a given organisation, about an adult or a minor."""

import datetime as dt

from django.utils import timezone

from gvi import models as m
from tests import factories as f

# `minor` is True (under 18 today), False (an adult, always was in the records) or WAS_MINOR
# (20 today, the record made when the person was 16: under the minors rule by age at the record).
WAS_MINOR = "was_minor"


def birth_date(minor) -> dt.date:
    today = timezone.localdate()
    if minor == WAS_MINOR:
        return today - dt.timedelta(days=20 * 365)
    return today - dt.timedelta(days=16 * 365) if minor else dt.date(1990, 3, 14)


def made_in_childhood(obj):
    """Date the record back to when its person (20 today) was 16: `created_at`, as the row holds it."""
    four_years_ago = timezone.now() - dt.timedelta(days=4 * 365)
    type(obj)._default_manager.filter(pk=obj.pk).update(created_at=four_years_ago)
    obj.created_at = four_years_ago
    return obj


def _person(org, minor):
    return f.PersonFactory(organisation=org, date_of_birth=birth_date(minor))


def _sourced(org):
    return {"organisation": org, "programme": org.programme, "source": "TEST-WALK", "confidence": "probable"}


def build(kind: str, org, minor=False):
    """A saved record of `kind` owned by `org` (for person-linked kinds, about an adult, a minor or,
    with WAS_MINOR, an adult it was recorded about as a child)."""
    obj = _build(kind, org, minor)
    return made_in_childhood(obj) if minor == WAS_MINOR else obj


def _build(kind: str, org, minor=False):
    today = timezone.localdate()
    match kind:
        case "area":
            return f.AreaFactory(programme=org.programme)
        case "group":
            return f.GroupFactory(organisation=org)
        case "group_relation":
            return m.GroupRelation.objects.create(
                group_a=f.GroupFactory(organisation=org),
                group_b=f.GroupFactory(organisation=org),
                kind=m.RelationKind.CONFLICT,
                start_date=today,
                **_sourced(org),
            )
        case "person":
            return _person(org, minor)
        case "membership":
            return f.MembershipFactory(organisation=org, person=_person(org, minor))
        case "supervision":
            return f.SupervisionFactory(organisation=org, person=_person(org, minor))
        case "incident":
            return f.IncidentFactory(organisation=org)
        case "involvement":
            return f.InvolvementFactory(organisation=org, person=_person(org, minor))
        case "group_attribution":
            return f.GroupAttributionFactory(organisation=org)
        case "call_in":
            return f.CallInFactory(organisation=org)
        case "invitation":
            return f.InvitationFactory(organisation=org, person=_person(org, minor))
        case "custom_notification":
            return f.CustomNotificationFactory(organisation=org, person=_person(org, minor))
        case "enforcement_action":
            return f.EnforcementActionFactory(organisation=org, person=_person(org, minor))
        case "service_referral":
            return f.ServiceReferralFactory(organisation=org, person=_person(org, minor))
        case "exit_case":
            return m.ExitCase.objects.create(person=_person(org, minor), opened_on=today, **_sourced(org))
        case "concern_report":
            return f.ConcernReportFactory(organisation=org, person=_person(org, minor))
        case "risk_assessment":
            return f.RiskAssessmentFactory(organisation=org, person=_person(org, minor))
        case "follow_up":
            return f.FollowUpFactory(owner_organisation=org, person=_person(org, minor))
        case "flag":
            return m.GroupFlag.objects.create(
                programme=org.programme,
                group=f.GroupFactory(organisation=org),
                score=1.0,
                status=m.FlagStatus.REJECTED,
            )
        case "notice":
            return m.Notice.objects.create(
                person=_person(org, minor), method=m.NoticeMethod.LETTER, given_on=today, **_sourced(org)
            )
        case "data_subject_request":
            return m.DataSubjectRequest.objects.create(
                programme=org.programme, person=_person(org, minor), kind=m.RequestKind.ACCESS, received_on=today
            )
        case "consent":
            return m.Consent.objects.create(
                person=_person(org, minor), scope=m.ConsentScope.CONTACT, given_on=today, **_sourced(org)
            )
        case "access_log":
            return m.AccessLog.objects.create(
                organisation=org, action=m.AccessAction.READ, record_kind="person", object_id="1"
            )
    raise KeyError(kind)
