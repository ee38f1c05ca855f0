"""The seam `gvi.jobs`: the domain asks for a job after commit; `tasks` fills in how it runs."""

import pytest
from django.db import transaction
from django.utils import timezone

from gvi import jobs
from gvi import models as m
from gvi.services import incidents, interventions
from tasks import followups as followup_tasks
from tasks import scoring as scoring_tasks
from tests import factories as f


@pytest.fixture
def sent(monkeypatch):
    """What the tasks' `delay` would have queued, per task."""
    calls = []
    monkeypatch.setattr(followup_tasks.apply_rules_for, "delay", lambda *a: calls.append(("rules", a)))
    monkeypatch.setattr(scoring_tasks.score_programme, "delay", lambda *a: calls.append(("score", a)))
    return calls


def test_tasks_registers_every_job_of_the_domain_at_start_up():
    for name in jobs.JOBS:
        assert callable(jobs.dispatcher(name))


def test_an_unregistered_job_fails_at_the_call_not_silently_at_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(jobs.UnknownJob, match="no_such_job"):
        jobs.after_commit("no_such_job", 1)
    assert callbacks == []


def test_a_job_runs_after_commit_and_not_after_a_rollback(db, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        jobs.after_commit(jobs.SCORE_PROGRAMME, 7, jobs.INCIDENT_TRIGGER)
        assert sent == []  # not before the commit
    assert sent == [("score", (7, "incident"))]
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        jobs.apply_followup_rules("flag", 3)
        transaction.set_rollback(True)
    assert callbacks == [] and sent == []


def test_create_with_rules_dispatches_the_rules_for_the_new_record(
    social_services, social_services_officer, minor_birth_date, sent, django_capture_on_commit_callbacks
):
    minor = f.PersonFactory(organisation=social_services, date_of_birth=minor_birth_date)
    with django_capture_on_commit_callbacks(execute=True):
        report = interventions.file_concern_report(
            user=social_services_officer, person=minor, reported_on=timezone.localdate(), reason="Oro", source="SOC-1"
        )
    assert sent == [("rules", ("concern_report", report.pk))]


def test_a_logged_incident_rescores_its_programme_on_commit(
    police, police_analyst, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = incidents.log_incident(
            user=police_analyst,
            incident_type=m.IncidentType.SHOOTING,
            occurred_at=timezone.now(),
            source="POL-1",
        )
    assert sent == [("score", (incident.programme_id, jobs.INCIDENT_TRIGGER))]


def test_the_domain_layer_never_imports_celery_or_the_tasks_app():
    """`gvi.jobs` is the only way from the domain to a background job (the layering test checks
    every module of gvi; this one pins the seam itself)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(jobs))
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in getattr(node, "names", [])
    }
    assert not {name for name in imported if name and name.split(".")[0] in {"celery", "tasks"}}
