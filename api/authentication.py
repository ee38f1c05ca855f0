"""Authentication by organisation API key: `Authorization: Api-Key <key>`."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import SERVICE_ACCOUNT_PREFIX, OrganisationAPIKey
from gvi.models import PartnerOrganisation, User

KEYWORD = "Api-Key"

# Every API request authenticates, and loading a key with its acting user costs two queries.
# The pair is cached for a short time. Saving or deleting a key, a user or an organisation drops
# every cached key it could affect (signals below), so revoking a key or deactivating a user takes
# effect at once wherever the cache is shared (Redis); a change that bypasses signals (a queryset
# update) or a per-process cache takes effect within KEY_CACHE_SECONDS.
KEY_CACHE_SECONDS = 30


def _cache_key(prefix: str) -> str:
    return f"api:key:{prefix}"


def usable_key(prefix: str) -> tuple[OrganisationAPIKey, User] | None:
    """The unrevoked key with `prefix` and the user it acts as (organisation loaded), or None."""
    cache_key = _cache_key(prefix)
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    api_key = (
        OrganisationAPIKey.objects.get_usable_keys()
        .select_related("organisation", "user__organisation")
        # A request made with a key never needs the user's password hash: keep it out of the cache.
        # (A service account's is unusable by construction.)
        .defer("user__password")
        .filter(prefix=prefix)
        .first()
    )
    if api_key is None:
        return None
    found = (api_key, api_key.acting_user())
    cache.set(cache_key, found, KEY_CACHE_SECONDS)
    return found


def forget_cached_keys(prefixes) -> None:
    """Drop the cached keys now and again once the change commits: a request that reads the old
    row between the two (the change is not yet visible to it) cannot keep it cached."""
    keys = [_cache_key(prefix) for prefix in prefixes]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def _key_changed(sender, instance, **kwargs):
    forget_cached_keys([instance.prefix])


def _forget_organisation_keys(organisation_id) -> None:
    prefixes = OrganisationAPIKey.objects.filter(organisation_id=organisation_id).values_list("prefix", flat=True)
    forget_cached_keys(prefixes)


def _organisation_changed(sender, instance, **kwargs):
    _forget_organisation_keys(instance.pk)


def _user_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing a key depends on
    # The user's own keys, whatever organisation they now belong to (a move must end their use
    # at once), and the organisation's keys (a service account acts for keys without a user).
    forget_cached_keys(
        OrganisationAPIKey.objects.filter(
            Q(user_id=instance.pk) | Q(organisation_id=instance.organisation_id, user__isnull=True)
        ).values_list("prefix", flat=True)
    )


def connect():
    for event, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(_key_changed, sender=OrganisationAPIKey, dispatch_uid=f"api.key_cache.key_{event}")
        signal.connect(_user_changed, sender=User, dispatch_uid=f"api.key_cache.user_{event}")
        signal.connect(
            _organisation_changed, sender=PartnerOrganisation, dispatch_uid=f"api.key_cache.organisation_{event}"
        )


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
        found = usable_key(key.partition(".")[0])
        if found is None or not found[0].is_valid(key):
            raise exceptions.AuthenticationFailed(_("The API key is not valid."))
        api_key, user = found
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(_("The API key has expired."))
        if not user.is_active or user.organisation_id != api_key.organisation_id:
            raise exceptions.AuthenticationFailed(_("The API key's user may not use the API."))
        user.organisation = api_key.organisation  # saves a query per request in the policy
        request._request.acting_user = _acting_person(request, api_key)
        return user, api_key

    def authenticate_header(self, request):
        # Makes unauthenticated requests 401 (with WWW-Authenticate) rather than 403.
        return KEYWORD


ACTING_USER_HEADER = "X-Acting-User"


def _acting_person(request, api_key) -> User | None:
    """The person who acts through an organisation's key (one naming no user), from the
    X-Acting-User header: the username of an active user of the key's organisation. Required for
    reads, so that every read of personal data is attributable to a person; a per-person key
    names its person itself."""
    if api_key.user_id:
        return None
    username = request.META.get("HTTP_X_ACTING_USER", "").strip()
    if not username:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            raise exceptions.AuthenticationFailed(
                _("Name the person who reads in the X-Acting-User header (a user of your organisation).")
            )
        return None
    person = (
        User.objects.filter(username=username, organisation_id=api_key.organisation_id, is_active=True)
        .exclude(username__startswith=SERVICE_ACCOUNT_PREFIX)
        .first()
    )
    if person is None:
        raise exceptions.AuthenticationFailed(_("X-Acting-User names no active user of your organisation."))
    return person


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
