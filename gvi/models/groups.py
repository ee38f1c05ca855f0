"""Areas, groups and the relations between groups: the situational picture (lägesbild)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gvi import dates
from gvi.models.base import SourcedModel, TrackedModel


class PoliceClassification(models.TextChoices):
    NONE = "none", _("Not classified")
    RISK = "risk", _("Risk area")
    VULNERABLE = "vulnerable", _("Vulnerable area")
    ESPECIALLY_VULNERABLE = "especially_vulnerable", _("Especially vulnerable area")


class Area(TrackedModel):
    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="areas"
    )
    name = models.CharField(_("name"), max_length=200)
    municipality = models.CharField(_("municipality"), max_length=200, blank=True)
    police_classification = models.CharField(
        _("police classification"),
        max_length=32,
        choices=PoliceClassification.choices,
        default=PoliceClassification.NONE,
    )
    # The outcome evaluation compares the focus areas with those outside it (docs/evaluation.md).
    in_focus = models.BooleanField(
        _("in the programme's focus"),
        default=True,
        help_text=_("Areas outside the focus serve as the comparison in the outcome evaluation."),
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="area_name_unique_in_programme")]

    def __str__(self):
        return self.name


class GroupStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    DISSOLVED = "dissolved", _("Dissolved")


class Group(SourcedModel):
    """A criminal group or network (gruppering)."""

    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=GroupStatus.choices, default=GroupStatus.ACTIVE)
    areas = models.ManyToManyField(Area, verbose_name=_("areas"), blank=True, related_name="groups")
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="group_name_unique_in_programme")]
        indexes = [models.Index(fields=["programme", "status"])]

    def __str__(self):
        return self.name


class GroupAlias(models.Model):
    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("alias"), max_length=200)

    class Meta:
        verbose_name = _("group alias")
        verbose_name_plural = _("group aliases")
        constraints = [models.UniqueConstraint(fields=["group", "alias"], name="alias_unique_per_group")]

    def __str__(self):
        return self.alias


class RelationKind(models.TextChoices):
    CONFLICT = "conflict", _("Conflict")
    ALLIANCE = "alliance", _("Alliance")


class GroupRelation(SourcedModel):
    """A conflict or an alliance between two groups over a period."""

    group_a = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="relations_as_a")
    group_b = models.ForeignKey(
        Group, verbose_name=_("other group"), on_delete=models.CASCADE, related_name="relations_as_b"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RelationKind.choices)
    start_date = models.DateField(_("start date"), validators=[dates.happened])
    end_date = models.DateField(_("end date"), null=True, blank=True, validators=[dates.planned])
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("group relation")
        verbose_name_plural = _("group relations")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=~Q(group_a=F("group_b")), name="relation_between_two_groups"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="relation_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.group_a} – {self.group_b} ({self.get_kind_display()})"

    def clean(self):
        if self.group_a_id and self.group_a_id == self.group_b_id:
            raise ValidationError({"group_b": _("A group cannot be related to itself.")})
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
