"""Browser tests (Playwright, real Chromium) for each partner's own forms: the happy path of each,
and bad input answered with a field error tied to its input, with nothing stored."""

import datetime as dt

import pytest
from django.utils import timezone

from gvi import models as m
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def page(browser, live_server):
    from config.celery import app

    app.conf.task_always_eager = True  # the jobs a write dispatches run in-process
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.console_errors = []
    # A form sent back with its errors answers 400 (on purpose), which Chromium reports as a failed
    # load: that one is expected; any other console error fails the test.
    page.on(
        "console",
        lambda message: (
            message.type == "error" and "status of 400" not in message.text and page.console_errors.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.set_default_timeout(20000)
    yield page
    context.close()
    app.conf.task_always_eager = False


def _log_in(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _open(page, live_server, path):
    """Open a page, giving the purpose of access first when the app asks for it."""
    page.goto(f"{live_server.url}{path}")
    if "/purpose/" in page.url:
        page.select_option("#id_purpose_kind", index=0)
        page.fill("#id_purpose", "Ärende 2026-1")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"**{path}")


def _field_error(page, field: str) -> str:
    """The error shown for a field, checked to be tied to its input for screen readers."""
    described = page.locator(f"#id_{field}").get_attribute("aria-describedby") or ""
    assert f"id_{field}_error" in described.split()
    assert page.locator(f"#id_{field}").get_attribute("aria-invalid") == "true"
    return page.locator(f"#id_{field}_error").inner_text()


def test_probation_registers_a_supervision(page, live_server, probation, probation_officer):
    person = f.PersonFactory(organisation=probation, first_name="Adam", last_name="Testsson")
    _log_in(page, live_server, probation_officer)
    assert page.locator("nav.site-nav a[href='/work/supervisions/']").count() == 1
    _open(page, live_server, f"/persons/{person.pk}/")
    page.click(f"a[href='/persons/{person.pk}/supervisions/new/']")
    page.select_option("#id_kind", "conditional_release")
    page.fill("#id_start_date", str(timezone.localdate()))
    # Bad input first: an end before the start.
    page.fill("#id_end_date", str(timezone.localdate() - dt.timedelta(days=3)))
    page.fill("#id_source", "KVV-2026-1")
    page.click("main form button[type=submit]")
    assert _field_error(page, "end_date")
    assert not m.Supervision.objects.exists()
    page.fill("#id_end_date", str(timezone.localdate() + dt.timedelta(days=300)))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/persons/{person.pk}/")
    supervision = m.Supervision.objects.get()
    assert supervision.kind == "conditional_release" and supervision.organisation == probation
    _open(page, live_server, "/work/supervisions/")
    assert page.locator(f"a[href='/work/supervisions/{supervision.pk}/change/']").count() == 1
    assert page.console_errors == []


def test_social_services_see_a_concern_report_and_close_its_follow_up(
    page, live_server, police, social_services, social_services_officer
):
    minor = f.PersonFactory(organisation=police, date_of_birth=timezone.localdate() - dt.timedelta(days=15 * 365))
    officer = f.UserFactory(username="polis.oro", organisation=police, role=m.Role.PARTNER_OFFICER)
    _log_in(page, live_server, officer)
    _open(page, live_server, f"/persons/{minor.pk}/concern-reports/new/")
    page.fill("#id_reported_on", "1900-01-01")  # bad input
    page.fill("#id_reason", "Sedd vid skjutningen")
    page.fill("#id_source", "K-1-26")
    page.click("main form button[type=submit]")
    assert _field_error(page, "reported_on")
    assert not m.ConcernReport.objects.exists()
    page.fill("#id_reported_on", str(timezone.localdate()))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/work/concern-reports/")
    report = m.ConcernReport.objects.get()
    follow_up = m.FollowUp.objects.get(rule="concern_report_minor", cause_id=report.pk)

    page.context.clear_cookies()
    _log_in(page, live_server, social_services_officer)
    assert page.locator("nav.site-nav a[href='/work/concern-reports/']").count() == 1
    _open(page, live_server, "/work/concern-reports/")
    assert page.locator(f"#report-{report.pk}").is_visible()
    page.select_option(f"#id_f{follow_up.pk}-status", "done")
    page.locator(f"#report-{report.pk} form button[type=submit]").click()
    page.wait_for_url("**/work/concern-reports/")
    follow_up.refresh_from_db()
    assert follow_up.status == m.FollowUpStatus.DONE
    assert page.console_errors == []


def test_the_exit_organisation_opens_an_exit_case(page, live_server, programme):
    exit_org = f.OrganisationFactory(programme=programme, name="Exit Teststad", kind=m.OrganisationKind.EXIT)
    worker = f.UserFactory(username="exit.handlaggare", organisation=exit_org, role=m.Role.PARTNER_OFFICER)
    person = f.PersonFactory(organisation=exit_org)
    threat = f.RiskAssessmentFactory(person=person, organisation=exit_org)
    _log_in(page, live_server, worker)
    assert page.locator("nav.site-nav a[href='/work/exit-cases/']").count() == 1
    _open(page, live_server, f"/persons/{person.pk}/exit-cases/new/")
    page.select_option("#id_status", "active")
    page.fill("#id_plan", "Bostad i annan stad, praktik från april")
    page.fill("#id_contacts", "Mentor, handläggare")
    page.fill("#id_source", "")  # bad input: no source
    page.click("main form button[type=submit]")
    assert _field_error(page, "source")
    assert not m.ExitCase.objects.exists()
    page.fill("#id_source", "Avhopp-2026-1")
    page.select_option("#id_risk_assessment", str(threat.pk))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/work/exit-cases/")
    case = m.ExitCase.objects.get()
    assert case.risk_assessment == threat and case.status == "active"
    assert page.console_errors == []


def test_a_partner_records_a_risk_assessment_with_protective_measures(
    page, live_server, social_services, social_services_officer
):
    person = f.PersonFactory(organisation=social_services)
    _log_in(page, live_server, social_services_officer)
    _open(page, live_server, f"/persons/{person.pk}/risk-assessments/new/")
    page.select_option("#id_kind", "threat_to")
    page.select_option("#id_level", "high")
    page.fill("#id_next_review_on", str(timezone.localdate() - dt.timedelta(days=2)))  # bad: before the assessment
    page.fill("#id_protection", "Larm i bostaden")
    page.fill("#id_actor_measures", "Samtal med hotaktören")
    page.check("#id_contact_ban")
    page.fill("#id_source", "Bed-2026-1")
    page.click("main form button[type=submit]")
    assert _field_error(page, "next_review_on")
    assert not m.RiskAssessment.objects.exists()
    page.fill("#id_next_review_on", str(timezone.localdate() + dt.timedelta(days=14)))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/work/risk-assessments/")
    assessment = m.RiskAssessment.objects.get()
    assert assessment.contact_ban and assessment.protection == "Larm i bostaden"
    assert page.locator("text=Samtal med hotaktören").is_visible()
    assert page.console_errors == []


def test_a_coordinator_gives_a_follow_up_to_social_services(page, live_server, police_coordinator, social_services):
    _log_in(page, live_server, police_coordinator)
    page.goto(f"{live_server.url}/follow-ups/")
    page.click("a[href='/follow-ups/new/']")
    page.fill("#id_title", "Kontakta familjen")
    page.fill("#id_due_date", "1900-01-01")  # bad input
    page.select_option("#id_owner_organisation", str(social_services.pk))
    page.click("main form button[type=submit]")
    assert _field_error(page, "due_date")
    assert not m.FollowUp.objects.exists()
    page.fill("#id_due_date", str(timezone.localdate() + dt.timedelta(days=7)))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/follow-ups/")
    follow_up = m.FollowUp.objects.get()
    assert follow_up.owner_organisation == social_services and follow_up.title == "Kontakta familjen"
    assert page.console_errors == []
