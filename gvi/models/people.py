"""Persons, their memberships of groups (with the evidence for them) and supervision."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gvi import dates
from gvi.models.base import SourcedModel


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birthday(date_of_birth: date, age: int) -> date:
    """The day a person born on `date_of_birth` turns `age`, as `age_on` counts it: someone born
    on 29 February turns a year older on 1 March in other years."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return date(date_of_birth.year + age, 3, 1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31 Jan + 1
    month = 28 or 29 Feb)."""
    import calendar

    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(date_of_birth: date, day: date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class PersonQuerySet(models.QuerySet):
    def fill_adult_on(self) -> int:
        """Set `adult_on` where bulk writes (the seed, a migration) left it empty: one update per
        distinct date of birth, never one per person. Returns how many persons were filled."""
        filled = 0
        missing = self.filter(adult_on__isnull=True)
        for born in missing.values_list("date_of_birth", flat=True).distinct().order_by():
            filled += missing.filter(date_of_birth=born).update(adult_on=birthday(born, settings.GVI_MINOR_AGE))
        return filled

    def minors(self, on: date | None = None):
        """Persons under the minor age on `on` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(date_of_birth__gt=years_before(on, settings.GVI_MINOR_AGE))

    def adults(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(date_of_birth__lte=years_before(on, settings.GVI_MINOR_AGE))


class Person(SourcedModel):
    """A person known to the programme. Always personal data; reached only through `gvi.policy`."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), validators=[dates.birth])
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    home_area = models.ForeignKey(
        "gvi.Area", verbose_name=_("home area"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Personnummer (or samordningsnummer): encrypted at rest, searchable only by keyed hash.
    personnummer_encrypted = models.TextField(_("identity number (encrypted)"), blank=True, editable=False)
    personnummer_hash = models.CharField(
        _("identity number search hash"), max_length=64, blank=True, db_index=True, editable=False
    )
    # The 18th birthday, kept with the record (set on save from the date of birth) so that the
    # policy can compare it with each record's own date in the database: what was recorded
    # before it stays under the minors rule.
    adult_on = models.DateField(_("comes of age on"), null=True, blank=True, editable=False, db_index=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["programme", "last_name", "first_name"]),
            models.Index(fields=["programme", "date_of_birth"]),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def age(self, on: date | None = None) -> int:
        return age_on(self.date_of_birth, on or timezone.localdate())

    def is_minor(self, on: date | None = None) -> bool:
        return self.age(on) < settings.GVI_MINOR_AGE

    def clean(self):
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": _("The date of birth cannot be in the future.")})

    def save(self, *args, **kwargs):
        if self.date_of_birth:
            born = self.date_of_birth
            if isinstance(born, str):  # a date given as text (a fixture); Django parses it on save
                born = date.fromisoformat(born)
            self.adult_on = birthday(born, settings.GVI_MINOR_AGE)
            if kwargs.get("update_fields") is not None and "date_of_birth" in kwargs["update_fields"]:
                kwargs["update_fields"] = {*kwargs["update_fields"], "adult_on"}
        super().save(*args, **kwargs)


class InclusionCriterion(models.Model):
    """A criterion a membership can cite, configured per programme (e.g. own statement)."""

    programme = models.ForeignKey(
        "gvi.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="inclusion_criteria"
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("inclusion criterion")
        verbose_name_plural = _("inclusion criteria")
        ordering = ["programme", "name"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="criterion_code_unique")]

    def __str__(self):
        return self.name


class MembershipRole(models.TextChoices):
    LEADER = "leader", _("Leader")
    MEMBER = "member", _("Member")
    ASSOCIATE = "associate", _("Associate")


class MembershipStatus(models.TextChoices):
    """Only ACTIVE memberships count in scoring, reach and call-in suggestions."""

    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    REJECTED = "rejected", _("Rejected")
    LAPSED = "lapsed", _("Lapsed")
    ENDED = "ended", _("Ended")


class MembershipQuerySet(models.QuerySet):
    def counting(self):
        """Memberships that count: approved and not lapsed, rejected or proposed, and not
        restricted by a pending contest."""
        return self.filter(status=MembershipStatus.ACTIVE, is_contested=False, removed_at__isnull=True)

    def current(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.counting().filter(Q(start_date__lte=on), Q(end_date__isnull=True) | Q(end_date__gte=on))


def valid_on(on, prefix: str = "") -> Q:
    """The memberships that count for the day `on` (a date, or an expression giving one; `prefix`
    reaches them through a relation, e.g. "person__memberships__").

    A membership counts for the days it was valid: an active one within its period; an ended one
    up to its end date; a lapsed one up to its review date (else its end date). Proposed and
    rejected ones never, nor one while a contest of it is pending, nor one removed after an upheld
    contest. The rule scoring applies in SQL (gvi.scoring._member_links_cte): a member's past
    violence stays with the group he was in, his violence after he left does not."""

    def field(name: str, value) -> Q:
        return Q(**{f"{prefix}{name}": value})

    lapsed = field("status", MembershipStatus.LAPSED)
    return (
        field("is_contested", False)
        & field("removed_at__isnull", True)
        & field("start_date__lte", on)
        & (field("end_date__isnull", True) | field("end_date__gte", on))
        & (
            field("status", MembershipStatus.ACTIVE)
            | (field("status", MembershipStatus.ENDED) & field("end_date__gte", on))
            | (lapsed & field("review_due__gte", on))
            | (lapsed & field("review_due__isnull", True) & field("end_date__gte", on))
        )
    )


class Membership(SourcedModel):
    """A person's membership of a group over a period, with its evidence and review state."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(
        "gvi.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="memberships"
    )
    start_date = models.DateField(_("start date"), validators=[dates.happened])
    end_date = models.DateField(_("end date"), null=True, blank=True, validators=[dates.planned])
    role = models.CharField(_("role"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    is_key_individual = models.BooleanField(_("key individual"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.PROPOSED
    )
    review_due = models.DateField(_("review due"), null=True, blank=True, validators=[dates.planned])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for decision"), blank=True)
    # A pending contest restricts the listing (it counts nowhere; partners see only that it
    # exists); an upheld one removes it from everyone's view, its history kept for the audit.
    is_contested = models.BooleanField(_("contested"), default=False)
    removed_at = models.DateTimeField(_("removed after an upheld contest"), null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="membership_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["group", "status"]),
            models.Index(fields=["person", "status"]),
            models.Index(fields=["status", "review_due"]),
        ]

    def __str__(self):
        return f"{self.person} – {self.group}"

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
        if self.person_id and self.group_id and self.start_date:
            overlapping = Membership.objects.filter(
                person_id=self.person_id,
                group_id=self.group_id,
                status__in=[MembershipStatus.PROPOSED, MembershipStatus.ACTIVE],
            ).exclude(pk=self.pk)
            if self.end_date:
                overlapping = overlapping.filter(start_date__lte=self.end_date)
            overlapping = overlapping.filter(Q(end_date__isnull=True) | Q(end_date__gte=self.start_date))
            if overlapping.exists():
                raise ValidationError(
                    _("This person already has a proposed or active membership of this group in that period.")
                )


class MembershipEvidence(models.Model):
    """One inclusion criterion cited for a membership, with its source reference."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="evidence"
    )
    criterion = models.ForeignKey(
        InclusionCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    source_reference = models.CharField(_("source reference"), max_length=200)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership evidence")
        verbose_name_plural = _("membership evidence")
        constraints = [
            models.UniqueConstraint(fields=["membership", "criterion"], name="criterion_cited_once_per_membership")
        ]

    def __str__(self):
        return f"{self.criterion}: {self.source_reference}"


class SupervisionKind(models.TextChoices):
    PROBATION = "probation", _("Probation (skyddstillsyn)")
    CONDITIONAL_RELEASE = "conditional_release", _("Conditional release (villkorlig frigivning)")
    OTHER = "other", _("Other supervision")


class Supervision(SourcedModel):
    """A period of supervision by the probation service."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="supervisions")
    kind = models.CharField(_("kind"), max_length=24, choices=SupervisionKind.choices)
    # A supervision can be recorded before it starts (a release date already decided).
    start_date = models.DateField(_("start date"), validators=[dates.planned])
    end_date = models.DateField(_("end date"), null=True, blank=True, validators=[dates.planned])

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="supervision_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["end_date"])]

    def __str__(self):
        return f"{self.person}: {self.get_kind_display()}"

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})

    def is_current(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)
