"""Listing a person as a member: proposals that cite inclusion criteria with their sources.

A membership starts as *proposed*; another user approves it (four eyes). Only active
memberships count in scoring, reach and call-in suggestions.
"""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gvi.models import (
    OPEN_STATUSES,
    Confidence,
    FollowUp,
    FollowUpOrigin,
    FollowUpStatus,
    InclusionCriterion,
    Membership,
    MembershipEvidence,
    MembershipStatus,
    Role,
)
from gvi.policy import Action
from gvi.services.common import (
    acting_organisation,
    as_changed_by,
    create_record,
    require,
    require_visible,
    update_record,
)
from gvi.services.score_changes import scores_changed


@transaction.atomic
def _criterion_id(item: dict) -> int:
    """The criterion of an evidence item, given as a criterion or its id."""
    return item["criterion"].pk if hasattr(item["criterion"], "pk") else item["criterion"]


def _evidence_item_errors(evidence: list[dict], criteria_ids: list[int], programme) -> list[str]:
    """Per item: an unknown, foreign or inactive criterion, or one without a source reference."""
    criteria = InclusionCriterion.objects.in_bulk(criteria_ids)
    errors = []
    for item, criterion_id in zip(evidence, criteria_ids, strict=True):
        criterion = criteria.get(criterion_id)
        if criterion is None or criterion.programme_id != programme.pk or not criterion.is_active:
            errors.append(_("Unknown inclusion criterion."))
        elif not str(item.get("source_reference", "")).strip():
            errors.append(_("Each criterion needs a source reference: %(criterion)s") % {"criterion": criterion.name})
    return errors


def _evidence_count_errors(criteria_ids: list[int], programme) -> list[str]:
    """A criterion cited twice, or fewer distinct criteria than the programme's minimum."""
    errors = []
    if len(set(criteria_ids)) != len(criteria_ids):
        errors.append(_("A criterion is cited more than once."))
    if len(set(criteria_ids)) < programme.min_inclusion_criteria:
        errors.append(
            ngettext(
                "A membership must cite at least %(count)d inclusion criterion.",
                "A membership must cite at least %(count)d inclusion criteria.",
                programme.min_inclusion_criteria,
            )
            % {"count": programme.min_inclusion_criteria}
        )
    return errors


def _validate_evidence(evidence: list[dict], programme) -> list[int]:
    """The evidence's criterion ids, or a ValidationError on `evidence` listing every problem."""
    criteria_ids = [_criterion_id(item) for item in evidence]
    errors = _evidence_item_errors(evidence, criteria_ids, programme) + _evidence_count_errors(criteria_ids, programme)
    if errors:
        raise ValidationError({"evidence": errors})
    return criteria_ids


def _store_evidence(membership: Membership, evidence: list[dict], criteria_ids: list[int]) -> None:
    """The membership's evidence rows, one per cited criterion, in one statement."""
    MembershipEvidence.objects.bulk_create(
        MembershipEvidence(
            membership=membership,
            criterion_id=criterion_id,
            source_reference=str(item["source_reference"]).strip(),
            note=item.get("note", ""),
        )
        for item, criterion_id in zip(evidence, criteria_ids, strict=True)
    )


