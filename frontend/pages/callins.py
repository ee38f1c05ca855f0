"""The call-in planner: plan a call-in, its speakers and message, invite the suggested members,
mark it held or cancelled, record attendance, plan notifications for missing groups, print."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend.callin_forms import CallInStatusForm, PlanNotificationForm, SpeakerForm
from frontend.forms import AttendanceForm, CallInForm, InviteForm
from frontend.pages.common import add_service_errors, log_read, or_404, quick_change
from gvi.models import CallInStatus
from gvi.policy import Action, can
from gvi.selectors import callins as selectors
from gvi.services import callins as services
from gvi.services import notifications


@login_required
@require_http_methods(["GET", "POST"])
def call_in_list(request):
    form = CallInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call_in = services.plan_call_in(
                user=request.user,
                scheduled_at=form.cleaned_data["scheduled_at"],
                venue=form.cleaned_data["venue"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The call-in is planned. Now choose whom to invite."))
            return redirect("frontend:call_in_detail", pk=call_in.pk)
    call_ins = selectors.call_in_list(request.user)[:100]
    return render(request, "frontend/callins/list.html", {"form": form, "call_ins": call_ins})


def _invite_form(request, call_in, data=None):
    # Only those who may invite see (and so read) the suggestions.
    may_invite = can(request.user, "invitation", Action.CREATE)
    suggested = list(selectors.suggested_invitees(request.user, call_in)) if may_invite else []
    form = InviteForm(data, choices=[(person.pk, str(person)) for person in suggested])
    if data is None:
        form.initial["source"] = _("Call-in planner")
    return form, suggested


@login_required
@require_http_methods(["GET", "POST"])
def call_in_detail(request, pk: int):
    call_in = or_404(selectors.call_in_for(request.user, pk))
    form, suggested = _invite_form(request, call_in, request.POST or None)
    if request.method == "POST" and form.is_valid():
        persons = selectors.invitable_persons(request.user, call_in, form.cleaned_data["persons"])
        try:
            invited = services.invite_persons(
                user=request.user, call_in=call_in, persons=persons, source=form.cleaned_data["source"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            count = len(invited)
            messages.success(
                request, ngettext("%(count)d person invited.", "%(count)d persons invited.", count) % {"count": count}
            )
            return redirect("frontend:call_in_detail", pk=call_in.pk)
    invitations = selectors.invitations_for(request.user, call_in)
    # The invitations and the suggested persons, each logged with its owner (a disclosure when
    # another organisation owns it), and the call-in itself.
    log_read(
        request,
        record_kind="invitation",
        objects=invitations,
        action="list",
        also={"call_in": [call_in], "person": suggested},
    )
    return render(
        request, "frontend/callins/detail.html", _detail_context(request, call_in, invitations, form, suggested)
    )


def _attendance_rows(request, call_in, invitations, errors=None, posted=None):
    """One row per invitation: a select for those the user may change (and attendance can be
    recorded today), the stored status otherwise."""
    open_for_attendance = services.attendance_refusal(call_in) is None
    changeable = selectors.changeable_invitation_ids(request.user, call_in) if open_for_attendance else set()
    rows = []
    for invitation in invitations:
        prefix = f"i{invitation.pk}"
        data = posted if posted is not None and f"{prefix}-status" in posted else None
        rows.append(
            {
                "invitation": invitation,
                "form": AttendanceForm(data, initial={"status": invitation.status}, prefix=prefix),
                "editable": invitation.pk in changeable,
                "error": (errors or {}).get(invitation.pk),
            }
        )
    return rows


def _detail_context(request, call_in, invitations, form, suggested, *, errors=None, posted=None, status_form=None):
    may_change = can(request.user, "call_in", Action.CHANGE, call_in)
    missing = selectors.groups_not_represented(request.user, call_in)  # its members are among the invited
    rows = _attendance_rows(request, call_in, invitations, errors, posted)
    return {
        "call_in": call_in,
        "rows": rows,
        "any_editable": any(row["editable"] for row in rows),
        "attendance_refusal": services.attendance_refusal(call_in),
        "form": form,
        "suggested": suggested,
        "speakers": selectors.speakers_for(call_in),
        "status_history": selectors.status_history(call_in),
        "status_form": status_form or CallInStatusForm(),
        "may_change": may_change,
        "may_mark_held": may_change
        and call_in.status == CallInStatus.PLANNED
        and services.call_in_day(call_in) <= timezone.localdate(),
        "missing_groups": missing,
        "may_plan_notification": can(request.user, "custom_notification", Action.CREATE)
        and can(request.user, "follow_up", Action.CREATE),
        "may_print": can(request.user, "invitation", Action.EXPORT),
    }


@login_required
@require_POST
def record_attendance(request, pk: int, invitation_pk: int):
    """Save one invitation's attendance (its row's own button); htmx swaps the row, plain forms
    redirect. Nothing saves on a mere change of the select: a keyboard user moving through the
    options records nothing until the button is pressed."""
    call_in = or_404(selectors.call_in_for(request.user, pk))
    invitation = or_404(selectors.invitation_for(request.user, call_in, invitation_pk))
    form = AttendanceForm(request.POST, prefix=f"i{invitation.pk}")
    error = None
    if form.is_valid():
        error = quick_change(
            invitation,
            lambda: services.record_attendance(
                user=request.user, invitation=invitation, status=form.cleaned_data["status"]
            ),
        )
    else:
        error = _("Choose an attendance status.")
    if request.htmx:
        (row,) = _attendance_rows(request, call_in, [invitation])
        return render(
            request,
            "frontend/callins/_invitation_row.html",
            {"row": row, "call_in": call_in, "saved": error is None, "error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Attendance recorded for %(person)s.") % {"person": invitation.person})
    return redirect("frontend:call_in_detail", pk=call_in.pk)


@login_required
@require_POST
def save_attendance(request, pk: int):
    """Save the attendance of every invitation on the page at once ("Save attendance"). All or
    nothing: when one row is refused, none is saved and each refused row says why."""
    call_in = or_404(selectors.call_in_for(request.user, pk))
    invitations = selectors.invitations_for(request.user, call_in)
    errors, changes = {}, []
    for invitation in invitations:
        key = f"i{invitation.pk}-status"
        if key not in request.POST:
            continue
        form = AttendanceForm(request.POST, prefix=f"i{invitation.pk}")
        if not form.is_valid():
            errors[invitation.pk] = _("Choose an attendance status.")
        elif form.cleaned_data["status"] != invitation.status:
            changes.append((invitation, form.cleaned_data["status"]))
    if not errors and changes:
        try:
            with transaction.atomic():
                for invitation, status in changes:
                    try:
                        services.record_attendance(user=request.user, invitation=invitation, status=status)
                    except (ValidationError, PermissionDenied) as exc:
                        errors[invitation.pk] = " ".join(getattr(exc, "messages", None) or [_("You may not do this.")])
                if errors:
                    raise _Refused
        except _Refused:
            for invitation in invitations:
                invitation.refresh_from_db()
    if errors:
        form, suggested = _invite_form(request, call_in)
        context = _detail_context(request, call_in, invitations, form, suggested, errors=errors, posted=request.POST)
        messages.error(request, _("Nothing was saved: correct the rows marked below."))
        return render(request, "frontend/callins/detail.html", context, status=400)
    count = len(changes)
    messages.success(
        request,
        ngettext("Attendance saved: %(count)d change.", "Attendance saved: %(count)d changes.", count)
        % {"count": count},
    )
    return redirect(reverse("frontend:call_in_detail", args=[call_in.pk]) + "#invited-title")


class _Refused(Exception):
    """Rolls the whole attendance form back when one row is refused."""


@login_required
@require_POST
def change_status(request, pk: int):
    """Mark the call-in held, or cancel it (with the reason)."""
    call_in = or_404(selectors.call_in_for(request.user, pk))
    form = CallInStatusForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["change"] == CallInStatusForm.HELD:
                services.mark_held(user=request.user, call_in=call_in, note=form.cleaned_data["note"])
                messages.success(request, _("The call-in is marked held. Its follow-ups are being made."))
            else:
                services.cancel_call_in(user=request.user, call_in=call_in, reason=form.cleaned_data["note"])
                messages.success(request, _("The call-in is cancelled."))
        except ValidationError as error:
            add_service_errors(form, _as_note_errors(error))
        else:
            return redirect("frontend:call_in_detail", pk=call_in.pk)
    call_in = or_404(selectors.call_in_for(request.user, pk))
    invitations = selectors.invitations_for(request.user, call_in)
    invite_form, suggested = _invite_form(request, call_in)
    context = _detail_context(request, call_in, invitations, invite_form, suggested, status_form=form)
    return render(request, "frontend/callins/detail.html", context, status=400)


def _as_note_errors(error: ValidationError) -> ValidationError:
    """The reason a cancellation needs is the form's note."""
    if hasattr(error, "error_dict") and "reason" in error.error_dict:
        return ValidationError({"note": error.error_dict["reason"]})
    return error


