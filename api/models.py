"""API keys per partner organisation (optionally naming the person who acts) and idempotency records."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from gvi.models import PartnerOrganisation, Role, User


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

    objects = BaseAPIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def clean(self):
        super().clean()
        if self.user_id and self.organisation_id and self.user.organisation_id != self.organisation_id:
            raise ValidationError({"user": _("The user must belong to the key's organisation.")})

    def acting_user(self) -> User:
        """The user whose rights a request made with this key has."""
        return self.user if self.user_id else service_account_for(self.organisation)


SERVICE_ACCOUNT_PREFIX = "api-service-"


def service_account_for(organisation: PartnerOrganisation) -> User:
    """The organisation's service account (created on first use): a partner officer who cannot log in."""
    user, _created = User.objects.get_or_create(
        username=f"{SERVICE_ACCOUNT_PREFIX}{organisation.pk}",
        defaults={
            "organisation": organisation,
            "role": Role.PARTNER_OFFICER,
            "first_name": "API",
            "last_name": organisation.name[:150],
            "password": make_password(None),
        },
    )
    return user


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