def propose_membership(
    *,
    user,
    person,
    group,
    start_date,
    evidence: list[dict],
    source: str,
    confidence: str = Confidence.UNVERIFIED,
    role: str = "member",
    is_key_individual: bool = False,
    end_date=None,
) -> Membership:
    """Propose that `person` is a member of `group`.

    `evidence` is a list of {criterion, source_reference, note?}: at least the programme's
    minimum number of distinct, active criteria, each with a source reference.
    """
    organisation = acting_organisation(user)
    require_visible(user, "person", person, "person")
    require_visible(user, "group", group, "group")
    criteria_ids = _validate_evidence(evidence, organisation.programme)
    membership = create_record(
        Membership(
            person=person,
            group=group,
            start_date=start_date,
            end_date=end_date,
            role=role,
            is_key_individual=is_key_individual,
            status=MembershipStatus.PROPOSED,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="membership",
    )
    _store_evidence(membership, evidence, criteria_ids)
    return membership


# --- Decisions: approval (four eyes), rejection, re-approval on review, ending ---------------

REVIEW_RULE = "membership_review_due"


def _lock(membership: Membership) -> Membership:
    """The current row, locked: two coordinators deciding at once cannot both win."""
    return Membership.objects.select_for_update().select_related("person", "programme").get(pk=membership.pk)


def _require_coordinator(user, membership: Membership) -> None:
    """Deciding on a listing is a coordinator's task, and only for memberships the policy lets them change."""
    if not user.is_superuser and getattr(user, "role", None) != Role.COORDINATOR:
        raise PermissionDenied(_("Only a coordinator may decide on a membership."))
    require(user, "membership", Action.CHANGE, membership)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    return reason


def _require_four_eyes(user, membership: Membership) -> None:
    if membership.created_by_id is not None and membership.created_by_id == user.pk:
        raise PermissionDenied(_("Four eyes: you cannot approve a membership you proposed yourself."))


def _require_enough_evidence(membership: Membership) -> None:
    # Checked again at approval: the programme's minimum may have been raised since the proposal.
    minimum = membership.programme.min_inclusion_criteria
    cited = membership.evidence.filter(criterion__is_active=True).values("criterion").distinct().count()
    if cited < minimum:
        raise ValidationError(
            {
                "evidence": ngettext(
                    "A membership must cite at least %(count)d inclusion criterion.",
                    "A membership must cite at least %(count)d inclusion criteria.",
                    minimum,
                )
                % {"count": minimum}
            }
        )


def review_due_for(membership: Membership, on=None):
    """The next review date: the programme's period from `on`, shorter while the person is a minor."""
    on = on or timezone.localdate()
    programme = membership.programme
    minor = membership.person.is_minor(on)
    days = programme.minor_membership_review_days if minor else programme.membership_review_days
    return on + timedelta(days=days)


def _approve(*, user, membership: Membership, reason: str, expected_status: str, wrong_status_message) -> Membership:
    membership = _lock(membership)
    _require_coordinator(user, membership)
    if membership.status != expected_status:
        raise ValidationError(wrong_status_message)
    reason = _require_reason(reason)
    _require_four_eyes(user, membership)
    _require_enough_evidence(membership)
    now = timezone.now()
    return update_record(
        as_changed_by(membership, user),
        user=user,
        kind="membership",
        status=MembershipStatus.ACTIVE,
        decided_by=user,
        decided_at=now,
        decision_reason=reason,
        review_due=review_due_for(membership, timezone.localdate(now)),
    )


@transaction.atomic
def approve_membership(*, user, membership: Membership, reason: str) -> Membership:
    """Approve a proposed membership: it becomes active and starts to count.

    Four eyes: the approver is a coordinator other than the proposer. The approver, time and
    reason are kept, and the review date is set from the programme (shorter for minors).
    """
    membership = _approve(
        user=user,
        membership=membership,
        reason=reason,
        expected_status=MembershipStatus.PROPOSED,
        wrong_status_message=_("Only a proposed membership can be approved."),
    )
    scores_changed(membership.programme_id, persons=[membership.person_id])
    return membership


@transaction.atomic
def reapprove_membership(*, user, membership: Membership, reason: str) -> Membership:
    """Re-approve an active membership on review: a new review date, the decision kept.

    The same four-eyes rule applies. A lapsed membership cannot be re-approved: its evidence
    is stale, so it must be proposed again.
    """
    membership = _approve(
        user=user,
        membership=membership,
        reason=reason,
        expected_status=MembershipStatus.ACTIVE,
        wrong_status_message=_("Only an active membership can be re-approved; propose a lapsed one again."),
    )
    close_review_follow_ups(membership, user=user)
    scores_changed(membership.programme_id, persons=[membership.person_id])  # a lapsed one's review date
    return membership


@transaction.atomic
def reject_membership(*, user, membership: Membership, reason: str) -> Membership:
    """Reject a proposed membership, with the reason kept. It never counts."""
    membership = _lock(membership)
    _require_coordinator(user, membership)
    if membership.status != MembershipStatus.PROPOSED:
        raise ValidationError(_("Only a proposed membership can be rejected."))
    reason = _require_reason(reason)
    return update_record(
        as_changed_by(membership, user),
        user=user,
        kind="membership",
        status=MembershipStatus.REJECTED,
        decided_by=user,
        decided_at=timezone.now(),
        decision_reason=reason,
    )


@transaction.atomic
def end_membership(*, user, membership: Membership, reason: str, end_date=None) -> Membership:
    """End an active membership (the person left the group, or the listing is no longer needed)."""
    membership = _lock(membership)
    _require_coordinator(user, membership)
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("Only an active membership can be ended."))
    reason = _require_reason(reason)
    end_date = end_date or timezone.localdate()
    if end_date < membership.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    membership = update_record(
        as_changed_by(membership, user),
        user=user,
        kind="membership",
        status=MembershipStatus.ENDED,
        end_date=end_date,
        decided_by=user,
        decided_at=timezone.now(),
        decision_reason=reason,
        review_due=None,
    )
    close_review_follow_ups(membership, user=user)
    scores_changed(membership.programme_id, persons=[membership.person_id])
    return membership


def close_review_follow_ups(membership: Membership, *, user) -> None:
    """The review reminder for this membership is done once it is re-approved or ended."""
    open_reminders = FollowUp.objects.filter(
        rule=REVIEW_RULE,
        origin=FollowUpOrigin.RULE,
        cause_type=ContentType.objects.get_for_model(Membership),
        cause_id=membership.pk,
        status__in=OPEN_STATUSES,
    )
    for follow_up in open_reminders:  # one per owner; saved one by one so the history keeps it
        follow_up.status = FollowUpStatus.DONE
        follow_up.completed_at = timezone.now()
        follow_up.updated_by = user
        as_changed_by(follow_up, user)
        follow_up.save(update_fields=["status", "completed_at", "updated_by", "updated_at"])
