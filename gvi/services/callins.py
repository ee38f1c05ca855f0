"""Planning call-ins, their speakers and message, inviting persons, the lifecycle (planned, then
held or cancelled) and recording attendance.

The lifecycle rules, in one place:
- A call-in is planned with a date and time no more than a year back (recording one that took
  place) and at most the planning horizon ahead; a venue without a date is refused.
- Planned becomes held (on its day or later) or cancelled (with a reason); held and cancelled are
  final. Who marked it and when is kept on the call-in and in its history.
- Attendance is recorded only for a held call-in, or for a planned one on its day.
- The follow-up rules for call-ins run when it is marked held (and on attendance corrections
  after that), never for a planned or cancelled one.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import dates, jobs
from gvi.followup_rules import ATTENDANCE_RULES
from gvi.models import (
    SPEAKER_MESSAGE_KIND,
    CallIn,
    CallInSpeaker,
    CallInStatus,
    Confidence,
    Invitation,
    InvitationStatus,
    MessageKind,
    PartnerOrganisation,
    SpeakerKind,
)
from gvi.policy import Action
from gvi.services.common import (
    acting_organisation,
    as_changed_by,
    create_record,
    require,
    require_visible,
    update_record,
)
from gvi.services.followups import settle_rule_follow_ups

# How far back a call-in can be entered: one that took place, recorded afterwards.
RECORD_BACK_DAYS = 365
# Attendance statuses that say the meeting took place for the person (not "invited").
RECORDED = (InvitationStatus.ATTENDED, InvitationStatus.NO_SHOW, InvitationStatus.EXCUSED)


def check_scheduled_at(scheduled_at, today: dt.date | None = None) -> None:
    """The date rule for a call-in: required, at most a year back, within the planning horizon."""
    if scheduled_at is None:
        raise ValidationError(
            {"scheduled_at": _("Give the date and time of the call-in: a venue alone is not enough.")}
        )
    today = today or timezone.localdate()
    day = timezone.localtime(scheduled_at).date() if timezone.is_aware(scheduled_at) else scheduled_at.date()
    earliest = today - dt.timedelta(days=RECORD_BACK_DAYS)
    if day < earliest:
        raise ValidationError(
            {
                "scheduled_at": _("A call-in can be entered at most a year back: give a date from %(first)s.")
                % {"first": earliest.isoformat()}
            }
        )
    try:
        dates.planned(day)
    except ValidationError as error:
        # A field error, so a form and the API name the field (a bare message would be a 500).
        raise ValidationError({"scheduled_at": error.messages}) from error


def call_in_day(call_in: CallIn) -> dt.date:
    return timezone.localtime(call_in.scheduled_at).date()


def attendance_refusal(call_in: CallIn, today: dt.date | None = None) -> str | None:
    """Why attendance cannot be recorded for `call_in` today (None: it can)."""
    today = today or timezone.localdate()
    if call_in.status == CallInStatus.HELD:
        return None
    if call_in.status == CallInStatus.CANCELLED:
        return _("The call-in was cancelled: there is no attendance to record.")
    if call_in_day(call_in) == today:
        return None
    if call_in_day(call_in) > today:
        return _("Attendance can be recorded on the day of the call-in, or once it is marked held.")
    return _("Mark the call-in held before recording attendance.")


@transaction.atomic
def plan_call_in(
    *, user, scheduled_at, venue: str, notes: str = "", speakers: list[dict] = (), today: dt.date | None = None
) -> CallIn:
    """Plan a call-in, with its speakers ({kind, name, message, message_kind, organisation}),
    organised by the user's organisation."""
    check_scheduled_at(scheduled_at, today)
    if not (venue or "").strip():
        raise ValidationError({"venue": _("Give the venue of the call-in.")})
    call_in = create_record(
        CallIn(scheduled_at=scheduled_at, venue=venue.strip(), notes=notes), user=user, kind="call_in"
    )
    for speaker in speakers:
        add_speaker(user=user, call_in=call_in, **speaker)
    return call_in


def _locked(call_in: CallIn) -> CallIn:
    """The call-in as stored, its row locked until the transaction ends: a status change and an
    attendance record take turns, so neither acts on a status that has just changed."""
    return CallIn.objects.select_for_update().get(pk=call_in.pk)


