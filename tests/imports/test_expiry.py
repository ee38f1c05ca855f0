"""Imports never confirmed: the hourly job deletes their files and marks the runs expired."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gvi import jobs
from gvi import models as m
from gvi.services import imports
from tasks.schedules import SCHEDULES
from tests.imports.helpers import csv_bytes, upload

GROUPS = [["Källreferens", "Namn", "Källa"], ["G-1", "Norra nätverket", "Lista"]]


def _aged(run, hours):
    m.ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours))
    return run


def test_unconfirmed_imports_expire_after_the_set_hours_and_lose_their_file(police_coordinator, settings):
    settings.GVI_IMPORT_EXPIRE_HOURS = 6
    uploaded = _aged(upload(police_coordinator, "a.csv", csv_bytes(GROUPS)), 7)
    checked = _aged(
        imports.check(user=police_coordinator, run=upload(police_coordinator, "b.csv", csv_bytes(GROUPS))), 7
    )
    recent = _aged(upload(police_coordinator, "c.csv", csv_bytes(GROUPS)), 5)
    confirmed = imports.confirm(
        user=police_coordinator,
        run=imports.check(user=police_coordinator, run=upload(police_coordinator, "d.csv", csv_bytes(GROUPS))),
    )
    _aged(confirmed, 30)
    assert all(Path(run.stored_path).exists() for run in (uploaded, checked, recent, confirmed))

    from tasks.imports import expire_imports

    assert expire_imports.apply().get() == 2
    for run in (uploaded, checked):
        run.refresh_from_db()
        assert run.status == m.ImportStatus.EXPIRED and run.finished_at is not None
        assert "6 hours" in run.message and not Path(run.stored_path).exists()
    for run, status in ((recent, m.ImportStatus.UPLOADED), (confirmed, m.ImportStatus.QUEUED)):
        run.refresh_from_db()
        assert run.status == status and Path(run.stored_path).exists()
    assert expire_imports.apply().get() == 0  # idempotent: a second run finds none
    # An expired run can be neither checked nor confirmed nor cancelled.
    uploaded.refresh_from_db()
    for action, words in (
        (imports.check, "already been imported or cancelled"),
        (imports.confirm, "Check the file before importing it"),
        (imports.request_cancel, "already finished"),
    ):
        with pytest.raises(ValidationError, match=words):
            action(user=police_coordinator, run=uploaded)
    assert not m.Group.objects.exists()


def test_the_expiry_is_a_registered_job_on_the_beat_schedule():
    assert callable(jobs.dispatcher(jobs.EXPIRE_IMPORTS))
    assert "tasks.imports.expire_imports" in {schedule.task for schedule in SCHEDULES}


def test_a_check_that_ends_after_its_run_expired_leaves_it_expired(police, police_coordinator):
    """The expiry job may expire a run whose check is still running (a check started just before
    the deadline): the check's end must not bring it back as checked, nor may it be confirmed."""
    run = m.ImportRun.objects.create(
        programme=police.programme,
        organisation=police,
        created_by=police_coordinator,
        kind=m.ImportKind.GROUPS,
        status=m.ImportStatus.PREVIEWING,
        file_name="grupper.csv",
        file_sha256="0" * 64,
        file_size=10,
    )
    m.ImportRun.objects.filter(pk=run.pk).update(status=m.ImportStatus.EXPIRED)
    imports._finish(run, m.ImportStatus.PREVIEWED)
    assert m.ImportRun.objects.get(pk=run.pk).status == m.ImportStatus.EXPIRED
    assert run.status == m.ImportStatus.EXPIRED
    stale = m.ImportRun.objects.get(pk=run.pk)
    stale.status = m.ImportStatus.PREVIEWED  # as the page loaded it, before the job ran
    with pytest.raises(ValidationError):
        imports.confirm(user=police_coordinator, run=stale)
    assert m.ImportRun.objects.get(pk=run.pk).status == m.ImportStatus.EXPIRED
