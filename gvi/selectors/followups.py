"""Reads for the follow-up board: follow-ups per owner organisation, filterable."""

from django.db.models import Q
from django.utils import timezone

from gvi.models import OPEN_STATUSES, FollowUpStatus, PartnerOrganisation
from gvi.policy import scoped_queryset


def board_organisations(user):
    """Organisations whose follow-ups the user may see at least some of."""
    owners = scoped_queryset(user, "follow_up").values("owner_organisation_id")
    own = Q(pk=user.organisation_id) if user.organisation_id else Q(pk__in=[])
    return PartnerOrganisation.objects.filter(Q(pk__in=owners) | own).order_by("name")


def follow_up_board(user, *, organisation_id: int | None = None, status: str = "", overdue: bool = False, q: str = ""):
    """Follow-ups the user may see, for one owner organisation (or all), filtered, by due date.

    Unsliced: the board pages through it, so a page shows (and logs) a bounded number of cards."""
    follow_ups = scoped_queryset(user, "follow_up").select_related(
        "owner_organisation", "owner_user", "person", "group"
    )
    if organisation_id:
        follow_ups = follow_ups.filter(owner_organisation_id=organisation_id)
    if status:
        follow_ups = follow_ups.filter(status=status)
    elif not overdue:
        # Finished work leaves the board unless asked for.
        follow_ups = follow_ups.filter(status__in=OPEN_STATUSES)
    if overdue:
        follow_ups = follow_ups.filter(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())
    if q:
        follow_ups = follow_ups.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return follow_ups.order_by("due_date", "id")


def follow_up_for(user, follow_up_id: int):
    return (
        scoped_queryset(user, "follow_up")
        .select_related("owner_organisation", "owner_user", "person", "group")
        .filter(pk=follow_up_id)
        .first()
    )


BOARD_COLUMNS = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.DONE)