@transaction.atomic
def mark_held(*, user, call_in: CallIn, note: str = "", today: dt.date | None = None) -> CallIn:
    """Planned -> held, on the call-in's day or later. The follow-up rules run after commit:
    services for those who attended, a custom notification for those who did not show."""
    require(user, "call_in", Action.CHANGE, call_in)
    stored = _locked(call_in)
    today = today or timezone.localdate()
    if stored.status != CallInStatus.PLANNED:
        raise ValidationError({"status": _("Only a planned call-in can be marked held.")})
    if call_in_day(stored) > today:
        raise ValidationError({"status": _("A call-in can be marked held on its day or later, not before.")})
    held = _change_status(stored, user=user, status=CallInStatus.HELD, note=note, reason="marked held")
    jobs.apply_followup_rules("call_in", held.pk)
    _copy_status(held, call_in)
    return held


@transaction.atomic
def cancel_call_in(*, user, call_in: CallIn, reason: str) -> CallIn:
    """Planned -> cancelled, with the reason. A call-in with attendance recorded took place and
    is not cancelled."""
    require(user, "call_in", Action.CHANGE, call_in)
    stored = _locked(call_in)
    reason = (reason or "").strip()
    if stored.status != CallInStatus.PLANNED:
        raise ValidationError({"status": _("Only a planned call-in can be cancelled.")})
    if not reason:
        raise ValidationError({"reason": _("Say why the call-in is cancelled.")})
    if stored.invitations.filter(status__in=RECORDED).exists():
        raise ValidationError(
            {"status": _("Attendance is recorded for this call-in: mark it held, or correct the attendance first.")}
        )
    cancelled = _change_status(stored, user=user, status=CallInStatus.CANCELLED, note=reason, reason="cancelled")
    _copy_status(cancelled, call_in)
    return cancelled


def _change_status(call_in: CallIn, *, user, status: str, note: str, reason: str) -> CallIn:
    call_in._change_reason = reason
    return update_record(
        call_in,
        user=user,
        kind="call_in",
        status=status,
        status_changed_at=timezone.now(),
        status_changed_by=user,
        status_note=(note or "").strip(),
    )


def _copy_status(source: CallIn, target: CallIn) -> None:
    """The caller's instance shows the change too."""
    for field in ("status", "status_changed_at", "status_changed_by_id", "status_note", "updated_at", "updated_by_id"):
        setattr(target, field, getattr(source, field))


# --- Speakers and the message ------------------------------------------------------------------


def _check_speaker_fields(user, *, kind, name, message_kind, organisation):
    if kind not in SpeakerKind.values:
        raise ValidationError({"kind": _("Choose a kind of speaker.")})
    if message_kind and message_kind not in MessageKind.values:
        raise ValidationError({"message_kind": _("Choose a part of the message.")})
    if not (name or "").strip():
        raise ValidationError({"name": _("Give the speaker's name.")})
    foreign = organisation is not None and (
        not isinstance(organisation, PartnerOrganisation)
        or organisation.programme_id != acting_organisation(user).programme_id
    )
    if foreign:
        raise ValidationError({"organisation": _("No such record.")})


def _editable(user, call_in: CallIn) -> CallIn:
    require(user, "call_in", Action.CHANGE, call_in)
    stored = _locked(call_in)
    if stored.status == CallInStatus.CANCELLED:
        raise ValidationError(_("The call-in was cancelled: its speakers are no longer changed."))
    return stored


@transaction.atomic
def add_speaker(
    *, user, call_in: CallIn, kind: str, name: str, message: str = "", message_kind: str = "", organisation=None
) -> CallInSpeaker:
    """Add a speaker at the end of the speaking order. The part of the message (moral voice,
    help, enforcement) follows from the kind of speaker unless given."""
    stored = _editable(user, call_in)
    _check_speaker_fields(user, kind=kind, name=name, message_kind=message_kind, organisation=organisation)
    last = stored.speakers.order_by("-position").values_list("position", flat=True).first() or 0
    speaker = CallInSpeaker(
        call_in=stored,
        position=last + 1,
        kind=kind,
        name=name.strip(),
        message=message or "",
        message_kind=message_kind or SPEAKER_MESSAGE_KIND[SpeakerKind(kind)],
        organisation=organisation,
    )
    as_changed_by(speaker, user, "speaker added")
    speaker.full_clean()
    speaker.save()
    return speaker


