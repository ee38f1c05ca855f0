"""A coordinator's decision on a flag suggestion. A flag never acts by itself."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi.models import FlagStatus, GroupFlag
from gvi.policy import Action
from gvi.services.common import require
from tasks.followups import apply_rules_for


def _decide(*, user, flag: GroupFlag, reason: str, status: str) -> GroupFlag:
    require(user, "flag", Action.CHANGE, flag)
    flag = GroupFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != FlagStatus.SUGGESTED:
        raise ValidationError(_("Only a suggested flag can be confirmed or rejected."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    flag.status = status
    flag.decided_by = user
    flag.decided_at = timezone.now()
    flag.decision_reason = reason.strip()
    flag.save()
    return flag


@transaction.atomic
def confirm_flag(*, user, flag: GroupFlag, reason: str) -> GroupFlag:
    """Confirm a suggested flag: its group becomes the target of focused enforcement.

    A previously confirmed flag of the programme ends. Follow-up rules (an enforcement plan
    task for every partner) run once the transaction commits.
    """
    # Saved one by one (not .update()) so the end of the old flag is in its history too.
    for previous in GroupFlag.objects.select_for_update().filter(
        programme_id=flag.programme_id, status=FlagStatus.CONFIRMED
    ):
        previous.status = FlagStatus.ENDED
        previous.save(update_fields=["status"])
    flag = _decide(user=user, flag=flag, reason=reason, status=FlagStatus.CONFIRMED)
    transaction.on_commit(partial(apply_rules_for.delay, "flag", flag.pk))
    return flag


@transaction.atomic
def reject_flag(*, user, flag: GroupFlag, reason: str) -> GroupFlag:
    """Reject a suggested flag, with the reason kept."""
    return _decide(user=user, flag=flag, reason=reason, status=FlagStatus.REJECTED)
