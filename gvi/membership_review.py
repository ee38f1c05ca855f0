"""The membership review job: reminders before a review is due, lapses after it.

Every active membership has a review date. Some weeks before it, the owning organisation gets
a follow-up to review the evidence (a coordinator then re-approves or ends the membership).
A membership left past its review date lapses: it stops counting in scoring, reach and call-in
suggestions, the coordinators are told, and from then on the retention rules apply to it.

Idempotent: a second run on the same day (or at the same time: runs of a programme take turns)
finds nothing to lapse and every follow-up already there (one per rule, cause and owner, guarded
by a unique constraint). Follow-ups are written in bulk (`create_rule_follow_ups`,
`bulk_update_with_history`): a few statements per programme, however many memberships, each row
still with its change history.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from gvi import reach, weekly_counts
from gvi.models import (
    FollowUp,
    FollowUpOrigin,
    FollowUpStatus,
    Membership,
    MembershipStatus,
    PartnerOrganisation,
    Programme,
    Role,
)
from gvi.services.followups import create_rule_follow_ups
from gvi.services.memberships import REVIEW_RULE, review_due_for
from gvi.services.score_changes import scores_changed

LAPSED_RULE = "membership_lapsed"
# How long before the review date the owner is reminded.
REVIEW_NOTICE_DAYS = 30
# How long the coordinators have to act on a lapse (propose again, or let retention run).
LAPSE_FOLLOW_UP_DAYS = 14


@dataclass(frozen=True)
class ReviewResult:
    reminded: int = 0
    lapsed: int = 0
    coordinators_told: int = 0
    dated: int = 0

    def __add__(self, other: "ReviewResult") -> "ReviewResult":
        return ReviewResult(
            self.reminded + other.reminded,
            self.lapsed + other.lapsed,
            self.coordinators_told + other.coordinators_told,
            self.dated + other.dated,
        )

    def as_dict(self) -> dict:
        return {
            "reminded": self.reminded,
            "lapsed": self.lapsed,
            "coordinators_told": self.coordinators_told,
            "dated": self.dated,
        }


def review_all_programmes(*, today=None) -> ReviewResult:
    """Run the review for every programme."""
    result = ReviewResult()
    for programme_id in Programme.objects.order_by("pk").values_list("pk", flat=True):
        result += review_programme(programme_id=programme_id, today=today)
    return result


@transaction.atomic
def review_programme(*, programme_id: int, today=None, notice_days: int = REVIEW_NOTICE_DAYS) -> ReviewResult:
    """Lapse the programme's memberships past review, tell the coordinators, remind owners of those due soon."""
    today = today or timezone.localdate()
    # One review of a programme at a time (a retry overlapping a slow run, two workers): a second
    # run waits here and then finds everything done, instead of reopening the same reminders again.
    # NO KEY: rows that refer to the programme (new persons, incidents...) can still be inserted.
    list(Programme.objects.select_for_update(no_key=True).filter(pk=programme_id).values_list("pk", flat=True))
    dated = _date_undated(programme_id, today, notice_days)
    lapsed = _lapse_past_due(programme_id, today)
    told = _tell_coordinators(programme_id, lapsed, today)
    reminded = _remind_owners(programme_id, today, notice_days)
    return ReviewResult(reminded=reminded, lapsed=len(lapsed), coordinators_told=told, dated=dated)


def _date_undated(programme_id: int, today, notice_days: int) -> int:
    """Give an active membership without a review date one (entered before review existed, or by
    hand): its approval plus the programme's period, but never so soon that the owner is not
    reminded first. Nothing stays listed without review."""
    undated = list(
        Membership.objects.select_for_update()
        .filter(programme_id=programme_id, status=MembershipStatus.ACTIVE, review_due__isnull=True)
        .select_related("person", "programme")
        .order_by("pk")
    )
    earliest = today + timedelta(days=notice_days)
    now = timezone.now()
    for membership in undated:
        approved_on = timezone.localdate(membership.decided_at or membership.created_at)
        membership.review_due = max(review_due_for(membership, approved_on), earliest)
        membership.updated_at = now
        membership.updated_by = None
    if undated:
        bulk_update_with_history(
            undated,
            Membership,
            ["review_due", "updated_at", "updated_by"],
            default_change_reason="review date set",
            default_date=now,
        )
    return len(undated)


def _lapse_past_due(programme_id: int, today) -> list[Membership]:
    """Conditional on status and date, so a second run (or a re-approval in between) finds nothing."""
    past_due = list(
        Membership.objects.select_for_update()
        .filter(programme_id=programme_id, status=MembershipStatus.ACTIVE, review_due__lt=today)
        .order_by("pk")
    )
    now = timezone.now()
    for membership in past_due:
        membership.status = MembershipStatus.LAPSED
        membership.updated_at = now
        membership.updated_by = None  # the system, not a person, made this change
    if past_due:
        # One UPDATE, and one history row per membership so the lapse is on each record's history.
        bulk_update_with_history(
            past_due,
            Membership,
            ["status", "updated_at", "updated_by"],
            default_change_reason="review date passed",
            default_date=now,
        )
        # A lapsed membership counts only up to its review date: the member's later incidents change.
        scores_changed(programme_id, persons=[m.person_id for m in past_due])
        reach.changed(programme_id, persons=[m.person_id for m in past_due])  # no longer counted
        weekly_counts.member_links_changed(  # his incidents after the review date leave the group
            programme_id=programme_id,
            person_ids={m.person_id for m in past_due},
            group_ids={m.group_id for m in past_due},
        )
    return past_due


