"""Browser tests of the record forms (Playwright, Debian's Chromium, the real CSP): each form's
happy path and one bad input shown on its field, in Swedish, with nothing stored."""

import datetime as dt

import pytest
from django.utils import timezone

from gvi import models as m
from tests import factories as f
from tests.frontend.test_browser import PASSWORD
from tests.privacy.identity import make_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    """A Swedish browser page that collects console errors (a CSP violation shows up there)."""
    from config.celery import app

    app.conf.task_always_eager = True  # the jobs a write dispatches run in-process
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.console_errors = []
    # A refused form answers 400 on purpose (Chromium reports that as a failed load): not an error here.
    page.on(
        "console",
        lambda message: (
            message.type == "error" and "status of 400" not in message.text and page.console_errors.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.set_default_timeout(15000)
    yield page
    context.close()
    app.conf.task_always_eager = False


def log_in_with_purpose(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/purpose/")
    page.select_option("#id_purpose_kind", "case")
    page.fill("#id_purpose", "ÄRENDE-2026-1")
    page.click("main form button[type=submit]")


def submit(page):
    page.click("form.record-form button[type=submit]")
    page.wait_for_load_state()


def field_error(page, field_id):
    """The error tied to the field: shown, and named by the control's aria-describedby."""
    control = page.locator(f"#{field_id}")
    assert control.get_attribute("aria-invalid") == "true"
    assert f"{field_id}_error" in control.get_attribute("aria-describedby")
    return page.locator(f"#{field_id}_error").inner_text()


def test_register_and_correct_a_person_and_propose_a_membership(page, live_server, police, police_coordinator):
    programme = police.programme
    area = f.AreaFactory(programme=programme, name="Centrum")
    group = f.GroupFactory(organisation=police, name="Östra gänget")
    own = f.InclusionCriterionFactory(programme=programme, code="own", name="Egen uppgift")
    joint = f.InclusionCriterionFactory(programme=programme, code="joint", name="Brott med medlemmar")
    log_in_with_purpose(page, live_server, police_coordinator)

    page.goto(f"{live_server.url}/persons/")
    page.click("text=Registrera en person")
    # Bad input: a number that fails the check digit.
    page.fill("#id_first_name", "Testa")
    page.fill("#id_last_name", "Testsson")
    page.fill("#id_personnummer", "19990421-1111")
    page.fill("#id_source", "K-2026-7")
    submit(page)
    assert field_error(page, "id_personnummer")
    assert page.locator("#error-summary").is_visible()
    assert not m.Person.objects.exists()
    # Happy path.
    page.fill("#id_personnummer", make_number(dt.date(1998, 3, 14)))
    page.select_option("#id_home_area", str(area.pk))
    page.select_option("#id_confidence", "probable")
    submit(page)
    person = m.Person.objects.get()
    page.wait_for_url(f"{live_server.url}/persons/{person.pk}/")
    assert "Testa Testsson" in page.locator("h1").inner_text()
    assert page.console_errors == []

    # Correct the record, with a reason.
    page.click("text=Ändra personens uppgifter")
    page.fill("#id_first_name", "Test")
    submit(page)
    assert field_error(page, "id_reason")
    page.fill("#id_reason", "Stavfel i förnamnet")
    submit(page)
    page.wait_for_url(f"{live_server.url}/persons/{person.pk}/")
    person.refresh_from_db()
    assert person.first_name == "Test"

    # Propose a membership: one criterion cited without its source is refused on that field.
    page.click("text=Föreslå ett medlemskap")
    page.select_option("#id_group", str(group.pk))
    page.fill("#id_start_date", "2026-01-01")
    page.fill("#id_source", "PM-2026-3")
    page.check(f"#id_criterion_{own.pk}")
    page.fill(f"#id_criterion_{own.pk}_reference", "Förhör 2026-01-02")
    page.check(f"#id_criterion_{joint.pk}")
    submit(page)
    assert field_error(page, f"id_criterion_{joint.pk}_reference")
    assert not m.Membership.objects.exists()
    page.fill(f"#id_criterion_{joint.pk}_reference", "Dom B 12-26")
    submit(page)
    page.wait_for_url(f"{live_server.url}/persons/{person.pk}/")
    assert m.Membership.objects.get().status == m.MembershipStatus.PROPOSED
    assert "godkännandekön" in page.locator(".messages").inner_text()
    assert page.console_errors == []


def test_register_a_group_change_it_and_record_a_conflict(page, live_server, police, police_coordinator):
    area = f.AreaFactory(programme=police.programme, name="Hamnen")
    rival = f.GroupFactory(organisation=police, name="Hamngänget")
    log_in_with_purpose(page, live_server, police_coordinator)
    page.goto(f"{live_server.url}/groups/")
    page.click("text=Registrera en grupp")
    page.fill("#id_name", "Hamngänget")  # taken
    page.fill("#id_source", "Lägesbild v3")
    submit(page)
    assert page.locator("#error-summary").is_visible()
    assert m.Group.objects.count() == 1
    page.fill("#id_name", "Västra nätverket")
    page.fill("#id_aliases", "VN\nVästra")
    page.check(f"input[name=areas][value='{area.pk}']")
    submit(page)
    group = m.Group.objects.get(name="Västra nätverket")
    page.wait_for_url(f"{live_server.url}/groups/{group.pk}/")
    assert sorted(group.aliases.values_list("alias", flat=True)) == ["VN", "Västra"]

    page.click("text=Ändra gruppen")
    page.select_option("#id_status", "dormant")
    page.fill("#id_reason", "Ingen aktivitet sedan våren")
    submit(page)
    page.wait_for_url(f"{live_server.url}/groups/{group.pk}/")
    group.refresh_from_db()
    assert group.status == "dormant"

    page.click("text=Registrera en konflikt eller allians")
    page.select_option("#id_other_group", str(rival.pk))
    page.check("input[name=kind][value=conflict]")
    page.fill("#id_start_date", "2026-02-01")
    page.fill("#id_end_date", "2026-01-01")  # before the start
    page.fill("#id_source", "Lägesbild v3")
    submit(page)
    assert field_error(page, "id_end_date")
    assert not m.GroupRelation.objects.exists()
    page.fill("#id_end_date", "")
    submit(page)
    page.wait_for_url(f"{live_server.url}/groups/{group.pk}/")
    assert m.GroupRelation.objects.get().kind == "conflict"
    assert page.console_errors == []


def test_log_an_incident_with_a_person_an_attribution_then_correct_and_retract(
    page,
    live_server,
    police,
    police_coordinator,
    police_analyst,
):
    area = f.AreaFactory(programme=police.programme, name="Torget")
    suspect = f.PersonFactory(organisation=police, first_name="Misstänkt", last_name="Mattsson")
    group = f.GroupFactory(organisation=police, name="Torggänget")
    log_in_with_purpose(page, live_server, police_coordinator)
    page.goto(f"{live_server.url}/incidents/")
    page.click("text=Registrera en händelse")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page.select_option("#id_incident_type", "shooting")
    page.fill("#id_date", yesterday.isoformat())
    page.fill("#id_time", "21:30")
    page.select_option("#id_area", str(area.pk))
    page.fill("#id_killed", "-1")
    page.fill("#id_injured", "2")
    page.fill("#id_source", "K-2026-900")
    submit(page)
    assert field_error(page, "id_killed")
    assert not m.Incident.objects.exists()
    page.fill("#id_killed", "1")
    submit(page)
    incident = m.Incident.objects.get()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")
    assert (incident.killed, incident.injured) == (1, 2)

    # The person involved: find by name, choose, give the role.
    page.click("text=Lägg till en person")
    page.fill("#id_person_q", "Misstänkt")
    page.click("main form[role=search] button[type=submit]")
    page.wait_for_load_state()
    page.fill("#id_source", "K-2026-900")
    submit(page)  # no person chosen
    assert page.locator("#error-summary").is_visible()
    page.check(f"input[name=person][value='{suspect.pk}']")
    page.select_option("#id_role", "suspect")
    submit(page)
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")
    assert "Mattsson" in page.locator("section[aria-labelledby=involved-title] table").inner_text()

    # Correct (the reason is required), then retract.
    page.click("text=Rätta")
    page.fill("#id_killed", "2")
    submit(page)
    assert field_error(page, "id_reason")
    page.fill("#id_reason", "Ett offer avled")
    submit(page)
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")
    incident.refresh_from_db()
    assert incident.killed == 2
    page.click("text=Dra tillbaka")
    page.fill("#id_reason", "Dubblett av K-2026-899")
    submit(page)
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")
    incident.refresh_from_db()
    assert incident.verification_status == m.VerificationStatus.UNFOUNDED
    assert page.console_errors == []

    # The analyst attributes it to a group (proposed until a coordinator confirms).
    page.context.clear_cookies()
    log_in_with_purpose(page, live_server, police_analyst)
    page.goto(f"{live_server.url}/incidents/{incident.pk}/attributions/new/")
    page.select_option("#id_group", str(group.pk))
    page.fill("#id_share", "1.5")
    page.fill("#id_source", "Analys 44")
    submit(page)
    assert field_error(page, "id_share")
    page.fill("#id_share", "0.5")
    submit(page)
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")
    assert m.GroupAttribution.objects.get().status == m.AttributionStatus.PROPOSED


def test_global_search_from_the_header(page, live_server, police, police_coordinator):
    f.GroupFactory(organisation=police, name="Kvarnligan")
    f.PersonFactory(organisation=police, first_name="Kvarn", last_name="Olsson")
    log_in_with_purpose(page, live_server, police_coordinator)
    page.fill("#global-search-q", "kvarn")
    page.press("#global-search-q", "Enter")
    page.wait_for_url("**/search/?q=kvarn")
    assert "Kvarnligan" in page.locator("#hits-groups + ul").inner_text()
    assert "Olsson" in page.locator("#hits-persons + ul").inner_text()
    assert page.console_errors == []
