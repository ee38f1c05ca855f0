"""Incidents of serious violence, the persons involved and analysts' group attributions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gvi import dates
from gvi.models.base import SourcedModel


class IncidentType(models.TextChoices):
    SHOOTING = "shooting", _("Shooting")
    EXPLOSION = "explosion", _("Explosion / detonation")
    HOMICIDE = "homicide", _("Homicide")
    ATTEMPTED_MURDER = "attempted_murder", _("Attempted murder")
    SERIOUS_ASSAULT = "serious_assault", _("Serious assault")
    ARMED_THREAT = "armed_threat", _("Armed threat")


class VerificationStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    VERIFIED = "verified", _("Verified")
    DISPUTED = "disputed", _("Disputed")
    UNFOUNDED = "unfounded", _("Unfounded")


class Incident(SourcedModel):
    """A violent event. `source` holds the police report number (diarienummer) or similar."""

    incident_type = models.CharField(_("type"), max_length=24, choices=IncidentType.choices)
    occurred_at = models.DateTimeField(_("occurred at"), validators=[dates.happened])
    area = models.ForeignKey(
        "gvi.Area", verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    killed = models.PositiveSmallIntegerField(_("killed"), default=0)
    injured = models.PositiveSmallIntegerField(_("injured"), default=0)
    verification_status = models.CharField(
        _("verification status"),
        max_length=16,
        choices=VerificationStatus.choices,
        default=VerificationStatus.REPORTED,
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["programme", "occurred_at"]),
            models.Index(fields=["area", "occurred_at"]),
            # The weekly review's "logged since the last review".
            models.Index(fields=["programme", "created_at"], name="incident_logged"),
        ]

    def __str__(self):
        return f"{self.get_incident_type_display()} {self.occurred_at:%Y-%m-%d}"

    def clean(self):
        if self.occurred_at and self.occurred_at > timezone.now() + timezone.timedelta(minutes=5):
            raise ValidationError({"occurred_at": _("An incident cannot be in the future.")})


class InvolvementRole(models.TextChoices):
    SUSPECT = "suspect", _("Suspect")
    VICTIM = "victim", _("Victim")
    WITNESS = "witness", _("Witness")


class Involvement(SourcedModel):
    """A person's role in an incident. Victims and witnesses never make anyone a member."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="involvements"
    )
    person = models.ForeignKey(
        "gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="involvements"
    )
    role = models.CharField(_("role"), max_length=16, choices=InvolvementRole.choices)

    class Meta:
        verbose_name = _("involvement")
        verbose_name_plural = _("involvements")
        constraints = [
            models.UniqueConstraint(fields=["incident", "person", "role"], name="involvement_unique"),
        ]
        indexes = [
            # Covering (PostgreSQL): a group's suspects' incidents come from the index alone.
            models.Index(
                fields=["person", "role"], include=["incident", "programme"], name="involvement_person_role_cover"
            )
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


class AttributionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class GroupAttribution(SourcedModel):
    """An analyst's direct attribution of an incident to a group, with a share of 0–1.

    Four eyes: it counts in scoring only once a second person confirmed it (`created_by`
    attributed, `confirmed_by` confirmed; gvi.services.incidents). A changed share or group needs
    a new confirmation.
    """

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="attributions"
    )
    group = models.ForeignKey(
        "gvi.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="attributions"
    )
    share = models.DecimalField(
        _("share"),
        max_digits=4,
        decimal_places=3,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("How much of the incident is attributed to the group, from 0 to 1."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AttributionStatus.choices, default=AttributionStatus.PROPOSED
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for decision"), blank=True)

    class Meta:
        verbose_name = _("group attribution")
        verbose_name_plural = _("group attributions")
        constraints = [
            models.UniqueConstraint(fields=["incident", "group"], name="attribution_unique"),
            models.CheckConstraint(condition=Q(share__gte=0) & Q(share__lte=1), name="attribution_share_0_1"),
        ]
        # Covering (PostgreSQL): a group's attributed incidents come from the index alone.
        indexes = [models.Index(fields=["group"], include=["incident", "programme"], name="attribution_group_cover")]

    def __str__(self):
        return f"{self.incident} → {self.group}"
