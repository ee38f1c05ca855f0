"""Persons: a search list, and a person's page. Every read is written to the access log."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from frontend.forms import PersonSearchForm
from frontend.pages.common import log_read, or_404
from frontend.pages.membership_review import person_rights_url
from frontend.pages.purpose import ask_for_purpose, session_purpose
from gvi.selectors import persons as selectors

PAGE_SIZE = 50


@login_required
@require_GET
def person_list(request):
    form = PersonSearchForm(request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    if q and session_purpose(request) is None:
        return ask_for_purpose(request)
    page = Paginator(selectors.person_list(request.user, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    if page.object_list or q:
        # A search with no hits is logged too (one row naming nobody); the words searched are not.
        log_read(request, record_kind="person", objects=page.object_list, action="search" if q else "list")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "frontend/persons/list.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
@require_GET
def person_detail(request, pk: int):
    if session_purpose(request) is None:
        return ask_for_purpose(request)
    data = or_404(selectors.person_detail(request.user, pk))
    log_read(request, record_kind="person", objects=[data.person], also=data.parts())
    context = {"data": data, "person": data.person, "rights_url": person_rights_url(data.person)}
    return render(request, "frontend/persons/detail.html", context)
