"""A person's consents to share with a named partner: recorded, listed and withdrawn
(gvi.services.sharing). Withdrawal takes effect at once, everywhere."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from frontend.pages.common import add_service_errors, log_read, or_404
from gvi.models import ConsentScope, PartnerOrganisation
from gvi.policy import Action, can, scoped_queryset
from gvi.services import sharing as services


class ConsentForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Partner"), queryset=PartnerOrganisation.objects.none())
    scope = forms.ChoiceField(label=_("Scope"), choices=ConsentScope.choices)
    given_on = forms.DateField(label=_("Given on"), widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label=_("Where it is documented"), max_length=200)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = PartnerOrganisation.objects.filter(programme_id=person.programme_id)


def _person(user, pk):
    return or_404(scoped_queryset(user, "person").filter(pk=pk).first())


def _page(request, person, form=None, errors=(), status=200):
    consents = list(scoped_queryset(request.user, "consent").filter(person=person).select_related("organisation"))
    log_read(request, record_kind="person", objects=[person], also={"consent": consents})
    context = {
        "person": person,
        "consents": consents,
        "may_record": can(request.user, "consent", Action.CREATE),
        "may_withdraw": {c.pk for c in consents if c.is_active and can(request.user, "consent", Action.CHANGE, c)},
        "form": form or ConsentForm(person=person, initial={"given_on": timezone.localdate()}),
        "errors": list(errors),
    }
    return render(request, "frontend/persons/consents.html", context, status=status)


@login_required
@require_GET
def person_consents(request, pk: int):
    return _page(request, _person(request.user, pk))


@login_required
@require_POST
def record_consent(request, pk: int):
    person = _person(request.user, pk)
    form = ConsentForm(request.POST, person=person)
    if form.is_valid():
        try:
            services.record_consent(user=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            form.add_error(None, _("You may not do this."))
        else:
            return redirect("frontend:person_consents", pk=person.pk)
    return _page(request, person, form=form, status=400)


@login_required
@require_POST
def withdraw_consent(request, pk: int, consent_pk: int):
    person = _person(request.user, pk)
    consent = or_404(scoped_queryset(request.user, "consent").filter(pk=consent_pk, person=person).first())
    try:
        services.withdraw_consent(user=request.user, consent=consent, note=request.POST.get("note", ""))
    except (ValidationError, PermissionDenied) as error:
        messages = getattr(error, "messages", None) or [_("You may not do this.")]
        return _page(request, person, errors=messages, status=400)
    return redirect("frontend:person_consents", pk=person.pk)
