"""Report exports go through gvi.exports: the policy's EXPORT check, and an EXPORT row in the access log."""

import csv
import io

import pytest
from django.urls import reverse

from gvi import models as m
from gvi.exports import report_csv_response

pytestmark = pytest.mark.django_db

EXPORTS = ["frontend:weekly_review_csv", "frontend:weekly_review_pdf", "frontend:quality_report_csv"]
REPORT_OF = {
    "frontend:weekly_review_csv": "weekly_review",
    "frontend:weekly_review_pdf": "weekly_review",
    "frontend:quality_report_csv": "quality_report",
}


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize("who", ["police_coordinator", "auditor"])
def test_an_export_writes_one_export_row(request, client, city, name, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = m.AccessLog.objects.filter(user=user, action=m.AccessAction.EXPORT, record_kind=REPORT_OF[name])
    assert rows.count() == 1
    assert rows.get().path == reverse(name)


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize("who", ["probation_officer", "civil_society_partner", "police_analyst"])
def test_a_role_without_export_is_refused_and_nothing_is_logged_as_export(request, client, city, name, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse(name)).status_code == 403
    assert not m.AccessLog.objects.filter(user=user, action=m.AccessAction.EXPORT).exists()


def test_the_weekly_review_offers_downloads_only_to_those_who_may_export(client, city, probation_officer, auditor):
    client.force_login(probation_officer)
    page = client.get(reverse("frontend:weekly_review")).content.decode()
    assert reverse("frontend:weekly_review_csv") not in page
    client.force_login(auditor)
    page = client.get(reverse("frontend:weekly_review")).content.decode()
    assert reverse("frontend:weekly_review_csv") in page
    assert reverse("frontend:weekly_review_pdf") in page


def test_report_csv_cells_cannot_run_as_formulas(police_coordinator):
    response = report_csv_response(
        user=police_coordinator, report="weekly_review", rows=[["=1+1", "-2", 3, None]], filename="x.csv"
    )
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [["'=1+1", "'-2", "3", ""]]
    assert m.AccessLog.objects.filter(user=police_coordinator, record_kind="weekly_review", action="export").exists()