@login_required
@require_POST
def plan_notification(request, pk: int):
    """One click: plan a custom notification for a named member of a group missing at the call-in."""
    call_in = or_404(selectors.call_in_for(request.user, pk))
    missing = {item.group.pk: item for item in selectors.groups_not_represented(request.user, call_in)}
    group_id = request.POST.get("group", "")
    item = missing.get(int(group_id)) if group_id.isdigit() else None
    form = PlanNotificationForm(request.POST, members=item.members if item else ())
    if item is None:
        messages.error(request, _("The group was represented at the call-in, or was not invited to it."))
    elif not form.is_valid():
        messages.error(request, _("Choose a member of the group."))
    else:
        person = next(p for p in item.members if p.pk == form.cleaned_data["person"])
        try:
            follow_up = notifications.plan_custom_notification(
                user=request.user, call_in=call_in, group=item.group, person=person
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("A custom notification is planned for %(person)s (%(group)s), due %(date)s.")
                % {"person": person, "group": item.group.name, "date": follow_up.due_date.isoformat()},
            )
    return redirect(reverse("frontend:call_in_detail", args=[call_in.pk]) + "#missing-title")


@login_required
@require_http_methods(["GET", "POST"])
def call_in_message(request, pk: int):
    """The speakers and what each will say, in speaking order: add, change, move, remove."""
    call_in = or_404(selectors.call_in_for(request.user, pk))
    if not can(request.user, "call_in", Action.CHANGE, call_in):
        raise PermissionDenied(_("You may not do this."))
    organisations = selectors.speaker_organisations(request.user)
    add_form = SpeakerForm(organisations=organisations, prefix="new")
    edit_errors = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        speaker = None
        if request.POST.get("speaker", "").isdigit():
            speaker = or_404(selectors.speaker_for(request.user, call_in, int(request.POST["speaker"])))
        try:
            if action == "add":
                add_form = SpeakerForm(request.POST, organisations=organisations, prefix="new")
                if add_form.is_valid():
                    try:
                        services.add_speaker(user=request.user, call_in=call_in, **add_form.service_arguments())
                    except ValidationError as error:
                        add_service_errors(add_form, error)
                    else:
                        messages.success(request, _("The speaker is added."))
                        return redirect("frontend:call_in_message", pk=call_in.pk)
            elif action == "save" and speaker is not None:
                edit = SpeakerForm(request.POST, organisations=organisations, prefix=f"s{speaker.pk}")
                if edit.is_valid():
                    try:
                        services.update_speaker(user=request.user, speaker=speaker, **edit.service_arguments())
                    except ValidationError as error:
                        add_service_errors(edit, error)
                if edit.is_bound and not edit.errors:
                    messages.success(request, _("The speaker is saved."))
                    return redirect(reverse("frontend:call_in_message", args=[call_in.pk]) + f"#speaker-{speaker.pk}")
                edit_errors[speaker.pk] = edit
            elif action in ("up", "down") and speaker is not None:
                services.move_speaker(user=request.user, speaker=speaker, up=action == "up")
                return redirect(reverse("frontend:call_in_message", args=[call_in.pk]) + f"#speaker-{speaker.pk}")
            elif action == "remove" and speaker is not None:
                services.remove_speaker(user=request.user, speaker=speaker)
                messages.success(request, _("The speaker is removed."))
                return redirect("frontend:call_in_message", pk=call_in.pk)
            else:
                messages.error(request, _("Nothing to do."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    speakers = selectors.speakers_for(call_in)
    rows = [
        {
            "speaker": speaker,
            "form": edit_errors.get(speaker.pk)
            or SpeakerForm(
                organisations=organisations,
                prefix=f"s{speaker.pk}",
                initial={
                    "kind": speaker.kind,
                    "name": speaker.name,
                    "organisation": speaker.organisation_id,
                    "message_kind": speaker.message_kind,
                    "message": speaker.message,
                },
            ),
        }
        for speaker in speakers
    ]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "frontend/callins/message.html",
        {"call_in": call_in, "rows": rows, "add_form": add_form, "editable": call_in.status != CallInStatus.CANCELLED},
        status=status,
    )


@login_required
@require_GET
def call_in_run_sheet(request, pk: int):
    """The printable run sheet: time, venue, and the speakers in order with what each will say.
    It names no invited person, so whoever may see the call-in may print it."""
    call_in = or_404(selectors.call_in_for(request.user, pk))
    return render(
        request,
        "frontend/callins/run_sheet.html",
        {"call_in": call_in, "speakers": selectors.speakers_for(call_in)},
    )


@login_required
@require_GET
def call_in_print(request, pk: int):
    call_in = or_404(selectors.call_in_for(request.user, pk))
    invitations = selectors.invitations_to_print(request.user, call_in)  # 403 for a role that may not export
    if invitations:
        log_read(request, record_kind="invitation", objects=invitations, action="export")
    return render(request, "frontend/callins/print.html", {"call_in": call_in, "invitations": invitations})
