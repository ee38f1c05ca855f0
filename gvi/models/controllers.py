"""Who is responsible for the processing (issue 17 item 5): the controller of each organisation's
records in a programme, joint-controller arrangements, and the purpose and legal basis of each
processing. Shown to the DPO and coordinators (the controllers page) and in the register extract,
which is split by controller; what a reviewer withholds from an extract under secrecy is kept too.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gvi.models.base import TrackedModel


class Regime(models.TextChoices):
    GDPR = "gdpr", _("GDPR (dataskyddsförordningen)")
    CRIMINAL_DATA_ACT = "criminal_data_act", _("Criminal Data Act (brottsdatalagen)")


class JointControllerArrangement(TrackedModel):
    """An arrangement between joint controllers (GDPR art. 26, brottsdatalagen 3 kap. 1 §)."""

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="joint_arrangements"
    )
    name = models.CharField(_("name"), max_length=200)
    summary = models.TextField(
        _("essence of the arrangement"), help_text=_("Who answers requests, who informs, who handles breaches.")
    )
    contact_point = models.CharField(_("contact point for persons"), max_length=200)
    agreement_reference = models.CharField(_("agreement reference"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("joint-controller arrangement")
        verbose_name_plural = _("joint-controller arrangements")
        ordering = ["programme", "name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="joint_arrangement_name_once")]

    def __str__(self):
        return self.name


class RecordController(TrackedModel):
    """The controller of one partner organisation's records in a programme."""

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="record_controllers"
    )
    organisation = models.ForeignKey(
        "gvi.PartnerOrganisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="record_controllers",
    )
    controller = models.CharField(_("controller"), max_length=200, help_text=_("The legal entity responsible."))
    contact = models.CharField(_("data protection contact"), max_length=200)
    joint_arrangement = models.ForeignKey(
        JointControllerArrangement,
        verbose_name=_("joint-controller arrangement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="controllers",
    )

    class Meta:
        verbose_name = _("controller of records")
        verbose_name_plural = _("controllers of records")
        ordering = ["programme", "controller"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "organisation"], name="one_controller_per_organisation")
        ]

    def __str__(self):
        return f"{self.controller} ({self.organisation})"

    def clean(self):
        if self.organisation_id and self.programme_id and self.organisation.programme_id != self.programme_id:
            raise ValidationError({"organisation": _("The organisation is not a partner in this programme.")})
        if self.joint_arrangement_id and self.joint_arrangement.programme_id != self.programme_id:
            raise ValidationError({"joint_arrangement": _("The arrangement belongs to another programme.")})


class Processing(TrackedModel):
    """One processing: its purpose and legal basis, under one controller or a joint arrangement."""

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="processings"
    )
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.TextField(_("legal basis"))
    regime = models.CharField(_("regime"), max_length=24, choices=Regime.choices)
    controller = models.ForeignKey(
        RecordController,
        verbose_name=_("controller"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="processings",
    )
    joint_arrangement = models.ForeignKey(
        JointControllerArrangement,
        verbose_name=_("joint-controller arrangement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="processings",
    )
    record_kinds = models.JSONField(_("record kinds"), default=list, blank=True)

    class Meta:
        verbose_name = _("processing")
        verbose_name_plural = _("processings")
        ordering = ["programme", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(controller__isnull=False, joint_arrangement__isnull=True)
                | Q(controller__isnull=True, joint_arrangement__isnull=False),
                name="processing_one_controller_or_arrangement",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if (self.controller_id is None) == (self.joint_arrangement_id is None):
            raise ValidationError(_("Name either a controller or a joint-controller arrangement."))
        owner = self.controller or self.joint_arrangement
        if owner is not None and owner.programme_id != self.programme_id:
            raise ValidationError(_("The controller belongs to another programme."))
        from gvi.policy import RECORD_KINDS

        unknown = sorted(set(self.record_kinds or []) - set(RECORD_KINDS))
        if unknown:
            raise ValidationError(
                {"record_kinds": _("Unknown record kinds: %(kinds)s") % {"kinds": ", ".join(unknown)}}
            )


class ExtractWithholding(models.Model):
    """A record a reviewer withholds from a register extract under secrecy, with the provision."""

    request = models.ForeignKey(
        "gvi.DataSubjectRequest", verbose_name=_("request"), on_delete=models.CASCADE, related_name="withholdings"
    )
    record_kind = models.CharField(_("record kind"), max_length=32)
    record_id = models.PositiveBigIntegerField(_("record id"))
    provision = models.CharField(
        _("secrecy provision"), max_length=200, help_text=_("E.g. OSL 18 kap. 1 § or 26 kap. 1 §.")
    )
    reason = models.TextField(_("reason"), blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("marked by"), on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("withheld from an extract")
        verbose_name_plural = _("withheld from extracts")
        constraints = [
            models.UniqueConstraint(fields=["request", "record_kind", "record_id"], name="withheld_once_per_record")
        ]

    def __str__(self):
        return f"{self.request_id}: {self.record_kind} {self.record_id} ({self.provision})"
