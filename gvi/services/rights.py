"""The rights of the people listed: notice, and requests for access, correction, contest,
erasure, restriction and objection.

- Notice: when and how a person was told they are in the programme (at a call-in they attended,
  by a custom notification, by letter), or why notice is withheld and until when (a reminder
  follow-up falls due on that date: gvi.followup_rules.notice_withheld).
- Requests are logged when received, with their source and confidence, due one month later (a
  reminder follow-up a week before), and decided with a reason and a date. An access request
  produces the person's data export. A contest, restriction or objection restricts the membership
  it names until decided; an upheld contest, objection or erasure removes the listing; an upheld
  restriction keeps it restricted.
  Corrections go through the ordinary write path, so django-simple-history keeps the before and
  after of every corrected field, with the request named as the reason for the change.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi.models import (
    Confidence,
    DataSubjectRequest,
    InvitationStatus,
    Membership,
    MembershipEvidence,
    MembershipStatus,
    Notice,
    NoticeMethod,
    RequestKind,
    RequestStatus,
)
from gvi.models.people import add_months
from gvi.policy import RECORD_KINDS, Action
from gvi.services.common import (
    as_changed_by,
    create_record,
    create_record_with_rules,
    require,
    require_visible,
    update_record,
)
from gvi.services.memberships import close_review_follow_ups

# Fields a correction may not touch: ownership, stamps, and decisions that have their own services.
PROTECTED_FIELDS = frozenset(
    {
        "id",
        "programme",
        "organisation",
        "person",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
        "review_due",
        "is_contested",
        "personnummer_encrypted",
        "personnummer_hash",
        "adult_on",
        "removed_at",
    }
)
DECISIONS = (RequestStatus.UPHELD, RequestStatus.PARTLY_UPHELD, RequestStatus.REJECTED, RequestStatus.COMPLETED)


def _not_in_future(day, field: str) -> None:
    if day and day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


@transaction.atomic
def record_notice(
    *,
    user,
    person,
    method: str,
    source: str,
    given_on=None,
    invitation=None,
    notification=None,
    withheld_reason: str = "",
    withheld_until=None,
    confidence: str = Confidence.CONFIRMED,
) -> Notice:
    """Record how the person was told they are in the programme, or why notice is withheld.

    At a call-in: link the invitation of a call-in the person attended. By custom notification:
    link a delivered notification. Withheld: a reason and the date until which it is withheld.
    """
    require_visible(user, "person", person, "person")
    withheld_reason = (withheld_reason or "").strip()
    if method not in NoticeMethod.values:
        raise ValidationError({"method": _("Unknown notice method.")})
    if method != NoticeMethod.CALL_IN:
        invitation = None
    if method != NoticeMethod.CUSTOM_NOTIFICATION:
        notification = None
    if method == NoticeMethod.CALL_IN:
        if invitation is None or invitation.person_id != person.pk:
            raise ValidationError({"invitation": _("Choose the person's invitation to the call-in.")})
        require_visible(user, "invitation", invitation, "invitation")
        if invitation.status != InvitationStatus.ATTENDED:
            raise ValidationError({"invitation": _("The person did not attend this call-in, so it gave no notice.")})
        given_on = given_on or timezone.localdate(invitation.call_in.scheduled_at)
    elif method == NoticeMethod.CUSTOM_NOTIFICATION:
        if notification is None or notification.person_id != person.pk:
            raise ValidationError({"notification": _("Choose the person's custom notification.")})
        require_visible(user, "custom_notification", notification, "notification")
        if not notification.message_delivered:
            raise ValidationError(
                {"notification": _("The message was not delivered, so this notification gave no notice.")}
            )
        given_on = given_on or notification.delivered_on
    if method == NoticeMethod.WITHHELD:
        if not withheld_reason:
            raise ValidationError({"withheld_reason": _("Say why notice is withheld.")})
        if withheld_until is None:
            raise ValidationError({"withheld_until": _("Say until when notice is withheld.")})
        if withheld_until < timezone.localdate():
            raise ValidationError({"withheld_until": _("Notice cannot be withheld until a date that has passed.")})
        given_on = None
    else:
        if given_on is None:
            raise ValidationError({"given_on": _("Say when notice was given.")})
        withheld_reason, withheld_until = "", None
    _not_in_future(given_on, "given_on")
    return create_record(
        Notice(
            person=person,
            method=method,
            given_on=given_on,
            invitation=invitation,
            notification=notification,
            withheld_reason=withheld_reason,
            withheld_until=withheld_until,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="notice",
    )


# Requests that restrict the listing they name while they are pending (it counts nowhere and
# partners see only that it exists), and those that remove it when upheld.
RESTRICTING_KINDS = (RequestKind.CONTEST, RequestKind.RESTRICTION, RequestKind.OBJECTION)
REMOVING_KINDS = (RequestKind.CONTEST, RequestKind.OBJECTION, RequestKind.ERASURE)
LISTING_KINDS = (*RESTRICTING_KINDS, RequestKind.ERASURE)


@transaction.atomic
def log_request(
    *,
    user,
    person,
    kind: str,
    received_on=None,
    description: str = "",
    membership=None,
    source: str = "",
    confidence: str = Confidence.CONFIRMED,
) -> DataSubjectRequest:
    """Log a request (access, correction, contest, erasure, restriction, objection), as received.

    It is due one month after receipt; a reminder follow-up is made for whoever logged it. A
    contest names the membership contested; a restriction or an objection may name one. The
    membership is restricted until the request is decided.
    """
    require_visible(user, "person", person, "person")
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("Unknown kind of request.")})
    received_on = received_on or timezone.localdate()
    _not_in_future(received_on, "received_on")
    if membership is not None:
        require_visible(user, "membership", membership, "membership")
        if membership.person_id != person.pk:
            raise ValidationError({"membership": _("This membership is not the person's.")})
    if kind == RequestKind.CONTEST and membership is None:
        raise ValidationError({"membership": _("Choose the membership the person contests.")})
    if kind not in LISTING_KINDS and kind != RequestKind.CORRECTION:
        membership = None
    if confidence not in Confidence.values:
        raise ValidationError({"confidence": _("Unknown confidence.")})
    request = create_record_with_rules(
        DataSubjectRequest(
            person=person,
            kind=kind,
            received_on=received_on,
            due_on=add_months(received_on, 1),
            description=description.strip(),
            membership=membership,
            status=RequestStatus.RECEIVED,
            source=(source or "").strip()[:200],
            confidence=confidence,
        ),
        user=user,
        kind="data_subject_request",
    )
    if kind in RESTRICTING_KINDS and membership is not None:
        # Reloaded and locked: saving the caller's copy could write back stale fields.
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not membership.is_contested:
            as_changed_by(membership, user, f"contest request {request.pk}")
            update_record(membership, user=user, kind="membership", is_contested=True)
    return request


def _lock_open_request(user, request: DataSubjectRequest, kinds) -> DataSubjectRequest:
    require(user, "data_subject_request", Action.CHANGE, request)
    request = DataSubjectRequest.objects.select_for_update().select_related("person").get(pk=request.pk)
    if request.kind not in kinds:
        raise ValidationError(_("This cannot be done for this kind of request."))
    if request.status != RequestStatus.RECEIVED:
        raise ValidationError(_("This request has already been decided."))
    return request


def produce_access_export(*, user, request: DataSubjectRequest) -> dict:
    """Produce the person's data export for an access request, and mark the request completed.

    The export itself (and its entry in the access log) is the privacy module's.
    """
    from gvi.services.subject_access import export_person_data  # the privacy module, imported when used

    with transaction.atomic():
        request = _lock_open_request(user, request, (RequestKind.ACCESS,))
        data = export_person_data(user=user, person=request.person, reason=f"access request {request.pk}")
        request.status = RequestStatus.COMPLETED
        request.decided_by = user
        request.decided_on = timezone.localdate()
        request.decision_reason = _("The person's data export was produced.")
        as_changed_by(request, user).save()
    return data


@transaction.atomic
def correct_record(*, user, request: DataSubjectRequest, kind: str, obj, changes: dict):
    """Correct a record about the person under a correction (or contest) request.

    Goes through the ordinary, policy-checked write path; the history keeps the old values and
    names the request. Decisions (status, approval, contest) are not corrected here.
    """
    request = _lock_open_request(user, request, (RequestKind.CORRECTION, RequestKind.CONTEST))
    spec = RECORD_KINDS.get(kind)
    if spec is None or spec.person_path is None or not isinstance(obj, spec.model_class):
        raise ValidationError(_("This record cannot be corrected here."))
    person_id = obj.pk if spec.person_path == "" else getattr(obj, f"{spec.person_path}_id", None)
    if person_id != request.person_id:
        raise ValidationError(_("This record is not about the person who made the request."))
    if not changes:
        raise ValidationError(_("Say what to correct."))
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)  # fresh, so only `changes` change
    editable = {field.name for field in obj._meta.concrete_fields if field.editable} - PROTECTED_FIELDS
    unknown = sorted(set(changes) - editable)
    if unknown:
        raise ValidationError(_("These fields cannot be corrected: %(fields)s") % {"fields": ", ".join(unknown)})
    as_changed_by(obj, user, f"correction request {request.pk}")
    return update_record(obj, user=user, kind=kind, **changes)


@transaction.atomic
def decide_request(*, user, request: DataSubjectRequest, status: str, reason: str) -> DataSubjectRequest:
    """Decide a correction or contest request; the decision, reason, date and decider are kept.

    A contest is decided by someone who neither proposed nor last approved the membership. Upheld,
    the membership is rejected and removed from everyone's view with its evidence (`remove_listing`);
    either way it is no longer restricted once no other contest of it is open.
    """
    request = _lock_open_request(user, request, RequestKind.values)
    if status not in DECISIONS:
        raise ValidationError({"status": _("Choose a decision.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    today = timezone.localdate()
    if request.kind in LISTING_KINDS and request.membership_id:
        _decide_contest(user=user, request=request, status=status, reason=reason)
    request.status = status
    request.decision_reason = reason
    request.decided_on = today
    request.decided_by = user
    as_changed_by(request, user).save()
    return request


def _decide_contest(*, user, request: DataSubjectRequest, status: str, reason: str) -> None:
    membership = Membership.objects.select_for_update().get(pk=request.membership_id)
    if user.pk in (membership.created_by_id, membership.decided_by_id):
        raise PermissionDenied(_("A contest is decided by someone who neither proposed nor approved the membership."))
    changes = {}
    still_restricted = (
        DataSubjectRequest.objects.filter(
            membership=membership, kind__in=RESTRICTING_KINDS, status=RequestStatus.RECEIVED
        )
        .exclude(pk=request.pk)
        .exists()
    ) or (request.kind == RequestKind.RESTRICTION and status == RequestStatus.UPHELD)
    if not still_restricted and membership.is_contested:
        changes["is_contested"] = False
    removes = request.kind in REMOVING_KINDS and status == RequestStatus.UPHELD
    if removes:
        changes.update(
            status=MembershipStatus.REJECTED,
            decided_by=user,
            decided_at=timezone.now(),
            decision_reason=reason,
            review_due=None,
        )
    if changes:
        as_changed_by(membership, user, f"contest request {request.pk}")
        update_record(membership, user=user, kind="membership", **changes)
    if removes:
        close_review_follow_ups(membership, user=user)
        remove_listing(user=user, membership=membership, reason=f"contest request {request.pk} upheld")


def remove_listing(*, user, membership: Membership, reason: str) -> Membership:
    """Remove a listing whose contest was upheld from everyone's view.

    The evidence rows are deleted and the membership is marked removed; django-simple-history
    keeps both as they were, for the audit only (the policy shows a removed listing to nobody).
    Nothing here touches a date a retention period counts from.
    """
    for evidence in MembershipEvidence.objects.filter(membership=membership):
        as_changed_by(evidence, user, reason).delete()
    membership.removed_at = timezone.now()
    membership.updated_by = user
    # Saved directly: after this change the policy lets nobody change (or see) the record.
    as_changed_by(membership, user, reason).save(update_fields=["removed_at", "updated_by", "updated_at"])
    return membership
