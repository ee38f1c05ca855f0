"""The global search in the header: persons, groups and incidents, grouped by kind.

Each list is built by the access policy. Persons are found by name or by identity number, the
latter only through the keyed hash. A search needs a purpose of access (asked once per working
session) and is logged as a search naming the persons found, or none: a search with no hits is
logged too. The words searched are never logged (only the path is kept).
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from frontend.pages.common import log_read
from frontend.pages.purpose import ask_for_purpose, session_purpose
from gvi.policy import Action, can
from gvi.selectors.search import search_everything

MAX_QUERY_LENGTH = 100


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=MAX_QUERY_LENGTH, required=False)


@login_required
@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    q = form.cleaned_data.get("q", "").strip() if form.is_valid() else ""
    results = None
    if q:
        if session_purpose(request) is None and can(request.user, "person", Action.READ):
            return ask_for_purpose(request)
        results = search_everything(request.user, q)
        log_read(request, record_kind="person", objects=results.persons, action="search")
    status = 400 if form.errors else 200
    return render(request, "frontend/search/results.html", {"form": form, "q": q, "results": results}, status=status)
