"""The auditor's pages: the access log and the change history, with filters and CSV exports.

Only roles that may read the access log (auditors) get here. Both lists are built by the
policy; viewing the change history of personal data is itself logged.
"""

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gvi.audit import log_access
from gvi.exports import csv_response, report_csv_response, write_history_csv
from gvi.models import AccessAction, PartnerOrganisation
from gvi.policy import RECORD_KINDS, Action, can
from gvi.selectors import audit
from gvi.selectors.audit import HISTORY_KINDS
from gvi.selectors.disclosures import disclosure_report

PAGE_SIZE = 50
ACCESS_LOG_COLUMNS = [
    "at",
    "user__username",
    "organisation__name",
    "action",
    "record_kind",
    "object_id",
    "person_id",
    "channel",
    "reason",
    "path",
]


def _require_auditor(user):
    if not can(user, "access_log", Action.READ):
        raise PermissionDenied(_("Only auditors may see the audit trail."))


class PeriodForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class AccessLogFilter(PeriodForm):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=PartnerOrganisation.objects.none(), required=False
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"), choices=[("", "—")] + list(AccessAction.choices), required=False
    )
    record_kind = forms.CharField(label=gettext_lazy("Record kind"), required=False)
    person_id = forms.IntegerField(label=gettext_lazy("Person id"), required=False, min_value=1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = PartnerOrganisation.objects.filter(programme_id=user.programme_id)


class HistoryFilter(PeriodForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Record kind"), choices=[(k, k) for k in HISTORY_KINDS], initial="person"
    )
    record_id = forms.IntegerField(label=gettext_lazy("Record id"), required=False, min_value=1)


def filtered_access_log(user, params):
    form = AccessLogFilter(params or None, user=user)
    if form.is_bound and not form.is_valid():
        return form, audit.access_log(user).none()
    return form, audit.access_log(user, **(form.cleaned_data if form.is_bound else {}))


def filtered_history(user, params):
    form = HistoryFilter(params or None)
    if form.is_bound and not form.is_valid():
        return form, "person", audit.change_history(user, "person").none()
    filters = dict(form.cleaned_data) if form.is_bound else {}
    kind = filters.pop("kind", "person")
    return form, kind, audit.change_history(user, kind, **filters)


@login_required
def access_log(request):
    """The access log: who read, listed, searched or exported what, and why."""
    _require_auditor(request.user)
    form, qs = filtered_access_log(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/access_log.html", {"form": form, "page": page, "query": _query(request)})


@login_required
def change_history(request):
    """Every change of a record kind: who, when, what, before and after, and the reason given."""
    _require_auditor(request.user)
    form, kind, qs = filtered_history(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = audit.with_changes(kind, list(page.object_list))
    spec = RECORD_KINDS[kind]
    if spec.person_path is not None and rows:
        attr = "id" if spec.person_path == "" else f"{spec.person_path}_id"
        log_access(
            user=request.user,
            action=AccessAction.LIST,
            record_kind=f"{kind}_history",
            person_ids=sorted({getattr(row, attr) for row in rows if getattr(row, attr)}),
            channel="ui",
            path=request.path,
        )
    context = {"form": form, "kind": kind, "page": page, "rows": rows, "query": _query(request)}
    return render(request, "audit/change_history.html", context)


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def access_log_csv(request):
    _require_auditor(request.user)
    form, qs = filtered_access_log(request.user, request.GET)
    return csv_response(
        user=request.user,
        kind="access_log",
        queryset=qs,
        fields=ACCESS_LOG_COLUMNS,
        reason=request.GET.get("reason", "") or _("Audit export"),
        path=request.get_full_path(),
        filename=f"gvi-access-log-{timezone.localdate():%Y%m%d}.csv",
    )


@login_required
def change_history_csv(request):
    _require_auditor(request.user)
    form, kind, qs = filtered_history(request.user, request.GET)
    buffer = io.StringIO()
    write_history_csv(
        buffer, user=request.user, kind=kind, queryset=qs, reason=request.GET.get("reason", "") or _("Audit export")
    )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gvi-{kind}-history-{timezone.localdate():%Y%m%d}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _disclosures(request):
    _require_auditor(request.user)
    form = PeriodForm(request.GET or None)
    rows = []
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        rows = disclosure_report(request.user, date_from=data.get("date_from"), date_to=data.get("date_to"))
    return form, rows


@login_required
def disclosures(request):
    """Disclosures (utlämnanden): reads of another organisation's records, by pair of
    organisations, sharing rule, legal basis and month."""
    form, rows = _disclosures(request)
    return render(request, "audit/disclosures.html", {"form": form, "rows": rows, "query": _query(request)})


@login_required
def disclosures_csv(request):
    form, rows = _disclosures(request)
    header = [_("Month"), _("Read by"), _("Owner"), _("Sharing rule"), _("Legal basis"), _("Reads"), _("Persons")]
    lines = [header] + [
        [
            f"{row['month']:%Y-%m}",
            row["organisation__name"] or "",
            row["owner_organisation__name"],
            row["sharing_rule"] or _("none"),
            row["legal_basis"],
            row["reads"],
            row["persons"],
        ]
        for row in rows
    ]
    return report_csv_response(
        user=request.user,
        report="disclosure_report",
        rows=lines,
        filename=f"gvi-disclosures-{timezone.localdate():%Y%m%d}.csv",
        reason=request.GET.get("reason", "") or _("Audit export"),
        path=request.get_full_path(),
    )


urlpatterns = [
    path("audit/disclosures/", disclosures, name="audit_disclosures"),
    path("audit/disclosures/export.csv", disclosures_csv, name="audit_disclosures_csv"),
    path("audit/access/", access_log, name="audit_access_log"),
    path("audit/access/export.csv", access_log_csv, name="audit_access_log_csv"),
    path("audit/changes/", change_history, name="audit_change_history"),
    path("audit/changes/export.csv", change_history_csv, name="audit_change_history_csv"),
]
