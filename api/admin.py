"""API keys in the admin: listed with their organisation and person, revocable, never shown again."""

from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from api.models import IdempotencyRecord, OrganisationAPIKey
from gvi.admin import ShownOnly

# The library's own key model has no organisation and is not accepted by the API: hide it.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(OrganisationAPIKey)
class OrganisationAPIKeyAdmin(APIKeyModelAdmin):
    list_display = ("prefix", "name", "organisation", "user", "created", "expiry_date", "_has_expired", "revoked")
    list_filter = ("organisation", "revoked", "created")
    search_fields = ("name", "prefix", "organisation__name", "user__username")
    list_select_related = ("organisation", "user")
    raw_id_fields = ("user",)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ("key", "organisation", "method", "path", "response_status", "api_key_prefix", "created_at")
    list_filter = ("organisation",)
    list_select_related = ("organisation",)
    search_fields = ("key", "api_key_prefix")
