"""The outcome evaluation (utfall): incidents per month against the programme's start, and the
estimated change (docs/evaluation.md)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from frontend.charts import bar_chart
from frontend.pdf import html_to_pdf
from gvi.exports import may_export_report, report_csv_response, report_response, require_report_export
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
    return render(request, "frontend/outcomes/outcomes.html", _context(request.user))


@login_required
@require_GET
def outcomes_pdf(request):
    """The page as a PDF for the partners' meeting: the same sections, no navigation."""
    _require_incidents(request.user)
    require_report_export(request.user, "outcomes")
    html = render_to_string("frontend/outcomes/outcomes_pdf.html", _context(request.user), request=request)
    return report_response(
        user=request.user,
        report="outcomes",
        content=html_to_pdf(html),
        content_type="application/pdf",
        filename="utfall.pdf",
        path=request.get_full_path(),
    )


def _context(user) -> dict:
    result = programme_outcomes(user)
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


@login_required
@require_GET
def outcomes_csv(request):
    """Incidents per month and type, for an evaluator's own analysis (figures, no persons)."""
    _require_incidents(request.user)
    result = programme_outcomes(request.user)
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
                month.strftime("%Y-%m"),
                period,
                *(counts[i] for counts in result.by_type.values()),
                result.total[i],
                result.focus[i],
                result.comparison[i],
            ]
        )
    return report_csv_response(
        user=request.user, report="outcomes", rows=rows, filename="utfall.csv", path=request.get_full_path()
    )
