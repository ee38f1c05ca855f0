"""Interventions offered as help: service referrals, exit cases, concern reports for minors, risk assessments."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import jobs
from gvi.followup_rules import RULE_RISK_REVIEW
from gvi.models import ConcernReport, Confidence, ExitCase, ExitCaseStatus, RiskAssessment, ServiceReferral
from gvi.services.common import create_record, create_record_with_rules, require_visible, update_record
from gvi.services.followups import move_rule_follow_ups


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


FINISHED_EXIT_STATUSES = (ExitCaseStatus.COMPLETED, ExitCaseStatus.DROPPED)


def _closing_date(status: str, closed_on, opened_on):
    """A finished case closes today unless a date is given; an open or active one has no closing date."""
    if status in FINISHED_EXIT_STATUSES:
        return closed_on or max(timezone.localdate(), opened_on) if opened_on else closed_on
    return closed_on


@transaction.atomic
def open_exit_case(
    *,
    user,
    person,
    opened_on,
    source: str,
    confidence: str = Confidence.CONFIRMED,
    status: str = ExitCaseStatus.OPEN,
    plan: str = "",
    contacts: str = "",
    risk_assessment=None,
    closed_on=None,
) -> ExitCase:
    """Open exit support (avhopp) for a person, with its plan and contacts, linked to the
    assessment of the threat to the person where one exists (and the user may see it)."""
    require_visible(user, "person", person, "person")
    require_visible(user, "risk_assessment", risk_assessment, "risk_assessment")
    return create_record(
        ExitCase(
            person=person,
            opened_on=opened_on,
            status=status,
            closed_on=_closing_date(status, closed_on, opened_on),
            plan=plan,
            contacts=contacts,
            risk_assessment=risk_assessment,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="exit_case",
    )


EXIT_CASE_CHANGES = ("status", "plan", "contacts", "risk_assessment", "closed_on", "source", "confidence")


@transaction.atomic
def update_exit_case(*, user, exit_case: ExitCase, **changes) -> ExitCase:
    """Move an exit case on: its status, plan, contacts, threat assessment. Finishing it
    (completed, dropped) closes it today unless a closing date is given; reopening clears it."""
    unknown = set(changes) - set(EXIT_CASE_CHANGES)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    exit_case = ExitCase.objects.select_for_update().get(pk=exit_case.pk)
    status = changes.get("status", exit_case.status)
    if "status" in changes or "closed_on" in changes:
        closed_on = changes.get("closed_on", exit_case.closed_on if status in FINISHED_EXIT_STATUSES else None)
        changes["closed_on"] = _closing_date(status, closed_on, exit_case.opened_on)
    return update_record(exit_case, user=user, kind="exit_case", **changes)


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
    protection: str = "",
    support: str = "",
    actor_measures: str = "",
    contact_ban: bool = False,
) -> RiskAssessment:
    """Record a risk assessment with its protective measures and next review date."""
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
            protection=protection,
            support=support,
            actor_measures=actor_measures,
            contact_ban=contact_ban,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="risk_assessment",
    )
    return assessment


RISK_ASSESSMENT_CHANGES = (
    "level",
    "next_review_on",
    "summary",
    "protection",
    "support",
    "actor_measures",
    "contact_ban",
    "source",
    "confidence",
)


@transaction.atomic
def update_risk_assessment(*, user, assessment: RiskAssessment, **changes) -> RiskAssessment:
    """Change an assessment's level, protective measures or next review date (who assessed it and
    when stays). An open review follow-up moves with a new review date."""
    unknown = set(changes) - set(RISK_ASSESSMENT_CHANGES)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    before = assessment.next_review_on
    assessment = update_record(assessment, user=user, kind="risk_assessment", **changes)
    if assessment.next_review_on != before:
        move_rule_follow_ups(user=user, cause=assessment, rule=RULE_RISK_REVIEW, due_date=assessment.next_review_on)
        jobs.apply_followup_rules("risk_assessment", assessment.pk)
    return assessment
