"""The outcomes page and its CSV: who may see and export them, what they show, in a real browser too."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from gvi import models as m
from tests import factories as f
from tests.conftest import skip_or_fail
from tests.frontend.test_browser import _log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(programme, police):
    """Incidents on the first of every month for three years around a start two years ago."""
    today = timezone.localdate()
    programme.started_on = dt.date(today.year - 2, today.month, 1)
    programme.save()
    area = f.AreaFactory(programme=programme, name="Fokusområdet")
    incidents = []
    for months_back in range(1, 49):
        index = today.year * 12 + today.month - 1 - months_back
        day = dt.date(index // 12, index % 12 + 1, 1)
        noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        # About ten a month before the start and five after (in a cycle, as counts vary): a fall.
        count = (12, 10, 8)[months_back % 3] if day < programme.started_on else (6, 5, 4)[months_back % 3]
        incidents += [f.IncidentFactory.build(organisation=police, area=area, occurred_at=noon) for _ in range(count)]
    m.Incident.objects.bulk_create(incidents)
    return programme


def test_a_coordinator_sees_the_estimate_and_the_months(client, history, police_coordinator):
    client.force_login(police_coordinator)
    page = client.get(reverse("frontend:outcomes")).content.decode()
    assert "Avbruten tidsserie" in page
    ratio, lower, upper = (
        float(figure.replace(",", "."))
        for figure in re.search(r"Kvoten (\d,\d\d) \(95 % konfidensintervall (\d,\d\d)–(\d,\d\d)\)", page).groups()
    )
    assert 0.4 < ratio < 0.6 and lower < ratio < upper < 1
    assert "förändrades med -" in page
    assert "samband i tid, inte att satsningen orsakade" in page
    assert page.count('class="after-start"') == 24
    assert reverse("frontend:outcomes_csv") in page


def test_the_csv_holds_local_months_and_is_logged_as_an_export(client, history, police_coordinator):
    client.force_login(police_coordinator)
    response = client.get(reverse("frontend:outcomes_csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Månad", "Period"]
    assert len(rows) == 1 + 48
    assert {row[1] for row in rows[1:]} == {"Före", "Efter"}
    assert m.AccessLog.objects.filter(
        user=police_coordinator, action=m.AccessAction.EXPORT, record_kind="outcomes"
    ).exists()


def test_a_partner_officer_sees_the_page_but_may_not_export(client, history, probation_officer):
    client.force_login(probation_officer)
    page = client.get(reverse("frontend:outcomes")).content.decode()
    assert reverse("frontend:outcomes_csv") not in page
    assert client.get(reverse("frontend:outcomes_csv")).status_code == 403
    assert not m.AccessLog.objects.filter(user=probation_officer, action=m.AccessAction.EXPORT).exists()


def test_a_role_that_may_not_see_incidents_is_refused(client, history, police):
    administrator = f.UserFactory(organisation=police, role=m.Role.ADMINISTRATOR)
    client.force_login(administrator)
    assert client.get(reverse("frontend:outcomes")).status_code == 403
    assert reverse("frontend:outcomes") not in client.get(reverse("frontend:group_list")).content.decode()


def test_the_page_says_why_there_is_no_estimate_without_a_start_date(client, programme, police, police_coordinator):
    f.IncidentFactory(organisation=police)
    client.force_login(police_coordinator)
    assert "Satsningen har inget startdatum" in client.get(reverse("frontend:outcomes")).content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_outcomes_page_in_a_browser(browser, live_server, history, police_coordinator):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="sv-SE")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    _log_in(page, live_server, police_coordinator)
    page.click("nav.site-nav >> text=Utfall")
    page.wait_for_url(f"{live_server.url}/evaluation/outcomes/")
    assert page.locator("h1").inner_text() == "Utfall"
    assert page.locator("svg.bars-months rect.bar").count() == 48
    assert page.locator("svg.bars-months rect.bar-current").count() == 24
    assert "Kvoten 0,5" in page.locator("main").inner_text()
    assert errors == []
    context.close()


def first_page_is_not_blank(pdf: bytes, tmp_path) -> bool:
    """Render page 1 with pdftoppm and look for ink: a page holding only a title is mostly white."""
    import shutil
    import subprocess

    from PIL import Image

    if not shutil.which("pdftoppm"):
        skip_or_fail("pdftoppm is not installed: install Debian's poppler-utils to render PDF pages.")
    (tmp_path / "page.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "page.pdf", "page"], cwd=tmp_path, check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(image.histogram()[:200])
    return dark / (image.width * image.height) > 0.02


def test_the_pdf_holds_the_estimate_on_its_first_page(client, history, police_coordinator, tmp_path):
    client.force_login(police_coordinator)
    response = client.get(reverse("frontend:outcomes_pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert first_page_is_not_blank(response.content, tmp_path)
    assert m.AccessLog.objects.filter(action=m.AccessAction.EXPORT, record_kind="outcomes").count() == 1
