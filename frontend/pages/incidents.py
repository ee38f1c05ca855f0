"""Incidents: the list (search, filters, sorting, paging), one incident's page, and the forms to
log an incident, add the persons involved and analysts' attributions, correct it and retract it.

Thin views: the access policy decides (403 for a role that may not, 404 for what the user may not
see); the services in gvi/services/incidents.py and incident_corrections.py write, in one
transaction each, with history and the reason kept.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from frontend.pages.common import log_read, or_404, save_or_show_errors
from frontend.pages.purpose import ask_for_purpose, session_purpose
from frontend.pages.records import changeable, render_form, require_may
from frontend.record_forms import (
    AttributionForm,
    IncidentCorrectionForm,
    IncidentForm,
    InvolvementForm,
    RetractForm,
)
from gvi.models import IncidentType, VerificationStatus
from gvi.policy import Action, can, scoped_queryset
from gvi.selectors import incidents as selectors
from gvi.selectors.persons import search_persons
from gvi.services import incident_corrections, incidents

PAGE_SIZE = 50
PERSON_CHOICES = 20  # persons offered for an involvement after a search


class IncidentFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Source reference, place or description"), required=False)
    incident_type = forms.ChoiceField(
        label=gettext_lazy("Type"), required=False, choices=[("", gettext_lazy("All"))] + IncidentType.choices
    )
    area = forms.TypedChoiceField(label=gettext_lazy("Area"), required=False, coerce=int, empty_value=None)
    verification_status = forms.ChoiceField(
        label=gettext_lazy("Verification status"),
        required=False,
        choices=[("", gettext_lazy("All"))] + VerificationStatus.choices,
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    order = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("-occurred", gettext_lazy("Newest first")),
            ("occurred", gettext_lazy("Oldest first")),
            ("-casualties", gettext_lazy("Most killed and injured")),
            ("type", gettext_lazy("Type")),
        ],
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", gettext_lazy("All"))] + [(area.pk, area.name) for area in areas]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The start date is after the end date."))
        return data


@login_required
@require_GET
def incident_list(request):
    user = request.user
    require_may(user, "incident", Action.READ)
    areas = list(scoped_queryset(user, "area").order_by("name"))
    form = IncidentFilterForm(request.GET or None, areas=areas)
    filters = form.cleaned_data if form.is_valid() else {}
    incidents_qs = selectors.incident_list(
        user,
        q=filters.get("q") or "",
        incident_type=filters.get("incident_type") or "",
        area_id=filters.get("area"),
        verification_status=filters.get("verification_status") or "",
        since=filters.get("since"),
        until=filters.get("until"),
        order=filters.get("order") or "-occurred",
    )
    page = Paginator(incidents_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.involvement_counts(user, [incident.pk for incident in page])
    rows = [{"incident": incident, "involved": counts.get(incident.pk, 0)} for incident in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "may_create": can(user, "incident", Action.CREATE),
    }
    return render(request, "frontend/incidents/list.html", context)


@login_required
@require_GET
def incident_detail(request, pk: int):
    user = request.user
    data = or_404(selectors.incident_detail(user, pk))
    if data.involvements:
        if session_purpose(request) is None:
            return ask_for_purpose(request)
        log_read(request, record_kind="involvement", objects=data.involvements)
    incident = data.incident
    context = {
        "data": data,
        "incident": incident,
        "may_change": can(user, "incident", Action.CHANGE, incident),
        "may_involve": can(user, "involvement", Action.CREATE) and can(user, "incident", Action.CHANGE, incident),
        "may_attribute": can(user, "group_attribution", Action.CREATE),
        "retracted": incident.verification_status == VerificationStatus.UNFOUNDED,
    }
    return render(request, "frontend/incidents/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request):
    user = request.user
    require_may(user, "incident", Action.CREATE)
    form = IncidentForm(request.POST or None, areas=scoped_queryset(user, "area").order_by("name"))
    if request.method == "POST" and form.is_valid():
        values = form.incident_values()
        incident = save_or_show_errors(
            form, lambda: incidents.log_incident(user=user, source=form.cleaned_data["source"], **values)
        )
        if incident is not None:
            messages.success(request, _("The incident is logged. Add the persons involved below."))
            return redirect("frontend:incident_detail", incident.pk)
    return render_form(
        request,
        form,
        title=_("Log an incident"),
        submit_label=_("Log the incident"),
        cancel_url=reverse("frontend:incident_list"),
        intro=_("Give the police report number or another reference as the source."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_correct(request, pk: int):
    user = request.user
    incident = changeable(user, "incident", pk)
    form = IncidentCorrectionForm(
        request.POST or None,
        initial=IncidentCorrectionForm.initial_for(incident),
        areas=scoped_queryset(user, "area").order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        values = form.incident_values()
        saved = save_or_show_errors(
            form,
            lambda: incident_corrections.correct_incident(
                user=user, incident=incident, reason=form.cleaned_data["reason"], **values
            ),
        )
        if saved is not None:
            messages.success(request, _("The correction is saved; the weekly counts and scores follow."))
            return redirect("frontend:incident_detail", incident.pk)
    return render_form(
        request,
        form,
        title=_("Correct the incident %(incident)s") % {"incident": incident},
        submit_label=_("Save the correction"),
        cancel_url=reverse("frontend:incident_detail", args=[incident.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_retract(request, pk: int):
    user = request.user
    incident = changeable(user, "incident", pk)
    form = RetractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = save_or_show_errors(
            form,
            lambda: incident_corrections.retract_incident(
                user=user, incident=incident, reason=form.cleaned_data["reason"]
            ),
        )
        if saved is not None:
            messages.success(request, _("The incident is retracted: it stays on record but counts nowhere."))
            return redirect("frontend:incident_detail", incident.pk)
    return render_form(
        request,
        form,
        title=_("Retract the incident %(incident)s") % {"incident": incident},
        intro=_(
            "A retracted incident is marked unfounded: it stays on record with its history, "
            "but no longer counts in the weekly review or the scores."
        ),
        submit_label=_("Retract the incident"),
        cancel_url=reverse("frontend:incident_detail", args=[incident.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def involvement_create(request, pk: int):
    """Add a person's role in an incident: first find the person (name or identity number), then
    choose them and the role."""
    user = request.user
    require_may(user, "involvement", Action.CREATE)
    incident = changeable(user, "incident", pk)
    person_q = (request.POST.get("person_q") or request.GET.get("person_q") or "").strip()
    if person_q and session_purpose(request) is None:
        return ask_for_purpose(request)
    persons = scoped_queryset(user, "person")
    found = search_persons(persons, person_q).order_by("last_name", "first_name", "id") if person_q else persons.none()
    offered = list(found[:PERSON_CHOICES])
    if person_q:
        log_read(request, record_kind="person", objects=offered, action="search")
    form = InvolvementForm(request.POST or None, persons=persons.filter(pk__in=[p.pk for p in offered]))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        involvement = save_or_show_errors(
            form,
            lambda: incidents.record_involvement(
                user=user,
                incident=incident,
                person=data["person"],
                role=data["role"],
                source=data["source"],
                confidence=data["confidence"],
            ),
        )
        if involvement is not None:
            messages.success(request, _("The person's role in the incident is recorded."))
            return redirect("frontend:incident_detail", incident.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "incident": incident, "person_q": person_q, "offered": offered}
    return render(request, "frontend/incidents/involvement_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def attribution_create(request, pk: int):
    user = request.user
    require_may(user, "group_attribution", Action.CREATE)
    incident = or_404(scoped_queryset(user, "incident").filter(pk=pk).first())
    form = AttributionForm(request.POST or None, groups=scoped_queryset(user, "group").order_by("name"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        attribution = save_or_show_errors(
            form,
            lambda: incidents.record_attribution(
                user=user,
                incident=incident,
                group=data["group"],
                share=data["share"],
                source=data["source"],
                confidence=data["confidence"],
            ),
        )
        if attribution is not None:
            messages.success(request, _("The attribution is proposed: it counts once a coordinator confirms it."))
            return redirect("frontend:incident_detail", incident.pk)
    return render_form(
        request,
        form,
        title=_("Attribute %(incident)s to a group") % {"incident": incident},
        intro=_("An attribution counts in the scores only after a coordinator other than you confirms it."),
        submit_label=_("Propose the attribution"),
        cancel_url=reverse("frontend:incident_detail", args=[incident.pk]),
    )
