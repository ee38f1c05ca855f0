"""Violence scores per group, their explanation, and the flag a coordinator confirms."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gvi.models.incidents import IncidentType


class ScoringConfig(models.Model):
    """The scoring settings of a programme, visible to coordinators."""

    programme = models.OneToOneField(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="scoring_config"
    )
    half_life_days = models.PositiveIntegerField(_("half-life (days)"), default=90)
    window_days = models.PositiveIntegerField(
        _("window (days)"), default=730, help_text=_("Incidents older than this do not count.")
    )
    suspect_weight = models.DecimalField(_("suspect weight"), max_digits=5, decimal_places=3, default=Decimal("1.000"))
    victim_weight = models.DecimalField(_("victim weight"), max_digits=5, decimal_places=3, default=Decimal("0.300"))
    witness_weight = models.DecimalField(_("witness weight"), max_digits=5, decimal_places=3, default=Decimal("0"))
    confidence_multipliers = models.JSONField(
        _("confidence multipliers"),
        default=dict,
        blank=True,
        help_text=_('Multiplier per confidence level, e.g. {"confirmed": 1.0, "unverified": 0.25}.'),
    )
    flag_margin = models.DecimalField(
        _("flag margin"),
        max_digits=5,
        decimal_places=3,
        default=Decimal("0.150"),
        help_text=_("A new group must lead the flagged group by this share to replace it."),
    )
    # Time, not a number of runs: runs triggered by incidents can be seconds apart.
    flag_persistence_days = models.PositiveSmallIntegerField(
        _("flag persistence (days)"),
        default=7,
        help_text=_("Days a new leader must hold its margin, in every run, before it is suggested."),
    )

    class Meta:
        verbose_name = _("scoring configuration")
        verbose_name_plural = _("scoring configurations")

    def __str__(self):
        return str(self.programme)


class IncidentTypeWeight(models.Model):
    config = models.ForeignKey(
        ScoringConfig, verbose_name=_("configuration"), on_delete=models.CASCADE, related_name="weights"
    )
    incident_type = models.CharField(_("type"), max_length=24, choices=IncidentType.choices)
    weight = models.DecimalField(_("severity weight"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("severity weight")
        verbose_name_plural = _("severity weights")
        constraints = [models.UniqueConstraint(fields=["config", "incident_type"], name="one_weight_per_type")]

    def __str__(self):
        return f"{self.get_incident_type_display()}: {self.weight}"


class ScoringRun(models.Model):
    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="scoring_runs"
    )
    as_of = models.DateTimeField(_("as of"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    trigger = models.CharField(_("trigger"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-as_of", "-id"]
        indexes = [models.Index(fields=["programme", "-as_of"])]
        # Scoring twice for the same moment stores one run (gvi.scoring.run_scoring returns it).
        constraints = [models.UniqueConstraint(fields=["programme", "as_of"], name="one_run_per_programme_and_as_of")]

    def __str__(self):
        return f"{self.programme} {self.as_of:%Y-%m-%d %H:%M}"


class GroupScore(models.Model):
    """One group's score in one run: a snapshot for trends and explanations."""

    run = models.ForeignKey(ScoringRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="scores")
    group = models.ForeignKey("gvi.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="scores")
    score = models.FloatField(_("score"))
    rank = models.PositiveIntegerField(_("rank"))
    incident_count = models.PositiveIntegerField(_("incidents"), default=0)

    class Meta:
        verbose_name = _("group score")
        verbose_name_plural = _("group scores")
        ordering = ["run", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "group"], name="one_score_per_group_and_run")]
        indexes = [models.Index(fields=["group", "run"])]

    def __str__(self):
        return f"{self.group}: {self.score:.2f}"


class ScoreContribution(models.Model):
    """An incident's contribution to a group's score: the explanation a person can check."""

    group_score = models.ForeignKey(
        GroupScore, verbose_name=_("group score"), on_delete=models.CASCADE, related_name="contributions"
    )
    incident = models.ForeignKey("gvi.Incident", verbose_name=_("incident"), on_delete=models.CASCADE, related_name="+")
    contribution = models.FloatField(_("contribution"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("score contribution")
        verbose_name_plural = _("score contributions")
        ordering = ["-contribution"]
        constraints = [
            models.UniqueConstraint(fields=["group_score", "incident"], name="one_contribution_per_incident")
        ]

    def __str__(self):
        return f"{self.incident_id}: {self.contribution:.2f}"


class FlagStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")
    ENDED = "ended", _("Ended")


class FlagEndReason(models.TextChoices):
    """Why a flag or suggestion stopped standing: kept with it, and so in its history."""

    SUPERSEDED = "superseded", _("Superseded by another group's suggestion")
    FLAGGED_GROUP_LEADS = "flagged_group_leads", _("The flagged group leads again")
    REJECTED = "rejected", _("Rejected by a coordinator")
    REPLACED = "replaced", _("Replaced by another group's confirmed flag")
    ENDED_BY_COORDINATOR = "ended_by_coordinator", _("Ended by a coordinator")


# A coordinator closed these: the group returns only once its score has grown by the margin.
CLOSED_BY_COORDINATOR = (FlagEndReason.REJECTED, FlagEndReason.ENDED_BY_COORDINATOR)


class GroupFlag(models.Model):
    """The suggestion that a group is the most violent. It never acts by itself:
    a coordinator confirms or rejects it with a reason."""

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="flags"
    )
    group = models.ForeignKey("gvi.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="flags")
    run = models.ForeignKey(
        ScoringRun, verbose_name=_("run"), on_delete=models.SET_NULL, null=True, blank=True, related_name="flags"
    )
    status = models.CharField(_("status"), max_length=16, choices=FlagStatus.choices, default=FlagStatus.SUGGESTED)
    suggested_at = models.DateTimeField(_("suggested at"), auto_now_add=True)
    score = models.FloatField(_("score"))
    runner_up = models.ForeignKey(
        "gvi.Group", verbose_name=_("runner-up"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    runner_up_score = models.FloatField(_("runner-up score"), null=True, blank=True)
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=24, choices=FlagEndReason.choices, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    end_note = models.TextField(_("note on the end"), blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-suggested_at", "-id"]
        constraints = [
            # At most one open suggestion and one confirmed flag per programme at a time.
            models.UniqueConstraint(fields=["programme"], condition=Q(status="suggested"), name="one_open_suggestion"),
            models.UniqueConstraint(fields=["programme"], condition=Q(status="confirmed"), name="one_confirmed_flag"),
        ]

    def __str__(self):
        return f"{self.group} ({self.get_status_display()})"
