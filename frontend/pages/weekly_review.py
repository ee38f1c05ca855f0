"""The weekly review (veckogenomgång): the landing page, and its CSV and PDF exports."""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontend.charts import bar_chart, small_bars_svg
from frontend.report_files import CSV, PDF, XLSX, report_file_response
from gvi.exports import may_export_report, require_report_export
from gvi.models import EnforcementKind, ReferralStatus, ServiceKind
from gvi.scoring import labelled_factors
from gvi.selectors.quality_report import may_see_quality_report, quality_report
from gvi.selectors.weekly_review import PERIODS, PeriodError, review_period
from gvi.selectors.weekly_review import weekly_review as build_review
from gvi.services.review_meetings import mark_review_held, may_mark_review_held


def _rows(series_list):
    rows = []
    cell = {}  # each figure's cell, localised once per table: a year's 1,400 cells hold a few dozen values
    for series in series_list:
        title = _("Incidents per week: %(name)s") % {"name": series.label or _("No area")}
        chart = small_bars_svg(bar_chart(series.counts, width=160, height=32, gap=2), title)
        # The chart's figures as table cells, built here for the reason the chart is: a year is
        # 52 cells a row, 1,400 on the page, too slow through the template on every view.
        for n in series.counts:
            if n not in cell:
                cell[n] = f'<td class="num">{localize(n)}</td>'
        cells = mark_safe("".join(cell[n] for n in series.counts))  # numbers only
        rows.append({"series": series, "chart": chart, "cells": cells})
    return rows


def _date(value: str):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise PeriodError(_("Give the dates as YYYY-MM-DD.")) from None


def chosen_period(params, today: dt.date):
    """The period from the query string (?period=8w|quarter|year|range&start=&end=), and an error.

    A range that cannot be shown falls back to 8 weeks with the reason, never a 500.
    """
    kind = params.get("period") or "8w"
    try:
        if kind not in PERIODS:
            raise PeriodError(_("Choose 8 weeks, a quarter, a year or a range."))
        return review_period(today, kind, _date(params.get("start", "")), _date(params.get("end", ""))), None
    except PeriodError as error:
        return review_period(today), str(error)


def review_context(user, params=None):
    params = params or {}
    today = timezone.localdate()
    period, period_error = chosen_period(params, today)
    review = build_review(user, today=today, period=period)
    week_labels = [str(start.isocalendar().week) for start in review.trends.weeks]
    enforcement_labels = dict(EnforcementKind.choices)
    service_labels = dict(ServiceKind.choices)
    status_labels = dict(ReferralStatus.choices)
    query = {"period": period.kind}
    if period.kind == "range":
        query.update(start=period.first_day.isoformat(), end=period.last_day.isoformat())
    return {
        "review": review,
        "period": period,
        "period_error": period_error,
        "period_query": urlencode(query),
        "period_start": params.get("start", "") if period_error else (period.first_day.isoformat()),
        "period_end": params.get("end", "") if period_error else (period.last_day.isoformat()),
        "period_choices": [
            ("8w", _("8 weeks")),
            ("quarter", _("A quarter (13 weeks)")),
            ("year", _("A year (52 weeks)")),
            ("range", _("A chosen range")),
        ],
        "may_export": may_export_report(user, "weekly_review"),
        "may_mark_held": may_mark_review_held(user),
        "week_labels": week_labels,
        # The week columns' headers, built once for the three tables that show them (as their cells).
        "week_header_cells": format_html_join(
            "", '<th scope="col" class="num">{}</th>', ((_("Week %(week)s") % {"week": w},) for w in week_labels)
        ),
        "total_chart": bar_chart(
            review.trends.total.counts, week_labels, width=640, height=200, gap=10, label_space=18, top=16
        ),
        "reviewed_week_label": week_labels[-1],
        "group_rows": _rows(review.trends.by_group),
        "area_rows": _rows(review.trends.by_area),
        "type_rows": _rows(review.trends.by_type),
        "enforcement": [
            {**row, "kind_label": enforcement_labels.get(row["kind"], row["kind"])} for row in review.enforcement
        ],
        "services": [
            {
                **row,
                "kind_label": service_labels.get(row["kind"], row["kind"]),
                "status_label": status_labels.get(row["status"], row["status"]),
            }
            for row in review.services
        ],
    }


# Enforcement rows (group, action, organisation) the page lists; the exports list them all.
ENFORCEMENT_ROWS = 50


