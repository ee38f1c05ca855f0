"""Single sign-on through OpenID Connect (issue 17 item 4), with mozilla-django-oidc.

Off unless settings.GVI_OIDC_ENABLED: then the login page shows "Logga in med <provider>", and
/login/sso/start/ and /login/sso/callback/ run the authorization-code flow (state, nonce, PKCE and
the ID token's signature are the library's). Who the person is and what they may do is decided
by gvi.services.sso from the verified claims and the claim-mapping table only. While it is off,
the URLs answer 404 and the backend authenticates nobody.

The second factor: a single sign-on still asks for the app's own second factor (django-otp)
unless GVI_OIDC_TRUST_PROVIDER_MFA is on and the ID token's `amr`/`acr` says the provider used one;
then the session is marked as verified by the provider (SESSION_PROVIDER_MFA).
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core import checks
from django.dispatch import receiver
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from frontend.pages.twofactor import SESSION_PROVIDER_MFA
from gvi.models import SignInOutcome
from gvi.services import sso

# The session key holding why the last single sign-on was refused (for the refused page).
SESSION_REFUSED = "gvi_sso_refused"


def enabled() -> bool:
    return bool(getattr(settings, "GVI_OIDC_ENABLED", False))


REQUIRED_SETTINGS = (
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


@checks.register(checks.Tags.security)
def check_single_sign_on(app_configs=None, **kwargs):
    """Single sign-on turned on with a setting missing fails at start, not at the first sign-in."""
    if not enabled():
        return []
    missing = [name for name in REQUIRED_SETTINGS if not getattr(settings, name, "")]
    errors = [checks.Error(f"GVI_OIDC_ENABLED is on but {name} is empty.", id="gvi.E_SSO_SETTING") for name in missing]
    if not settings.GVI_OIDC_PROVIDER_NAME:
        errors.append(
            checks.Warning("GVI_OIDC_PROVIDER_NAME is empty: the login button names no provider.", id="gvi.W_SSO_NAME")
        )
    return errors


@receiver(user_logged_in, dispatch_uid="gvi_sso_forget_provider_mfa")
def forget_provider_mfa(sender, request, user, **kwargs):
    """Any sign-in starts without the provider's second factor; a single sign-on whose provider
    asserted one sets it again just after (CallbackView.login_success)."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_PROVIDER_MFA, None)


class GviOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, with the account decided by the claim-mapping table."""

    def authenticate(self, request, **kwargs):
        if not enabled() or request is None:
            return None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload) or {}
        # The subjects must agree (OIDC Core 5.3.2). The signed ID token's claims (sub, amr, acr)
        # win over the userinfo's where both have one.
        if userinfo.get("sub") not in (None, payload.get("sub")):
            self.request.session[SESSION_REFUSED] = SignInOutcome.INVALID
            return None
        claims = {**userinfo, **payload}
        try:
            result = sso.sign_in(claims, issuer=str(payload.get("iss", "")))
        except sso.SignInRefused as refused:
            self.request.session[SESSION_REFUSED] = refused.outcome
            return None
        self.request.session.pop(SESSION_REFUSED, None)
        result.user._provider_mfa = result.provider_mfa
        return result.user


class StartView(OIDCAuthenticationRequestView):
    def dispatch(self, request, *args, **kwargs):
        if not enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class CallbackView(OIDCAuthenticationCallbackView):
    def dispatch(self, request, *args, **kwargs):
        if not enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @property
    def failure_url(self):
        return reverse("frontend:sso_refused")

    def login_success(self):
        response = super().login_success()
        # The backend that signed the user in said whether the provider asserted a second factor.
        mfa = bool(getattr(self.user, "_provider_mfa", False))
        self.request.session[SESSION_PROVIDER_MFA] = mfa
        return response


@never_cache
def refused(request):
    """Why a single sign-on did not sign the person in; no account was created."""
    if not enabled():
        raise Http404
    outcome = request.session.pop(SESSION_REFUSED, SignInOutcome.NO_MATCH)
    context = {"outcome": outcome, "provider_name": settings.GVI_OIDC_PROVIDER_NAME}
    return render(request, "registration/sso_refused.html", context, status=403)


urlpatterns = [
    path("login/sso/start/", StartView.as_view(), name="sso_start"),
    path("login/sso/callback/", CallbackView.as_view(), name="sso_callback"),
    path("login/sso/refused/", refused, name="sso_refused"),
]
