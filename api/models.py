"""API keys per partner organisation (optionally naming the person who acts) and idempotency records."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from gvi.models import PartnerOrganisation, User
from gvi.services.accounts import SERVICE_ACCOUNT_PREFIX, service_account_for, service_account_username

__all__ = ["SERVICE_ACCOUNT_PREFIX", "IdempotencyRecord", "OrganisationAPIKey", "service_account_for"]


class OrganisationAPIKeyManager(BaseAPIKeyManager):
    def assign_key(self, obj) -> str:
        """Every way of issuing a key (the command, the admin, `create_key`) assigns it here: a
        key without a person gets its organisation's service account now, not on first use."""
        key = super().assign_key(obj)
        if obj.user_id is None:
            service_account_for(obj.organisation)
        return key


class OrganisationAPIKey(AbstractAPIKey):
    """A partner's API key. Stored hashed (only its prefix is readable), revocable, expiring.

    A key that names a `user` acts as that person. A key without one acts as the
    organisation's service account: a partner officer of that organisation, so an
    integration can log its own organisation's work but never acts with a coordinator's
    rights; those need a key that names the coordinator.
    """

    organisation = models.ForeignKey(
        PartnerOrganisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="api_keys"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        help_text=_("The person who acts through this key. Empty: the organisation's service account."),
    )

    objects = OrganisationAPIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def clean(self):
        super().clean()
        if self.user_id and self.organisation_id and self.user.organisation_id != self.organisation_id:
            raise ValidationError({"user": _("The user must belong to the key's organisation.")})

    def acting_user(self) -> User:
        """The user whose rights a request made with this key has."""
        if self.user_id:
            return self.user
        # Made when the key was issued (OrganisationAPIKeyManager.assign_key): a read never writes.
        return User.objects.select_related("organisation").get(username=service_account_username(self.organisation))


def default_idempotency_expiry():
    return timezone.now() + timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)


class IdempotencyRecord(models.Model):
    """The first response to a POST made with an Idempotency-Key, replayed to retries.

    The unique constraint makes a concurrent duplicate wait for the first request's
    transaction and then replay its response, so the two never both create.
    """

    organisation = models.ForeignKey(
        PartnerOrganisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    method = models.CharField(pgettext_lazy("HTTP method", "method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    response_status = models.PositiveSmallIntegerField(_("response status"))
    # The response's bytes as first sent, replayed as they are: a JSON column would give the keys
    # back in another order (PostgreSQL's jsonb sorts them).
    response_content = models.BinaryField(_("response body"), null=True, blank=True)
    response_content_type = models.CharField(_("response content type"), max_length=100, blank=True)
    api_key_prefix = models.CharField(_("API key"), max_length=16, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), default=default_idempotency_expiry, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="idempotency_key_unique_per_organisation")
        ]

    def __str__(self):
        return f"{self.key} ({self.method} {self.path})"

    @property
    def has_expired(self) -> bool:
        return self.expires_at <= timezone.now()
