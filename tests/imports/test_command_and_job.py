"""`manage.py import_records` with its progress bar, and the background job."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gvi import models as m
from gvi.services import imports
from tests.imports.helpers import csv_bytes, upload

GROUPS = [["Källreferens", "Namn", "Källa"], ["G-1", "Norra nätverket", "Lista"], ["G-2", "Södra", "Lista"]]


def test_the_command_checks_shows_the_mapping_and_imports_with_a_progress_bar(police_coordinator, tmp_path):
    path = tmp_path / "grupper.csv"
    path.write_bytes(csv_bytes(GROUPS))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_records", str(path), "--user", police_coordinator.username, "--yes", stdout=out, stderr=err)
    assert "Name               <- Namn" in out.getvalue()
    assert "Imported" in out.getvalue() and "2 created" in out.getvalue()
    assert "100.0%" in err.getvalue() and "2/2 rows" in err.getvalue()
    assert m.Group.objects.count() == 2
    run = m.ImportRun.objects.get(status=m.ImportStatus.DONE)
    assert run.created_by == police_coordinator and run.confirmed_by == police_coordinator


def test_the_command_lists_errors_and_writes_nothing(police_coordinator, tmp_path):
    path = tmp_path / "grupper.csv"
    path.write_bytes(csv_bytes([*GROUPS, ["G-1", "Dubbel", "Lista"]]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_records", str(path), "--user", police_coordinator.username, "--yes", stdout=out)
    assert "row 4, column Källreferens" in out.getvalue()
    assert not m.Group.objects.exists()


def test_the_command_refuses_a_hostile_file(police_coordinator, tmp_path):
    path = tmp_path / "grupper.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="not an Excel workbook"):
        call_command("import_records", str(path), "--user", police_coordinator.username, "--yes")


def test_the_job_checks_then_imports_and_a_second_delivery_changes_nothing(police_coordinator):
    from tasks.imports import run_import

    run = upload(police_coordinator, "g.csv", csv_bytes(GROUPS))
    assert run_import.apply(args=[run.pk, "check"]).get() == m.ImportStatus.PREVIEWED
    imports.confirm(user=police_coordinator, run=m.ImportRun.objects.get(pk=run.pk))
    assert run_import.apply(args=[run.pk, "execute"]).get() == m.ImportStatus.DONE
    assert run_import.apply(args=[run.pk, "execute"]).get() == m.ImportStatus.DONE  # delivered twice
    assert m.Group.objects.count() == 2
    assert run_import.apply(args=[999999, "execute"]).get() is None  # a run that is gone


def test_a_cancelled_import_writes_nothing(police_coordinator, monkeypatch):
    run = imports.check(user=police_coordinator, run=upload(police_coordinator, "g.csv", csv_bytes(GROUPS)))
    run = imports.confirm(user=police_coordinator, run=run)
    monkeypatch.setattr(imports.Progress, "cancelled", lambda self: True)  # asked while it runs
    run = imports.execute(user=police_coordinator, run=run)
    assert run.status == m.ImportStatus.CANCELLED and "nothing was written" in run.message
    assert not m.Group.objects.exists()


def test_a_failure_midway_rolls_back_every_row(police_coordinator, monkeypatch):
    """All or nothing: a crash after the first chunk was written leaves no row behind."""
    rows = [GROUPS[0], *[[f"G-{n}", f"Grupp {n}", "Lista"] for n in range(5)]]
    run = imports.check(user=police_coordinator, run=upload(police_coordinator, "g.csv", csv_bytes(rows)))
    run = imports.confirm(user=police_coordinator, run=run)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    calls = []

    def crash_on_third(self, done):
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("worker lost")

    monkeypatch.setattr(imports.Progress, "report", crash_on_third)
    with pytest.raises(RuntimeError):
        imports.execute(user=police_coordinator, run=run)
    assert not m.Group.objects.exists() and not m.ImportKey.objects.exists()


def test_progress_and_cancellation_reach_another_process_without_a_shared_cache(police_coordinator, monkeypatch):
    """On SQLite no other connection writes while the import holds the database, and without Redis
    the cache is each process's own: the web page still sees the rows done, and a cancellation
    reaches the worker. (Another process is played by a cache that forgets everything.)"""
    from django.core.cache.backends.dummy import DummyCache

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL reports through a second connection, which cannot see a test's uncommitted rows")
    monkeypatch.setattr(imports, "cache", DummyCache("forgets", {}))
    rows = [GROUPS[0], *[[f"G-{n}", f"Grupp {n}", "Lista"] for n in range(5)]]
    run = imports.check(user=police_coordinator, run=upload(police_coordinator, "g.csv", csv_bytes(rows)))
    run = imports.confirm(user=police_coordinator, run=run)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    seen = []

    def look_from_the_page(done, total):
        page = m.ImportRun.objects.get(pk=run.pk)
        seen.append(imports.live_rows_done(page))
        if len(seen) == 2:
            imports.request_cancel(user=police_coordinator, run=page)

    run = imports.execute(user=police_coordinator, run=run, progress=look_from_the_page)
    assert seen == [2, 4]  # the bar moved, chunk by chunk
    assert run.status == m.ImportStatus.CANCELLED and not m.Group.objects.exists()
    assert not list(imports.side_file(run, "done").parent.glob("*.done"))  # nothing left beside it
