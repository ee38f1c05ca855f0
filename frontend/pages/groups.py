"""Groups: the list with score-trend sparklines, and one group's page."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from frontend.charts import bar_chart, relation_network, small_bars_svg, sparkline
from frontend.forms import GroupFilterForm
from frontend.pages.common import log_read, or_404
from gvi.policy import Action, can
from gvi.selectors import groups as selectors
from gvi.selectors import scores

PAGE_SIZE = 50


@login_required
@require_GET
def group_list(request):
    areas = list(selectors.visible_areas(request.user))
    form = GroupFilterForm(request.GET or None, areas=areas)
    filters = form.cleaned_data if form.is_valid() else {}
    groups = selectors.group_list(
        request.user,
        status=filters.get("status") or "",
        area_id=filters.get("area"),
        q=filters.get("q") or "",
        order=filters.get("order") or "name",
    )
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    trends = scores.score_trends(request.user, group_ids=[group.pk for group in page])
    rows = [
        {
            "group": group,
            "trend": sparkline(trends.by_group[group.pk]),
            "score": trends.latest(group.pk),
            "exposure": trends.latest_exposure(group.pk),
        }
        for group in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "frontend/groups/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "runs": trends.runs,
            "query": query.urlencode(),
            "may_create": can(request.user, "group", Action.CREATE),
        },
    )


@login_required
@require_GET
def group_detail(request, pk: int):
    data = or_404(
        selectors.group_detail(
            request.user,
            pk,
            all_members=request.GET.get("members") == "all",
            all_relations=request.GET.get("relations") == "all",
        )
    )
    # Every record shown, each under its own kind: a record another organisation owns is logged
    # as a disclosure with its owner, rule and legal basis (gvi.audit.disclosures_read).
    log_read(
        request,
        record_kind="membership",
        objects=data.memberships,
        action="list",
        also={
            "group": [data.group],
            "group_relation": data.relations,
            "incident": data.incidents,
            "enforcement_action": data.enforcement,
            "service_referral": data.services,
        },
    )
    return render(
        request,
        "frontend/groups/detail.html",
        {
            "data": data,
            "group": data.group,
            "trend": sparkline(data.trend, width=240, height=48),
            "network": relation_network(data.group, data.relations),
            "weekly_chart": small_bars_svg(
                bar_chart(data.weekly.counts, width=312, height=48, gap=1),
                _("Incidents per week, the last 52 full weeks: %(counts)s")
                % {"counts": ", ".join(str(n) for n in data.weekly.counts)},
            ),
            "activity_limit": selectors.ACTIVITY_LIMIT,
            "may_change": can(request.user, "group", Action.CHANGE, data.group),
            "may_relate": can(request.user, "group_relation", Action.CREATE),
        },
    )
