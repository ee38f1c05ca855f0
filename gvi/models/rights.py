"""The rights of the people listed: notice, access, correction and contest."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from gvi import dates
from gvi.models.base import Confidence, SourcedModel


class NoticeMethod(models.TextChoices):
    CALL_IN = "call_in", _("At a call-in")
    CUSTOM_NOTIFICATION = "custom_notification", _("Custom notification")
    LETTER = "letter", _("Letter")
    WITHHELD = "withheld", _("Withheld")


class Notice(SourcedModel):
    """When and how a person was told they are in the programme, or why notice is withheld."""

    person = models.ForeignKey("gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="notices")
    method = models.CharField(
        pgettext_lazy("how notice is given", "method"), max_length=24, choices=NoticeMethod.choices
    )
    given_on = models.DateField(_("given on"), null=True, blank=True, validators=[dates.happened])
    invitation = models.ForeignKey(
        "gvi.Invitation",
        verbose_name=_("invitation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notification = models.ForeignKey(
        "gvi.CustomNotification",
        verbose_name=_("custom notification"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withheld_reason = models.TextField(_("why notice is withheld"), blank=True)
    withheld_until = models.DateField(_("withheld until"), null=True, blank=True, validators=[dates.planned])

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-given_on", "-id"]

    def __str__(self):
        return f"{self.person}: {self.get_method_display()}"


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access")
    CORRECTION = "correction", _("Correction")
    CONTEST = "contest", _("Contest")
    ERASURE = "erasure", _("Erasure")
    RESTRICTION = "restriction", _("Restriction")
    OBJECTION = "objection", _("Objection")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    COMPLETED = "completed", _("Completed")


class DataSubjectRequest(models.Model):
    """A person's request: access, correction, contest of an entry, erasure, restriction or objection."""

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="requests"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RequestKind.choices)
    received_on = models.DateField(_("received on"), validators=[dates.happened])
    description = models.TextField(_("description"), blank=True)
    # Where the request came from (a letter, a form, a meeting) and how sure that is.
    source = models.CharField(_("source"), max_length=200, blank=True)
    confidence = models.CharField(
        _("confidence"), max_length=16, choices=Confidence.choices, default=Confidence.CONFIRMED
    )
    # Answered within one month of receipt (GDPR art. 12(3); brottsdatalagen the same).
    due_on = models.DateField(_("answer due"), null=True, blank=True)
    membership = models.ForeignKey(
        "gvi.Membership",
        verbose_name=_("membership"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
    )
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    decision_reason = models.TextField(_("reason for decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True, validators=[dates.happened])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # The register extract's review step: a reviewer went through the draft (and withheld what
    # secrecy requires, gvi.models.ExtractWithholding) before it can be handed over.
    extract_reviewed_at = models.DateTimeField(_("extract reviewed at"), null=True, blank=True)
    extract_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("extract reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        ordering = ["-received_on", "-id"]

    def __str__(self):
        return f"{self.person}: {self.get_kind_display()}"
