"""The follow-up board: per organisation, filterable, with quick status changes."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontend.forms import FollowUpFilterForm, FollowUpStatusForm
from frontend.pages.common import log_read, next_url, or_404, quick_change
from gvi.models import FollowUpStatus
from gvi.selectors import followups as selectors
from gvi.services.followups import update_follow_up_status

# A page of cards stays small enough for one access-log insert (SQLite allows 999 parameters).
PAGE_SIZE = 50


@login_required
@require_GET
def board(request):
    context = _board_context(request, request.GET)
    return render(request, "frontend/followups/board.html", {**context, "next": request.get_full_path()})


def _board_context(request, params) -> dict:
    """The board's columns for the filters in `params` (the page's query string)."""
    organisations = list(selectors.board_organisations(request.user))
    data = params.copy()
    if "organisation" not in data:
        # Without a choice (first visit, or a bare page link) the board shows the user's own organisation.
        data["organisation"] = request.user.organisation_id or ""
    form = FollowUpFilterForm(data, organisations=organisations)
    filters = form.cleaned_data if form.is_valid() else {}
    follow_ups = selectors.follow_up_board(
        request.user,
        organisation_id=filters.get("organisation"),
        status=filters.get("status") or "",
        overdue=bool(filters.get("overdue")),
        q=filters.get("q") or "",
    )
    page = Paginator(follow_ups, PAGE_SIZE).get_page(params.get("page"))
    follow_ups = list(page.object_list)
    person_ids = sorted({f.person_id for f in follow_ups if f.person_id})
    if person_ids:
        # The cards name persons: the board is a read of their follow-ups, one row per person shown.
        log_read(request, record_kind="follow_up", person_ids=person_ids, action="list")
    columns = [
        {
            "status": status,
            "label": label,
            "cards": [
                {"follow_up": f, "form": FollowUpStatusForm(initial={"status": f.status}, prefix=f"f{f.pk}")}
                for f in follow_ups
                if f.status == status
            ],
        }
        for status, label in FollowUpStatus.choices
    ]
    columns = [c for c in columns if c["cards"] or c["status"] in selectors.BOARD_COLUMNS]
    query = data.copy()
    query.pop("page", None)
    return {"form": form, "columns": columns, "page": page, "query": query.urlencode()}


@login_required
@require_POST
def change_status(request, pk: int):
    follow_up = or_404(selectors.follow_up_for(request.user, pk))
    form = FollowUpStatusForm(request.POST, prefix=f"f{follow_up.pk}")
    error = None
    if form.is_valid():
        error = quick_change(
            follow_up,
            lambda: update_follow_up_status(user=request.user, follow_up=follow_up, status=form.cleaned_data["status"]),
        )
    else:
        error = _("Choose a status.")
    if request.htmx:
        # The whole board region comes back: the card moves to its new column and the counts follow
        # (a card left in its old column with stale counts misleads until a reload).
        target = next_url(request, "frontend:follow_ups")
        context = _board_context(request, QueryDict(urlsplit(target).query))
        label = dict(FollowUpStatus.choices).get(follow_up.status, follow_up.status)
        announcement = error or _("Saved: %(title)s is now %(status)s.") % {"title": follow_up.title, "status": label}
        return render(
            request,
            "frontend/followups/_board.html",
            {**context, "next": target, "changed_pk": follow_up.pk, "error": error, "announcement": announcement},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Status changed: %(title)s") % {"title": follow_up.title})
    return redirect(next_url(request, "frontend:follow_ups"))
