"""Import in the browser: upload, a preview with an error, fix the file, confirm, the progress bar."""

import pytest

from gvi import models as m
from tests import factories as f
from tests.frontend.test_browser import _log_in, eager_tasks, page  # noqa: F401 (fixtures)
from tests.imports.helpers import csv_bytes, pnr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(tmp_path, name, area):
    path = tmp_path / name
    path.write_bytes(
        csv_bytes(
            [
                ["Källreferens", "Förnamn", "Efternamn", "Personnummer", "Hemområde", "Källa"],
                ["P-1", "Testa", "Exempelsson", pnr("19950314"), area, "Lista"],
                ["P-2", "Prova", "Påhittad", pnr("20010101", "234"), "", "Lista"],
            ]
        )
    )
    return path


def test_upload_preview_an_error_fix_confirm_and_see_the_progress(
    page,  # noqa: F811
    live_server,
    programme,
    police_coordinator,
    settings,
    tmp_path,
):
    settings.GVI_IMPORT_DIR = tmp_path / "imports"
    settings.GVI_IMPORT_INLINE_ROWS = 0  # as a large file: the background job (run eagerly here)
    f.AreaFactory(programme=programme, name="Björkhamn centrum")
    _log_in(page, live_server, police_coordinator)
    page.goto(f"{live_server.url}/imports/")
    page.get_by_role("link", name="Import", exact=True).wait_for()
    page.set_input_files("#id_file", str(_file(tmp_path, "personer.csv", "Ingenstans")))
    page.get_by_role("button", name="Ladda upp och kontrollera").click()
    errors = page.locator("#import-errors")
    errors.wait_for()
    assert "Hemområde" in errors.inner_text() and "Ingenstans" in errors.inner_text()
    assert page.get_by_role("button", name="Bekräfta och importera").count() == 0
    assert not m.Person.objects.exists()

    page.goto(f"{live_server.url}/imports/")
    page.set_input_files("#id_file", str(_file(tmp_path, "personer-rättad.csv", "björkhamn CENTRUM")))
    page.get_by_role("button", name="Ladda upp och kontrollera").click()
    page.locator("#import-rows").wait_for()
    assert page.locator("#import-errors").count() == 0
    page.get_by_role("button", name="Bekräfta och importera").click()
    bar = page.get_by_role("progressbar", name="Importens förlopp")
    bar.wait_for()
    assert bar.get_attribute("value") == "2" and bar.get_attribute("max") == "2"
    assert "Importerad" in page.locator("#import-progress").inner_text()
    assert m.Person.objects.count() == 2
    assert not page.console_errors
