"""The outcome evaluation (utfall): incidents per month against the programme's start, and the
estimated change (docs/evaluation.md)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from frontend.charts import bar_chart
from frontend.report_files import CSV, PDF, XLSX, report_file_response
from gvi.exports import may_export_report, require_report_export
from gvi.models import IncidentType
from gvi.policy import Action, can
from gvi.selectors.outcomes import programme_outcomes


def _require_incidents(user) -> None:
    if not can(user, "incident", Action.READ):
        raise PermissionDenied(_("Your role may not see incidents, so it may not see the outcomes."))


@login_required
@require_GET
def outcomes_page(request):
    _require_incidents(request.user)
    return render(request, "frontend/outcomes/outcomes.html", _context(request))


@login_required
@require_GET
def outcomes_pdf(request):
    """The page as a PDF for the partners' meeting: the same sections, no navigation."""
    _require_incidents(request.user)
    require_report_export(request.user, "outcomes")
    return report_file_response(
        request,
        PDF,
        report="outcomes",
        filename="utfall.pdf",
        pdf_template="frontend/outcomes/outcomes_pdf.html",
        context=_context(request),
    )


def _outcomes(request):
    """The programme's outcomes, or one area's when the query names one the user may see."""
    area_id = request.GET.get("area") or None
    if area_id is not None and not area_id.isdigit():
        raise Http404
    result = programme_outcomes(request.user, area_id=int(area_id) if area_id else None)
    if area_id and result.area is None:
        raise Http404
    return result


def _context(request) -> dict:
    user = request.user
    result = _outcomes(request)
    labels = [f"{month:%y-%m}" if month.month in (1, 7) else "" for month in result.months]
    chart = bar_chart(result.total, labels, width=720, height=200, gap=1, label_space=18, top=16)
    for bar, month in zip(chart.bars, result.months, strict=True):
        bar.highlight = result.after(month)  # the months after the start stand out
    type_labels = dict(IncidentType.choices)
    return {
        "result": result,
        "chart": chart,
        "type_labels": [type_labels[kind] for kind in result.by_type],
        "month_rows": [
            {
                "month": month,
                "after": result.after(month),
                "left_out": month == result.left_out_month,
                "counts": [counts[i] for counts in result.by_type.values()],
                "total": result.total[i],
            }
            for i, month in enumerate(result.months)
        ],
        "may_export": may_export_report(user, "outcomes"),
    }


def _rows(result, month_cell) -> list[list]:
    """Incidents per month and type, for an evaluator's own analysis (figures, no persons)."""
    type_labels = dict(IncidentType.choices)
    header = [
        _("Month"),
        _("Period"),
        *(type_labels[kind] for kind in result.by_type),
        _("Total"),
        _("Focus areas"),
        _("Areas outside the focus"),
    ]
    rows = [header]
    for i, month in enumerate(result.months):
        period = _("Left out") if month == result.left_out_month else _("After") if result.after(month) else _("Before")
        rows.append(
            [
                month_cell(month),
                period,
                *(counts[i] for counts in result.by_type.values()),
                result.total[i],
                result.focus[i],
                result.comparison[i],
            ]
        )
    return rows


@login_required
@require_GET
def outcomes_csv(request):
    """The figures as CSV for Swedish Excel (a byte order mark, semicolons), months as 2026-02."""
    _require_incidents(request.user)
    return report_file_response(
        request,
        CSV,
        report="outcomes",
        filename="utfall.csv",
        rows=_rows(_outcomes(request), lambda month: month.strftime("%Y-%m")),
    )


@login_required
@require_GET
def outcomes_xlsx(request):
    """The same rows as a spreadsheet: each month as a date (its first day), counts as numbers."""
    _require_incidents(request.user)
    return report_file_response(
        request,
        XLSX,
        report="outcomes",
        filename="utfall.xlsx",
        rows=_rows(_outcomes(request), lambda month: month),
        title=_("Outcomes"),
    )
