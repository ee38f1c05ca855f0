"""Authentication by organisation API key: `Authorization: Api-Key <key>`."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import OrganisationAPIKey

KEYWORD = "Api-Key"


class APIKeyAuthentication(authentication.BaseAuthentication):
    """Sets request.user to the key's acting user and request.auth to the key itself."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, key = header.partition(" ")
        if keyword.lower() != KEYWORD.lower():
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(_("No API key was given."))
        prefix = key.partition(".")[0]
        api_key = (
            OrganisationAPIKey.objects.get_usable_keys()
            .select_related("organisation", "user__organisation")
            .filter(prefix=prefix)
            .first()
        )
        if api_key is None or not api_key.is_valid(key):
            raise exceptions.AuthenticationFailed(_("The API key is not valid."))
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(_("The API key has expired."))
        user = api_key.acting_user()
        if not user.is_active or user.organisation_id != api_key.organisation_id:
            raise exceptions.AuthenticationFailed(_("The API key's user may not use the API."))
        user.organisation = api_key.organisation  # saves a query per request in the policy
        return user, api_key

    def authenticate_header(self, request):
        # Makes unauthenticated requests 401 (with WWW-Authenticate) rather than 403.
        return KEYWORD


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.APIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Send "Api-Key <your key>". Keys are issued per organisation (and optionally per '
            "person) with `manage.py issue_api_key`; they expire and can be revoked in the admin.",
        }


def api_key_prefix(request) -> str:
    """The prefix of the API key a request was made with ("" for a session)."""
    auth = getattr(request, "auth", None)
    return auth.prefix if isinstance(auth, OrganisationAPIKey) else ""
