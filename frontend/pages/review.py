"""The weekly review (veckogenomgång): the landing page, and its CSV and PDF exports."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from frontend.charts import bar_chart
from frontend.pdf import html_to_pdf
from gvi.exports import may_export_report, report_csv_response, report_response, require_report_export
from gvi.models import EnforcementKind, ReferralStatus, ServiceKind
from gvi.scoring import labelled_factors
from gvi.selectors.quality_report import may_see_quality_report, quality_report
from gvi.selectors.weekly_review import weekly_review as build_review


def _rows(series_list):
    return [
        {"series": series, "chart": bar_chart(series.counts, width=160, height=32, gap=2)} for series in series_list
    ]


def review_context(user):
    review = build_review(user)
    week_labels = [str(start.isocalendar().week) for start in review.trends.weeks]
    enforcement_labels = dict(EnforcementKind.choices)
    service_labels = dict(ServiceKind.choices)
    status_labels = dict(ReferralStatus.choices)
    return {
        "review": review,
        "may_export": may_export_report(user, "weekly_review"),
        "week_labels": week_labels,
        "total_chart": bar_chart(
            review.trends.total.counts, week_labels, width=640, height=200, gap=10, label_space=18, top=16
        ),
        "group_rows": _rows(review.trends.by_group),
        "area_rows": _rows(review.trends.by_area),
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


@login_required
@require_GET
def weekly_review(request):
    context = review_context(request.user)
    # Issue 9: the quality report is "also summarised in the weekly review", for those who may see it.
    if may_see_quality_report(request.user):
        context["quality"] = quality_report(user=request.user, on=context["review"].today)
    return HttpResponse(render_to_string("frontend/review/weekly_review.html", context, request=request))


@login_required
@require_GET
def weekly_review_csv(request):
    """The review's numbers for the meeting's minutes, one section after another."""
    require_report_export(request.user, "weekly_review")
    context = review_context(request.user)
    review = context["review"]
    return report_csv_response(
        user=request.user,
        report="weekly_review",
        rows=_csv_rows(context),
        filename=f"veckogenomgang-{review.today:%Y-%m-%d}.csv",
        path=request.get_full_path(),
    )


def _csv_rows(context) -> list[list]:
    review = context["review"]
    weeks = [start.isoformat() for start in review.trends.weeks]
    rows = [[_("Incidents per week"), _("Name"), *weeks], [_("Total"), "", *review.trends.total.counts]]
    rows += [[_("Group"), series.label, *series.counts] for series in review.trends.by_group]
    rows += [[_("Area"), series.label or _("No area"), *series.counts] for series in review.trends.by_area]
    rows.append([])
    for status, flag in review.flags.items():
        rows.append([_("Flag"), flag.get_status_display(), flag.group.name, f"{flag.score:.2f}"])
        explanation = review.explanations[status]
        for contribution in explanation.contributions:
            incident = contribution.incident  # None once deleted: the run's own figures remain
            rows.append(
                [
                    _("Contribution"),
                    contribution.get_incident_type_display(),
                    f"{contribution.occurred_at:%Y-%m-%d}" if contribution.occurred_at else "",
                    incident.source if incident else "",
                    f"{contribution.contribution:.2f}",
                    # Each factor as a label and its figure, as the flag page explains it.
                    *(
                        cell
                        for factor in labelled_factors(contribution.factor_values)
                        for cell in _factor_cells(factor)
                    ),
                ]
            )
        if explanation.rest_count:
            rows.append([_("The rest"), explanation.rest_count, "", "", f"{explanation.rest_contribution:.2f}"])
    rows.append([])
    reach = review.reach
    rows += [
        [_("Reach"), _("Reached"), _("Total"), _("Percent")],
        [_("Active groups"), reach["groups_reached"], reach["active_groups"], reach["groups_percent"]],
        [_("Key individuals"), reach["key_reached"], reach["key_individuals"], reach["key_percent"]],
        [_("Members"), reach["members_reached"], reach["members"], reach["members_percent"]],
        [],
        [_("Enforcement actions since"), review.since.isoformat()],
    ]
    rows += [
        [row["group__name"], row["kind_label"], row["organisation__name"], row["n"]] for row in context["enforcement"]
    ]
    rows.append([_("Services offered since"), review.since.isoformat()])
    rows += [[row["kind_label"], row["status_label"], row["n"]] for row in context["services"]]
    rows += [[], [_("Overdue follow-ups"), _("Organisation"), _("Number"), _("Oldest due date")]]
    rows += [["", row["owner_organisation__name"], row["n"], row["oldest"].isoformat()] for row in review.overdue]
    return rows


def _factor_cells(factor) -> tuple:
    value = factor.value
    return factor.label, round(value, 3) if isinstance(value, float) else value


@login_required
@require_GET
def weekly_review_pdf(request):
    require_report_export(request.user, "weekly_review")
    context = review_context(request.user)
    html = render_to_string("frontend/review/weekly_review_pdf.html", context, request=request)
    return report_response(
        user=request.user,
        report="weekly_review",
        content=html_to_pdf(html),
        content_type="application/pdf",
        filename=f"veckogenomgang-{context['review'].today:%Y-%m-%d}.pdf",
        path=request.get_full_path(),
    )
