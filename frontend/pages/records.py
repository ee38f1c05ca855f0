"""Forms for entering persons, groups, group relations and membership proposals.

Thin views: each checks the access policy (403 for a role that may not create or change the
kind, 404 for a record the user may not see), parses a form, and calls one service in
gvi/services, which validates and writes in one transaction with history, source and confidence.
A service's validation error is shown on its field; nothing is half-stored.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from frontend.pages.common import log_read, or_404, save_or_show_errors
from frontend.pages.purpose import ask_for_purpose, session_purpose
from frontend.record_forms import (
    GroupEditForm,
    GroupForm,
    GroupRelationForm,
    MembershipProposalForm,
    PersonEditForm,
    PersonForm,
)
from gvi.models import InclusionCriterion
from gvi.policy import Action, can, scoped_queryset
from gvi.services import groups as group_services
from gvi.services import memberships as membership_services
from gvi.services import people as people_services


def require_may(user, kind: str, action: Action, obj=None) -> None:
    """403 for a role the policy does not let do `action` on `kind` (or on `obj`)."""
    if not can(user, kind, action, obj):
        raise PermissionDenied(_("You may not do this."))


def changeable(user, kind: str, pk: int, queryset=None):
    """The record if the user may change it; 404 when it is not visible at all, 403 when it is
    visible but not the user's to change."""
    obj = or_404(scoped_queryset(user, kind, queryset=queryset).filter(pk=pk).first())
    require_may(user, kind, Action.CHANGE, obj)
    return obj


def render_form(request, form, *, title, submit_label, cancel_url="", intro="", template="frontend/records/form.html"):
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "title": title, "submit_label": submit_label, "cancel_url": cancel_url, "intro": intro}
    return render(request, template, context, status=status)


