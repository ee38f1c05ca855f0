"""A coordinator's decision on a flag suggestion. A flag never acts by itself."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import jobs
from gvi.models import FlagEndReason, FlagStatus, GroupFlag
from gvi.policy import Action
from gvi.services.common import require


def _open_suggestion(*, user, flag: GroupFlag, reason: str) -> GroupFlag:
    """The suggestion, locked, once the user may decide it and has given a reason."""
    require(user, "flag", Action.CHANGE, flag)
    flag = GroupFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != FlagStatus.SUGGESTED:
        raise ValidationError(_("Only a suggested flag can be confirmed or rejected."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    return flag


def _decide(*, user, flag: GroupFlag, reason: str, status: str) -> GroupFlag:
    flag.status = status
    flag.decided_by = user
    flag.decided_at = timezone.now()
    flag.decision_reason = reason.strip()
    if status == FlagStatus.REJECTED:
        flag.end_reason = FlagEndReason.REJECTED
        flag.ended_at = flag.decided_at
        flag.ended_by = user
    flag.save()
    return flag


@transaction.atomic
def confirm_flag(*, user, flag: GroupFlag, reason: str) -> GroupFlag:
    """Confirm a suggested flag: its group becomes the target of focused enforcement.

    A previously confirmed flag of the programme ends, replaced by this one (kept as why it
    ended). Follow-up rules run once the transaction commits: partners with an enforcement
    mandate plan focused enforcement, the others offer help to the group's members.
    """
    flag = _open_suggestion(user=user, flag=flag, reason=reason)
    # Ended first (one confirmed flag per programme), saved one by one (not .update()) so the
    # end of the old flag, and why, is in its history too.
    for previous in GroupFlag.objects.select_for_update().filter(
        programme_id=flag.programme_id, status=FlagStatus.CONFIRMED
    ):
        previous.status = FlagStatus.ENDED
        previous.end_reason = FlagEndReason.REPLACED
        previous.ended_at = timezone.now()
        previous.ended_by = user
        previous.successor = flag
        previous.save(update_fields=["status", "end_reason", "ended_at", "ended_by", "successor"])
    flag = _decide(user=user, flag=flag, reason=reason, status=FlagStatus.CONFIRMED)
    jobs.apply_followup_rules("flag", flag.pk)
    return flag


@transaction.atomic
def reject_flag(*, user, flag: GroupFlag, reason: str) -> GroupFlag:
    """Reject a suggested flag, with the reason kept.

    The rejected flag stays the bar for the next suggestion (gvi.scoring.update_flag_suggestion):
    another group still needs the margin and the persistence over it."""
    flag = _open_suggestion(user=user, flag=flag, reason=reason)
    return _decide(user=user, flag=flag, reason=reason, status=FlagStatus.REJECTED)


@transaction.atomic
def end_flag(*, user, flag: GroupFlag, reason: str) -> GroupFlag:
    """End a confirmed flag without a successor (e.g. the group has dissolved), with the reason.

    The group is no longer the target of focused enforcement. Like a rejection, the ended flag
    stays the bar for the next suggestion."""
    require(user, "flag", Action.CHANGE, flag)
    flag = GroupFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != FlagStatus.CONFIRMED:
        raise ValidationError(_("Only a confirmed flag can be ended."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    flag.status = FlagStatus.ENDED
    flag.end_reason = FlagEndReason.ENDED_BY_COORDINATOR
    flag.ended_at = timezone.now()
    flag.ended_by = user
    flag.end_note = reason.strip()
    flag.save(update_fields=["status", "end_reason", "ended_at", "ended_by", "end_note"])
    return flag
