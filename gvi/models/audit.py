"""The access log: every read of a person's record and every export of personal data.

Changes are recorded by django-simple-history on every sourced model. Both are append-only
for everyone; auditors read them.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccessAction(models.TextChoices):
    READ = "read", _("Read")
    LIST = "list", _("List")
    SEARCH = "search", pgettext_lazy("access-log action", "Search")
    EXPORT = "export", _("Export")


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes bypass Model.save/delete, so they are refused here too."""

    def update(self, **kwargs):
        raise PermissionDenied("The access log is append-only.")

    def delete(self):
        raise PermissionDenied("The access log is append-only.")

    update.queryset_only = True
    delete.queryset_only = True


class AccessLog(models.Model):
    at = models.DateTimeField(_("logged at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "gvi.PartnerOrganisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=16, choices=AccessAction.choices)
    record_kind = models.CharField(_("record kind"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # Kept as a plain id, not a foreign key: the log outlives a purged person.
    person_id = models.BigIntegerField(_("person id"), null=True, blank=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    channel = models.CharField(_("channel"), max_length=16, blank=True, help_text=_("ui, api, admin or export"))
    api_key_prefix = models.CharField(_("API key"), max_length=16, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    # A disclosure: the record read is owned by another organisation than the reader's. The rule
    # and the text of its legal basis are copied as they stood at the read (a basis may change).
    owner_organisation = models.ForeignKey(
        "gvi.PartnerOrganisation",
        verbose_name=_("owner organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sharing_rule = models.CharField(_("sharing rule"), max_length=64, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.record_kind} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionDenied("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The access log is append-only.")


class RetentionRun(models.Model):
    """What one run of the retention job did (or, for a dry run, would do)."""

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M}"