def _coordinator_organisations(programme_id: int) -> list[PartnerOrganisation]:
    return list(
        PartnerOrganisation.objects.filter(
            programme_id=programme_id, users__role=Role.COORDINATOR, users__is_active=True
        )
        .distinct()
        .order_by("pk")
    )


def _tell_coordinators(programme_id: int, lapsed: list[Membership], today) -> int:
    if not lapsed:
        return 0
    membership_type = ContentType.objects.get_for_model(Membership)
    coordinators = [org.pk for org in _coordinator_organisations(programme_id)]
    title = _("A membership lapsed without review")
    description = _(
        "The review date passed without a decision, so the membership no longer counts. "
        "Propose it again with current evidence, or let the retention rules apply."
    )
    return len(
        create_rule_follow_ups(
            [
                FollowUp(
                    rule=LAPSED_RULE,
                    origin=FollowUpOrigin.RULE,
                    cause_type=membership_type,
                    cause_id=membership.pk,
                    owner_organisation_id=organisation_id,
                    programme_id=programme_id,
                    title=title,
                    description=description,
                    due_date=today + timedelta(days=LAPSE_FOLLOW_UP_DAYS),
                    person_id=membership.person_id,
                    group_id=membership.group_id,
                )
                for membership in lapsed
                # Without a coordinator in the programme, the owning organisation is told instead.
                for organisation_id in coordinators or [membership.organisation_id]
            ]
        )
    )


def _memberships_due_soon(programme_id: int, today, notice_days: int) -> list[Membership]:
    """The programme's active memberships whose review falls within the next `notice_days` days."""
    return list(
        Membership.objects.filter(
            programme_id=programme_id,
            status=MembershipStatus.ACTIVE,
            review_due__gte=today,
            review_due__lte=today + timedelta(days=notice_days),
        )
        .select_related("created_by")
        .order_by("pk")
    )


def _review_reminders_by_membership(membership_type, memberships: list[Membership]) -> dict:
    """The existing review reminders of these memberships, by (membership id, owner organisation id)."""
    return {
        (follow_up.cause_id, follow_up.owner_organisation_id): follow_up
        for follow_up in FollowUp.objects.filter(
            rule=REVIEW_RULE,
            origin=FollowUpOrigin.RULE,
            cause_type=membership_type,
            cause_id__in=[membership.pk for membership in memberships],
        )
    }


def _review_reminder_text() -> tuple[str, str]:
    """The title and description of a review reminder, in the active language."""
    title = _("Membership review due")
    description = _(
        "Check that the evidence still holds. A coordinator re-approves the membership or ends it; "
        "left past its review date it lapses."
    )
    return title, description


def _new_review_reminder(membership: Membership, membership_type, title: str, description: str) -> FollowUp:
    """An unsaved reminder for the membership's organisation, owned by its proposer when the
    proposer belongs to that organisation."""
    proposer = membership.created_by
    return FollowUp(
        programme_id=membership.programme_id,
        rule=REVIEW_RULE,
        origin=FollowUpOrigin.RULE,
        cause_type=membership_type,
        cause_id=membership.pk,
        owner_organisation_id=membership.organisation_id,
        owner_user=proposer if proposer and proposer.organisation_id == membership.organisation_id else None,
        person_id=membership.person_id,
        group_id=membership.group_id,
        title=title,
        description=description,
        due_date=membership.review_due,
    )


def _reopen_review_reminder(follow_up: FollowUp, membership: Membership, title: str, description: str, now) -> None:
    """A new review cycle reopens the same reminder (unsaved); its history keeps the earlier cycles."""
    follow_up.title = title
    follow_up.description = description
    follow_up.due_date = membership.review_due
    follow_up.status = FollowUpStatus.OPEN
    follow_up.completed_at = None
    follow_up.updated_at = now
    follow_up.updated_by = None  # the system, not a person, reopened it


def _save_reopened_reminders(reopened: list[FollowUp], now) -> None:
    """The reopened reminders in one update, each with its history row."""
    if reopened:
        bulk_update_with_history(
            reopened,
            FollowUp,
            ["title", "description", "due_date", "status", "completed_at", "updated_at", "updated_by"],
            default_change_reason="next review cycle",
            default_date=now,
        )


def _remind_owners(programme_id: int, today, notice_days: int) -> int:
    """One reminder per membership and owner, reopened for each new review date.

    New reminders are inserted together and reopened ones updated together (each with its
    history row), so the statements do not grow with the number of memberships."""
    due_soon = _memberships_due_soon(programme_id, today, notice_days)
    if not due_soon:
        return 0
    membership_type = ContentType.objects.get_for_model(Membership)
    existing = _review_reminders_by_membership(membership_type, due_soon)
    title, description = _review_reminder_text()
    new, reopened = [], []
    now = timezone.now()
    for membership in due_soon:
        follow_up = existing.get((membership.pk, membership.organisation_id))
        if follow_up is None:
            new.append(_new_review_reminder(membership, membership_type, title, description))
        elif follow_up.due_date != membership.review_due:
            _reopen_review_reminder(follow_up, membership, title, description, now)
            reopened.append(follow_up)
        # else: this review's reminder exists (open, or already dealt with)
    _save_reopened_reminders(reopened, now)
    return len(reopened) + len(create_rule_follow_ups(new))
