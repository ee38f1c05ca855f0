"""The quality and equality report on the people listed, for coordinators and auditors.

The audits of gang databases (CalGang 2016, Chicago 2019, the London Gangs Matrix 2018) found
people listed on thin evidence, never reviewed, with no recent violence, and no way to contest.
This report shows those figures for gvi: who is listed (age band, sex, area; no ethnicity, which
is not registered), how many on a single criterion, how many past review, how many with no
violent incident as a suspect in two years, how long approval takes, and contests and corrections.

Every figure is a database aggregate over querysets built by the access policy; a handful of
queries whatever the number of people.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gvi.models import (
    Involvement,
    InvolvementRole,
    Membership,
    MembershipStatus,
    RequestKind,
    RequestStatus,
    Sex,
    VerificationStatus,
)
from gvi.models.people import years_before
from gvi.policy import Action, can, scoped_queryset

# (label, lowest age in the band); the last band is open-ended.
AGE_BANDS = [
    (gettext_lazy("under 15"), 0),
    (gettext_lazy("15–17"), 15),
    (gettext_lazy("18–20"), 18),
    (gettext_lazy("21–24"), 21),
    (gettext_lazy("25–29"), 25),
    (gettext_lazy("30 and over"), 30),
]
NO_VIOLENCE_YEARS = 2
DECIDED_FOR_PERSON = (RequestStatus.UPHELD, RequestStatus.PARTLY_UPHELD)


@dataclass
class QualityReport:
    on: date
    people_listed: int = 0
    by_age_band: list[tuple[str, int]] = field(default_factory=list)
    by_sex: list[tuple[str, int]] = field(default_factory=list)
    by_area: list[tuple[str, int]] = field(default_factory=list)
    active_memberships: int = 0
    single_criterion: int = 0
    past_review: int = 0
    without_review_date: int = 0
    lapsed: int = 0
    no_violence: int = 0
    approvals_measured: int = 0
    approval_median_days: float | None = None
    contested_now: int = 0
    contests_received: int = 0
    contests_upheld: int = 0
    contests_rejected: int = 0
    corrections_received: int = 0
    corrections_made: int = 0

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def single_criterion_share(self):
        return self.share(self.single_criterion, self.active_memberships)

    @property
    def past_review_share(self):
        return self.share(self.past_review, self.active_memberships)

    @property
    def no_violence_share(self):
        return self.share(self.no_violence, self.people_listed)

    def rows(self) -> list[tuple[str, str, object]]:
        """(section, label, value): the CSV, and the same order as the page."""
        listed = _("People listed")
        rows = [(listed, _("Total"), self.people_listed)]
        rows += [(_("Age band"), label, n) for label, n in self.by_age_band]
        rows += [(_("Sex"), label, n) for label, n in self.by_sex]
        rows += [(_("Area"), label, n) for label, n in self.by_area]
        evidence, review = _("Evidence"), _("Review")
        rows += [
            (evidence, _("Active memberships"), self.active_memberships),
            (evidence, _("Listed on a single criterion or none"), self.single_criterion),
            (evidence, _("Listed on a single criterion or none (%)"), self.single_criterion_share),
            (review, _("Active memberships past their review date"), self.past_review),
            (review, _("Active memberships past their review date (%)"), self.past_review_share),
            (review, _("Active memberships without a review date"), self.without_review_date),
            (review, _("Lapsed memberships"), self.lapsed),
            (listed, _("No violent incident as a suspect in two years"), self.no_violence),
            (listed, _("No violent incident as a suspect in two years (%)"), self.no_violence_share),
            (review, _("Approvals measured"), self.approvals_measured),
            (review, _("Median days from proposal to approval"), self.approval_median_days),
        ]
        rights = _("Rights")
        rows += [
            (rights, _("Memberships contested now"), self.contested_now),
            (rights, _("Contests received"), self.contests_received),
            (rights, _("Contests upheld"), self.contests_upheld),
            (rights, _("Contests rejected"), self.contests_rejected),
            (rights, _("Corrections requested"), self.corrections_received),
            (rights, _("Corrections made"), self.corrections_made),
        ]
        return rows


def may_see_quality_report(user) -> bool:
    """The report covers everyone listed, so it is for the roles that may export memberships
    and persons (coordinators and auditors), through the one policy."""
    return can(user, "membership", Action.EXPORT) and can(user, "person", Action.EXPORT)


def _age_band(on: date):
    """The index of the person's age band on `on`, computed by the database."""
    whens = [
        When(date_of_birth__gt=years_before(on, lowest), then=Value(index - 1))
        for index, (_label, lowest) in enumerate(AGE_BANDS)
        if index
    ]
    return Case(*whens, default=Value(len(AGE_BANDS) - 1), output_field=IntegerField())


