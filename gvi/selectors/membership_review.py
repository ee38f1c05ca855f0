"""Reads for the membership review pages: the approval queue and a person's rights section.

Every queryset is built by `gvi.policy.scoped_queryset`; a record the user may not see is
returned as None (the page reports it as not found). The quality report has its own selector
(`gvi.selectors.quality_report`).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from gvi.models import InvitationStatus, MembershipEvidence, MembershipStatus
from gvi.policy import scoped_queryset

# Active memberships whose review falls within this many days are shown for re-approval.
REVIEW_WINDOW_DAYS = 30


# --- The approval queue ------------------------------------------------------------------


@dataclass
class ApprovalQueue:
    proposed: list
    due: list
    window_days: int


def approval_queue(user, *, today: dt.date | None = None, window_days: int = REVIEW_WINDOW_DAYS) -> ApprovalQueue:
    """Proposed memberships (oldest first) and active ones due for review within `window_days`
    (soonest first), each with its evidence, in three queries whatever their number."""
    today = today or timezone.localdate()
    evidence = Prefetch(
        "evidence", queryset=MembershipEvidence.objects.select_related("criterion").order_by("criterion__name", "pk")
    )
    base = (
        scoped_queryset(user, "membership")
        .select_related("person", "group", "organisation", "created_by", "decided_by")
        .prefetch_related(evidence)
    )
    proposed = list(base.filter(status=MembershipStatus.PROPOSED).order_by("created_at", "pk"))
    due = list(
        base.filter(status=MembershipStatus.ACTIVE, review_due__lte=today + dt.timedelta(days=window_days)).order_by(
            "review_due", "pk"
        )
    )
    return ApprovalQueue(proposed=proposed, due=due, window_days=window_days)


@dataclass
class ApprovalQueueLists:
    """The queue's two lists as querysets (each with its evidence prefetched), to page through."""

    proposed: QuerySet
    due: QuerySet
    window_days: int


def approval_queue_lists(
    user,
    *,
    q: str = "",
    group_id: int | None = None,
    organisation_id: int | None = None,
    today: dt.date | None = None,
    window_days: int = REVIEW_WINDOW_DAYS,
) -> ApprovalQueueLists:
    """The approval queue, searched by the person's name or identity number (keyed hash), filtered
    by group and by the organisation that proposed; each list in two queries per page shown."""
    from gvi.selectors.persons import search_persons

    today = today or timezone.localdate()
    evidence = Prefetch(
        "evidence", queryset=MembershipEvidence.objects.select_related("criterion").order_by("criterion__name", "pk")
    )
    base = (
        scoped_queryset(user, "membership")
        .select_related("person", "group", "organisation", "created_by", "decided_by")
        .prefetch_related(evidence)
    )
    if q:
        base = base.filter(person__in=search_persons(scoped_queryset(user, "person"), q))
    if group_id:
        base = base.filter(group_id=group_id)
    if organisation_id:
        base = base.filter(organisation_id=organisation_id)
    proposed = base.filter(status=MembershipStatus.PROPOSED).order_by("created_at", "pk")
    due = base.filter(status=MembershipStatus.ACTIVE, review_due__lte=today + dt.timedelta(days=window_days)).order_by(
        "review_due", "pk"
    )
    return ApprovalQueueLists(proposed=proposed, due=due, window_days=window_days)


def membership_for(user, membership_id: int):
    """One membership the user may see, for a decision on it; None when it is not visible."""
    return scoped_queryset(user, "membership").filter(pk=membership_id).first()


# --- A person's rights: notice, requests, decisions ------------------------------------------


def person_for(user, person_id: int):
    """The person whose rights section is shown; None when the person is not visible."""
    return scoped_queryset(user, "person").filter(pk=person_id).first()


def subject_request_for(user, request_id: int):
    """One data subject request (with its person) the user may see; None when it is not visible."""
    return scoped_queryset(user, "data_subject_request").select_related("person").filter(pk=request_id).first()


@dataclass
class RightsChoices:
    """What the rights section's forms choose from. Querysets, unevaluated: a form validates a
    choice against its queryset, so a record the user may not see can never be chosen."""

    memberships: QuerySet
    invitations: QuerySet  # attended call-ins, where notice can have been given
    notifications: QuerySet  # delivered custom notifications, likewise


def rights_choices(user, person) -> RightsChoices:
    return RightsChoices(
        memberships=(
            scoped_queryset(user, "membership")
            .filter(person=person)
            .select_related("person", "group", "decided_by")
            .order_by("pk")
        ),
        invitations=(
            scoped_queryset(user, "invitation")
            .filter(person=person, status=InvitationStatus.ATTENDED)
            .select_related("person", "call_in")
            .order_by("-call_in__scheduled_at")
        ),
        notifications=(
            scoped_queryset(user, "custom_notification")
            .filter(person=person, message_delivered=True)
            .select_related("person")
        ),
    )


@dataclass
class RightsSection:
    person: object
    memberships: list
    notices: list
    requests: list
    choices: RightsChoices


def rights_section(user, person) -> RightsSection:
    """A person's memberships, the notices given or withheld, and the requests with their
    decisions, as far as the user may see them; and what the section's forms choose from."""
    choices = rights_choices(user, person)
    notices = (
        scoped_queryset(user, "notice")
        .filter(person=person)
        .select_related("invitation__call_in", "notification", "organisation")
    )
    requests = (
        scoped_queryset(user, "data_subject_request")
        .filter(person=person)
        .select_related("membership__group", "decided_by")
    )
    return RightsSection(
        person=person,
        memberships=list(choices.memberships),
        notices=list(notices),
        requests=list(requests),
        choices=choices,
    )
