"""The weekly review (veckogenomgång): the landing page, and its CSV and PDF exports."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from frontend.charts import bar_chart
from frontend.pages.common import log_read
from frontend.pdf import html_to_pdf
from gvi.models import EnforcementKind, ReferralStatus, ServiceKind
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
    return HttpResponse(
        render_to_string("frontend/review/weekly_review.html", review_context(request.user), request=request)
    )


@login_required
@require_GET
def weekly_review_csv(request):
    """The review's numbers for the meeting's minutes, one section after another."""
    context = review_context(request.user)
    review = context["review"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="veckogenomgang-{review.today:%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    weeks = [start.isoformat() for start in review.trends.weeks]
    writer.writerow([_("Incidents per week"), _("Name"), *weeks])
    writer.writerow([_("Total"), "", *review.trends.total.counts])
    for series in review.trends.by_group:
        writer.writerow([_("Group"), series.label, *series.counts])
    for series in review.trends.by_area:
        writer.writerow([_("Area"), series.label or _("No area"), *series.counts])
    writer.writerow([])
    for status, flag in review.flags.items():
        writer.writerow([_("Flag"), flag.get_status_display(), flag.group.name, f"{flag.score:.2f}"])
        for contribution in review.explanations[status].contributions:
            incident = contribution.incident
            writer.writerow(
                [
                    _("Contribution"),
                    incident.get_incident_type_display(),
                    f"{incident.occurred_at:%Y-%m-%d}",
                    incident.source,
                    f"{contribution.contribution:.2f}",
                ]
            )
    writer.writerow([])
    reach = review.reach
    writer.writerow([_("Reach"), _("Reached"), _("Of"), _("Percent")])
    writer.writerow([_("Active groups"), reach["groups_reached"], reach["active_groups"], reach["groups_percent"]])
    writer.writerow([_("Key individuals"), reach["key_reached"], reach["key_individuals"], reach["key_percent"]])
    writer.writerow([_("Members"), reach["members_reached"], reach["members"], reach["members_percent"]])
    writer.writerow([])
    writer.writerow([_("Enforcement actions since"), review.since.isoformat()])
    for row in context["enforcement"]:
        writer.writerow([row["group__name"], row["kind_label"], row["organisation__name"], row["n"]])
    writer.writerow([_("Services offered since"), review.since.isoformat()])
    for row in context["services"]:
        writer.writerow([row["kind_label"], row["status_label"], row["n"]])
    writer.writerow([])
    writer.writerow([_("Overdue follow-ups"), _("Organisation"), _("Number"), _("Oldest due date")])
    for row in review.overdue:
        writer.writerow(["", row["owner_organisation__name"], row["n"], row["oldest"].isoformat()])
    log_read(request, record_kind="weekly_review", action="export")
    return response


@login_required
@require_GET
def weekly_review_pdf(request):
    context = review_context(request.user)
    html = render_to_string("frontend/review/weekly_review_pdf.html", context, request=request)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="veckogenomgang-{context["review"].today:%Y-%m-%d}.pdf"'
    log_read(request, record_kind="weekly_review", action="export")
    return response
