"""The purpose of access in the UI: asked once, remembered for the working session.

Opening a person and searching for one need a purpose (a case or call-in reference, a follow-up,
or a short reason). It is kept in the session (which ends after 30 idle minutes or when the
browser closes) and written with every access log entry the session makes.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from frontend.pages.common import next_url
from gvi.audit import PURPOSE_MAX_LENGTH, Purpose
from gvi.models import PurposeKind

SESSION_KEY = "gvi_purpose"
CHOICES = [(kind.value, kind.label) for kind in PurposeKind if kind not in (PurposeKind.SYSTEM,)]


def session_purpose(request) -> Purpose | None:
    """The purpose the user gave for this working session, if any."""
    stored = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not stored:
        return None
    try:
        return Purpose.parse(stored.get("kind", ""), stored.get("text", ""))
    except ValidationError:
        return None


def ask_for_purpose(request):
    """A redirect to the purpose page, coming back to this page once a purpose is given."""
    return redirect(f"{reverse('frontend:purpose')}?{urlencode({'next': request.get_full_path()})}")


class PurposeForm(forms.Form):
    purpose_kind = forms.ChoiceField(label=_("Purpose"), choices=CHOICES)
    purpose = forms.CharField(
        label=_("Reference or short reason"),
        max_length=PURPOSE_MAX_LENGTH,
        help_text=_("A case or call-in reference, a follow-up, or a short reason. No names."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def purpose_page(request):
    current = session_purpose(request)
    initial = {"purpose_kind": current.kind, "purpose": current.text} if current else {}
    form = PurposeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            purpose = Purpose.parse(form.cleaned_data["purpose_kind"], form.cleaned_data["purpose"])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            request.session[SESSION_KEY] = {"kind": purpose.kind, "text": purpose.text}
            return redirect(next_url(request, "frontend:person_list"))
    next_value = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "frontend/purpose/form.html", {"form": form, "next": next_value, "current": current})


urlpatterns = [path("purpose/", purpose_page, name="purpose")]
