"""Abstract bases and shared choices for every record of the programme."""

import functools

from django.conf import settings
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Confidence(models.TextChoices):
    """How far a record can be trusted. Unverified data is shown as such everywhere."""

    CONFIRMED = "confirmed", _("Confirmed")
    PROBABLE = "probable", _("Probable")
    POSSIBLE = "possible", _("Possible")
    UNVERIFIED = "unverified", _("Unverified")


class TrackedModel(models.Model):
    """Who created and last changed a record, and when.

    The *who* is null only for records written by the system itself (a job or the seed).
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Every change of every tracked record is kept: who, when, before and after.
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        # Django's get_<field>_display hashes every choice's label on every call, and each label is
        # a lazy translation, translated again to be hashed: a list page showing a few hundred
        # records spent a quarter of its time there. The labels are looked up by value instead,
        # from a table built once per field; they stay lazy, so each is still translated into the
        # language of the request that shows it.
        value = getattr(self, field.attname)
        try:
            return force_str(_choice_labels(field).get(value, value), strings_only=True)
        except TypeError:  # a value that cannot be a dict key: Django's own way
            return super()._get_FIELD_display(field)


@functools.cache
def _choice_labels(field) -> dict:
    return dict(field.flatchoices)


class SourcedModel(TrackedModel):
    """A record about people: it always says where it came from and how sure it is.

    `organisation` is the partner organisation that owns the record; the access policy
    uses it for the "own records" rule.
    """

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "gvi.PartnerOrganisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The partner organisation that owns this record."),
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        help_text=_("Where the information comes from, e.g. a report or case number."),
    )
    confidence = models.CharField(
        _("confidence"), max_length=16, choices=Confidence.choices, default=Confidence.UNVERIFIED
    )

    class Meta:
        abstract = True
