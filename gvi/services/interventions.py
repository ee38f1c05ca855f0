"""Interventions offered as help: service referrals, exit cases, concern reports for minors, risk assessments."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gvi.models import ConcernReport, Confidence, ExitCase, RiskAssessment, ServiceReferral
from gvi.services.common import create_record, create_record_with_rules, require_visible, update_record


@transaction.atomic
def refer_to_service(
    *, user, person, kind: str, offered_on, source: str, confidence: str = Confidence.CONFIRMED, status="offered"
) -> ServiceReferral:
    """Record a service offered to a person."""
    require_visible(user, "person", person, "person")
    return create_record(
        ServiceReferral(
            person=person, kind=kind, offered_on=offered_on, status=status, source=source, confidence=confidence
        ),
        user=user,
        kind="service_referral",
    )


@transaction.atomic
def update_referral_status(*, user, referral: ServiceReferral, status: str) -> ServiceReferral:
    """Move a referral on (accepted, in progress, completed, ...)."""
    return update_record(referral, user=user, kind="service_referral", status=status)


@transaction.atomic
def open_exit_case(*, user, person, opened_on, source: str, confidence: str = Confidence.CONFIRMED) -> ExitCase:
    """Open exit support (avhopp) for a person."""
    require_visible(user, "person", person, "person")
    return create_record(
        ExitCase(person=person, opened_on=opened_on, source=source, confidence=confidence), user=user, kind="exit_case"
    )


@transaction.atomic
def file_concern_report(
    *,
    user,
    person,
    reported_on,
    reason: str,
    source: str,
    social_services_reference: str = "",
    confidence: str = Confidence.CONFIRMED,
) -> ConcernReport:
    """Record a concern report (orosanmälan). Only for persons who are minors on the day."""
    require_visible(user, "person", person, "person")
    if not person.is_minor(on=reported_on):
        raise ValidationError({"person": _("A concern report is only made for a minor.")})
    report = create_record_with_rules(
        ConcernReport(
            person=person,
            reported_on=reported_on,
            reason=reason,
            social_services_reference=social_services_reference,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="concern_report",
    )
    return report


@transaction.atomic
def assess_risk(
    *,
    user,
    person,
    kind: str,
    level: str,
    assessed_on,
    next_review_on,
    source: str,
    confidence: str = Confidence.CONFIRMED,
    summary: str = "",
) -> RiskAssessment:
    """Record a risk assessment with its next review date."""
    require_visible(user, "person", person, "person")
    if next_review_on and assessed_on and next_review_on < assessed_on:
        raise ValidationError({"next_review_on": _("The next review cannot be before the assessment.")})
    assessment = create_record_with_rules(
        RiskAssessment(
            person=person,
            kind=kind,
            level=level,
            assessed_on=assessed_on,
            next_review_on=next_review_on,
            summary=summary,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="risk_assessment",
    )
    return assessment