# --- Persons ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    user = request.user
    require_may(user, "person", Action.CREATE)
    form = PersonForm(request.POST or None, areas=scoped_queryset(user, "area"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = save_or_show_errors(
            form,
            lambda: people_services.register_person(
                user=user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                personnummer=data["personnummer"],
                sex=data["sex"],
                home_area=data["home_area"],
                source=data["source"],
                confidence=data["confidence"],
            ),
        )
        if person is not None:
            messages.success(request, _("The person is registered."))
            return redirect("frontend:person_detail", person.pk)
    return render_form(
        request,
        form,
        title=_("Register a person"),
        submit_label=_("Register the person"),
        cancel_url=reverse("frontend:person_list"),
        intro=_("Register only persons the programme has a reason to know. Give where the information comes from."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    user = request.user
    if session_purpose(request) is None:
        return ask_for_purpose(request)
    person = changeable(user, "person", pk)
    log_read(request, record_kind="person", objects=[person])
    has_number = bool(person.personnummer_hash)
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "home_area": person.home_area_id,
        "source": person.source,
        "confidence": person.confidence,
    }
    form = PersonEditForm(
        request.POST or None, initial=initial, areas=scoped_queryset(user, "area"), has_personnummer=has_number
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data.get("personnummer"):
            number = data["personnummer"]
        elif data.get("remove_personnummer"):
            number = ""
        else:
            number = None  # keep the stored one
        names = ("first_name", "last_name", "date_of_birth", "sex", "home_area", "source", "confidence")
        changes = {name: data[name] for name in names}
        saved = save_or_show_errors(
            form,
            lambda: people_services.correct_person(
                user=user, person=person, reason=data["reason"], personnummer=number, **changes
            ),
        )
        if saved is not None:
            messages.success(request, _("The changes are saved."))
            return redirect("frontend:person_detail", person.pk)
    return render_form(
        request,
        form,
        title=_("Change %(person)s") % {"person": person},
        submit_label=_("Save the changes"),
        cancel_url=reverse("frontend:person_detail", args=[person.pk]),
    )


# --- Groups -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request):
    user = request.user
    require_may(user, "group", Action.CREATE)
    form = GroupForm(request.POST or None, areas=scoped_queryset(user, "area"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group = save_or_show_errors(
            form,
            lambda: group_services.register_group(
                user=user,
                name=data["name"],
                status=data["status"],
                aliases=data["aliases"],
                areas=data["areas"],
                description=data["description"],
                source=data["source"],
                confidence=data["confidence"],
            ),
        )
        if group is not None:
            messages.success(request, _("The group is registered."))
            return redirect("frontend:group_detail", group.pk)
    return render_form(
        request,
        form,
        title=_("Register a group"),
        submit_label=_("Register the group"),
        cancel_url=reverse("frontend:group_list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request, pk: int):
    user = request.user
    group = changeable(user, "group", pk)
    initial = {
        "name": group.name,
        "status": group.status,
        "aliases": "\n".join(group.aliases.order_by("alias").values_list("alias", flat=True)),
        "areas": list(group.areas.values_list("pk", flat=True)),
        "description": group.description,
        "source": group.source,
        "confidence": group.confidence,
    }
    form = GroupEditForm(request.POST or None, initial=initial, areas=scoped_queryset(user, "area"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = save_or_show_errors(
            form,
            lambda: group_services.correct_group(
                user=user,
                group=group,
                reason=data["reason"],
                aliases=data["aliases"],
                areas=data["areas"],
                **{name: data[name] for name in ("name", "status", "description", "source", "confidence")},
            ),
        )
        if saved is not None:
            messages.success(request, _("The changes are saved."))
            return redirect("frontend:group_detail", group.pk)
    return render_form(
        request,
        form,
        title=_("Change %(group)s") % {"group": group.name},
        submit_label=_("Save the changes"),
        cancel_url=reverse("frontend:group_detail", args=[group.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_relation_create(request, pk: int):
    user = request.user
    require_may(user, "group_relation", Action.CREATE)
    group = or_404(scoped_queryset(user, "group").filter(pk=pk).first())
    others = scoped_queryset(user, "group").exclude(pk=group.pk).order_by("name")
    form = GroupRelationForm(request.POST or None, groups=others)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        relation = save_or_show_errors(
            form,
            lambda: group_services.record_group_relation(
                user=user,
                group_a=group,
                group_b=data["other_group"],
                kind=data["kind"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                description=data["description"],
                source=data["source"],
                confidence=data["confidence"],
            ),
        )
        if relation is not None:
            messages.success(request, _("The relation is recorded."))
            return redirect("frontend:group_detail", group.pk)
    return render_form(
        request,
        form,
        title=_("Record a conflict or alliance of %(group)s") % {"group": group.name},
        submit_label=_("Record the relation"),
        cancel_url=reverse("frontend:group_detail", args=[group.pk]),
    )


# --- Membership proposals ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def membership_propose(request, pk: int):
    """Propose that a person is a member of a group, citing criteria with their sources. The
    proposal goes to the approval queue, where another coordinator decides (four eyes)."""
    user = request.user
    require_may(user, "membership", Action.CREATE)
    if session_purpose(request) is None:
        return ask_for_purpose(request)
    person = or_404(scoped_queryset(user, "person").filter(pk=pk).first())
    if not user.organisation_id:
        raise PermissionDenied(_("Your account does not belong to a partner organisation."))
    programme = user.organisation.programme
    criteria = InclusionCriterion.objects.filter(programme=programme, is_active=True).order_by("name")
    form = MembershipProposalForm(
        request.POST or None, groups=scoped_queryset(user, "group").order_by("name"), criteria=criteria
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        membership = save_or_show_errors(
            form,
            lambda: membership_services.propose_membership(
                user=user,
                person=person,
                group=data["group"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                role=data["role"],
                is_key_individual=data["is_key_individual"],
                evidence=data["evidence"],
                source=data["source"],
                confidence=data["confidence"],
            ),
        )
        if membership is not None:
            messages.success(request, _("The proposal waits in the approval queue for another coordinator's decision."))
            return redirect("frontend:person_detail", person.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "person": person, "min_criteria": programme.min_inclusion_criteria}
    return render(request, "frontend/records/membership_form.html", context, status=status)
