"""Single sign-on through OpenID Connect (issue 17 item 4): which organisation and role a person
signing in with an agency's identity provider gets, only through an explicit table, and a log of
every single sign-on attempt (signed in or refused). See docs/security-and-privacy.md."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gvi.models.base import TrackedModel
from gvi.models.organisations import Role


class ClaimMapping(TrackedModel):
    """One row of the table: a person whose provider asserts `claim` = `value` (or, for a list
    claim such as `groups`, lists `value`) gets `organisation` and `role`. A person no active row
    matches is refused; one whom rows of different organisations or roles match is refused too
    (the table must say one thing). Administered by the administrator in the admin."""

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="claim_mappings"
    )
    claim = models.CharField(
        _("claim"), max_length=100, default="groups", help_text=_("The name of the provider's claim, e.g. groups.")
    )
    value = models.CharField(_("value"), max_length=200, help_text=_("The claim's value that this row maps."))
    organisation = models.ForeignKey(
        "gvi.PartnerOrganisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("single sign-on claim mapping")
        verbose_name_plural = _("single sign-on claim mappings")
        ordering = ["programme", "claim", "value"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "claim", "value"], name="one_claim_mapping_per_value")
        ]

    def __str__(self):
        return f"{self.claim}={self.value} → {self.organisation} ({self.get_role_display()})"

    def clean(self):
        super().clean()
        if self.organisation_id and self.programme_id and self.organisation.programme_id != self.programme_id:
            raise ValidationError({"organisation": _("The organisation must belong to the programme.")})


class SignInOutcome(models.TextChoices):
    SIGNED_IN = "signed_in", _("Signed in")
    NO_MATCH = "no_match", _("Refused: no mapping matches")
    AMBIGUOUS = "ambiguous", _("Refused: mappings disagree")
    INACTIVE = "inactive", _("Refused: account deactivated")
    INVALID = "invalid", _("Refused: claims incomplete")


class SingleSignOnEvent(models.Model):
    """One single sign-on attempt: who the provider said it was (its subject, not the person's
    name), what the table gave, and whether the provider asserted a second factor. Append-only."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    issuer = models.CharField(_("issuer"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=SignInOutcome.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    mapping = models.ForeignKey(
        ClaimMapping, verbose_name=_("mapping"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "gvi.PartnerOrganisation",
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    provider_mfa = models.BooleanField(_("second factor asserted by the provider"), default=False)

    class Meta:
        verbose_name = _("single sign-on event")
        verbose_name_plural = _("single sign-on events")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.subject} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("The single sign-on log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The single sign-on log is append-only.")
