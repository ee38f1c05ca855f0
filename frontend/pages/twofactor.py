"""Two-factor login (TOTP, django-otp) for every role (settings.GVI_TWO_FACTOR_ROLES).

With settings.GVI_REQUIRE_TWO_FACTOR on, a user of those roles, or a superuser, who has
signed in with a password but not yet with a code is sent to set up an authenticator app (if
they have none) or to enter a code; the API answers 403. A device is set up once: adding another
needs an administrator to remove the old one, so a stolen password alone cannot enrol a device.
"""

from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontend.pages.common import next_url

# Set by a single sign-on whose provider asserted a second factor that the programme trusts
# (frontend/sso.py, settings.GVI_OIDC_TRUST_PROVIDER_MFA): then the app does not ask for its own.
SESSION_PROVIDER_MFA = "gvi_sso_provider_mfa"

# The accessibility statement is public: anyone must be able to read it and report a problem.
EXEMPT_PREFIXES = ("/account/two-factor/", "/logout/", "/login/", "/i18n/", "/static/", "/accessibility/")


def needs_two_factor(user) -> bool:
    """Does this user have to sign in with a second factor?"""
    return bool(
        settings.GVI_REQUIRE_TWO_FACTOR
        and user.is_authenticated
        and (user.is_superuser or user.role in settings.GVI_TWO_FACTOR_ROLES)
    )


def may_set_up_two_factor(user) -> bool:
    """Offer the set-up link to a user of a two-factor role who has not signed in with a code
    (needs no query: django-otp's middleware knows whether this session is verified)."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.role in settings.GVI_TWO_FACTOR_ROLES)
        and not (hasattr(user, "is_verified") and user.is_verified())
    )


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            needs_two_factor(user)
            and not user.is_verified()
            and not request.session.get(SESSION_PROVIDER_MFA)
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                # The API's one error shape (api/exceptions.py).
                body = {"status": 403, "code": "two_factor_required", "detail": _("Two-factor login is required.")}
                return JsonResponse({**body, "errors": {}}, status=403)
            target = "frontend:twofactor_verify" if user_has_device(user) else "frontend:twofactor_setup"
            return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("Enter the six digits shown in the app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request) -> str:
    return next_url(request, settings.LOGIN_REDIRECT_URL)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrol an authenticator app: show the key (and QR code), confirm with a first code."""
    if user_has_device(request.user):
        return redirect(f"{reverse('frontend:twofactor_verify')}?next={quote(_next_url(request))}")
    # No unique constraint stands behind "one unconfirmed device": a double submit may have made two.
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, confirmed=False, name=_("Authenticator app"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _("The code is wrong or has expired. Try the next one."))
    secret = device.config_url.split("secret=")[1].split("&")[0]
    context = {"form": form, "secret": secret, "qr_svg": _qr_svg(device.config_url), "next": _next_url(request)}
    return render(request, "twofactor/setup.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """Sign in with the code from the enrolled authenticator app."""
    if not user_has_device(request.user):
        return redirect(f"{reverse('frontend:twofactor_setup')}?next={quote(_next_url(request))}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_is_allowed()[0] and device.verify_token(token):
                otp_login(request, device)
                return redirect(_next_url(request))
        form.add_error("token", _("The code is wrong or has expired."))
    return render(request, "twofactor/verify.html", {"form": form, "next": _next_url(request)})


urlpatterns = [
    path("account/two-factor/setup/", setup, name="twofactor_setup"),
    path("account/two-factor/verify/", verify, name="twofactor_verify"),
]
