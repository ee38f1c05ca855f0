"""Throttling per API key (per user for a session), at the rate in settings (API_THROTTLE_RATE)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import api_key_prefix


class APIKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self):
        # Read at request time so that a changed setting applies without a restart of the class.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        prefix = api_key_prefix(request)
        if prefix:
            ident = f"key:{prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
