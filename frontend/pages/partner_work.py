"""Each partner's own work in the app: probation's supervisions, social services' concern reports
(with the minors it handles and the follow-ups it owns on them), the exit organisation's exit cases,
every partner's risk assessments and manual follow-ups.

Each page checks the access policy (gvi.policy, with the organisation-kind rules of gvi.sharing),
logs what it shows of persons, and writes only through gvi/services. A form with bad input comes
back with its field errors (status 400) and nothing stored.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from frontend.forms import FollowUpStatusForm
from frontend.pages.common import log_read, next_url, or_404, save_or_show_errors
from frontend.pages.purpose import ask_for_purpose, session_purpose
from frontend.partner_forms import (
    ConcernReportForm,
    ExitCaseForm,
    FollowUpForm,
    RiskAssessmentForm,
    SupervisionForm,
)
from gvi.followup_rules import RULE_CONCERN_REPORT
from gvi.models import ConcernReport, PartnerOrganisation, RiskKind
from gvi.policy import Action, Scope, can, scope_for, scoped_queryset
from gvi.services import followups, interventions, people

PAGE_SIZE = 50


def _require(user, kind: str, action: Action = Action.CREATE) -> None:
    if not can(user, kind, action):
        raise PermissionDenied(_("You may not do this."))


def _person(user, pk: int):
    return or_404(scoped_queryset(user, "person").filter(pk=pk).first())


def _posted(request, form) -> bool:
    return request.method == "POST" and form.is_valid()


def _form_page(request, *, form, title, intro="", person=None, record=None, back, status=200):
    if person is not None and request.method == "GET" and session_purpose(request) is None:
        return ask_for_purpose(request)  # the page names the person: a read with a purpose
    if person is not None:
        log_read(request, record_kind="person", objects=[person])
    context = {"form": form, "title": title, "intro": intro, "person": person, "record": record, "back": back}
    return render(request, "frontend/partner_work/form.html", context, status=status)


def _changed(form, fields) -> dict:
    return {name: form.cleaned_data[name] for name in fields if name in form.changed_data}


def _list_page(request, *, kind, queryset, template, extra=None):
    if session_purpose(request) is None:
        return ask_for_purpose(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    log_read(request, record_kind=kind, objects=rows, action="list")
    may_change = {r.pk for r in scoped_queryset(request.user, kind, Action.CHANGE).filter(pk__in=[r.pk for r in rows])}
    context = {"page": page, "rows": rows, "may_change": may_change, **(extra or {})}
    return render(request, template, context)


# --- supervisions (probation) -------------------------------------------------------------


@login_required
@require_GET
def supervisions(request):
    _require(request.user, "supervision", Action.READ)
    queryset = (
        scoped_queryset(request.user, "supervision")
        .select_related("person", "organisation")
        .order_by("end_date", "-start_date", "pk")
    )
    return _list_page(
        request, kind="supervision", queryset=queryset, template="frontend/partner_work/supervisions.html"
    )


@login_required
@require_http_methods(["GET", "POST"])
def supervision_new(request, pk: int):
    _require(request.user, "supervision")
    person = _person(request.user, pk)
    form = SupervisionForm(request.POST or None, initial={"start_date": timezone.localdate()})
    if _posted(request, form) and save_or_show_errors(
        form, lambda: people.register_supervision(user=request.user, person=person, **form.cleaned_data)
    ):
        return redirect("frontend:person_detail", pk=person.pk)
    title = _("Register a supervision")
    back = reverse("frontend:person_detail", args=[person.pk])
    return _form_page(request, form=form, title=title, person=person, back=back, status=_status(request, form))


@login_required
@require_http_methods(["GET", "POST"])
def supervision_edit(request, pk: int):
    supervision = or_404(
        scoped_queryset(request.user, "supervision", Action.CHANGE).select_related("person").filter(pk=pk).first()
    )
    fields = ["kind", "start_date", "end_date", "source", "confidence"]
    initial = {name: getattr(supervision, name) for name in fields}
    form = SupervisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = _changed(form, fields)
        if save_or_show_errors(
            form, lambda: people.update_supervision(user=request.user, supervision=supervision, **changes)
        ):
            return redirect("frontend:supervisions")
    title = _("Change the supervision")
    back = reverse("frontend:supervisions")
    return _form_page(
        request, form=form, title=title, person=supervision.person, back=back, status=_status(request, form)
    )


def _status(request, form) -> int:
    return 400 if request.method == "POST" and form.errors else 200


# --- concern reports (social services) ------------------------------------------------------


@login_required
@require_GET
def concern_reports(request):
    """The reports the user may see, with the follow-ups on each (social services own and close
    them), and the minors the user's organisation handles."""
    user = request.user
    _require(user, "concern_report", Action.READ)
    queryset = (
        scoped_queryset(user, "concern_report").select_related("person", "organisation").order_by("-reported_on", "-pk")
    )
    if session_purpose(request) is None:
        return ask_for_purpose(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    reports = list(page.object_list)
    follow_ups = list(
        scoped_queryset(user, "follow_up")
        .filter(
            rule=RULE_CONCERN_REPORT,
            cause_type=ContentType.objects.get_for_model(ConcernReport),
            cause_id__in=[r.pk for r in reports],
        )
        .select_related("owner_organisation")
        .order_by("due_date", "pk")
    )
    changeable = set(
        scoped_queryset(user, "follow_up", Action.CHANGE)
        .filter(pk__in=[f.pk for f in follow_ups])
        .values_list("pk", flat=True)
    )
    by_report = {}
    for follow_up in follow_ups:
        form = FollowUpStatusForm(initial={"status": follow_up.status}, prefix=f"f{follow_up.pk}")
        by_report.setdefault(follow_up.cause_id, []).append(
            {"follow_up": follow_up, "form": form if follow_up.pk in changeable else None}
        )
    rows = [{"report": r, "follow_ups": by_report.get(r.pk, [])} for r in reports]
    minors = list(
        scoped_queryset(user, "person")
        .minors()
        .select_related("home_area")
        .order_by("last_name", "first_name", "pk")[:PAGE_SIZE]
    )
    log_read(request, record_kind="concern_report", objects=reports, action="list", also={"follow_up": follow_ups})
    if minors:
        log_read(request, record_kind="person", objects=minors, action="list")
    context = {"page": page, "rows": rows, "minors": minors, "next": request.get_full_path()}
    return render(request, "frontend/partner_work/concern_reports.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def concern_report_new(request, pk: int):
    _require(request.user, "concern_report")
    person = _person(request.user, pk)
    form = ConcernReportForm(request.POST or None, initial={"reported_on": timezone.localdate()})
    if _posted(request, form) and save_or_show_errors(
        form, lambda: interventions.file_concern_report(user=request.user, person=person, **form.cleaned_data)
    ):
        return redirect("frontend:concern_reports")
    intro = _("A report to social services (orosanmälan) about a minor at risk. Social services get a follow-up.")
    back = reverse("frontend:person_detail", args=[person.pk])
    return _form_page(
        request,
        form=form,
        title=_("File a concern report"),
        intro=intro,
        person=person,
        back=back,
        status=_status(request, form),
    )


# --- exit cases (the exit organisation) -----------------------------------------------------


def _threat_assessments(user, person):
    return (
        scoped_queryset(user, "risk_assessment")
        .filter(person=person, kind=RiskKind.THREAT_TO)
        .select_related("organisation")
        .order_by("-assessed_on", "-pk")
    )


@login_required
@require_GET
def exit_cases(request):
    _require(request.user, "exit_case", Action.READ)
    queryset = (
        scoped_queryset(request.user, "exit_case")
        .select_related("person", "organisation", "risk_assessment")
        .order_by("-opened_on", "-pk")
    )
    return _list_page(request, kind="exit_case", queryset=queryset, template="frontend/partner_work/exit_cases.html")


@login_required
@require_http_methods(["GET", "POST"])
def exit_case_new(request, pk: int):
    _require(request.user, "exit_case")
    person = _person(request.user, pk)
    assessments = _threat_assessments(request.user, person)
    form = ExitCaseForm(
        request.POST or None,
        assessments=assessments,
        initial={"opened_on": timezone.localdate(), "risk_assessment": assessments.first()},
    )
    if _posted(request, form) and save_or_show_errors(
        form, lambda: interventions.open_exit_case(user=request.user, person=person, **form.cleaned_data)
    ):
        return redirect("frontend:exit_cases")
    back = reverse("frontend:person_detail", args=[person.pk])
    return _form_page(
        request, form=form, title=_("Open an exit case"), person=person, back=back, status=_status(request, form)
    )


@login_required
@require_http_methods(["GET", "POST"])
def exit_case_edit(request, pk: int):
    exit_case = or_404(
        scoped_queryset(request.user, "exit_case", Action.CHANGE).select_related("person").filter(pk=pk).first()
    )
    fields = ["status", "closed_on", "plan", "contacts", "risk_assessment", "source", "confidence"]
    form = ExitCaseForm(
        request.POST or None,
        assessments=_threat_assessments(request.user, exit_case.person),
        editing=True,
        initial={name: getattr(exit_case, name) for name in fields},
    )
    if request.method == "POST" and form.is_valid():
        changes = _changed(form, fields)
        if save_or_show_errors(
            form, lambda: interventions.update_exit_case(user=request.user, exit_case=exit_case, **changes)
        ):
            return redirect("frontend:exit_cases")
    back = reverse("frontend:exit_cases")
    return _form_page(
        request,
        form=form,
        title=_("Change the exit case"),
        person=exit_case.person,
        back=back,
        status=_status(request, form),
    )


# --- risk assessments (every partner) -------------------------------------------------------


@login_required
@require_GET
def risk_assessments(request):
    _require(request.user, "risk_assessment", Action.READ)
    queryset = (
        scoped_queryset(request.user, "risk_assessment")
        .select_related("person", "organisation")
        .order_by("next_review_on", "pk")
    )
    return _list_page(
        request,
        kind="risk_assessment",
        queryset=queryset,
        template="frontend/partner_work/risk_assessments.html",
        extra={"today": timezone.localdate()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_assessment_new(request, pk: int):
    _require(request.user, "risk_assessment")
    person = _person(request.user, pk)
    today = timezone.localdate()
    form = RiskAssessmentForm(request.POST or None, initial={"assessed_on": today})
    if _posted(request, form) and save_or_show_errors(
        form, lambda: interventions.assess_risk(user=request.user, person=person, **form.cleaned_data)
    ):
        return redirect("frontend:risk_assessments")
    back = reverse("frontend:person_detail", args=[person.pk])
    return _form_page(
        request,
        form=form,
        title=_("Record a risk assessment"),
        person=person,
        back=back,
        status=_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_assessment_edit(request, pk: int):
    assessment = or_404(
        scoped_queryset(request.user, "risk_assessment", Action.CHANGE).select_related("person").filter(pk=pk).first()
    )
    fields = [
        "level",
        "next_review_on",
        "summary",
        "protection",
        "support",
        "actor_measures",
        "contact_ban",
        "source",
        "confidence",
    ]
    form = RiskAssessmentForm(
        request.POST or None, editing=True, initial={name: getattr(assessment, name) for name in fields}
    )
    if request.method == "POST" and form.is_valid():
        changes = _changed(form, fields)
        if save_or_show_errors(
            form, lambda: interventions.update_risk_assessment(user=request.user, assessment=assessment, **changes)
        ):
            return redirect("frontend:risk_assessments")
    back = reverse("frontend:risk_assessments")
    return _form_page(
        request,
        form=form,
        title=_("Review the risk assessment"),
        person=assessment.person,
        back=back,
        status=_status(request, form),
    )


# --- manual follow-ups (every partner) ------------------------------------------------------


def _owner_choices(user):
    """Coordinators give a follow-up to any partner of the programme; others to their own organisation."""
    if scope_for(user, "follow_up", Action.CREATE) == Scope.SHARED:
        return PartnerOrganisation.objects.filter(programme_id=user.organisation.programme_id).order_by("name")
    return PartnerOrganisation.objects.filter(pk=user.organisation_id)


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_new(request):
    user = request.user
    _require(user, "follow_up")
    person_id = request.POST.get("person") or request.GET.get("person")
    person = _person(user, person_id) if person_id and str(person_id).isdigit() else None
    form = FollowUpForm(
        request.POST or None, organisations=_owner_choices(user), initial={"owner_organisation": user.organisation_id}
    )
    if _posted(request, form) and save_or_show_errors(
        form, lambda: followups.create_follow_up(user=user, person=person, **form.cleaned_data)
    ):
        return redirect(next_url(request, "frontend:follow_ups"))
    back = reverse("frontend:person_detail", args=[person.pk]) if person else reverse("frontend:follow_ups")
    return _form_page(
        request, form=form, title=_("New follow-up"), person=person, back=back, status=_status(request, form)
    )
