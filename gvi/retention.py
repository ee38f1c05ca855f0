"""Retention: personal data leaves when its time is up; statistics stay, without the persons.

Rules (periods in settings, see docs/security-and-privacy.md):
- Every record kind about a person has its own period (`retention_years`: by the owning
  organisation's kind where agencies differ, else by record kind, else GVI_RETENTION_PERSON_YEARS;
  GVI_RETENTION_MINOR_YEARS when shorter for a record made, or about an event, before the person's
  18th birthday), counted from the event that starts it (`retention_start`: the day the record was
  made, or the end of a period that has ended), never from the last edit: a correction or a
  decision restarts nothing.
- A person is *due* when none of their records (the person record included) is still within its
  own period and nothing holds them: no current supervision, no current active membership, no
  open follow-up opened by hand, no open request. A due person is purged: the person, every record
  about them, and the change history of all of it. Enforcement actions against the group stay,
  without the person. (Records are not purged one by one while the person stays.)
- An incident older than GVI_RETENTION_INCIDENT_YEARS is anonymised: the persons involved,
  the free text and the source reference go (with their history); type, time, area, casualties
  and group attributions stay as statistics.
- The access log is kept (it holds ids and purposes, not names) for GVI_ACCESS_LOG_KEEP_DAYS and
  pruned only by its own job (`gvi.access_chain.prune`), so an audit can still see who read what.
- Housekeeping in the same nightly run (no personal data, just volume): scoring runs scored as of
  more than GVI_RETENTION_SCORING_RUN_DAYS ago go with their group scores and contributions,
  except each programme's latest run and any run a flag refers to; digest delivery marks go after
  DIGEST_DELIVERY_KEEP_DAYS.

`plan()` lists what is due (the dry run); `run()` purges the personal data in one transaction and
records what it did, with counts and aggregate statistics (no ids), in a RetentionRun. The housekeeping follows in short
transactions of its own, at most SCORING_RUNS_PER_NIGHT runs a night. Running it twice purges nothing
the second time.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from gvi import reach
from gvi.digest import DIGEST_DELIVERY_KEEP_DAYS
from gvi.models import (
    OPEN_STATUSES,
    DataSubjectRequest,
    DigestDelivery,
    EnforcementAction,
    FollowUp,
    FollowUpOrigin,
    GroupFlag,
    GroupScore,
    Incident,
    Involvement,
    Membership,
    MembershipEvidence,
    MembershipStatus,
    Person,
    RequestStatus,
    RetentionRun,
    ScoreContribution,
    ScoringRun,
    Supervision,
)
from gvi.models.people import years_before
from gvi.policy import RECORD_KINDS, minor_at_record_q

logger = logging.getLogger(__name__)

ANONYMISED_SOURCE = "[retention]"
# Kinds whose records are about one person and go with the person.
PERSON_LINKED_KINDS = [kind for kind, spec in RECORD_KINDS.items() if spec.person_path]


def _linked_model(kind):
    spec = RECORD_KINDS[kind]
    return spec.model_class, spec.person_path


# --- Rules by record kind ------------------------------------------------------------------------

# The event each kind's period counts from: the day the record was made, or for a record of a
# period (a membership, a supervision, an exit case) the day the period ended, when it has ended.
# Never the last edit: correcting a record or deciding on it starts nothing again.
RETENTION_END_FIELDS: dict[str, str] = {
    "membership": "end_date",
    "supervision": "end_date",
    "exit_case": "closed_on",
}


def retention_start(kind: str):
    """The expression (on the kind's model) of the date its retention period counts from."""
    made = TruncDate("created_at")
    end = RETENTION_END_FIELDS.get(kind)
    return Coalesce(F(end), made) if end else made


def retention_years(kind: str, *, minor: bool, organisation_kind: str | None = None) -> int:
    """The period of a record of `kind`: by owning organisation's kind where agencies differ
    (GVI_RETENTION_YEARS_BY_ORGANISATION_KIND), else by kind (GVI_RETENTION_YEARS_BY_KIND), else
    the general period; the minors' period for a record made, or about an event, before the
    person's 18th birthday, when that is shorter."""
    by_org = settings.GVI_RETENTION_YEARS_BY_ORGANISATION_KIND.get(organisation_kind or "", {})
    years = by_org.get(kind, settings.GVI_RETENTION_YEARS_BY_KIND.get(kind, settings.GVI_RETENTION_PERSON_YEARS))
    return min(years, settings.GVI_RETENTION_MINOR_YEARS) if minor else years


def _organisation_kind_path(kind: str) -> str | None:
    spec = RECORD_KINDS[kind]
    return f"{spec.organisation_path}__kind" if spec.organisation_path else None


def _still_kept(kind: str, today: dt.date) -> Q:
    """Records of `kind` whose own period has not run out yet, as a filter on the kind's model."""
    start = retention_start(kind)
    minor = minor_at_record_q(kind)
    org_path = _organisation_kind_path(kind)
    overridden = sorted(
        org_kind
        for org_kind, kinds in settings.GVI_RETENTION_YEARS_BY_ORGANISATION_KIND.items()
        if kind in kinds and org_path
    )

    def within(organisation_kind):
        adult = years_before(today, retention_years(kind, minor=False, organisation_kind=organisation_kind))
        child = years_before(today, retention_years(kind, minor=True, organisation_kind=organisation_kind))
        return (minor & Q(_start__gte=child)) | (~minor & Q(_start__gte=adult))

    condition = within(None)
    if overridden:
        condition = ~Q(**{f"{org_path}__in": overridden}) & condition
        for organisation_kind in overridden:
            condition |= Q(**{org_path: organisation_kind}) & within(organisation_kind)
    return condition, start


def kept_by_records(today: dt.date) -> Q:
    """Persons who have at least one record (the person record included) still within its own
    period."""
    condition = Q()
    for kind in ["person", *PERSON_LINKED_KINDS]:
        model, person_path = _linked_model(kind)
        kept, start = _still_kept(kind, today)
        records = model._default_manager.annotate(_start=start).filter(kept)
        if person_path:
            condition |= Q(pk__in=records.values(f"{person_path}_id"))
        else:
            condition |= Q(pk__in=records.values("pk"))
    return condition


def _held(today: dt.date) -> Q:
    """Persons something still holds, whatever their records' dates."""
    current = Q(end_date__isnull=True) | Q(end_date__gte=today)
    return (
        Q(pk__in=Supervision.objects.filter(current).values("person_id"))
        | Q(pk__in=Membership.objects.filter(current, status=MembershipStatus.ACTIVE).values("person_id"))
        # Only a task a person opened by hand holds the data: a rule's reminder nobody closes must not.
        | Q(
            pk__in=FollowUp.objects.filter(
                status__in=OPEN_STATUSES, origin=FollowUpOrigin.MANUAL, person__isnull=False
            ).values("person_id")
        )
        | Q(pk__in=DataSubjectRequest.objects.filter(status=RequestStatus.RECEIVED).values("person_id"))
    )


@dataclass
class RetentionPlan:
    now: dt.datetime
    person_ids: list[int] = field(default_factory=list)
    incident_ids: list[int] = field(default_factory=list)
    scoring_run_ids: list[int] = field(default_factory=list)
    digest_deliveries: int = 0

    def as_dict(self) -> dict:
        """What the RetentionRun keeps: counts, never the ids of the persons or incidents (the
        ids of purged persons would otherwise outlive them)."""
        return {
            "as_of": self.now.isoformat(),
            "periods": {
                "person_years": settings.GVI_RETENTION_PERSON_YEARS,
                "minor_years": settings.GVI_RETENTION_MINOR_YEARS,
                "years_by_kind": settings.GVI_RETENTION_YEARS_BY_KIND,
                "years_by_organisation_kind": settings.GVI_RETENTION_YEARS_BY_ORGANISATION_KIND,
                "incident_years": settings.GVI_RETENTION_INCIDENT_YEARS,
                "scoring_run_days": settings.GVI_RETENTION_SCORING_RUN_DAYS,
                "digest_delivery_days": DIGEST_DELIVERY_KEEP_DAYS,
            },
            "persons": len(self.person_ids),
            "incidents": len(self.incident_ids),
            # A count, not ids: hourly scoring makes thousands of runs a year.
            "scoring_runs": len(self.scoring_run_ids),
            "digest_deliveries": self.digest_deliveries,
        }


def due_persons(now: dt.datetime) -> list[int]:
    """Persons nothing holds and none of whose records is still within its own period."""
    today = timezone.localtime(now).date()
    return list(
        Person.objects.exclude(_held(today)).exclude(kept_by_records(today)).order_by("pk").values_list("pk", flat=True)
    )


def due_incidents(now: dt.datetime) -> list[int]:
    cutoff = now - dt.timedelta(days=365.25 * settings.GVI_RETENTION_INCIDENT_YEARS)
    not_yet_anonymised = (
        Q(pk__in=Involvement.objects.values("incident_id"))
        | ~Q(description="")
        | ~Q(place="")
        | ~Q(source=ANONYMISED_SOURCE)
    )
    return list(
        Incident.objects.filter(not_yet_anonymised, occurred_at__lt=cutoff).order_by("pk").values_list("pk", flat=True)
    )


def due_scoring_runs(now: dt.datetime) -> list[int]:
    """Scoring runs scored as of more than GVI_RETENTION_SCORING_RUN_DAYS ago that nothing holds.

    Always kept, however old:
    - each programme's latest finished run: the ranking the pages show until the next run;
    - every run a flag refers to: a suggestion or decision is explained by that run's scores and
      contributions (GroupFlag.run would otherwise be set to NULL and the page would explain it
      with another run). Earlier versions of a flag in its history may name runs that go; the
      version's explanation keeps the figures it was suggested with.
    """
    cutoff = now - dt.timedelta(days=settings.GVI_RETENTION_SCORING_RUN_DAYS)
    latest = (
        ScoringRun.objects.filter(programme_id=OuterRef("programme_id"), finished_at__isnull=False)
        .order_by("-as_of", "-id")
        .values("pk")[:1]
    )
    return list(
        ScoringRun.objects.filter(as_of__lt=cutoff)
        .exclude(pk__in=GroupFlag.objects.filter(run__isnull=False).values("run_id"))
        .annotate(latest_of_programme=Subquery(latest))
        .exclude(pk=F("latest_of_programme"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _old_digest_deliveries(now: dt.datetime):
    cutoff = timezone.localtime(now).date() - dt.timedelta(days=DIGEST_DELIVERY_KEEP_DAYS)
    return DigestDelivery.objects.filter(day__lt=cutoff)


def plan(now: dt.datetime | None = None) -> RetentionPlan:
    """What is due now: the dry run."""
    now = now or timezone.now()
    return RetentionPlan(
        now=now,
        person_ids=due_persons(now),
        incident_ids=due_incidents(now),
        scoring_run_ids=due_scoring_runs(now),
        digest_deliveries=_old_digest_deliveries(now).count(),
    )


# Runs per transaction: at national scale a run has about 5,000 scores, so a chunk commits at most
# half a million score rows and never holds its locks for long. It also bounds parameter lists (SQLite).
_SCORING_RUN_CHUNK = 100
# Runs deleted a night at most. Hourly scoring adds about 24 a day; a backlog (retention switched on
# late, or the period shortened) clears over a few nights instead of in one night-long run.
SCORING_RUNS_PER_NIGHT = 5_000


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _SCORING_RUN_CHUNK):
        yield ids[start : start + _SCORING_RUN_CHUNK]


def _delete_scoring_runs(run_ids: list[int]):
    """Delete runs with their scores and contributions, a chunk per transaction, yielding the
    number of runs and of group scores each committed chunk deleted. Set-based: the scores must
    not be loaded into Python. Children first, so no cascade is needed."""
    for chunk in _chunks(run_ids):
        with transaction.atomic():
            ScoreContribution.objects.filter(group_score__run_id__in=chunk).delete()
            # No signals, no history and, with the contributions gone, nothing referring to these
            # rows: a plain DELETE (what Django itself does for a "fast delete"); .delete() would
            # load every score to look for cascades first.
            scores = GroupScore.objects.filter(run_id__in=chunk)
            scores_deleted = scores._raw_delete(scores.db)
            ScoringRun.objects.filter(pk__in=chunk).delete()
        yield len(chunk), scores_deleted


def _statistics(person_ids: list[int], incident_ids: list[int]) -> dict:
    """Aggregate statistics of what goes, kept in the RetentionRun (no person in them)."""
    records = {}
    for kind in PERSON_LINKED_KINDS:
        model, person_path = _linked_model(kind)
        count = model._default_manager.filter(**{f"{person_path}_id__in": person_ids}).count()
        if count:
            records[kind] = count
    by_role = Counter(
        dict(
            Involvement.objects.filter(Q(person_id__in=person_ids) | Q(incident_id__in=incident_ids))
            .values_list("role")
            .annotate(n=Count("id"))
            .values_list("role", "n")
        )
    )
    memberships = dict(
        Membership.objects.filter(person_id__in=person_ids).values_list("status").annotate(n=Count("id"))
    )
    ages = Counter()
    for born in Person.objects.filter(pk__in=person_ids).values_list("date_of_birth", flat=True):
        ages[f"born_{born.year // 10 * 10}s"] += 1
    return {
        "persons_purged": len(person_ids),
        "records_purged": records,
        "involvements_by_role": dict(by_role),
        "memberships_by_status": memberships,
        "persons_by_birth_decade": dict(ages),
        "incidents_anonymised": len(incident_ids),
    }


def _housekeep_scoring_runs(due: RetentionPlan, statistics: dict, *, dry_run: bool) -> None:
    """Delete tonight's share of the due scoring runs (with dry_run, only count it), counting into
    `statistics` as each chunk commits, so a failure part-way leaves a true count."""
    tonight = due.scoring_run_ids[:SCORING_RUNS_PER_NIGHT]
    if dry_run:
        statistics.update(
            scoring_runs_deleted=len(tonight),
            scoring_runs_left=len(due.scoring_run_ids) - len(tonight),
            group_scores_deleted=sum(GroupScore.objects.filter(run_id__in=chunk).count() for chunk in _chunks(tonight)),
        )
        return
    statistics.update(scoring_runs_deleted=0, scoring_runs_left=len(due.scoring_run_ids), group_scores_deleted=0)
    for runs, scores in _delete_scoring_runs(tonight):
        statistics["scoring_runs_deleted"] += runs
        statistics["scoring_runs_left"] -= runs
        statistics["group_scores_deleted"] += scores


def _purge_history(model, **lookup) -> int:
    if not hasattr(model, "history"):
        return 0
    deleted, _ = model.history.model.objects.filter(**lookup).delete()
    return deleted


def _purge_persons(person_ids: list[int]) -> int:
    memberships = list(
        Membership.objects.filter(person_id__in=person_ids).values_list("pk", "programme_id", "group_id")
    )
    membership_ids = [pk for pk, _programme_id, _group_id in memberships]
    # An action against the group stays, but its free text may describe the person: blank it first
    # (the delete below sets person to NULL, after which these rows cannot be found).
    EnforcementAction.objects.filter(person_id__in=person_ids).update(outcome="", source=ANONYMISED_SOURCE)
    Person.objects.filter(pk__in=person_ids).delete()  # cascades to every record about them
    # Their reach rows went with them; their groups' figures are counted again without them.
    for programme_id in {programme_id for _pk, programme_id, _group_id in memberships}:
        groups = {group_id for _pk, pid, group_id in memberships if pid == programme_id}
        reach.changed(programme_id, groups=groups)
    history_rows = _purge_history(Person, id__in=person_ids)
    for kind in PERSON_LINKED_KINDS:
        model, person_path = _linked_model(kind)
        if model is EnforcementAction:
            # The action stays (it was against the group); its history forgets the person.
            EnforcementAction.history.model.objects.filter(person_id__in=person_ids).update(
                person_id=None, outcome="", source=ANONYMISED_SOURCE
            )
            continue
        history_rows += _purge_history(model, **{f"{person_path}_id__in": person_ids})
    history_rows += _purge_history(MembershipEvidence, membership_id__in=membership_ids)
    return history_rows


def _anonymise_incidents(incident_ids: list[int]) -> int:
    Involvement.objects.filter(incident_id__in=incident_ids).delete()
    history_rows = _purge_history(Involvement, incident_id__in=incident_ids)
    Incident.objects.filter(pk__in=incident_ids).update(description="", place="", source=ANONYMISED_SOURCE)
    # The old versions hold the free text and the source reference.
    history_rows += _purge_history(Incident, id__in=incident_ids)
    return history_rows


def run(*, dry_run: bool = False, user=None, now: dt.datetime | None = None) -> RetentionRun:
    """Purge or anonymise what is due (or, with dry_run, only list it) and record it in a RetentionRun.

    The personal data goes in one transaction. The old scoring runs go after it has committed, in
    short transactions of their own: a large backlog of score history must neither hold the purge
    open nor, if it fails, roll it back. A run that fails there records what it had deleted and the
    error, without finished_at; the next night carries on (nothing is deleted twice)."""
    with transaction.atomic():
        due = plan(now)
        record = RetentionRun.objects.create(dry_run=dry_run, performed_by=user)
        statistics = _statistics(due.person_ids, due.incident_ids)
        statistics["digest_deliveries_deleted"] = due.digest_deliveries
        record.summary = due.as_dict() | {"statistics": statistics}
        if not dry_run:
            purged = _purge_persons(due.person_ids) + _anonymise_incidents(due.incident_ids)
            record.summary["history_rows_purged"] = purged
            _old_digest_deliveries(due.now).delete()
        record.save(update_fields=["summary"])
    try:
        _housekeep_scoring_runs(due, record.summary["statistics"], dry_run=dry_run)
    except Exception as error:
        record.summary["error"] = f"scoring runs: {type(error).__name__}: {error}"[:500]
        try:
            record.save(update_fields=["summary"])
        except Exception:  # the database may be what failed: the original error is what matters
            logger.exception("Retention run %s: could not record the error", record.pk)
        raise
    record.finished_at = timezone.now()
    record.save(update_fields=["summary", "finished_at"])
    return record
