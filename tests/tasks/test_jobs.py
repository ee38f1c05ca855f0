"""The Celery tasks in-process: dispatch on commit, coalescing, idempotency, schedules, commands,
and the selectors the UI reads the results through."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from gvi import models as m
from gvi.selectors import scores as selectors
from tasks import followups as followup_tasks
from tasks import scoring as scoring_tasks
from tasks.schedules import SCHEDULES
from tests import factories as f


@pytest.fixture
def eager():
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def scored_group(police):
    group = f.GroupFactory(organisation=police, name="Norr")
    incident = f.IncidentFactory(organisation=police, confidence=m.Confidence.CONFIRMED)
    f.GroupAttributionFactory(organisation=police, incident=incident, group=group, share=Decimal("1"))
    return group


def test_every_task_acknowledges_late_and_retries_with_backoff():
    for task in (
        scoring_tasks.score_programme,
        scoring_tasks.score_all_programmes,
        scoring_tasks.verify_scores,
        scoring_tasks.verify_programme_scores,
        followup_tasks.apply_rules_for,
        followup_tasks.run_daily_rules,
        followup_tasks.escalate_overdue,
        followup_tasks.send_daily_digest,
    ):
        assert task.acks_late is True
        assert task.autoretry_for == (Exception,)
        assert task.retry_backoff is True and task.max_retries == 5
    assert app.conf.task_reject_on_worker_lost is True


def test_a_change_is_taken_in_at_once_without_a_delay(monkeypatch, scored_group):
    from gvi.services.score_changes import scores_changed

    assert scoring_tasks.score_programme(scored_group.programme_id, "schedule")  # builds the state
    calls = []
    monkeypatch.setattr(scoring_tasks.score_programme, "apply_async", lambda *a, **kw: calls.append((a, kw)))
    scores_changed(scored_group.programme_id, groups=[scored_group.pk])
    run_id = scoring_tasks.score_programme(scored_group.programme_id, "incident")
    assert isinstance(run_id, int) and calls == []  # no second hop, no countdown
    assert m.ScoringRun.objects.get(pk=run_id).trigger == "incident"


def test_a_burst_of_100_incidents_makes_one_run(scored_group):
    from gvi.services.score_changes import scores_changed

    scoring_tasks.score_programme(scored_group.programme_id, "schedule")  # builds the state
    runs = m.ScoringRun.objects.count()
    incident_id = m.GroupAttribution.objects.get(group=scored_group).incident_id
    for _ in range(100):
        scores_changed(scored_group.programme_id, incidents=[incident_id])
    results = [scoring_tasks.score_programme(scored_group.programme_id, "incident") for _ in range(100)]
    assert m.ScoringRun.objects.count() == runs + 1
    assert results.count("coalesced") == 99
    assert not m.ScorePending.objects.exists()
    # A change after that run gets its own run.
    scores_changed(scored_group.programme_id, incidents=[incident_id])
    assert isinstance(scoring_tasks.score_programme(scored_group.programme_id, "incident"), int)
    assert m.ScoringRun.objects.count() == runs + 2


def test_the_nightly_check_runs_through_its_task(scored_group, monkeypatch):
    sent = []
    monkeypatch.setattr(scoring_tasks.verify_programme_scores, "delay", lambda *args: sent.append(args))
    assert scoring_tasks.verify_scores() == 1 and sent == [(scored_group.programme_id,)]
    first = scoring_tasks.verify_programme_scores(scored_group.programme_id)
    assert first["rebuilt"] is True and first["reason"] == "no state"
    again = scoring_tasks.verify_programme_scores(scored_group.programme_id)
    assert (again["groups"], again["terms"], again["rebuilt"]) == (0, 0, False)


def test_log_incident_updates_the_scores_once_committed(
    eager, police, police_analyst, police_coordinator, django_capture_on_commit_callbacks
):
    from gvi.services.incidents import confirm_attribution, log_incident

    group = f.GroupFactory(organisation=police)
    with django_capture_on_commit_callbacks(execute=True):
        log_incident(
            user=police_analyst,
            incident_type="shooting",
            occurred_at=timezone.now() - dt.timedelta(hours=2),
            source="K-2025-0001",
            confidence=m.Confidence.CONFIRMED,
            attributions=[{"group": group, "share": Decimal("1")}],
        )
    run = m.ScoringRun.objects.get()
    assert run.trigger == "incident/rebuild"  # the first update of a programme builds its state
    # Four eyes: the analyst's attribution counts only once another person confirms it.
    assert run.scores.get(group=group).score == 0
    attribution = m.GroupAttribution.objects.get(group=group)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_attribution(user=police_coordinator, attribution=attribution, reason="Stöds av spaning")
    run = m.ScoringRun.objects.latest("id")
    assert run.scores.get(group=group).score == pytest.approx(8.0, rel=1e-3)
    assert m.GroupFlag.objects.get(status=m.FlagStatus.SUGGESTED).group == group


def test_confirming_a_flag_makes_the_enforcement_plan_tasks(
    eager, police, probation, social_services, police_coordinator, scored_group, django_capture_on_commit_callbacks
):
    from gvi.services.flags import confirm_flag

    scoring_tasks.score_programme(scored_group.programme_id, "schedule")
    flag = m.GroupFlag.objects.get(status=m.FlagStatus.SUGGESTED)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_flag(user=police_coordinator, flag=flag, reason="Flest skjutningar i år")
    plans = m.FollowUp.objects.filter(rule="flag_enforcement_plan", cause_id=flag.pk)
    assert {fu.owner_organisation_id for fu in plans} == {police.pk, probation.pk}  # the enforcement mandate
    offers = m.FollowUp.objects.filter(rule="flag_help_offer", cause_id=flag.pk)
    assert {fu.owner_organisation_id for fu in offers} == {social_services.pk}
    # The task may run again (a redelivery): nothing is duplicated.
    assert followup_tasks.apply_rules_for("flag", flag.pk) == 0
    assert plans.count() + offers.count() == 3


def test_tasks_tolerate_vanished_rows(db):
    assert scoring_tasks.score_programme(987654, "schedule") is None
    assert followup_tasks.apply_rules_for("custom_notification", 987654) == 0


def test_score_all_programmes_dispatches_one_task_each(monkeypatch, programme, other_programme_officer):
    sent = []
    monkeypatch.setattr(scoring_tasks.score_programme, "delay", lambda *args: sent.append(args))
    assert scoring_tasks.score_all_programmes() == 2
    assert sorted(sent) == sorted((p.pk, "schedule") for p in m.Programme.objects.all())


def test_daily_jobs_run_twice_change_nothing(probation, police_coordinator, today):
    f.SupervisionFactory(organisation=probation, end_date=today + dt.timedelta(days=5))
    f.FollowUpFactory(owner_organisation=probation, due_date=today - dt.timedelta(days=2))
    for _ in range(2):
        followup_tasks.run_daily_rules()
        followup_tasks.escalate_overdue()
    assert m.FollowUp.objects.filter(rule="supervision_ending").count() == 1
    assert m.FollowUp.objects.filter(escalated_at__isnull=False).count() == 1


# --- Commands --------------------------------------------------------------------------------


def test_setup_schedules_is_idempotent_and_keeps_an_administrators_edits(db):
    from django_celery_beat.models import PeriodicTask

    call_command("setup_schedules", stdout=io.StringIO())
    assert PeriodicTask.objects.filter(name__in=[s.name for s in SCHEDULES]).count() == len(SCHEDULES)
    digest = PeriodicTask.objects.get(task="tasks.followups.send_daily_digest")
    digest.enabled = False
    digest.save()
    out = io.StringIO()
    call_command("setup_schedules", stdout=out)
    assert "kept" in out.getvalue() and "created" not in out.getvalue()
    assert PeriodicTask.objects.filter(name__in=[s.name for s in SCHEDULES]).count() == len(SCHEDULES)
    assert PeriodicTask.objects.get(pk=digest.pk).enabled is False
    call_command("setup_schedules", "--reset", stdout=io.StringIO())
    assert PeriodicTask.objects.get(pk=digest.pk).enabled is True
    # Every scheduled task name is a registered task.
    assert {s.task for s in SCHEDULES} <= set(app.tasks)


def test_score_command(scored_group):
    out = io.StringIO()
    call_command("score", "--programme", str(scored_group.programme_id), stdout=out)
    assert "Norr" in out.getvalue() and "suggested flag" in out.getvalue()
    assert m.ScoringRun.objects.get().trigger == "manual"


# --- Selectors -------------------------------------------------------------------------------


def test_selectors_show_scores_trend_explanation_and_flags(scored_group, police_coordinator, other_programme_officer):
    from gvi.scoring import run_scoring

    run_scoring(programme_id=scored_group.programme_id)
    run_scoring(programme_id=scored_group.programme_id)
    (top,) = selectors.latest_scores(police_coordinator)
    assert top.group == scored_group and top.rank == 1
    assert [point["rank"] for point in selectors.score_trend(police_coordinator, group=scored_group)] == [1, 1]
    (contribution,) = selectors.score_explanation(police_coordinator, group_score=top)
    assert contribution.factor_values["by_analyst"] == 1
    flags = selectors.current_flags(police_coordinator)
    assert flags["suggested"].group == scored_group and flags["confirmed"] is None
    assert selectors.scoring_settings(police_coordinator)["severity_weights"]["shooting"] == 8
    # Another programme sees none of it.
    assert not selectors.latest_scores(other_programme_officer).exists()
    assert selectors.score_trend(other_programme_officer, group=scored_group) == []
    assert selectors.current_flags(other_programme_officer) == {"suggested": None, "confirmed": None}


def test_latest_scores_query_count_does_not_grow(police, police_coordinator, django_assert_max_num_queries):
    from gvi.scoring import run_scoring

    def count_for(groups):
        for _ in range(groups):
            f.GroupFactory(organisation=police)
        run_scoring(programme_id=police.programme_id)
        with django_assert_max_num_queries(3):
            rows = list(selectors.latest_scores(police_coordinator))
            names = [row.group.name for row in rows]
        return len(names)

    assert count_for(2) == 2
    assert count_for(20) == 22
