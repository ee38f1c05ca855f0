"""Programmes, partner organisations and the people who use the system."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gvi import dates


class Programme(models.Model):
    """One GVI programme (satsning) in one city or region."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    city = models.CharField(_("city or region"), max_length=200)
    started_on = models.DateField(_("started on"), null=True, blank=True, validators=[dates.planned])
    # Membership review rules (four eyes, criteria, review periods) are per programme.
    min_inclusion_criteria = models.PositiveSmallIntegerField(
        _("minimum inclusion criteria"),
        default=2,
        # At least one: a listing with no cited criterion would rest on nothing.
        validators=[MinValueValidator(1)],
        help_text=_("How many criteria a membership must cite before it can be approved."),
    )
    membership_review_days = models.PositiveIntegerField(_("membership review period (days)"), default=365)
    minor_membership_review_days = models.PositiveIntegerField(
        _("membership review period for minors (days)"), default=180
    )
    # Fidelity (docs/evaluation.md): a group missing at a call-in should hear the message soon after.
    notification_after_call_in_days = models.PositiveSmallIntegerField(
        _("days to notify a group missing at a call-in"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A group with no member at a held call-in should get a custom notification within this many days."),
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_inclusion_criteria__gte=1), name="programme_min_criteria_at_least_one"
            )
        ]

    def __str__(self):
        return self.name


class OrganisationKind(models.TextChoices):
    POLICE = "police", _("Police")
    PROBATION = "probation", _("Probation service")
    MUNICIPALITY = "municipality", _("Municipality / social services")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    EXIT = "exit", _("Exit organisation")
    OTHER = "other", _("Other")


class PartnerOrganisation(models.Model):
    """A partner (samverkanspart) in a programme: police, probation, social services, ..."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="organisations"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    contact_email = models.EmailField(_("contact email"), blank=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["programme", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="organisation_name_unique_in_programme")
        ]

    def __str__(self):
        return self.name


# Which kinds of partner may act against a flagged group (focused enforcement). The others help.
DEFAULT_ENFORCEMENT_MANDATE = {
    OrganisationKind.POLICE: True,
    OrganisationKind.PROBATION: True,
    OrganisationKind.MUNICIPALITY: False,
    OrganisationKind.CIVIL_SOCIETY: False,
    OrganisationKind.OTHER: False,
}


class OrganisationKindSetting(models.Model):
    """What a kind of partner organisation does in a programme: whether it has a mandate for
    focused enforcement against the flagged group (police, probation) or offers help to its
    members instead (social services, civil society, the exit organisation). Coordinators
    edit it per programme; a kind without a row follows DEFAULT_ENFORCEMENT_MANDATE."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="organisation_kind_settings"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    enforcement_mandate = models.BooleanField(
        _("enforcement mandate"),
        default=False,
        help_text=_(
            "Partners of this kind plan focused enforcement when a flag is confirmed; "
            "the others are asked to offer help to the group's members."
        ),
    )

    class Meta:
        verbose_name = _("organisation kind setting")
        verbose_name_plural = _("organisation kind settings")
        ordering = ["programme", "kind"]
        constraints = [models.UniqueConstraint(fields=["programme", "kind"], name="one_setting_per_organisation_kind")]

    def __str__(self):
        return f"{self.programme}: {self.get_kind_display()}"


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER_OFFICER = "partner_officer", _("Partner officer")
    ANALYST = "analyst", _("Analyst")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    """A person who uses gvi. Belongs to one partner organisation and has one role.

    What a user may see and do follows from (role, organisation) through `gvi.policy`.
    """

    organisation = models.ForeignKey(
        PartnerOrganisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PARTNER_OFFICER)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def programme_id(self):
        return self.organisation.programme_id if self.organisation_id else None
