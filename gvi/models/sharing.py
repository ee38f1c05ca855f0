"""What a programme shares between its partners: the legal basis of each sharing rule, and the
consents persons give to share with a named partner. The rules themselves are in `gvi.sharing`."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gvi import dates
from gvi.models.base import SourcedModel, TrackedModel


class BasisKind(models.TextChoices):
    CONSENT = "consent", _("Consent")
    SECRECY_BREAKING = "secrecy_breaking", _("Secrecy-breaking provision")
    DUTY_TO_REPORT = "duty_to_report", _("Duty to report")
    AGREEMENT = "agreement", _("Cooperation agreement")
    OVERSIGHT = "oversight", _("Supervision of lawful processing")


class SharingBasis(TrackedModel):
    """The legal basis a programme relies on for one sharing rule, as its lawyers wrote it.

    A rule with no basis (no row, or an empty text) shares nothing.
    """

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="sharing_bases"
    )
    rule = models.CharField(_("sharing rule"), max_length=64)
    kind = models.CharField(_("kind of legal basis"), max_length=24, choices=BasisKind.choices)
    text = models.TextField(
        _("legal basis"), help_text=_("The provision or agreement relied on, as the programme's lawyers wrote it.")
    )

    class Meta:
        verbose_name = _("legal basis for sharing")
        verbose_name_plural = _("legal bases for sharing")
        ordering = ["programme", "rule"]
        constraints = [models.UniqueConstraint(fields=["programme", "rule"], name="sharing_basis_once_per_rule")]

    def __str__(self):
        return f"{self.programme}: {self.rule}"

    def clean(self):
        from gvi.sharing import RULES_BY_CODE

        if self.rule not in RULES_BY_CODE:
            raise ValidationError({"rule": _("There is no sharing rule with this code.")})


class ConsentScope(models.TextChoices):
    """How much a consent lets the named partner see; `gvi.sharing.CONSENT_KINDS` lists the kinds."""

    CONTACT = "contact", _("Identity, group and call-in contacts")
    CASEWORK = "casework", _("Also help offered, exit work and risk assessments")
    SUPERVISION = "supervision", _("Also supervision and enforcement")


class Consent(SourcedModel):
    """A person's consent to share their records with one named partner (`organisation`).

    It widens what that partner sees, within its role, from the given date until it is withdrawn;
    a withdrawal takes effect at once. It never widens a partner's view of a minor's records.
    """

    person = models.ForeignKey("gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(_("scope"), max_length=16, choices=ConsentScope.choices)
    given_on = models.DateField(_("given on"), validators=[dates.happened])
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_note = models.TextField(_("note on the withdrawal"), blank=True)

    class Meta:
        verbose_name = _("consent to share")
        verbose_name_plural = _("consents to share")
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["organisation", "person"])]

    def __str__(self):
        return f"{self.person} → {self.organisation} ({self.get_scope_display()})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