def _largest_enforcement_rows(context) -> None:
    """On the page, the ENFORCEMENT_ROWS largest enforcement rows, largest first, unless all are
    asked for: at national scale a week holds hundreds, which took a third of the page's time to
    render on every view."""
    rows = context["enforcement"]
    if len(rows) > ENFORCEMENT_ROWS:
        context["enforcement_rows_in_all"] = len(rows)
        context["enforcement"] = sorted(rows, key=lambda row: -row["n"])[:ENFORCEMENT_ROWS]


def _with_quality(request, context):
    # Issue 9: the quality report is "also summarised in the weekly review", for those who may see it.
    if may_see_quality_report(request.user):
        context["quality"] = quality_report(user=request.user, on=context["review"].today)
    return context


@login_required
@require_GET
def weekly_review(request):
    context = review_context(request.user, request.GET)
    if request.GET.get("enforcement") != "all":
        _largest_enforcement_rows(context)
    # The quality summary is fetched by the page itself (htmx) once it is shown: at national scale
    # its figures take longer than the whole review, and the meeting needs the review first.
    context["quality_summary"] = may_see_quality_report(request.user)
    return HttpResponse(render_to_string("frontend/review/weekly_review.html", context, request=request))


@login_required
@require_POST
def weekly_review_held(request):
    """A coordinator marks the review of the reviewed week as held: "since the last review" starts there."""
    try:
        week = dt.date.fromisoformat(request.POST.get("week", ""))
    except ValueError:
        week = None
    try:
        if week is None:
            raise ValidationError(_("Give the reviewed week as YYYY-MM-DD."))
        mark_review_held(user=request.user, week=week, note=request.POST.get("note", ""))
    except ValidationError as error:
        context = review_context(request.user, request.GET)
        _largest_enforcement_rows(context)
        context["quality_summary"] = may_see_quality_report(request.user)
        context["held_error"] = " ".join(error.messages)
        html = render_to_string("frontend/review/weekly_review.html", context, request=request)
        return HttpResponse(html, status=400)
    query = request.GET.urlencode()
    return HttpResponseRedirect(reverse("frontend:weekly_review") + (f"?{query}" if query else ""))


@login_required
@require_GET
def weekly_review_quality(request):
    """The quality report's summary as a fragment of the weekly review (issue 9)."""
    if not may_see_quality_report(request.user):
        raise PermissionDenied(_("You may not see the quality report."))
    report = quality_report(user=request.user, on=timezone.localdate())
    return HttpResponse(render_to_string("review/_quality_summary.html", {"report": report}, request=request))


def _filename(context, extension: str) -> str:
    period = context["period"]
    return f"veckogenomgang-{period.first_day:%Y-%m-%d}-{period.last_day:%Y-%m-%d}.{extension}"


@login_required
@require_GET
def weekly_review_csv(request):
    """The review's numbers for the meeting's minutes, one section after another, for Swedish Excel."""
    require_report_export(request.user, "weekly_review")
    context = review_context(request.user, request.GET)
    return report_file_response(
        request,
        CSV,
        report="weekly_review",
        filename=_filename(context, CSV),
        rows=_report_rows(context),
        csv_cell=_csv_cell,
    )


@login_required
@require_GET
def weekly_review_xlsx(request):
    """The same rows as a spreadsheet, dates as dates and figures as numbers."""
    require_report_export(request.user, "weekly_review")
    context = review_context(request.user, request.GET)
    return report_file_response(
        request,
        XLSX,
        report="weekly_review",
        filename=_filename(context, XLSX),
        rows=_report_rows(context),
        title=_("Weekly review"),
    )


