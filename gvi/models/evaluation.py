"""The research export (forskningsuttag): a coordinator's request, another's approval."""

from django.conf import settings
from django.core.validators import MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ResearchExportStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class TimeGranularity(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class ResearchExport(models.Model):
    """A request to release a pseudonymised, coarsened, k-anonymous data package to evaluators.

    The package is built when it is downloaded, from the data as it then is, with the export's
    own key for the pseudonymous ids (docs/evaluation.md)."""

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="research_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    purpose = models.TextField(
        _("purpose"),
        validators=[MinLengthValidator(20)],
        help_text=_("Who will use the data, for which study, under which ethics approval."),
    )
    granularity = models.CharField(
        _("dates coarsened to"), max_length=8, choices=TimeGranularity.choices, default=TimeGranularity.MONTH
    )
    k = models.PositiveSmallIntegerField(
        _("k (smallest group of alike persons)"), validators=[MinValueValidator(2)], default=5
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ResearchExportStatus.choices, default=ResearchExportStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    # Set by the approver only: this export's ids then match those of the earlier export.
    linked_to = models.ForeignKey(
        "self",
        verbose_name=_("linkable to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The export's own pseudonymisation key, encrypted at rest (gvi.crypto); made on approval.
    key_encrypted = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = _("research export")
        verbose_name_plural = _("research exports")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(decided_by=models.F("requested_by")), name="research_export_four_eyes"),
        ]

    def __str__(self):
        return f"{self.get_status_display()}: {self.requested_at:%Y-%m-%d}"
