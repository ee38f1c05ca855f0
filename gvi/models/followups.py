"""Follow-ups: tasks with an owner and a due date, made by hand or by a rule."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gvi import dates
from gvi.models.base import Confidence, TrackedModel


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)


class FollowUpOrigin(models.TextChoices):
    MANUAL = "manual", _("Manual")
    RULE = "rule", _("Rule")


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, on=None):
        return self.open().filter(due_date__lt=on or timezone.localdate())


class FollowUp(TrackedModel):
    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    owner_organisation = models.ForeignKey(
        "gvi.PartnerOrganisation", verbose_name=_("owner organisation"), on_delete=models.PROTECT, related_name="+"
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (user)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"), validators=[dates.planned])
    status = models.CharField(_("status"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    # Where the task comes from (the rule, or who entered it) and how sure its content is.
    source = models.CharField(_("source"), max_length=200, blank=True)
    confidence = models.CharField(
        _("confidence"), max_length=16, choices=Confidence.choices, default=Confidence.CONFIRMED
    )
    origin = models.CharField(_("origin"), max_length=8, choices=FollowUpOrigin.choices, default=FollowUpOrigin.MANUAL)
    # The rule that made it and what caused it; together they keep a rule from firing twice.
    rule = models.CharField(_("rule"), max_length=64, blank=True)
    cause_type = models.ForeignKey(
        ContentType, verbose_name=_("cause type"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cause_id = models.PositiveBigIntegerField(_("cause id"), null=True, blank=True)
    cause = GenericForeignKey("cause_type", "cause_id")
    person = models.ForeignKey(
        "gvi.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    group = models.ForeignKey(
        "gvi.Group", verbose_name=_("group"), on_delete=models.CASCADE, null=True, blank=True, related_name="follow_ups"
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "cause_type", "cause_id", "owner_organisation"],
                condition=Q(origin="rule"),
                name="rule_follow_up_once_per_cause",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_organisation", "status", "due_date"]),
            models.Index(fields=["programme", "status", "due_date"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.due_date < timezone.localdate()


class DigestDelivery(models.Model):
    """The daily digest went to this address on this day: at most one per address and day.

    Kept in the database, not the cache, so a retried job on another worker, or after a cache
    flush, does not mail twice. Old rows are pruned by the retention job.
    """

    recipient = models.EmailField(_("recipient"))
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        ordering = ["-day", "recipient"]
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="one_digest_per_recipient_and_day")]

    def __str__(self):
        return f"{self.day} {self.recipient}"
