"""The access log: every read of a person's record and every export of personal data.

Changes are recorded by django-simple-history on every sourced model. Both are append-only
for everyone; auditors read them.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccessAction(models.TextChoices):
    READ = "read", _("Read")
    LIST = "list", _("List")
    SEARCH = "search", pgettext_lazy("access-log action", "Search")
    EXPORT = "export", _("Export")


class PurposeKind(models.TextChoices):
    """Why a user opened, searched or exported personal data (the purpose of access)."""

    CASE = "case", _("Case reference")
    CALL_IN = "call_in", _("Call-in")
    FOLLOW_UP = "follow_up", _("Follow-up")
    REASON = "reason", _("Short reason")
    REQUEST = "request", _("The person's request")
    SYSTEM = "system", _("System job")


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes bypass Model.save/delete, so they are refused here too."""

    def update(self, **kwargs):
        raise PermissionDenied("The access log is append-only.")

    def delete(self):
        raise PermissionDenied("The access log is append-only.")

    update.queryset_only = True
    delete.queryset_only = True


class AccessLog(models.Model):
    # Set by log_access before the row's hash is computed (so not auto_now_add, which would
    # overwrite it on insert).
    at = models.DateTimeField(_("logged at"), default=timezone.now, db_index=True)
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
    # The purpose of access: its kind and its text (a case or call-in reference, a follow-up's id,
    # or a short reason). Never the searched words nor anything else taken from the request.
    purpose_kind = models.CharField(_("purpose"), max_length=16, choices=PurposeKind.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The person who acted, when the request came through an organisation's key (its service
    # account is `user`): named in the X-Acting-User header and checked against the organisation.
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acting person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=16, blank=True, help_text=_("ui, api, admin or export"))
    api_key_prefix = models.CharField(_("API key"), max_length=16, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    # Tamper evidence: each entry's hash covers its fields and the previous entry's hash
    # (gvi.access_chain; `manage.py check_access_log` reports any break).
    previous_hash = models.CharField(_("previous entry's hash"), max_length=64, blank=True)
    entry_hash = models.CharField(_("entry hash"), max_length=64, blank=True)
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


class AccessLogPrune(models.Model):
    """One run of the access log's own retention job: how much went, and the hash of the newest
    entry removed, from which the chain check starts."""

    at = models.DateTimeField(_("pruned at"), auto_now_add=True)
    cutoff = models.DateTimeField(_("entries logged before"))
    entries_deleted = models.PositiveIntegerField(_("entries deleted"))
    last_id = models.BigIntegerField(_("last entry removed"))
    last_hash = models.CharField(_("hash of the last entry removed"), max_length=64)

    class Meta:
        verbose_name = _("access log pruning")
        verbose_name_plural = _("access log prunings")
        ordering = ["-at"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M}: {self.entries_deleted}"
