"""Follow-ups made by hand, their status changes, rule-made ones settled after a correction, and
the bulk insert the rule sweeps share."""

from collections.abc import Collection

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi.models import OPEN_STATUSES, Confidence, FollowUp, FollowUpOrigin, FollowUpStatus
from gvi.services.common import acting_organisation, as_changed_by, create_record, require_visible, update_record

# How the history names a follow-up cancelled because its cause was corrected (and one reopened).
WITHDRAWN = "withdrawn"
REOPENED = "reopened"


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
    source: str = "",
    confidence: str = Confidence.CONFIRMED,
) -> FollowUp:
    """A follow-up made by hand. The owner organisation defaults to the user's own; the source,
    when none is given, is the organisation that entered it."""
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
            source=(source or "").strip()[:200] or organisation.name[:200],
            confidence=confidence,
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


@transaction.atomic
def settle_rule_follow_ups(
    *, user, cause, holding: Collection[str], lapsed: Collection[str], reason: str
) -> list[FollowUp]:
    """Bring the follow-ups that rules made for `cause` in line with a correction of it.

    - Open or in-progress follow-ups of a `lapsed` rule (the cause no longer meets its
      condition) are cancelled.
    - A follow-up of a `holding` rule that such a correction cancelled, and that nobody has
      changed since, is reopened with the status it had. One cancelled by its owner stays so.
    - Done follow-ups are left alone: the work was done.

    The caller has checked that the user may correct the cause; the follow-ups may belong to
    another organisation (the rule chose the owner). Each change is saved on its own, so the
    history names the user and `reason`. Returns the follow-ups changed.
    """
    follow_ups = FollowUp.objects.select_for_update().filter(
        origin=FollowUpOrigin.RULE,
        rule__in=[*holding, *lapsed],
        cause_type=ContentType.objects.get_for_model(cause),
        cause_id=cause.pk,
    )
    changed = []
    for follow_up in follow_ups:
        # Only a follow-up nobody has started is withdrawn: one in progress belongs to its owner's
        # judgement (the owner may be another organisation), so it is left for them to close.
        if follow_up.rule in lapsed and follow_up.status == FollowUpStatus.OPEN:
            _set_status(follow_up, user=user, status=FollowUpStatus.CANCELLED, reason=f"{WITHDRAWN}: {reason}")
            changed.append(follow_up)
        elif follow_up.rule in holding and follow_up.status == FollowUpStatus.CANCELLED:
            before = _status_before_withdrawal(follow_up)
            if before is not None:
                _set_status(follow_up, user=user, status=before, reason=f"{REOPENED}: {reason}")
                changed.append(follow_up)
    return changed


@transaction.atomic
def move_rule_follow_ups(*, user, cause, rule: str, due_date, title: str | None = None) -> list[FollowUp]:
    """A rule's open follow-ups for `cause` move to a new due date (and title) after the cause's
    date changed (a risk assessment's next review, a supervision's end): the owner sees the date
    that holds, and the history names who moved it. Done and cancelled ones are left alone."""
    follow_ups = FollowUp.objects.select_for_update().filter(
        origin=FollowUpOrigin.RULE,
        rule=rule,
        cause_type=ContentType.objects.get_for_model(cause),
        cause_id=cause.pk,
        status__in=OPEN_STATUSES,
    )
    moved = []
    for follow_up in follow_ups:
        follow_up.due_date = due_date
        fields = ["due_date", "updated_by", "updated_at"]
        if title:
            follow_up.title = title
            fields.append("title")
        follow_up.updated_by = user
        as_changed_by(follow_up, user, _("The date it follows changed."))
        follow_up.save(update_fields=fields)
        moved.append(follow_up)
    return moved


def _status_before_withdrawal(follow_up: FollowUp) -> str | None:
    """The status a follow-up had before a correction withdrew it; None when its last change
    was not that withdrawal (e.g. its owner cancelled it)."""
    rows = list(follow_up.history.order_by("-history_date", "-history_id")[:2])
    if len(rows) < 2 or not (rows[0].history_change_reason or "").startswith(f"{WITHDRAWN}:"):
        return None
    return rows[1].status if rows[1].status in OPEN_STATUSES else FollowUpStatus.OPEN


def _set_status(follow_up: FollowUp, *, user, status: str, reason: str) -> None:
    follow_up.status = status
    follow_up.completed_at = timezone.now() if status == FollowUpStatus.CANCELLED else None
    follow_up.updated_by = user
    as_changed_by(follow_up, user, reason)
    follow_up.save(update_fields=["status", "completed_at", "updated_by", "updated_at"])


# Rows per INSERT: a national sweep (thousands of rows) takes a few statements, each of bounded size.
BULK_BATCH_SIZE = 500


@transaction.atomic
def create_rule_follow_ups(follow_ups: list[FollowUp], *, change_reason: str = "") -> list[FollowUp]:
    """Insert the rule-made follow-ups that do not exist yet; return the ones made.

    A few statements whatever the number of rows: the database skips a row whose (rule, cause,
    owner organisation) already exists (the unique constraint; INSERT ... ON CONFLICT DO NOTHING),
    so a second run, or two at once, make nothing twice. Each new row gets its creation in the
    change history, as save() would have written it.
    """
    if not follow_ups:
        return []
    if not all(item.origin == FollowUpOrigin.RULE and item.rule for item in follow_ups):
        # Only rule-made rows are unique per cause: others would be inserted twice.
        raise ValueError("create_rule_follow_ups takes rule-made follow-ups only")
    started = timezone.now()
    FollowUp.objects.bulk_create(follow_ups, batch_size=BULK_BATCH_SIZE, ignore_conflicts=True)
    # bulk_create fires no post_save, so simple-history wrote nothing, and with ignore_conflicts it
    # does not say which rows went in. (simple_history's bulk_create_with_history finds them again
    # with one OR-clause per row and would also match rows that existed before.) The rows this call
    # made are those of these rules created since `started` that have no history yet: a concurrent
    # run's rows already have theirs, written in the transaction that inserted them, before our
    # conflicting insert could go on.
    made = list(
        FollowUp.objects.filter(
            origin=FollowUpOrigin.RULE, rule__in={item.rule for item in follow_ups}, created_at__gte=started
        )
        .exclude(Exists(FollowUp.history.model.objects.filter(id=OuterRef("pk"))))
        .order_by("pk")
    )
    FollowUp.history.bulk_history_create(made, batch_size=BULK_BATCH_SIZE, default_change_reason=change_reason)
    return made