@transaction.atomic
def update_speaker(
    *, user, speaker: CallInSpeaker, kind: str, name: str, message: str = "", message_kind: str = "", organisation=None
) -> CallInSpeaker:
    """Change a speaker's kind, name, organisation or what they will say."""
    _editable(user, speaker.call_in)
    _check_speaker_fields(user, kind=kind, name=name, message_kind=message_kind, organisation=organisation)
    speaker.kind = kind
    speaker.name = name.strip()
    speaker.message = message or ""
    speaker.message_kind = message_kind or SPEAKER_MESSAGE_KIND[SpeakerKind(kind)]
    speaker.organisation = organisation
    as_changed_by(speaker, user, "speaker changed")
    speaker.full_clean()
    speaker.save()
    return speaker


@transaction.atomic
def remove_speaker(*, user, speaker: CallInSpeaker) -> None:
    _editable(user, speaker.call_in)
    as_changed_by(speaker, user, "speaker removed")
    speaker.delete()


@transaction.atomic
def move_speaker(*, user, speaker: CallInSpeaker, up: bool) -> None:
    """Move a speaker one place earlier (`up`) or later in the speaking order."""
    stored = _editable(user, speaker.call_in)
    order = list(stored.speakers.order_by("position", "id"))
    index = next((i for i, s in enumerate(order) if s.pk == speaker.pk), None)
    if index is None:
        raise ValidationError(_("No such record."))
    other = index - 1 if up else index + 1
    if not 0 <= other < len(order):
        return
    order[index], order[other] = order[other], order[index]
    for position, item in enumerate(order, start=1):
        if item.position != position:
            item.position = position
            as_changed_by(item, user, "speaking order")
            item.save(update_fields=["position"])


# --- Invitations and attendance -----------------------------------------------------------------


@transaction.atomic
def invite_persons(
    *, user, call_in: CallIn, persons, source: str, confidence: str = Confidence.CONFIRMED
) -> list[Invitation]:
    """Invite persons to a call-in. Inviting someone already invited changes nothing, also when
    two requests invite the same person at once. Nobody is invited to a cancelled call-in."""
    require_visible(user, "call_in", call_in, "call_in")
    # Concurrent invitations to one call-in take turns on its row, so each sees the others'
    # committed invitations here instead of failing on the unique rule.
    stored = _locked(call_in)
    if stored.status == CallInStatus.CANCELLED:
        raise ValidationError({"call_in": _("The call-in was cancelled: nobody can be invited to it.")})
    already = set(call_in.invitations.values_list("person_id", flat=True))
    invitations = []
    for person in persons:
        require_visible(user, "person", person, "person")
        if person.pk in already:
            continue
        invitations.append(
            create_record(
                Invitation(call_in=call_in, person=person, source=source, confidence=confidence),
                user=user,
                kind="invitation",
            )
        )
        already.add(person.pk)
    return invitations


@transaction.atomic
def record_attendance(*, user, invitation: Invitation, status: str, today: dt.date | None = None) -> Invitation:
    """Record whether an invited person attended, did not show, or was excused.

    Only for a held call-in, or a planned one on its day (`attendance_refusal`). The follow-up
    rules run once the transaction commits, for a held call-in only (a planned one gets them
    when it is marked held).

    A correction settles what the rules made for the status it replaces: e.g. a no-show
    corrected to attended cancels the open custom-notification follow-up (one already done is
    left), and a correction back to no-show reopens it. A cancelled follow-up keeps its row, so
    no later run of the rules makes it again.
    """
    if status not in InvitationStatus.values:
        raise ValidationError({"status": _("Unknown attendance status.")})
    require(user, "invitation", Action.CHANGE, invitation)
    call_in = _locked(invitation.call_in)
    refusal = attendance_refusal(call_in, today)
    if refusal:
        raise ValidationError({"status": refusal})
    if invitation.status == status:
        return invitation
    invitation = update_record(invitation, user=user, kind="invitation", status=status)
    holding = {rule for rule_status, rule in ATTENDANCE_RULES.items() if rule_status == status}
    settle_rule_follow_ups(
        user=user,
        cause=invitation,
        holding=holding,
        lapsed=set(ATTENDANCE_RULES.values()) - holding,
        reason="attendance corrected",  # the status itself may not be visible to the owner
    )
    if call_in.status == CallInStatus.HELD:
        jobs.apply_followup_rules("call_in", invitation.call_in_id)
    return invitation
