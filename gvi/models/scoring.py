"""Violence scores per group, their explanation, and the flag a coordinator confirms."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
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
    # Casualties add to the incident type's severity weight: a shooting that killed two weighs more
    # than one that hit nobody.
    killed_weight = models.DecimalField(
        _("weight per person killed"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[MinValueValidator(0)],
        help_text=_("Added to the severity weight for each person killed."),
    )
    injured_weight = models.DecimalField(
        _("weight per person injured"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(0)],
        help_text=_("Added to the severity weight for each person injured."),
    )
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
    # The violence score: suspects and confirmed analyst attributions. It alone ranks and flags.
    score = models.FloatField(_("score"))
    rank = models.PositiveIntegerField(_("rank"))
    incident_count = models.PositiveIntegerField(_("incidents"), default=0)
    # Exposure: how much the group's members were hit as victims. Shown beside the score as a
    # retaliation risk; it never decides the flag.
    exposure = models.FloatField(_("exposure"), default=0.0)
    exposure_incident_count = models.PositiveIntegerField(_("incidents with a victim"), default=0)

    class Meta:
        verbose_name = _("group score")
        verbose_name_plural = _("group scores")
        ordering = ["run", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "group"], name="one_score_per_group_and_run")]
        indexes = [models.Index(fields=["group", "run"])]

    def __str__(self):
        return f"{self.group}: {self.score:.2f}"


class Measure(models.TextChoices):
    VIOLENCE = "violence", _("Violence")
    EXPOSURE = "exposure", _("Exposure")


class ScoreContribution(models.Model):
    """An incident's contribution to a group's violence score or exposure in one run: the
    explanation a person can check. Every contribution is kept, so they sum to the score.

    What the run saw of the incident (type, time, casualties in `detail`, who attributed and who
    confirmed) is stored here, not joined live: a later correction or deletion of the incident
    leaves the old run's explanation as it was (`incident` then points to the corrected row, or
    is empty).
    """

    group_score = models.ForeignKey(
        GroupScore,
        verbose_name=_("group score"),
        on_delete=models.CASCADE,
        related_name="contributions",
        db_index=False,  # the unique constraint below starts with it: one index less to write per row
    )
    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices, default=Measure.VIOLENCE)
    incident = models.ForeignKey(
        "gvi.Incident",
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # Neither an index nor a database constraint: a run writes a million of these, and each
        # would cost a lookup per row. Django still empties the reference when an incident is
        # deleted (SET_NULL); incidents are anonymised, not deleted, so that rare delete may scan.
        db_index=False,
        db_constraint=False,
    )
    incident_type = models.CharField(_("type"), max_length=24, choices=IncidentType.choices, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    contribution = models.FloatField(_("contribution"))
    # The factors, as typed columns (cheap to write a million of); `detail` holds them only for
    # runs from before they existed. Read them through `factor_values`.
    type_weight = models.FloatField(_("weight of the incident type"), null=True, blank=True)
    killed = models.PositiveSmallIntegerField(_("killed"), null=True, blank=True)
    injured = models.PositiveSmallIntegerField(_("injured"), null=True, blank=True)
    severity = models.FloatField(_("severity weight"), null=True, blank=True)
    decay = models.FloatField(_("time decay"), null=True, blank=True)
    share = models.FloatField(_("share"), null=True, blank=True)
    confidence_multiplier = models.FloatField(_("confidence multiplier"), null=True, blank=True)
    by_analyst = models.BooleanField(_("attributed by an analyst"), null=True, blank=True)
    detail = models.JSONField(_("detail"), null=True, blank=True)
    attributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attributed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a big table written in bulk; users are rarely deleted
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a big table written in bulk; users are rarely deleted
    )

    class Meta:
        verbose_name = _("score contribution")
        verbose_name_plural = _("score contributions")
        ordering = ["-contribution"]
        # One index only: a run writes every contribution, and each index is paid per row. The
        # run's SQL makes one row per incident, group and measure (no unique constraint needed).
        indexes = [models.Index(fields=["group_score", "measure", "-contribution"], name="contribution_by_score")]

    def __str__(self):
        return f"{self.incident_id}: {self.contribution:.2f}"

    FACTORS = ("type_weight", "killed", "injured", "severity", "decay", "share", "confidence_multiplier")

    @property
    def factor_values(self) -> dict:
        """The factors of this contribution by key (gvi.scoring.FACTOR_LABELS names them)."""
        if self.detail:
            return self.detail
        values = {key: getattr(self, key) for key in self.FACTORS if getattr(self, key) is not None}
        if self.by_analyst is not None:
            values["by_analyst"] = int(self.by_analyst)
        return values


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


# --- The incremental state (gvi.scoring_state) ---------------------------------------------
# Plain integer columns, no foreign keys: these tables are written by set-based SQL in the
# scoring transaction, rebuilt from scratch when they drift, and never shown as records.


class ScoreTerm(models.Model):
    """What one incident gives one group, before time decay: the incremental state.

    The same figures as a run's contributions (gvi.scoring computes both with one SQL
    function), without the decay, which depends only on the moment of the run. A new, corrected
    or retracted incident replaces its own terms; nothing else is touched.
    """

    programme_id = models.BigIntegerField(_("programme"))
    incident_id = models.BigIntegerField(_("incident"))
    group_id = models.BigIntegerField(_("group"))
    occurred_at = models.DateTimeField(_("occurred at"))
    incident_type = models.CharField(_("type"), max_length=24, blank=True)
    type_weight = models.FloatField(_("weight of the incident type"))
    killed = models.PositiveSmallIntegerField(_("killed"), default=0)
    injured = models.PositiveSmallIntegerField(_("injured"), default=0)
    severity = models.FloatField(_("severity weight"))
    confidence_multiplier = models.FloatField(_("confidence multiplier"))
    violence_share = models.FloatField(_("share"), null=True)
    by_analyst = models.BooleanField(_("attributed by an analyst"), default=False)
    attributed_by_id = models.BigIntegerField(_("attributed by"), null=True)
    confirmed_by_id = models.BigIntegerField(_("confirmed by"), null=True)
    exposure_share = models.FloatField(_("exposure share"), null=True)
    # severity × share × confidence: the contribution at decay 1.
    violence_base = models.FloatField(_("violence before decay"))
    exposure_base = models.FloatField(_("exposure before decay"))

    class Meta:
        verbose_name = _("score term")
        verbose_name_plural = _("score terms")
        indexes = [
            models.Index(fields=["programme_id", "incident_id"], name="scoreterm_incident"),
            models.Index(fields=["programme_id", "occurred_at"], name="scoreterm_occurred"),
            models.Index(fields=["group_id", "occurred_at"], name="scoreterm_group"),
        ]

    def __str__(self):
        return f"{self.incident_id} → {self.group_id}: {self.violence_base:.2f}"


class ScoreState(models.Model):
    """A programme's incremental state: the settings it was built with and the moments it stands at.

    Each group's sums (GroupScoreState) are kept at `reference_at`: a score at any later moment
    is the sum times 0.5 ** (days since reference_at / half-life). Terms of incidents on or
    before `window_through` have left the window and are out of the sums.
    """

    programme = models.OneToOneField(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="score_state"
    )
    settings_key = models.TextField(_("settings"), blank=True)
    reference_at = models.DateTimeField(_("reference moment"))
    window_through = models.DateTimeField(_("window start"))
    rebuilt_at = models.DateTimeField(_("rebuilt at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # The last nightly check: groups and terms that differed from the full recomputation.
    last_check = models.JSONField(_("last check"), default=dict, blank=True)

    class Meta:
        verbose_name = _("incremental score state")
        verbose_name_plural = _("incremental score states")

    def __str__(self):
        return f"{self.programme_id} @ {self.reference_at:%Y-%m-%d %H:%M}"


class GroupScoreState(models.Model):
    """A group's violence and exposure sums at its programme's `ScoreState.reference_at`."""

    programme_id = models.BigIntegerField(_("programme"))
    group_id = models.BigIntegerField(_("group"), unique=True)
    violence = models.FloatField(_("violence"), default=0.0)
    violence_n = models.IntegerField(_("incidents"), default=0)
    exposure = models.FloatField(_("exposure"), default=0.0)
    exposure_n = models.IntegerField(_("incidents with a victim"), default=0)

    class Meta:
        verbose_name = _("group score state")
        verbose_name_plural = _("group score states")
        indexes = [models.Index(fields=["programme_id"], name="groupscorestate_programme")]

    def __str__(self):
        return f"{self.group_id}: {self.violence:.2f}"


class ScorePending(models.Model):
    """A change the incremental scoring has not taken in yet: an incident, or every incident of
    a person or of a group. Written in the changing transaction, taken by the next update."""

    programme_id = models.BigIntegerField(_("programme"))
    incident_id = models.BigIntegerField(_("incident"), null=True)
    person_id = models.BigIntegerField(_("person"), null=True)
    group_id = models.BigIntegerField(_("group"), null=True)

    class Meta:
        verbose_name = _("pending score change")
        verbose_name_plural = _("pending score changes")
        indexes = [models.Index(fields=["programme_id", "id"], name="scorepending_programme")]

    def __str__(self):
        return f"{self.programme_id}: {self.incident_id or self.person_id or self.group_id}"