def _median_wait_days(memberships) -> tuple[int, float | None]:
    """How many memberships went from proposed to active, and the median wait in days.

    Measured from the history (the first proposed and first active versions), so a re-approval
    does not reset it; memberships entered directly as active are not counted.
    """
    history = Membership.history.model.objects.filter(id=OuterRef("pk")).order_by("history_date")
    waits = (
        memberships.annotate(
            proposed_at=Subquery(history.filter(status=MembershipStatus.PROPOSED).values("history_date")[:1]),
            approved_at=Subquery(history.filter(status=MembershipStatus.ACTIVE).values("history_date")[:1]),
        )
        .filter(proposed_at__isnull=False, approved_at__isnull=False)
        .annotate(wait=ExpressionWrapper(F("approved_at") - F("proposed_at"), output_field=DurationField()))
        .order_by("wait", "pk")
    )
    count = waits.count()
    if not count:
        return 0, None
    # The middle one or two rows, fetched by the database: no loop over all rows.
    middle = list(waits.values_list("wait", flat=True)[(count - 1) // 2 : count // 2 + 1])
    median = sum(middle, timedelta()) / len(middle)
    return count, round(median.total_seconds() / 86400, 1)


def quality_report(*, user, on: date | None = None) -> QualityReport:
    """The report for the user's programme, as the policy lets the user see it."""
    if not may_see_quality_report(user):
        raise PermissionDenied(_("You may not do this."))
    on = on or timezone.localdate()
    report = QualityReport(on=on)
    memberships = scoped_queryset(user, "membership")
    active = memberships.filter(status=MembershipStatus.ACTIVE)
    persons = scoped_queryset(user, "person").filter(pk__in=active.values("person_id"))

    # One pass over the people listed, counted per (age band, sex, area) and summed here: the four
    # figures from four passes cost four times as much at national scale.
    bands, sexes, areas = Counter(), Counter(), Counter()
    for band, sex, area, n in (
        persons.annotate(band=_age_band(on))
        .values_list("band", "sex", "home_area__name")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        bands[band] += n
        sexes[sex] += n
        areas[area] += n
    report.people_listed = bands.total()
    report.by_age_band = [(str(label), bands[index]) for index, (label, _lowest) in enumerate(AGE_BANDS)]
    report.by_sex = [(str(label), sexes[value]) for value, label in Sex.choices]
    # The most people first; among equals by name, and people with no area recorded last.
    ordered = sorted(areas.items(), key=lambda row: (-row[1], row[0] is None, row[0] or ""))
    report.by_area = [(name or _("No area recorded"), n) for name, n in ordered]

    figures = memberships.aggregate(
        active=Count("pk", filter=Q(status=MembershipStatus.ACTIVE)),
        past_review=Count("pk", filter=Q(status=MembershipStatus.ACTIVE, review_due__lt=on)),
        without_review_date=Count("pk", filter=Q(status=MembershipStatus.ACTIVE, review_due__isnull=True)),
        lapsed=Count("pk", filter=Q(status=MembershipStatus.LAPSED)),
        contested=Count("pk", filter=Q(is_contested=True)),
    )
    report.active_memberships = figures["active"]
    report.past_review = figures["past_review"]
    report.without_review_date = figures["without_review_date"]
    report.lapsed = figures["lapsed"]
    report.contested_now = figures["contested"]
    report.single_criterion = active.annotate(cited=Count("evidence")).filter(cited__lte=1).count()

    cutoff = timezone.make_aware(datetime.combine(years_before(on, NO_VIOLENCE_YEARS), time.min))
    recent_violence = Involvement.objects.filter(
        person_id=OuterRef("pk"), role=InvolvementRole.SUSPECT, incident__occurred_at__gte=cutoff
    ).exclude(incident__verification_status=VerificationStatus.UNFOUNDED)
    report.no_violence = persons.filter(~Exists(recent_violence)).count()

    report.approvals_measured, report.approval_median_days = _median_wait_days(memberships)

    requests = {
        (kind, status): n
        for kind, status, n in scoped_queryset(user, "data_subject_request")
        .values_list("kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    }

    def total(kind, statuses=None):
        return sum(n for (k, s), n in requests.items() if k == kind and (statuses is None or s in statuses))

    report.contests_received = total(RequestKind.CONTEST)
    report.contests_upheld = total(RequestKind.CONTEST, DECIDED_FOR_PERSON)
    report.contests_rejected = total(RequestKind.CONTEST, (RequestStatus.REJECTED,))
    report.corrections_received = total(RequestKind.CORRECTION)
    report.corrections_made = total(RequestKind.CORRECTION, DECIDED_FOR_PERSON + (RequestStatus.COMPLETED,))
    return report
