"""Programme fidelity (programtrohet): is the programme run as designed? (docs/evaluation.md)"""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from frontend.forms import PeriodForm
from frontend.report_files import CSV, PDF, XLSX, report_file_response
from gvi.exports import may_export_report, require_report_export
from gvi.selectors.fidelity import default_period, programme_fidelity


def _period(request) -> tuple[PeriodForm, tuple]:
    """The chosen period, or the default one while the form is empty or wrong (its errors shown)."""
    since, until = default_period()
    form = PeriodForm(request.GET or None, initial={"since": since, "until": until})
    if form.is_bound and form.is_valid():
        return form, (form.cleaned_data["since"], form.cleaned_data["until"])
    return form, (since, until)


@login_required
@require_GET
def fidelity_page(request):
    form, (since, until) = _period(request)
    return render(request, "frontend/fidelity/fidelity.html", _context(request, form, since, until))


@login_required
@require_GET
def fidelity_pdf(request):
    """The page as a PDF for the partners' meeting: the same sections, no navigation."""
    require_report_export(request.user, "fidelity")
    form, (since, until) = _period(request)
    if form.is_bound and not form.is_valid():
        return _wrong_period(form)
    return report_file_response(
        request,
        PDF,
        report="fidelity",
        filename="programtrohet.pdf",
        pdf_template="frontend/fidelity/fidelity_pdf.html",
        context=_context(request, form, since, until),
    )


def _wrong_period(form) -> HttpResponseBadRequest:
    # A file of another period than the one asked for would mislead: say what is wrong.
    errors = "; ".join(message for messages in form.errors.values() for message in messages)
    return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")


def _context(request, form, since, until) -> dict:
    fidelity = programme_fidelity(request.user, since=since, until=until)
    return {
        "form": form,
        "fidelity": fidelity,
        "query": request.GET.urlencode(),
        "may_export": may_export_report(request.user, "fidelity"),
        "columns": [label for _key, label in MONTH_COLUMNS],
        "month_rows": [(row["month"], [row.get(key, 0) for key, _label in MONTH_COLUMNS]) for row in fidelity.months],
    }


MONTH_COLUMNS = (
    ("attended", gettext_lazy("Attended a call-in")),
    ("notified", gettext_lazy("Custom notifications delivered")),
    ("enforcement", gettext_lazy("Enforcement actions")),
    ("offered", gettext_lazy("Help offered")),
    ("taken_up", gettext_lazy("Help taken up")),
    ("exit_cases", gettext_lazy("Exit cases opened")),
    ("follow_ups_due", gettext_lazy("Follow-ups due")),
    ("follow_ups_on_time", gettext_lazy("Follow-ups done on time")),
)


def _rows(fidelity) -> list[list]:
    """The period's figures, section after section, for the evaluator's own analysis."""
    since, until = fidelity.since, fidelity.until
    rows = [[_("Programme fidelity"), since, until], []]
    reach = fidelity.reach
    rows += [
        [_("Reach"), _("Reached"), _("Total")],
        [_("Active groups"), reach["groups_reached"], reach["active_groups"]],
        [_("Key individuals"), reach["key_reached"], reach["key_individuals"]],
        [_("Groups not yet reached"), *fidelity.groups_not_reached],
        [],
        [_("Groups missing at a held call-in"), fidelity.call_ins.not_represented],
        [
            _("Of them notified within %(days)s days") % {"days": fidelity.call_ins.days},
            fidelity.call_ins.notified_in_time,
        ],
        [],
        [_("Flag confirmed"), _("Group"), *fidelity.organisations],
    ]
    rows += [
        [flag.confirmed_on, flag.group, *(flag.days_by_organisation.get(o, "") for o in fidelity.organisations)]
        for flag in fidelity.flags
    ]
    rows += [[], [_("Organisation"), _("Rule"), _("Due"), _("Done on time"), _("Done late"), _("Not done")]]
    rows += [
        [r.organisation, r.rule or _("By hand"), r.due, r.on_time, r.late, r.not_done] for r in fidelity.follow_ups
    ]
    rows += [[], [_("Month"), *(str(label) for _key, label in MONTH_COLUMNS)]]
    rows += [[row["month"], *(row.get(key, 0) for key, _label in MONTH_COLUMNS)] for row in fidelity.months]
    return rows


def _csv_cell(value):
    # Dates as the page shows them; months (their first day) as 2026-02.
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@login_required
@require_GET
def fidelity_csv(request):
    """The period's figures as CSV for Swedish Excel (a byte order mark, semicolons)."""
    form, (since, until) = _period(request)
    if form.is_bound and not form.is_valid():
        return _wrong_period(form)
    return report_file_response(
        request,
        CSV,
        report="fidelity",
        filename="programtrohet.csv",
        rows=_rows(programme_fidelity(request.user, since=since, until=until)),
        csv_cell=_csv_cell,
    )


@login_required
@require_GET
def fidelity_xlsx(request):
    """The same rows as a spreadsheet: dates as dates, figures as numbers."""
    form, (since, until) = _period(request)
    if form.is_bound and not form.is_valid():
        return _wrong_period(form)
    return report_file_response(
        request,
        XLSX,
        report="fidelity",
        filename="programtrohet.xlsx",
        rows=_rows(programme_fidelity(request.user, since=since, until=until)),
        title=_("Programme fidelity"),
    )
