"""Reads for the call-in planner: call-ins, their invitations, and whom to invite."""

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from gvi.exports import exportable
from gvi.models import GroupStatus, Invitation, InvitationStatus, Membership, Person
from gvi.policy import scoped_queryset


def call_in_list(user):
    # Count only the invitations the user may see: a count of hidden ones (minors') would reveal them.
    visible = Q(invitations__in=scoped_queryset(user, "invitation"))
    attended = visible & Q(invitations__status=InvitationStatus.ATTENDED)
    return (
        scoped_queryset(user, "call_in")
        .select_related("organisation")
        .annotate(
            invited=Count("invitations", filter=visible, distinct=True),
            attended=Count("invitations", filter=attended, distinct=True),
        )
        .order_by("-scheduled_at")
    )


def call_in_for(user, call_in_id: int):
    return scoped_queryset(user, "call_in").select_related("organisation").filter(pk=call_in_id).first()


def invitations_for(user, call_in):
    return list(
        scoped_queryset(user, "invitation")
        .filter(call_in=call_in)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "id")
    )


def invitations_to_print(user, call_in):
    """The invitations of `call_in` on its printed list: a list that leaves the system on paper is
    an export, so only those the user may export (PermissionDenied when the role may export none)."""
    return list(
        exportable(user=user, kind="invitation", queryset=Invitation.objects.filter(call_in=call_in))
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "id")
    )


def invitation_for(user, call_in, invitation_id: int):
    return (
        scoped_queryset(user, "invitation").filter(call_in=call_in, pk=invitation_id).select_related("person").first()
    )


def suggested_invitees(user, call_in, limit: int = 200):
    """Whom to invite: members of active groups (an active membership), under supervision today,
    not yet reached by a call-in or a custom notification, and not already invited.

    Victims and witnesses without a membership are never suggested: a membership is required.
    """
    today = timezone.localdate()
    memberships = scoped_queryset(user, "membership", queryset=Membership.objects.current(today)).filter(
        person=OuterRef("pk"), group__status=GroupStatus.ACTIVE, group__in=scoped_queryset(user, "group")
    )
    supervised = scoped_queryset(user, "supervision").filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), person=OuterRef("pk"), start_date__lte=today
    )
    attended = Exists(
        scoped_queryset(user, "invitation").filter(person=OuterRef("pk"), status=InvitationStatus.ATTENDED)
    )
    notified = Exists(
        scoped_queryset(user, "custom_notification").filter(person=OuterRef("pk"), message_delivered=True)
    )
    already = scoped_queryset(user, "invitation").filter(call_in=call_in, person=OuterRef("pk"))
    return (
        scoped_queryset(user, "person", queryset=Person.objects.all())
        .filter(Exists(memberships), Exists(supervised), ~attended, ~notified, ~Exists(already))
        .select_related("home_area")
        .order_by("last_name", "first_name", "id")[:limit]
    )


def invitable_persons(user, call_in, person_ids):
    """The persons among `person_ids` the user may invite to `call_in` (visible ones only)."""
    return list(scoped_queryset(user, "person").filter(pk__in=person_ids))
