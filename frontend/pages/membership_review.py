"""Membership review pages: the approval queue, the quality report (page and CSV), a person's rights.

Thin views: reads through the selectors (`gvi.selectors.membership_review`, the quality report),
writes through `gvi.services.memberships` and `gvi.services.rights`. Every page showing persons
logs it.
"""

import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from frontend.pages.common import or_404
from gvi import dates
from gvi.audit import log_access
from gvi.exports import report_csv_response, require_report_export
from gvi.models import DataSubjectRequest, Notice, NoticeMethod, RequestKind, RequestStatus
from gvi.policy import Action, can
from gvi.selectors import membership_review as selectors
from gvi.selectors.quality_report import quality_report
from gvi.services import memberships as membership_services
from gvi.services import rights as rights_services

DECISIONS = {
    "approve": membership_services.approve_membership,
    "reject": membership_services.reject_membership,
    "reapprove": membership_services.reapprove_membership,
    "end": membership_services.end_membership,
}


def _error_messages(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error) or str(_("You may not do this."))]


# --- The approval queue ------------------------------------------------------------------


def _queue(request, *, errors=None, status=200):
    user = request.user
    if not can(user, "membership", Action.CHANGE):
        raise PermissionDenied
    queue = selectors.approval_queue(user)
    log_access(
        user=user, action="list", record_kind="membership", objects=queue.proposed + queue.due, path=request.path
    )
    context = {"proposed": queue.proposed, "due": queue.due, "window": queue.window_days, "errors": errors or {}}
    return render(request, "review/approval_queue.html", context, status=status)


@login_required
@require_GET
def approval_queue(request):
    """Proposed memberships with their evidence, and active ones due for review."""
    return _queue(request)


@login_required
@require_POST
def decide_membership(request, pk: int):
    """Approve, reject, re-approve or end a membership, with a reason."""
    membership = or_404(selectors.membership_for(request.user, pk))
    decide = DECISIONS.get(request.POST.get("decision", ""))
    if decide is None:
        return _queue(request, errors={pk: [_("Choose a decision.")]}, status=400)
    try:
        decide(user=request.user, membership=membership, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        return _queue(request, errors={pk: _error_messages(error)}, status=400)
    except PermissionDenied as error:
        return _queue(request, errors={pk: _error_messages(error)}, status=403)
    return redirect("frontend:membership_queue")


# --- The quality and equality report ---------------------------------------------------------


@login_required
@require_GET
def quality_report_page(request):
    report = quality_report(user=request.user)
    log_access(user=request.user, action="read", record_kind="quality_report", path=request.path)
    return render(request, "review/quality_report.html", {"report": report})


@login_required
@require_GET
def quality_report_csv(request):
    require_report_export(request.user, "quality_report")
    report = quality_report(user=request.user)
    return report_csv_response(
        user=request.user,
        report="quality_report",
        rows=[[_("Section"), _("Measure"), _("Value")], *report.rows()],
        filename=f"quality-report-{report.on.isoformat()}.csv",
        path=request.path,
    )


# --- A person's rights: notice, requests, decisions ------------------------------------------


class NoticeForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=NoticeMethod.choices)
    given_on = forms.DateField(
        label=_("Given on"),
        required=False,
        validators=dates.bounds_of(Notice, "given_on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    invitation = forms.ModelChoiceField(label=_("Attended call-in"), queryset=None, required=False)
    notification = forms.ModelChoiceField(label=_("Custom notification"), queryset=None, required=False)
    withheld_reason = forms.CharField(label=_("Why notice is withheld"), required=False, widget=forms.Textarea)
    withheld_until = forms.DateField(
        label=_("Withheld until"),
        required=False,
        validators=dates.bounds_of(Notice, "withheld_until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source = forms.CharField(label=_("Source"), max_length=200)

    def __init__(self, *args, invitations, notifications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitation"].queryset = invitations
        self.fields["notification"].queryset = notifications


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    received_on = forms.DateField(
        label=_("Received on"),
        validators=dates.bounds_of(DataSubjectRequest, "received_on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    membership = forms.ModelChoiceField(label=_("Membership"), queryset=None, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = memberships


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=[(s.value, s.label) for s in rights_services.DECISIONS])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)


def _rights_page(request, person, *, notice_form=None, request_form=None, errors=None, status=200):
    user = request.user
    section = selectors.rights_section(user, person)
    choices = section.choices
    context = {
        "person": person,
        "memberships": section.memberships,
        "notices": section.notices,
        "requests": section.requests,
        "may_act": can(user, "data_subject_request", Action.CHANGE),
        "may_record_notice": can(user, "notice", Action.CREATE),
        "notice_form": notice_form or NoticeForm(invitations=choices.invitations, notifications=choices.notifications),
        "request_form": request_form
        or RequestForm(memberships=choices.memberships, initial={"received_on": timezone.localdate()}),
        "decision_choices": DecisionForm.base_fields["status"].choices,
        "errors": errors or [],
        "open_status": RequestStatus.RECEIVED,
        "access_kind": RequestKind.ACCESS,
    }
    log_access(user=user, action="read", record_kind="person", objects=[person], path=request.path)
    return render(request, "review/person_rights.html", context, status=status)


def _person(user, pk):
    return or_404(selectors.person_for(user, pk))


@login_required
@require_GET
def person_rights(request, pk: int):
    """Notices given or withheld, requests and their decisions, and the memberships they concern."""
    return _rights_page(request, _person(request.user, pk))


@login_required
@require_POST
def record_notice(request, pk: int):
    person = _person(request.user, pk)
    choices = selectors.rights_choices(request.user, person)
    form = NoticeForm(request.POST, invitations=choices.invitations, notifications=choices.notifications)
    if not form.is_valid():
        return _rights_page(request, person, notice_form=form, status=400)
    try:
        rights_services.record_notice(user=request.user, person=person, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        return _rights_page(request, person, notice_form=form, errors=_error_messages(error), status=400)
    return redirect("frontend:person_rights", pk=person.pk)


@login_required
@require_POST
def log_request(request, pk: int):
    person = _person(request.user, pk)
    form = RequestForm(request.POST, memberships=selectors.rights_choices(request.user, person).memberships)
    if not form.is_valid():
        return _rights_page(request, person, request_form=form, status=400)
    try:
        rights_services.log_request(user=request.user, person=person, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        return _rights_page(request, person, request_form=form, errors=_error_messages(error), status=400)
    return redirect("frontend:person_rights", pk=person.pk)


def _subject_request(user, pk):
    return or_404(selectors.subject_request_for(user, pk))


@login_required
@require_POST
def decide_request(request, pk: int):
    subject_request = _subject_request(request.user, pk)
    form = DecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([message for messages in form.errors.values() for message in messages])
        rights_services.decide_request(user=request.user, request=subject_request, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        return _rights_page(request, subject_request.person, errors=_error_messages(error), status=400)
    return redirect("frontend:person_rights", pk=subject_request.person_id)


@login_required
@require_POST
def access_export(request, pk: int):
    """Answer an access request with the person's data export, as a JSON download."""
    subject_request = _subject_request(request.user, pk)
    try:
        data = rights_services.produce_access_export(user=request.user, request=subject_request)
    except (ValidationError, PermissionDenied) as error:
        return _rights_page(request, subject_request.person, errors=_error_messages(error), status=400)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="access-request-{subject_request.pk}.json"'
    response["Cache-Control"] = "no-store"  # everything held about a person: no copy in any cache
    return response


def person_rights_url(person) -> str:
    """Where the person's rights section lives, for links from the UI's person page."""
    return reverse("frontend:person_rights", kwargs={"pk": person.pk})
