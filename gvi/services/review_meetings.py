"""The weekly review marked as held: the start of "what changed since the last review"."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi.models import ReviewMeeting, Role


def may_mark_review_held(user) -> bool:
    """Coordinators of a programme run the weekly review, and so mark it held."""
    return getattr(user, "role", None) == Role.COORDINATOR and getattr(user, "organisation_id", None) is not None


@transaction.atomic
def mark_review_held(*, user, week: dt.date, note: str = "") -> ReviewMeeting:
    """Record that the review of `week` (its Monday) was held, by whom and when (now, set by the
    system). Only a full week that has ended can be reviewed; one mark per programme and week."""
    if not may_mark_review_held(user):
        raise PermissionDenied(_("Only a coordinator may mark the weekly review as held."))
    today = timezone.localdate()
    if week.weekday() != 0:
        raise ValidationError({"week": _("A reviewed week starts on a Monday.")})
    if week + dt.timedelta(days=7) > today:
        raise ValidationError({"week": _("Only a full week that has ended can be reviewed.")})
    meeting = ReviewMeeting(
        programme_id=user.programme_id, week=week, held_at=timezone.now(), held_by=user, note=note.strip()
    )
    meeting.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError:
        raise ValidationError({"week": _("The review of this week is already marked as held.")}) from None
    return meeting
