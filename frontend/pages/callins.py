"""The call-in planner: plan a call-in, invite the suggested members, record attendance, print."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend.forms import AttendanceForm, CallInForm, InviteForm
from frontend.pages.common import add_service_errors, log_read, or_404, quick_change
from gvi.policy import Action, can
from gvi.selectors import callins as selectors
from gvi.services import callins as services


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
    rows = [
        {"invitation": i, "form": AttendanceForm(initial={"status": i.status}, prefix=f"i{i.pk}")} for i in invitations
    ]
    return render(
        request,
        "frontend/callins/detail.html",
        {
            "call_in": call_in,
            "rows": rows,
            "form": form,
            "suggested": suggested,
            "may_print": can(request.user, "invitation", Action.EXPORT),
        },
    )


@login_required
@require_POST
def record_attendance(request, pk: int, invitation_pk: int):
    """Quick change of one invitation's attendance; htmx swaps the row, plain forms redirect."""
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
        row = {
            "invitation": invitation,
            "form": AttendanceForm(initial={"status": invitation.status}, prefix=f"i{invitation.pk}"),
        }
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
@require_GET
def call_in_print(request, pk: int):
    call_in = or_404(selectors.call_in_for(request.user, pk))
    invitations = selectors.invitations_to_print(request.user, call_in)  # 403 for a role that may not export
    if invitations:
        log_read(request, record_kind="invitation", objects=invitations, action="export")
    return render(request, "frontend/callins/print.html", {"call_in": call_in, "invitations": invitations})
