"""Weekly incident counts the weekly review reads, kept up to date by the incident write path.

Derived data: `gvi.weekly_counts` recounts them from the incidents, involvements, attributions
and memberships (the raw tables) and the nightly job checks they still agree. Weeks run Monday
to Sunday in the programme's time zone (settings.TIME_ZONE, Europe/Stockholm); `week` is the
Monday. Unfounded (retracted) incidents are not counted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gvi import dates
from gvi.models.incidents import IncidentType


class WeeklyAreaCount(models.Model):
    """Incidents per week, area (or none) and incident type: the totals, areas and types."""

    programme = models.ForeignKey("gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE)
    week = models.DateField(_("week (Monday)"))
    area = models.ForeignKey("gvi.Area", verbose_name=_("area"), on_delete=models.CASCADE, null=True, blank=True)
    incident_type = models.CharField(_("type"), max_length=24, choices=IncidentType.choices)
    incidents = models.PositiveIntegerField(_("incidents"))

    class Meta:
        verbose_name = _("weekly count per area")
        verbose_name_plural = _("weekly counts per area")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "week", "area", "incident_type"],
                condition=Q(area__isnull=False),
                name="weekly_area_count_unique",
            ),
            models.UniqueConstraint(
                fields=["programme", "week", "incident_type"],
                condition=Q(area__isnull=True),
                name="weekly_no_area_count_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "week"], name="weekly_area_count_week"),
            models.Index(fields=["area", "week"], name="weekly_area_count_area"),
        ]

    def __str__(self):
        return f"{self.week} {self.area_id or '-'} {self.incident_type}: {self.incidents}"


class WeeklyGroupCount(models.Model):
    """Incidents linked to a group per week (attributed by an analyst or with a member as suspect)."""

    programme = models.ForeignKey("gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE)
    week = models.DateField(_("week (Monday)"))
    group = models.ForeignKey("gvi.Group", verbose_name=_("group"), on_delete=models.CASCADE)
    incidents = models.PositiveIntegerField(_("incidents"))

    class Meta:
        verbose_name = _("weekly count per group")
        verbose_name_plural = _("weekly counts per group")
        constraints = [
            models.UniqueConstraint(fields=["programme", "week", "group"], name="weekly_group_count_unique"),
        ]
        indexes = [models.Index(fields=["group", "week"], name="weekly_group_count_group")]

    def __str__(self):
        return f"{self.week} {self.group_id}: {self.incidents}"


class GroupIncidentLink(models.Model):
    """An incident linked to a group (attributed by an analyst or with a member as suspect).

    Derived, kept with the weekly group counts (gvi.weekly_counts): the group page lists a group's
    latest incidents from here with one index scan, where the raw tables would first gather every
    link the group ever had. Unfounded incidents are kept (the page lists them, marked as such);
    `occurred_at` is the incident's, copied for the order.
    """

    # No index of their own for the programme and the group: the indexes below start with them.
    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, db_index=False
    )
    group = models.ForeignKey(
        "gvi.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    incident = models.ForeignKey(
        "gvi.Incident", verbose_name=_("incident"), on_delete=models.CASCADE, related_name="group_links"
    )
    occurred_at = models.DateTimeField(_("occurred at"))

    class Meta:
        verbose_name = _("incident linked to a group")
        verbose_name_plural = _("incidents linked to groups")
        constraints = [models.UniqueConstraint(fields=["group", "incident"], name="group_incident_link_unique")]
        indexes = [
            models.Index(fields=["group", "-occurred_at", "-incident"], name="group_incident_link_latest"),
            models.Index(fields=["programme", "occurred_at"], name="group_incident_link_week"),
        ]

    def __str__(self):
        return f"{self.group_id} {self.incident_id}"


class WeeklyTypeCount(models.Model):
    """Incidents per week and incident type: the totals, without summing every area's rows."""

    programme = models.ForeignKey("gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE)
    week = models.DateField(_("week (Monday)"))
    incident_type = models.CharField(_("type"), max_length=24, choices=IncidentType.choices)
    incidents = models.PositiveIntegerField(_("incidents"))

    class Meta:
        verbose_name = _("weekly count per type")
        verbose_name_plural = _("weekly counts per type")
        constraints = [
            models.UniqueConstraint(fields=["programme", "week", "incident_type"], name="weekly_type_count_unique"),
        ]

    def __str__(self):
        return f"{self.week} {self.incident_type}: {self.incidents}"


class GroupReach(models.Model):
    """How many of a group's members the message reached: distinct persons with a counting
    membership (gvi.models.Membership.objects.counting), and of them those who attended a call-in
    or were delivered a custom notification.

    Derived, kept by the membership, invitation, notification and group writes (gvi.reach) and
    verified nightly: the review and the group page read these rows instead of matching every
    active membership against every attendance and notification. A group with no counting member
    has no row.
    """

    programme = models.ForeignKey("gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE)
    group = models.OneToOneField(
        "gvi.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    members = models.PositiveIntegerField(_("members"))
    attended = models.PositiveIntegerField(_("attended a call-in"))
    notified = models.PositiveIntegerField(_("custom notification delivered"))
    reached = models.PositiveIntegerField(_("reached"))
    key_individuals = models.PositiveIntegerField(_("key individuals"))
    key_reached = models.PositiveIntegerField(_("key individuals reached"))

    class Meta:
        verbose_name = _("reach of the message per group")
        verbose_name_plural = _("reach of the message per group")

    def __str__(self):
        return f"{self.group_id}: {self.reached}/{self.members}"


class PersonReach(models.Model):
    """A person with a counting membership of an active group: whether they are a key individual
    of one, and whether the message reached them (gvi.reach; see GroupReach)."""

    programme = models.ForeignKey("gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE)
    person = models.OneToOneField(
        "gvi.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    is_key_individual = models.BooleanField(_("key individual"))
    reached = models.BooleanField(_("reached"))

    class Meta:
        verbose_name = _("reach of the message per person")
        verbose_name_plural = _("reach of the message per person")

    def __str__(self):
        return f"{self.person_id}: {self.reached}"


class ReviewMeeting(models.Model):
    """A weekly review marked as held by a coordinator: who marked it and when.

    "What changed since the last review" on the weekly review page starts at the `held_at` of the
    programme's latest meeting for an earlier week; with none, at the start of the reviewed week.
    """

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="review_meetings"
    )
    week = models.DateField(_("reviewed week (Monday)"), validators=[dates.happened])
    held_at = models.DateTimeField(_("held at"))
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("weekly review held")
        verbose_name_plural = _("weekly reviews held")
        ordering = ["-week"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "week"], name="one_review_meeting_per_week"),
        ]

    def __str__(self):
        return f"{self.week} ({self.held_at:%Y-%m-%d %H:%M})"