def _csv_cell(value):
    # Local dates (the incident's day in Sweden, not in UTC), figures as the review shows them.
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _report_rows(context) -> list[list]:
    """The review as rows of typed values (dates, numbers, text): the CSV and the XLSX write them."""
    review = context["review"]
    period = context["period"]
    weeks = list(review.trends.weeks)
    current = _("This week so far (from %(day)s)") % {"day": period.current_week.isoformat()}
    rows = [
        [_("Reviewed week"), period.reviewed_week, period.last_day],
        [_("Period"), period.first_day, period.last_day],
        [],
        [_("Incidents per week"), _("Name"), *weeks, current],
        [_("Total"), "", *review.trends.total.counts, review.trends.total.current],
    ]
    sections = (
        (_("Group"), review.trends.by_group),
        (_("Area"), review.trends.by_area),
        (_("Type"), review.trends.by_type),
    )
    for heading, series_list in sections:
        rows += [[heading, series.label or _("No area"), *series.counts, series.current] for series in series_list]
    rows.append([])
    for status, flag in review.flags.items():
        rows.append([_("Flag"), flag.get_status_display(), flag.group.name, _hundredths(flag.score)])
        explanation = review.explanations[status]
        for contribution in explanation.contributions:
            incident = contribution.incident  # None once deleted: the run's own figures remain
            rows.append(
                [
                    _("Contribution"),
                    contribution.get_incident_type_display(),
                    timezone.localdate(contribution.occurred_at) if contribution.occurred_at else "",
                    incident.source if incident else "",
                    _hundredths(contribution.contribution),
                    # Each factor as a label and its figure, as the flag page explains it.
                    *(
                        cell
                        for factor in labelled_factors(contribution.factor_values)
                        for cell in _factor_cells(factor)
                    ),
                ]
            )
        if explanation.rest_count:
            rows.append([_("The rest"), explanation.rest_count, "", "", _hundredths(explanation.rest_contribution)])
    rows.append([])
    rows += _change_rows(review.changes)
    rows.append([])
    reach = review.reach
    rows += [
        [_("Reach"), _("Reached"), _("Total"), _("Percent")],
        [_("Active groups"), reach["groups_reached"], reach["active_groups"], reach["groups_percent"]],
        [_("Key individuals"), reach["key_reached"], reach["key_individuals"], reach["key_percent"]],
        [_("Members"), reach["members_reached"], reach["members"], reach["members_percent"]],
        [],
        [_("Enforcement actions since"), review.since],
    ]
    rows += [
        [row["group__name"], row["kind_label"], row["organisation__name"], row["n"]] for row in context["enforcement"]
    ]
    rows.append([_("Services offered since"), review.since])
    rows += [[row["kind_label"], row["status_label"], row["n"]] for row in context["services"]]
    rows += [[], [_("Overdue follow-ups"), _("Organisation"), _("Number"), _("Oldest due date")]]
    rows += [["", row["owner_organisation__name"], row["n"], row["oldest"]] for row in review.overdue]
    return rows


def _change_rows(changes) -> list[list]:
    """What changed since the last review, in the exports as on the page."""
    last = changes.last_review
    rows = [
        [
            _("What changed since the last review"),
            _("Since"),
            timezone.localtime(changes.since),
            (_("Review of week %(week)s") % {"week": last.week.isocalendar().week}) if last else _("No earlier review"),
            (last.held_by.get_full_name() or last.held_by.username) if last else "",
        ]
    ]
    rows += [
        [_("New suggestion"), flag.group.name, _hundredths(flag.score), flag.get_status_display()]
        for flag in changes.new_suggestions
    ]
    rows += [
        [
            _("Moved suggestion"),
            f"{flag.group.name} → {flag.successor.group.name}" if flag.successor else flag.group.name,
            flag.get_end_reason_display(),
        ]
        for flag in changes.moved_suggestions
    ]
    rows += [[_("Decision"), flag.group.name, flag.get_status_display(), flag.decided_at] for flag in changes.decisions]
    if changes.rank_changes:
        rows.append([_("Rank"), _("Group"), _("Before"), _("Change")])
        rows += [
            [
                row["rank"],
                row["name"],
                row["previous_rank"] if row["previous_rank"] is not None else "",
                row["move"] if row["move"] is not None else _("new"),
            ]
            for row in changes.rank_changes
        ]
        rows += [[row["rank"] or "", row["name"], row["previous_rank"], _("left the top")] for row in changes.left_top]
    if changes.score_changes:
        rows.append([_("Largest score changes"), _("Before"), _("Now"), _("Change")])
        rows += [
            [row["name"], _hundredths(row["previous"]), _hundredths(row["score"]), _hundredths(row["change"])]
            for row in changes.score_changes
        ]
    serious = changes.serious_count
    if changes.serious_count_more:
        serious = _("more than %(n)d") % {"n": serious}
    rows.append([_("New incidents of the most serious kinds"), serious])
    rows += [
        [
            "",
            incident.get_incident_type_display(),
            timezone.localtime(incident.occurred_at),
            incident.area.name if incident.area else "",
            incident.killed,
            incident.injured,
        ]
        for incident in changes.serious_incidents
    ]
    rows.append([_("New conflicts")])
    rows += [
        ["", relation.start_date, f"{relation.group_a.name} – {relation.group_b.name}"]
        for relation in changes.conflicts
    ]
    return rows


def _hundredths(value) -> Decimal:
    # A number in the XLSX, "198.08" in the CSV.
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _factor_cells(factor) -> tuple:
    value = factor.value
    return factor.label, round(value, 3) if isinstance(value, float) else value


@login_required
@require_GET
def weekly_review_pdf(request):
    require_report_export(request.user, "weekly_review")
    context = _with_quality(request, review_context(request.user, request.GET))
    return report_file_response(
        request,
        PDF,
        report="weekly_review",
        filename=_filename(context, PDF),
        pdf_template="frontend/review/weekly_review_pdf.html",
        context=context,
    )
