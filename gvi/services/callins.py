"""Planning call-ins, inviting persons and recording attendance."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gvi import jobs
from gvi.followup_rules import ATTENDANCE_RULES
from gvi.models import CallIn, CallInSpeaker, Confidence, Invitation, InvitationStatus
from gvi.policy import Action
from gvi.services.common import create_record, require, require_visible, update_record
from gvi.services.followups import settle_rule_follow_ups


@transaction.atomic
def plan_call_in(*, user, scheduled_at, venue: str, notes: str = "", speakers: list[dict] = ()) -> CallIn:
    """Plan a call-in, with its speakers ({name, message_kind, organisation}), organised by the user's organisation."""
    call_in = create_record(CallIn(scheduled_at=scheduled_at, venue=venue, notes=notes), user=user, kind="call_in")
    for speaker in speakers:
        speaker_obj = CallInSpeaker(call_in=call_in, **speaker)
        speaker_obj.full_clean()
        speaker_obj.save()
    return call_in


@transaction.atomic
def invite_persons(
    *, user, call_in: CallIn, persons, source: str, confidence: str = Confidence.CONFIRMED
) -> list[Invitation]:
    """Invite persons to a call-in. Inviting someone already invited changes nothing, also when
    two requests invite the same person at once."""
    require_visible(user, "call_in", call_in, "call_in")
    # Concurrent invitations to one call-in take turns on its row, so each sees the others'
    # committed invitations here instead of failing on the unique rule.
    CallIn.objects.select_for_update().filter(pk=call_in.pk).exists()
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
def record_attendance(*, user, invitation: Invitation, status: str) -> Invitation:
    """Record whether an invited person attended, did not show, or was excused.

    Attendance makes the call-in held; follow-up rules run once the transaction commits.
    A correction settles what the rules made for the status it replaces: e.g. a no-show
    corrected to attended cancels the open custom-notification follow-up (one already done is
    left), and a correction back to no-show reopens it. A cancelled follow-up keeps its row, so
    no later run of the rules makes it again.
    """
    if status not in InvitationStatus.values:
        raise ValidationError({"status": _("Unknown attendance status.")})
    require(user, "invitation", Action.CHANGE, invitation)
    invitation = update_record(invitation, user=user, kind="invitation", status=status)
    holding = {rule for rule_status, rule in ATTENDANCE_RULES.items() if rule_status == status}
    settle_rule_follow_ups(
        user=user,
        cause=invitation,
        holding=holding,
        lapsed=set(ATTENDANCE_RULES.values()) - holding,
        reason="attendance corrected",  # the status itself may not be visible to the owner
    )
    jobs.apply_followup_rules("call_in", invitation.call_in_id)
    return invitation
