"""What partners do: call-ins, custom notifications, enforcement and help."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from gvi import dates
from gvi.models.base import SourcedModel, TrackedModel


class CallInStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("call-in status", "Planned")
    HELD = "held", pgettext_lazy("call-in status", "Held")
    CANCELLED = "cancelled", pgettext_lazy("call-in status", "Cancelled")


class CallIn(TrackedModel):
    """A meeting to which group members are summoned to hear the message."""

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="call_ins"
    )
    organisation = models.ForeignKey(
        "gvi.PartnerOrganisation", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    scheduled_at = models.DateTimeField(_("date and time"), validators=[dates.planned])
    venue = models.CharField(_("venue"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=CallInStatus.choices, default=CallInStatus.PLANNED)
    notes = models.TextField(_("notes"), blank=True)
    # Who marked it held or cancelled, and when (every change is also in the history).
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("status changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status_note = models.TextField(_("note on the status"), blank=True)

    class Meta:
        verbose_name = _("call-in")
        verbose_name_plural = _("call-ins")
        ordering = ["-scheduled_at"]

    def __str__(self):
        return f"{self.venue} {self.scheduled_at:%Y-%m-%d}"


class MessageKind(models.TextChoices):
    MORAL = "moral", _("Moral voice of the community")
    HELP = "help", _("Offer of help")
    ENFORCEMENT = "enforcement", _("Enforcement warning")


class SpeakerKind(models.TextChoices):
    """Who speaks at a call-in; each voice carries a part of the one message."""

    POLICE = "police", _("Police")
    PROBATION = "probation", _("Probation")
    SOCIAL_SERVICES = "social_services", _("Social services")
    COMMUNITY = "community", _("Community voice")
    BEREAVED_MOTHER = "bereaved_mother", _("A mother who lost a son")
    FORMER_MEMBER = "former_member", _("A former member")
    OTHER = "other", _("Other speaker")


# The part of the message each kind of speaker carries, unless the coordinator says otherwise.
SPEAKER_MESSAGE_KIND = {
    SpeakerKind.POLICE: MessageKind.ENFORCEMENT,
    SpeakerKind.PROBATION: MessageKind.ENFORCEMENT,
    SpeakerKind.SOCIAL_SERVICES: MessageKind.HELP,
    SpeakerKind.COMMUNITY: MessageKind.MORAL,
    SpeakerKind.BEREAVED_MOTHER: MessageKind.MORAL,
    SpeakerKind.FORMER_MEMBER: MessageKind.MORAL,
    SpeakerKind.OTHER: MessageKind.MORAL,
}


class CallInSpeaker(models.Model):
    """One speaker of a call-in, in speaking order, with what they will say."""

    call_in = models.ForeignKey(CallIn, verbose_name=_("call-in"), on_delete=models.CASCADE, related_name="speakers")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("speaker"), max_length=24, choices=SpeakerKind.choices, default=SpeakerKind.OTHER)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "gvi.PartnerOrganisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    message_kind = models.CharField(_("message"), max_length=16, choices=MessageKind.choices)
    message = models.TextField(
        _("what they will say"), blank=True, help_text=_("The text or an outline of what the speaker will say.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class InvitationStatus(models.TextChoices):
    INVITED = "invited", pgettext_lazy("invitation status", "Invited")
    ATTENDED = "attended", pgettext_lazy("invitation status", "Attended")
    NO_SHOW = "no_show", _("No-show")
    EXCUSED = "excused", _("Excused")


class Invitation(SourcedModel):
    call_in = models.ForeignKey(CallIn, verbose_name=_("call-in"), on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(
        "gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="invitations"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.INVITED
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["call_in", "person"], name="one_invitation_per_person")]

    def __str__(self):
        return f"{self.person} → {self.call_in}"


class ServiceKind(models.TextChoices):
    EXIT_PROGRAMME = "exit_programme", _("Exit programme")
    EMPLOYMENT = "employment", _("Employment")
    HOUSING = "housing", _("Housing")
    TREATMENT = "treatment", _("Treatment")
    EDUCATION = "education", _("Education")
    PROTECTION = "protection", _("Protection")
    OTHER = "other", _("Other support")


class NotificationResponse(models.TextChoices):
    ACCEPTED_HELP = "accepted_help", _("Accepted help")
    LISTENED = "listened", _("Listened, no help wanted")
    REFUSED = "refused", _("Refused to listen")
    NOT_REACHED = "not_reached", _("Not reached")


class CustomNotification(SourcedModel):
    """The call-in message delivered one-to-one, by one or more partners."""

    person = models.ForeignKey(
        "gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="notifications"
    )
    group = models.ForeignKey(
        "gvi.Group",
        verbose_name=_("group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        help_text=_("The group whose message was delivered."),
    )
    delivering_organisations = models.ManyToManyField(
        "gvi.PartnerOrganisation", verbose_name=_("delivered by"), related_name="+"
    )
    delivered_on = models.DateField(_("delivered on"), validators=[dates.happened])
    message_delivered = models.BooleanField(_("message delivered"), default=True)
    services_offered = models.JSONField(
        _("services offered"), default=list, blank=True, help_text=_("Service kinds offered.")
    )
    response = models.CharField(_("response"), max_length=16, choices=NotificationResponse.choices)
    response_note = models.TextField(_("note on the response"), blank=True)

    class Meta:
        verbose_name = _("custom notification")
        verbose_name_plural = _("custom notifications")
        ordering = ["-delivered_on", "-id"]
        indexes = [models.Index(fields=["programme", "delivered_on"])]

    def __str__(self):
        return f"{self.person} {self.delivered_on}"


class EnforcementKind(models.TextChoices):
    CONTROL = "control", _("Police control")
    PROBATION_CHECK = "probation_check", _("Probation check")
    SEARCH = "search", pgettext_lazy("enforcement action", "Search")
    ARREST = "arrest", _("Arrest")
    WARRANT = "warrant", _("Arrest warrant")
    ASSET_SEIZURE = "asset_seizure", _("Asset seizure")
    OTHER = "other", _("Other action")


class EnforcementAction(SourcedModel):
    """An action by one partner, within its own mandate, against a group or one of its members."""

    group = models.ForeignKey(
        "gvi.Group", verbose_name=_("group"), on_delete=models.PROTECT, related_name="enforcement_actions"
    )
    person = models.ForeignKey(
        "gvi.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enforcement_actions",
    )
    flag = models.ForeignKey(
        "gvi.GroupFlag",
        verbose_name=_("flag"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enforcement_actions",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EnforcementKind.choices)
    performed_on = models.DateField(_("date"), validators=[dates.happened])
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("enforcement action")
        verbose_name_plural = _("enforcement actions")
        ordering = ["-performed_on", "-id"]
        indexes = [models.Index(fields=["programme", "performed_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.group}"


class ReferralStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped out")


class ServiceReferral(SourcedModel):
    person = models.ForeignKey(
        "gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="service_referrals"
    )
    kind = models.CharField(_("service"), max_length=24, choices=ServiceKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.OFFERED
    )
    offered_on = models.DateField(_("offered on"), validators=[dates.happened])
    notification = models.ForeignKey(
        CustomNotification,
        verbose_name=_("custom notification"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )

    class Meta:
        verbose_name = _("service referral")
        verbose_name_plural = _("service referrals")
        ordering = ["-offered_on", "-id"]
        indexes = [models.Index(fields=["programme", "offered_on"])]

    def __str__(self):
        return f"{self.person}: {self.get_kind_display()}"


class ExitCaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped out")


class ExitCase(SourcedModel):
    """Exit support (avhopp) for a person who wants to leave crime."""

    person = models.ForeignKey(
        "gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="exit_cases"
    )
    opened_on = models.DateField(_("opened on"), validators=[dates.happened])
    closed_on = models.DateField(_("closed on"), null=True, blank=True, validators=[dates.happened])
    status = models.CharField(_("status"), max_length=16, choices=ExitCaseStatus.choices, default=ExitCaseStatus.OPEN)
    plan = models.TextField(
        _("plan"), blank=True, help_text=_("The steps agreed with the person: housing, work, school, treatment, ...")
    )
    contacts = models.TextField(
        _("contacts"),
        blank=True,
        help_text=_(
            "Who the person's contacts are in the case (case worker, mentor, other partners) and how to reach them."
        ),
    )
    risk_assessment = models.ForeignKey(
        "gvi.RiskAssessment",
        verbose_name=_("threat assessment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exit_cases",
        help_text=_("The assessment of the threat to the person, where one exists."),
    )

    class Meta:
        verbose_name = _("exit case")
        verbose_name_plural = _("exit cases")
        ordering = ["-opened_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="exit_case_closes_after_opening",
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.opened_on}"

    def clean(self):
        if self.closed_on and self.opened_on and self.closed_on < self.opened_on:
            raise ValidationError({"closed_on": _("The case cannot close before it opened.")})
        finished = self.status in (ExitCaseStatus.COMPLETED, ExitCaseStatus.DROPPED)
        if self.closed_on and not finished:
            raise ValidationError({"closed_on": _("Only a completed or dropped case has a closing date.")})
        if (
            self.risk_assessment_id
            and self.person_id
            and getattr(self.risk_assessment, "person_id", self.person_id) != self.person_id
        ):
            raise ValidationError({"risk_assessment": _("The assessment must be about the same person.")})


class ConcernReport(SourcedModel):
    """A report to social services (orosanmälan) about a minor at risk."""

    person = models.ForeignKey(
        "gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="concern_reports"
    )
    reported_on = models.DateField(_("reported on"), validators=[dates.happened])
    reason = models.TextField(_("reason"))
    social_services_reference = models.CharField(_("social services reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("concern report")
        verbose_name_plural = _("concern reports")
        ordering = ["-reported_on"]

    def __str__(self):
        return f"{self.person} {self.reported_on}"


class RiskKind(models.TextChoices):
    THREAT_TO = "threat_to", _("Threat to the person")
    THREAT_FROM = "threat_from", _("Threat from the person")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class RiskAssessment(SourcedModel):
    person = models.ForeignKey(
        "gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="risk_assessments"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RiskKind.choices)
    level = models.CharField(_("level"), max_length=16, choices=RiskLevel.choices)
    assessed_on = models.DateField(_("assessed on"), validators=[dates.happened])
    next_review_on = models.DateField(_("next review"), validators=[dates.planned])
    summary = models.TextField(_("summary"), blank=True)
    # Protective measures (skyddsåtgärder): what protects the person, what supports them, what is
    # done about the one who threatens, and whether a contact ban (kontaktförbud) is in force.
    protection = models.TextField(
        _("protection"), blank=True, help_text=_("E.g. protected address, alarm, relocation, escort.")
    )
    support = models.TextField(
        _("support"), blank=True, help_text=_("E.g. victim support, a contact at social services.")
    )
    actor_measures = models.TextField(
        _("measures against the threat actor"),
        blank=True,
        help_text=_("E.g. a talk with the threat actor, a police check, a probation condition."),
    )
    contact_ban = models.BooleanField(
        _("contact ban"), default=False, help_text=_("A contact ban (kontaktförbud) is in force.")
    )

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-assessed_on"]
        indexes = [models.Index(fields=["next_review_on"])]

    def __str__(self):
        return f"{self.person}: {self.get_level_display()}"

    def clean(self):
        if self.next_review_on and self.assessed_on and self.next_review_on < self.assessed_on:
            raise ValidationError({"next_review_on": _("The next review cannot be before the assessment.")})
