"""The import pages: templates, upload, preview with errors, confirm, progress, cancel, the log."""

import io

import openpyxl
import pytest
from django.urls import reverse

from gvi import models as m
from tests import factories as f
from tests.imports.helpers import csv_bytes, pnr

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.GVI_IMPORT_DIR = tmp_path / "imports"
    return settings.GVI_IMPORT_DIR


@pytest.fixture
def coordinator_client(client, police_coordinator):
    client.force_login(police_coordinator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _persons(area_name="Björkhamn centrum"):
    return csv_bytes(
        [
            ["Källreferens", "Förnamn", "Efternamn", "Personnummer", "Hemområde", "Källa"],
            ["P-1", "Testa", "Exempelsson", pnr("19950314"), area_name, "Lista"],
            ["P-2", "Prova", "Påhittad", pnr("20010101", "234"), "", "Lista"],
        ]
    )


def _upload(client, data, name="personer.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("frontend:import_upload"), {"file": SimpleUploadedFile(name, data), "kind": ""})


@pytest.mark.parametrize("language", ["sv", "en"])
def test_templates_have_the_headers_and_an_example_row(coordinator_client, language):
    response = coordinator_client.get(reverse("frontend:import_template", args=["incidents", language, "xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, example = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert ("Händelsetyp" if language == "sv" else "Incident type") in header
    assert example[header.index("Händelsetyp" if language == "sv" else "Incident type")] == "shooting"
    csv_text = coordinator_client.get(reverse("frontend:import_template", args=["persons", language, "csv"])).content
    assert csv_text.startswith(b"\xef\xbb\xbf")  # Swedish Excel reads the BOM as UTF-8
    assert ("Personnummer" if language == "sv" else "Identity number").encode() in csv_text


def test_upload_preview_with_an_error_then_fix_and_import(coordinator_client, programme):
    response = _upload(coordinator_client, _persons())
    run = m.ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("frontend:import_detail", args=[run.pk])
    page = coordinator_client.get(response.url).content.decode()
    assert "Unknown area" in page and "Hemområde" in page  # the row's error, by column
    assert "Confirm and import" not in page
    assert coordinator_client.post(reverse("frontend:import_confirm", args=[run.pk])).status_code == 400
    assert not m.Person.objects.exists()

    f.AreaFactory(programme=programme, name="Björkhamn centrum")
    response = _upload(coordinator_client, _persons("BJÖRKHAMN Centrum"))
    run = m.ImportRun.objects.latest("id")
    page = coordinator_client.get(response.url).content.decode()
    assert run.rows_failed == 0, run.errors
    assert "Confirm and import" in page and "Personnummer" in page  # the mapping is shown
    response = coordinator_client.post(reverse("frontend:import_confirm", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == m.ImportStatus.DONE and run.confirmed_by.username == "samordnare.polis"
    assert m.Person.objects.count() == 2
    page = coordinator_client.get(reverse("frontend:import_detail", args=[run.pk])).content.decode()
    assert 'id="import-bar"' in page and run.file_sha256 in page


def test_a_hostile_file_is_refused_on_the_form(coordinator_client):
    response = _upload(coordinator_client, b"PK\x03\x04 nonsense", name="groups.xlsx")
    assert response.status_code == 400
    assert "damaged and cannot be read" in response.content.decode()
    assert not m.ImportRun.objects.exists()


def test_large_files_run_as_a_job_and_the_page_polls_its_progress(
    coordinator_client, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.GVI_IMPORT_INLINE_ROWS = 0
    sent = []
    monkeypatch.setattr("tasks.imports.run_import.delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(coordinator_client, _persons(area_name=""))
    run = m.ImportRun.objects.get()
    assert sent == [(run.pk, "check")]
    m.ImportRun.objects.filter(pk=run.pk).update(status=m.ImportStatus.PREVIEWING, rows_total=2, rows_done=1)
    fragment = coordinator_client.get(reverse("frontend:import_progress", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and 'value="1"' in fragment and 'max="2"' in fragment
    m.ImportRun.objects.filter(pk=run.pk).update(status=m.ImportStatus.PREVIEWED)
    done = coordinator_client.get(reverse("frontend:import_progress", args=[run.pk]) + "?polling=1")
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in done.content.decode()
    assert response.status_code == 302


def test_cancel_before_confirming_removes_the_file(coordinator_client, import_dir):
    _upload(coordinator_client, _persons(area_name=""))
    run = m.ImportRun.objects.get()
    assert list(import_dir.glob("*"))
    coordinator_client.post(reverse("frontend:import_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == m.ImportStatus.CANCELLED and not list(import_dir.glob("*"))


def test_partner_officers_cannot_import(client, probation_officer):
    client.force_login(probation_officer)
    assert client.get(reverse("frontend:import_list")).status_code == 403
    assert _upload(client, _persons()).status_code == 403


def test_the_log_lists_runs_in_a_fixed_number_of_queries(
    coordinator_client, police_coordinator, police, django_assert_max_num_queries
):
    for n in range(5):
        m.ImportRun.objects.create(
            programme_id=police.programme_id,
            organisation=police,
            created_by=police_coordinator,
            kind="persons",
            file_name=f"f{n}.csv",
            file_sha256="0" * 64,
            file_size=1,
            stored_path="/nonexistent",
        )
    coordinator_client.get(reverse("frontend:import_list"))
    with django_assert_max_num_queries(12):
        response = coordinator_client.get(reverse("frontend:import_list"))
    assert response.content.decode().count("f4.csv") == 1
