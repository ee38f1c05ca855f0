"""Programmes, partner organisations and the people who use the system."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Programme(models.Model):
    """One GVI programme (satsning) in one city or region."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    city = models.CharField(_("city or region"), max_length=200)
    started_on = models.DateField(_("started on"), null=True, blank=True)
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
