"""Follow-up rules: one small function per rule, each testable alone.

A rule turns a cause (a call-in invitation, a custom notification, a confirmed flag, a
supervision, a risk assessment, a concern report) into follow-ups with an owner organisation
and a due date. A rule never makes the same follow-up twice: (rule, cause, owner organisation)
is unique for rule-made follow-ups, and `_make` inserts with the database skipping what exists
(`gvi.services.followups.create_rule_follow_ups`, a few statements however many rows), so a job
that runs twice, or two workers at once, leave one row.

Two kinds of entry points:
- `apply_rules_for(cause_kind=, cause_id=)`: what a write service dispatches on commit.
- `run_daily_rules(today=)`: the daily sweep for rules that depend on the calendar
  (supervision ending, risk review dates, concern reports, persons' requests falling due, notice
  withheld until a date that has come), run by celery beat.

Titles carry no personal data (names stay in the application, not in digests or e-mails).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gvi import dates
from gvi.models import (
    DEFAULT_ENFORCEMENT_MANDATE,
    CallIn,
    CallInStatus,
    ConcernReport,
    CustomNotification,
    DataSubjectRequest,
    FlagStatus,
    FollowUp,
    FollowUpOrigin,
    GroupFlag,
    InvitationStatus,
    Notice,
    NoticeMethod,
    NotificationResponse,
    OrganisationKind,
    OrganisationKindSetting,
    PartnerOrganisation,
    RequestStatus,
    RiskAssessment,
    Supervision,
)
from gvi.services.followups import create_rule_follow_ups

# Days from the cause to the due date, and how far ahead the calendar rules look.
ATTENDEE_SERVICES_DAYS = 7
NO_SHOW_NOTIFICATION_DAYS = 14
NOTIFICATION_SERVICES_DAYS = 14
NOTIFICATION_ACCEPTED_HELP_DAYS = 7
ENFORCEMENT_PLAN_DAYS = 7
SUPERVISION_ENDING_WITHIN_DAYS = 30
SUPERVISION_PLAN_DAYS_BEFORE_END = 14
RISK_REVIEW_AHEAD_DAYS = 14
CONCERN_REPORT_DAYS = 14
CONCERN_REPORT_LOOKBACK_DAYS = 60

RULE_CALL_IN_ATTENDED = "call_in_attended_services"
RULE_CALL_IN_NO_SHOW = "call_in_no_show_notification"
RULE_NOTIFICATION_SERVICES = "notification_services"
RULE_FLAG_ENFORCEMENT_PLAN = "flag_enforcement_plan"
RULE_FLAG_HELP_OFFER = "flag_help_offer"
RULE_SUPERVISION_ENDING = "supervision_ending"
RULE_RISK_REVIEW = "risk_review"
RULE_CONCERN_REPORT = "concern_report_minor"
RULE_REQUEST_DUE = "request_due"
RULE_NOTICE_WITHHELD = "notice_withheld_until"
REQUEST_REMINDER_DAYS_BEFORE = 7
# Not a rule: a coordinator plans (one click on the call-in page) a custom notification for a
# named member of a group not represented at a held call-in. The follow-up is made by hand
# (origin manual) and names this, with the call-in as its cause, so the page finds it again.
PLANNED_NOTIFICATION_RULE = "call_in_group_not_represented"

# The rule an invitation's attendance status triggers. When attendance is corrected, the
# follow-ups of the other statuses' rules no longer hold (gvi.services.callins.record_attendance).
ATTENDANCE_RULES = {
    InvitationStatus.ATTENDED: RULE_CALL_IN_ATTENDED,
    InvitationStatus.NO_SHOW: RULE_CALL_IN_NO_SHOW,
}


@dataclass(frozen=True)
class Planned:
    """A follow-up a rule wants; `_make` creates it unless it exists."""

    rule: str
    cause: object
    owner_organisation_id: int
    title: str
    due_date: date
    person_id: int | None = None
    group_id: int | None = None
    description: str = ""


def _make(planned: list[Planned]) -> int:
    """Create the planned follow-ups that do not exist yet; return how many were made."""
    return len(
        create_rule_follow_ups(
            [
                FollowUp(
                    origin=FollowUpOrigin.RULE,
                    rule=item.rule,
                    cause_type=ContentType.objects.get_for_model(item.cause),
                    cause_id=item.cause.pk,
                    owner_organisation_id=item.owner_organisation_id,
                    programme_id=item.cause.programme_id,
                    title=item.title[:200],
                    description=item.description,
                    due_date=item.due_date,
                    person_id=item.person_id,
                    group_id=item.group_id,
                    source=f"rule: {item.rule}",
                )
                for item in planned
            ]
        )
    )


def services_organisation_id(programme_id: int, fallback_id: int) -> int:
    """The programme's social services (the municipality partner) own services follow-ups."""
    found = (
        PartnerOrganisation.objects.filter(programme_id=programme_id, kind=OrganisationKind.MUNICIPALITY)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return found or fallback_id


def _locked(invitations):
    """The invitations, locked until the follow-ups are made: an attendance correction waits,
    then finds (and withdraws) what was made for the status it replaces; or it goes first and
    the rule sees the corrected status. Without the lock a correction made while the rule runs
    could leave a follow-up for a status that no longer holds. (SQLite: writers are serialised.)"""
    return invitations.select_for_update()


def _with_services_organisation(queryset):
    """Annotate each record with `services_organisation_id` (what `services_organisation_id()`
    returns for it), so a sweep does not look it up once per record."""
    municipality = PartnerOrganisation.objects.filter(
        programme_id=OuterRef("programme_id"), kind=OrganisationKind.MUNICIPALITY
    ).order_by("pk")
    return queryset.annotate(
        services_organisation_id=Coalesce(Subquery(municipality.values("pk")[:1]), F("organisation_id"))
    )


# --- Rules a record triggers ----------------------------------------------------------------


def call_in_attendees(call_in: CallIn) -> list[Planned]:
    """Everyone who attended gets a services follow-up by social services within a week, once
    the call-in is marked held (a planned or cancelled one makes nothing)."""
    if call_in.status != CallInStatus.HELD:
        return []
    owner = services_organisation_id(call_in.programme_id, call_in.organisation_id)
    due = dates.shift(timezone.localdate(call_in.scheduled_at), ATTENDEE_SERVICES_DAYS)
    return [
        Planned(
            rule=RULE_CALL_IN_ATTENDED,
            cause=invitation,
            owner_organisation_id=owner,
            title=_("Services follow-up after the call-in"),
            due_date=due,
            person_id=invitation.person_id,
        )
        for invitation in _locked(call_in.invitations.filter(status=InvitationStatus.ATTENDED))
    ]


def call_in_no_shows(call_in: CallIn) -> list[Planned]:
    """Whoever did not show gets the message one-to-one: a custom notification task for the
    organisation that invited them; once the call-in is marked held."""
    if call_in.status != CallInStatus.HELD:
        return []
    due = dates.shift(timezone.localdate(call_in.scheduled_at), NO_SHOW_NOTIFICATION_DAYS)
    return [
        Planned(
            rule=RULE_CALL_IN_NO_SHOW,
            cause=invitation,
            owner_organisation_id=invitation.organisation_id,
            title=_("Deliver a custom notification: did not attend the call-in"),
            due_date=due,
            person_id=invitation.person_id,
        )
        for invitation in _locked(call_in.invitations.filter(status=InvitationStatus.NO_SHOW))
    ]


def after_custom_notification(notification: CustomNotification) -> list[Planned]:
    """A delivered message is followed up by social services: sooner when help was accepted."""
    if not notification.message_delivered or notification.response == NotificationResponse.NOT_REACHED:
        return []
    accepted = notification.response == NotificationResponse.ACCEPTED_HELP
    days = NOTIFICATION_ACCEPTED_HELP_DAYS if accepted else NOTIFICATION_SERVICES_DAYS
    return [
        Planned(
            rule=RULE_NOTIFICATION_SERVICES,
            cause=notification,
            owner_organisation_id=services_organisation_id(notification.programme_id, notification.organisation_id),
            title=_("Services follow-up after the custom notification"),
            due_date=dates.shift(notification.delivered_on, days),
            person_id=notification.person_id,
            group_id=notification.group_id,
        )
    ]


def enforcement_mandates(programme_id: int) -> dict[str, bool]:
    """Which organisation kinds of the programme have a mandate for focused enforcement: its
    settings (OrganisationKindSetting, edited by coordinators) over the defaults."""
    mandates = {str(kind): mandate for kind, mandate in DEFAULT_ENFORCEMENT_MANDATE.items()}
    mandates.update(
        OrganisationKindSetting.objects.filter(programme_id=programme_id).values_list("kind", "enforcement_mandate")
    )
    return mandates


def _partners_of_flag(flag: GroupFlag, *, mandate: bool) -> list[int]:
    """The programme's partner organisations with (or without) an enforcement mandate."""
    mandates = enforcement_mandates(flag.programme_id)
    return [
        pk
        for pk, kind in PartnerOrganisation.objects.filter(programme_id=flag.programme_id)
        .order_by("pk")
        .values_list("pk", "kind")
        if mandates.get(kind, False) == mandate
    ]


def _flag_decided_on(flag: GroupFlag) -> date:
    return timezone.localdate(flag.decided_at) if flag.decided_at else timezone.localdate()


def _plans_for_flag_partners(flag: GroupFlag, *, rule: str, mandate: bool, title: str) -> list[Planned]:
    """One plan per partner organisation with (or without) an enforcement mandate, due
    ENFORCEMENT_PLAN_DAYS after the flag was confirmed."""
    return [
        Planned(
            rule=rule,
            cause=flag,
            owner_organisation_id=organisation_id,
            title=title,
            due_date=dates.shift(_flag_decided_on(flag), ENFORCEMENT_PLAN_DAYS),
            group_id=flag.group_id,
        )
        for organisation_id in _partners_of_flag(flag, mandate=mandate)
    ]


def enforcement_plan_for_flag(flag: GroupFlag) -> list[Planned]:
    """A confirmed flag: each partner with an enforcement mandate (by default police and
    probation) plans its focused enforcement against the group, within its mandate."""
    if flag.status != FlagStatus.CONFIRMED:
        return []
    title = _("Plan focused enforcement against the flagged group %(group)s") % {"group": flag.group.name}
    return _plans_for_flag_partners(flag, rule=RULE_FLAG_ENFORCEMENT_PLAN, mandate=True, title=title)


def help_offer_for_flag(flag: GroupFlag) -> list[Planned]:
    """A confirmed flag: each partner without an enforcement mandate (social services, civil
    society, the exit organisation) plans how to offer help to the group's members."""
    if flag.status != FlagStatus.CONFIRMED:
        return []
    title = _("Offer help to the members of the flagged group %(group)s") % {"group": flag.group.name}
    return _plans_for_flag_partners(flag, rule=RULE_FLAG_HELP_OFFER, mandate=False, title=title)


def supervision_ending(supervision: Supervision, today: date) -> list[Planned]:
    """Supervision ending within 30 days: probation plans what happens after, two weeks before."""
    if supervision.end_date is None or not today <= supervision.end_date <= today + timedelta(
        days=SUPERVISION_ENDING_WITHIN_DAYS
    ):
        return []
    due = max(today, dates.shift(supervision.end_date, -SUPERVISION_PLAN_DAYS_BEFORE_END))
    return [
        Planned(
            rule=RULE_SUPERVISION_ENDING,
            cause=supervision,
            owner_organisation_id=supervision.organisation_id,
            title=_("Supervision ends on %(date)s: plan the follow-up") % {"date": supervision.end_date.isoformat()},
            due_date=due,
            person_id=supervision.person_id,
        )
    ]


def risk_review(assessment: RiskAssessment, today: date) -> list[Planned]:
    """A risk assessment's review date coming up (or passed): its owner reviews it on that date."""
    if assessment.next_review_on > today + timedelta(days=RISK_REVIEW_AHEAD_DAYS):
        return []
    return [
        Planned(
            rule=RULE_RISK_REVIEW,
            cause=assessment,
            owner_organisation_id=assessment.organisation_id,
            title=_("Review the risk assessment"),
            due_date=assessment.next_review_on,
            person_id=assessment.person_id,
        )
    ]


def concern_report(report: ConcernReport, today: date) -> list[Planned]:
    """A concern report about a minor: social services confirm it was received and acted on."""
    if report.reported_on < today - timedelta(days=CONCERN_REPORT_LOOKBACK_DAYS):
        return []
    owner = getattr(report, "services_organisation_id", None) or services_organisation_id(
        report.programme_id, report.organisation_id
    )
    return [
        Planned(
            rule=RULE_CONCERN_REPORT,
            cause=report,
            owner_organisation_id=owner,
            title=_("Follow up the concern report about a minor"),
            due_date=dates.shift(report.reported_on, CONCERN_REPORT_DAYS),
            person_id=report.person_id,
        )
    ]


def request_due(request: DataSubjectRequest, today: date) -> list[Planned]:
    """A person's request is answered within a month: a reminder a week before it is due, for
    the organisation of whoever logged it."""
    if request.status != RequestStatus.RECEIVED or request.due_on is None:
        return []
    owner = getattr(request.created_by, "organisation_id", None) or services_organisation_id(
        request.programme_id, _any_organisation_id(request.programme_id)
    )
    if owner is None:
        return []
    return [
        Planned(
            rule=RULE_REQUEST_DUE,
            cause=request,
            owner_organisation_id=owner,
            title=_("Answer the person's request by %(date)s") % {"date": request.due_on.isoformat()},
            due_date=max(request.due_on - timedelta(days=REQUEST_REMINDER_DAYS_BEFORE), request.received_on),
            person_id=request.person_id,
        )
    ]


def notice_withheld(notice: Notice, today: date) -> list[Planned]:
    """Notice withheld until a date that has come: decide whether to give it now or withhold it
    again (with a new reason)."""
    if notice.method != NoticeMethod.WITHHELD or notice.withheld_until is None or notice.withheld_until > today:
        return []
    return [
        Planned(
            rule=RULE_NOTICE_WITHHELD,
            cause=notice,
            owner_organisation_id=notice.organisation_id,
            title=_("Notice was withheld until today: give it or record why it is still withheld"),
            due_date=notice.withheld_until,
            person_id=notice.person_id,
        )
    ]


def _any_organisation_id(programme_id: int) -> int | None:
    return (
        PartnerOrganisation.objects.filter(programme_id=programme_id)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


# --- Entry points ---------------------------------------------------------------------------

# cause_kind -> (model, rules). Calendar rules also run here so a new record is covered at once.
CAUSES = {
    "call_in": (CallIn, [call_in_attendees, call_in_no_shows]),
    "custom_notification": (CustomNotification, [after_custom_notification]),
    "flag": (GroupFlag, [enforcement_plan_for_flag, help_offer_for_flag]),
    "supervision": (Supervision, [supervision_ending]),
    "risk_assessment": (RiskAssessment, [risk_review]),
    "concern_report": (ConcernReport, [concern_report]),
    "data_subject_request": (DataSubjectRequest, [request_due]),
}
_CALENDAR_RULES = {supervision_ending, risk_review, concern_report, request_due, notice_withheld}


def apply_rules_for(*, cause_kind: str, cause_id: int, today: date | None = None) -> int:
    """Apply the rules a record of `cause_kind` triggers; return how many follow-ups were made.

    A record that has vanished meanwhile makes nothing. Safe to run any number of times.
    """
    if cause_kind not in CAUSES:
        raise ValueError(f"Unknown cause kind {cause_kind!r}")
    model, rules = CAUSES[cause_kind]
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        cause = model.objects.filter(pk=cause_id).first()
        if cause is None:
            return 0
        planned = []
        for rule in rules:
            planned += rule(cause, today) if rule in _CALENDAR_RULES else rule(cause)
        return _make(planned)


def _without_follow_up(queryset, rule: str):
    """Records a rule has not yet made a follow-up for (one query, not one per record)."""
    content_type = ContentType.objects.get_for_model(queryset.model)
    made = FollowUp.objects.filter(
        origin=FollowUpOrigin.RULE, rule=rule, cause_type=content_type, cause_id=OuterRef("pk")
    )
    return queryset.filter(~Exists(made))


def run_daily_rules(*, today: date | None = None) -> dict[str, int]:
    """The daily sweep of calendar rules over every programme; returns how many each made."""
    today = today or timezone.localdate()
    sweeps = {
        RULE_SUPERVISION_ENDING: (
            Supervision.objects.filter(
                end_date__gte=today, end_date__lte=today + timedelta(days=SUPERVISION_ENDING_WITHIN_DAYS)
            ),
            supervision_ending,
        ),
        RULE_RISK_REVIEW: (
            # Only the latest assessment of a person and kind is reviewed; older ones are replaced.
            RiskAssessment.objects.filter(next_review_on__lte=today + timedelta(days=RISK_REVIEW_AHEAD_DAYS)).exclude(
                Exists(
                    RiskAssessment.objects.filter(
                        person_id=OuterRef("person_id"), kind=OuterRef("kind"), assessed_on__gt=OuterRef("assessed_on")
                    )
                )
            ),
            risk_review,
        ),
        RULE_CONCERN_REPORT: (
            _with_services_organisation(
                ConcernReport.objects.filter(reported_on__gte=today - timedelta(days=CONCERN_REPORT_LOOKBACK_DAYS))
            ),
            concern_report,
        ),
        RULE_REQUEST_DUE: (
            DataSubjectRequest.objects.filter(status=RequestStatus.RECEIVED, due_on__isnull=False).select_related(
                "created_by"
            ),
            request_due,
        ),
        RULE_NOTICE_WITHHELD: (
            # Only the person's latest notice: one given since ends the withholding.
            Notice.objects.filter(method=NoticeMethod.WITHHELD, withheld_until__lte=today).exclude(
                Exists(Notice.objects.filter(person_id=OuterRef("person_id"), created_at__gt=OuterRef("created_at")))
            ),
            notice_withheld,
        ),
    }
    made = {}
    with translation.override(settings.LANGUAGE_CODE):
        for rule_name, (queryset, rule) in sweeps.items():
            with transaction.atomic():
                # In primary key order, so two overlapping runs insert (and wait on) rows in the same order.
                records = _without_follow_up(queryset, rule_name).order_by("pk")
                planned = [item for record in records for item in rule(record, today)]
                made[rule_name] = _make(planned)
    return made
