"""Follow-ups made by hand, and their status changes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi.models import FollowUp, FollowUpOrigin, FollowUpStatus
from gvi.services.common import acting_organisation, create_record, require_visible, update_record


@transaction.atomic
def create_follow_up(
    *,
    user,
    title: str,
    due_date,
    owner_organisation=None,
    owner_user=None,
    description: str = "",
    person=None,
    group=None,
) -> FollowUp:
    """A follow-up made by hand. The owner organisation defaults to the user's own."""
    organisation = acting_organisation(user)
    owner_organisation = owner_organisation or organisation
    if owner_organisation.programme_id != organisation.programme_id:
        raise ValidationError({"owner_organisation": _("No such record.")})
    if owner_user is not None and owner_user.organisation_id != owner_organisation.pk:
        raise ValidationError({"owner_user": _("The owner must belong to the owner organisation.")})
    require_visible(user, "person", person, "person")
    require_visible(user, "group", group, "group")
    return create_record(
        FollowUp(
            programme_id=organisation.programme_id,
            owner_organisation=owner_organisation,
            owner_user=owner_user,
            title=title,
            description=description,
            due_date=due_date,
            person=person,
            group=group,
            origin=FollowUpOrigin.MANUAL,
        ),
        user=user,
        kind="follow_up",
    )


@transaction.atomic
def update_follow_up_status(*, user, follow_up: FollowUp, status: str) -> FollowUp:
    """Change a follow-up's status; done or cancelled stamps the completion time."""
    if status not in FollowUpStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    finished = status in (FollowUpStatus.DONE, FollowUpStatus.CANCELLED)
    return update_record(
        follow_up,
        user=user,
        kind="follow_up",
        status=status,
        completed_at=timezone.now() if finished else None,
    )
