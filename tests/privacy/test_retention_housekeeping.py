"""Retention's housekeeping: old scoring runs (each keep rule on its own) and digest delivery marks."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gvi import models as m
from gvi import retention
from gvi.digest import DIGEST_DELIVERY_KEEP_DAYS
from tests import factories as f

pytestmark = pytest.mark.django_db


def scored_run(programme, days_ago, groups, **kwargs):
    """A finished run scored as of `days_ago`, with a score and a contribution per group."""
    moment = timezone.now() - dt.timedelta(days=days_ago)
    run = f.ScoringRunFactory(programme=programme, as_of=moment, **{"finished_at": moment, **kwargs})
    for rank, group in enumerate(groups, start=1):
        score = f.GroupScoreFactory(run=run, group=group, rank=rank)
        f.ScoreContributionFactory(group_score=score, incident=f.IncidentFactory(organisation=group.organisation))
    return run


@pytest.fixture
def runs(settings, police, other_programme_officer):
    settings.GVI_RETENTION_SCORING_RUN_DAYS = 400
    groups = [f.GroupFactory(organisation=police), f.GroupFactory(organisation=police)]
    ours = police.programme
    theirs = other_programme_officer.organisation
    their_groups = [f.GroupFactory(organisation=theirs)]
    return {
        "old": scored_run(ours, 500, groups),
        "just_over": scored_run(ours, 401, groups),
        "just_under": scored_run(ours, 399, groups),
        "recent": scored_run(ours, 1, groups),
        # Another programme whose scoring stopped long ago: only its latest run stays.
        "theirs_older": scored_run(theirs.programme, 700, their_groups),
        "theirs_latest": scored_run(theirs.programme, 600, their_groups),
    }


def remaining(runs):
    kept = set(m.ScoringRun.objects.values_list("pk", flat=True))
    return {name for name, run in runs.items() if run.pk in kept}


def test_runs_older_than_the_period_go_with_their_scores_and_contributions(runs):
    gone = [runs["old"].pk, runs["just_over"].pk, runs["theirs_older"].pk]
    record = retention.run()
    assert remaining(runs) == {"just_under", "recent", "theirs_latest"}
    assert not m.GroupScore.objects.filter(run_id__in=gone).exists()
    assert not m.ScoreContribution.objects.filter(group_score__run_id__in=gone).exists()
    assert m.GroupScore.objects.filter(run=runs["just_under"]).count() == 2
    assert m.ScoreContribution.objects.filter(group_score__run=runs["just_under"]).count() == 2
    stats = record.summary["statistics"]
    assert (stats["scoring_runs_deleted"], stats["group_scores_deleted"]) == (3, 5)
    assert record.summary["scoring_runs"] == 3
    # Idempotent: the next night finds nothing.
    assert retention.run().summary["statistics"]["scoring_runs_deleted"] == 0


def test_the_period_comes_from_the_settings(runs, settings):
    settings.GVI_RETENTION_SCORING_RUN_DAYS = 30
    retention.run()
    assert remaining(runs) == {"recent", "theirs_latest"}


def test_the_latest_run_of_each_programme_is_kept_however_old(runs, settings):
    settings.GVI_RETENTION_SCORING_RUN_DAYS = 0
    retention.run()
    assert remaining(runs) == {"recent", "theirs_latest"}
    # The latest *finished* run (the one the pages show): a newer unfinished one does not replace it.
    unfinished = scored_run(runs["theirs_latest"].programme, 500, [], finished_at=None)
    assert retention.plan().scoring_run_ids == [unfinished.pk]


@pytest.mark.parametrize("status", [m.FlagStatus.SUGGESTED, m.FlagStatus.CONFIRMED, m.FlagStatus.REJECTED])
def test_a_run_a_flag_refers_to_is_kept_however_old(runs, police, status):
    group = m.GroupScore.objects.filter(run=runs["old"]).first().group
    flag = f.GroupFlagFactory(group=group, programme=police.programme, run=runs["old"], status=status)
    retention.run()
    assert remaining(runs) == {"old", "just_under", "recent", "theirs_latest"}
    flag.refresh_from_db()
    assert flag.run_id == runs["old"].pk
    assert m.ScoreContribution.objects.filter(group_score__run=runs["old"]).count() == 2  # still explained


def test_dry_run_counts_and_deletes_nothing(runs):
    before = (m.ScoringRun.objects.count(), m.GroupScore.objects.count(), m.ScoreContribution.objects.count())
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert "Would delete 3 scoring runs (5 group scores)" in out.getvalue()
    assert (m.ScoringRun.objects.count(), m.GroupScore.objects.count(), m.ScoreContribution.objects.count()) == before
    assert m.RetentionRun.objects.get().summary["statistics"]["group_scores_deleted"] == 5


def test_the_nightly_task_deletes_them(runs):
    from tasks.retention import run_retention

    run_id = run_retention.apply().get()
    assert m.RetentionRun.objects.get(pk=run_id).summary["statistics"]["scoring_runs_deleted"] == 3
    assert remaining(runs) == {"just_under", "recent", "theirs_latest"}


def test_digest_delivery_marks_are_pruned_after_their_period(db, today):
    keep_from = today - dt.timedelta(days=DIGEST_DELIVERY_KEEP_DAYS)
    for day in (keep_from - dt.timedelta(days=1), keep_from, today):
        m.DigestDelivery.objects.create(recipient="samordnare@example.invalid", day=day)
    dry = retention.run(dry_run=True)
    assert dry.summary["digest_deliveries"] == 1 and m.DigestDelivery.objects.count() == 3
    retention.run()
    assert sorted(m.DigestDelivery.objects.values_list("day", flat=True)) == [keep_from, today]
    assert retention.run().summary["digest_deliveries"] == 0


def test_deleting_runs_takes_as_many_statements_for_many_scores_as_for_few(police):
    few = scored_run(police.programme, 500, [f.GroupFactory(organisation=police) for _ in range(2)])
    many = scored_run(police.programme, 500, [f.GroupFactory(organisation=police) for _ in range(30)])
    with CaptureQueriesContext(connection) as deleting_few:
        list(retention._delete_scoring_runs([few.pk]))
    with CaptureQueriesContext(connection) as deleting_many:
        list(retention._delete_scoring_runs([many.pk]))
    assert len(deleting_many) == len(deleting_few)
    assert not m.GroupScore.objects.exists() and not m.ScoreContribution.objects.exists()


def test_a_backlog_goes_a_nightly_share_at_a_time_in_chunks(runs, monkeypatch):
    monkeypatch.setattr(retention, "SCORING_RUNS_PER_NIGHT", 2)
    monkeypatch.setattr(retention, "_SCORING_RUN_CHUNK", 1)
    out = StringIO()
    call_command("retention", stdout=out)
    stats = m.RetentionRun.objects.latest("pk").summary["statistics"]
    assert (stats["scoring_runs_deleted"], stats["scoring_runs_left"], stats["group_scores_deleted"]) == (2, 1, 4)
    assert remaining(runs) == {"theirs_older", "just_under", "recent", "theirs_latest"}  # the oldest ids first
    assert "1 more scoring runs are due" in out.getvalue()
    second = retention.run().summary["statistics"]
    assert (second["scoring_runs_deleted"], second["scoring_runs_left"]) == (1, 0)
    assert remaining(runs) == {"just_under", "recent", "theirs_latest"}


@pytest.mark.django_db(transaction=True)
def test_a_failing_housekeeping_leaves_the_committed_purge_and_the_next_night_finishes_it(
    runs, settings, police, monkeypatch
):
    from tests.privacy.test_retention import aged

    settings.GVI_RETENTION_PERSON_YEARS = 5
    idle = aged(f.PersonFactory(organisation=police), years=6)

    delete = retention._delete_scoring_runs

    def broken(run_ids):
        for deleted in delete(run_ids):
            yield deleted  # the first chunk commits, then the database goes away
            raise RuntimeError("the database went away")

    monkeypatch.setattr(retention, "_SCORING_RUN_CHUNK", 1)
    monkeypatch.setattr(retention, "_delete_scoring_runs", broken)
    with pytest.raises(RuntimeError):
        retention.run()
    # The personal data went and the run says so, with the one chunk that went and the error.
    assert not m.Person.objects.filter(pk=idle.pk).exists()
    failed = m.RetentionRun.objects.get()
    assert failed.summary["statistics"]["persons_purged"] == 1 and failed.finished_at is None
    stats = failed.summary["statistics"]
    assert (stats["scoring_runs_deleted"], stats["group_scores_deleted"], stats["scoring_runs_left"]) == (1, 2, 2)
    assert failed.summary["error"] == "scoring runs: RuntimeError: the database went away"
    assert remaining(runs) == set(runs) - {"old"}
    monkeypatch.undo()
    finished = retention.run()
    assert finished.finished_at is not None and finished.summary["statistics"]["scoring_runs_deleted"] == 2
    assert remaining(runs) == {"just_under", "recent", "theirs_latest"}
