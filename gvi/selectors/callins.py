"""Reads for the call-in planner: call-ins, their invitations, and whom to invite."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from gvi.exports import exportable
from gvi.followup_rules import PLANNED_NOTIFICATION_RULE
from gvi.models import (
    CallIn,
    CallInStatus,
    GroupStatus,
    Invitation,
    InvitationStatus,
    Membership,
    PartnerOrganisation,
    Person,
)
from gvi.policy import Action, scoped_queryset


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
    return (
        scoped_queryset(user, "call_in")
        .select_related("organisation", "status_changed_by", "programme")
        .filter(pk=call_in_id)
        .first()
    )


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


def speakers_for(call_in) -> list:
    """The speakers in speaking order, with their organisation (one query)."""
    return list(call_in.speakers.select_related("organisation").order_by("position", "id"))


def status_history(call_in) -> list:
    """The call-in's status changes, oldest first: (status, when, who, note) of each history row
    whose status differs from the one before it (one query)."""
    rows = call_in.history.select_related("history_user").order_by("history_date", "history_id")
    changes, previous = [], None
    for row in rows.only("status", "history_date", "history_user", "status_note", "history_change_reason"):
        if row.status != previous:
            changes.append(
                {
                    "status": CallInStatus(row.status).label,
                    "at": row.history_date,
                    "by": row.history_user,
                    "note": row.status_note if previous is not None else "",
                    "reason": row.history_change_reason or "",
                }
            )
        previous = row.status
    return changes


@dataclass
class MissingGroup:
    """A group invited to a held call-in (through a counting member) of which nobody attended,
    the members who could be named for its custom notification, and what is already planned."""

    group: object
    members: list = field(default_factory=list)  # persons, invited ones first
    planned: list = field(default_factory=list)  # follow-ups planned for it after this call-in


def groups_not_represented(user, call_in) -> list[MissingGroup]:
    """The groups invited to `call_in` (a member with a counting membership was invited) none
    of whose invited members attended; as the fidelity figure counts them (docs/evaluation.md).

    Named members are the group's invited members who did not attend; the custom notifications
    already planned for the group after this call-in are listed with it. A constant number of
    queries: invitations with their memberships, the planned follow-ups.
    """
    if call_in.status != CallInStatus.HELD:
        return []
    memberships = scoped_queryset(user, "membership", queryset=Membership.objects.counting()).filter(
        group__in=scoped_queryset(user, "group")
    )
    rows = (
        scoped_queryset(user, "invitation")
        .filter(call_in=call_in, person__memberships__in=memberships.values("pk"))
        .select_related("person")
        .annotate(group_id=F("person__memberships__group_id"))
        .order_by("person__last_name", "person__first_name", "person_id")
    )
    represented, members = set(), defaultdict(dict)
    for invitation in rows:
        if invitation.status == InvitationStatus.ATTENDED:
            represented.add(invitation.group_id)
        else:
            members[invitation.group_id][invitation.person_id] = invitation.person
    missing_ids = [group_id for group_id in members if group_id not in represented]
    if not missing_ids:
        return []
    groups = {group.pk: group for group in scoped_queryset(user, "group").filter(pk__in=missing_ids)}
    planned = defaultdict(list)
    for follow_up in (
        scoped_queryset(user, "follow_up")
        .filter(
            group_id__in=missing_ids,
            cause_type=ContentType.objects.get_for_model(CallIn),
            cause_id=call_in.pk,
            rule=PLANNED_NOTIFICATION_RULE,
        )
        .select_related("person", "owner_organisation")
        .order_by("due_date", "id")
    ):
        planned[follow_up.group_id].append(follow_up)
    return sorted(
        (
            MissingGroup(group=groups[group_id], members=list(members[group_id].values()), planned=planned[group_id])
            for group_id in missing_ids
            if group_id in groups
        ),
        key=lambda item: item.group.name,
    )


def speaker_organisations(user) -> list:
    """The partner organisations of the user's programme, for a speaker's organisation."""
    if not getattr(user, "organisation_id", None):
        return []
    return list(PartnerOrganisation.objects.filter(programme_id=user.organisation.programme_id).order_by("name"))


def speaker_for(user, call_in, speaker_id: int):
    return call_in.speakers.filter(pk=speaker_id).select_related("call_in", "organisation").first()


def changeable_invitation_ids(user, call_in) -> set[int]:
    """The invitations of `call_in` whose attendance the user may change (one query)."""
    return set(scoped_queryset(user, "invitation", Action.CHANGE).filter(call_in=call_in).values_list("pk", flat=True))
