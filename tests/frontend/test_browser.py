"""Browser tests: Playwright drives Debian's Chromium against the live server.

Log in, run the weekly review, confirm a flag, plan a call-in and record attendance (htmx, on
a button),
with the real CSP on: a blocked inline script or style shows up as a console error and fails.
Where no Chromium is installed they skip (in CI, with GVI_REQUIRE_REAL_SERVICES=1, they fail).
Set GVI_SCREENSHOT_DIR to keep the screenshots.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from gvi import models as m
from tests.frontend.conftest import build_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def eager_tasks():
    """Run the jobs a write dispatches on commit in-process, so no broker is needed."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def page(browser, live_server, eager_tasks):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.set_default_timeout(15000)
    yield page
    context.close()


def _screenshot(page, tmp_path, name) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    keep = os.environ.get("GVI_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def _log_in(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_log_in_and_run_the_weekly_review_then_confirm_the_flag(
    page, live_server, police, probation, police_coordinator, tmp_path
):
    city = build_city(police, probation, scale=1, prefix="W")
    flag = city["suggested"]
    _log_in(page, live_server, police_coordinator)

    # The weekly review: charts, the flag and its explanation, reach.
    assert page.locator("h1").first.inner_text()
    assert page.locator("#trends-title + figure svg.bars rect.bar").count() == 8
    assert page.locator("svg.bars-small").count() > 0
    assert page.locator(f"text={flag.group.name}").first.is_visible()
    assert page.locator("meter").count() == 3
    shot = _screenshot(page, tmp_path, "weekly-review")
    assert shot.stat().st_size > 20000
    # Printed: no navigation or buttons, the charts and tables stay.
    page.emulate_media(media="print")
    assert not page.locator("nav.site-nav").is_visible()
    assert not page.locator(".toolbar").is_visible()
    assert page.locator("#trends-title + figure svg.bars").is_visible()
    _screenshot(page, tmp_path, "weekly-review-print")
    page.emulate_media(media="screen")
    # Keyboard: the first Tab reaches the skip link, which leads to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Confirm the suggested flag with a reason.
    page.click(f"a[href='/flags/{flag.pk}/']")
    page.wait_for_url(f"**/flags/{flag.pk}/")
    page.fill("#id_reason", "Flest skjutningar de senaste veckorna")
    page.click("button[name=decision][value=confirm]")
    page.wait_for_selector(".messages")
    flag.refresh_from_db()
    assert flag.status == m.FlagStatus.CONFIRMED
    assert flag.decision_reason == "Flest skjutningar de senaste veckorna"
    assert flag.decided_by == police_coordinator
    assert page.locator("button[name=decision][value=confirm]").count() == 0
    assert page.locator("button[name=decision][value=end]").count() == 1  # a confirmed flag can be ended

    # The group page, with its relation network.
    page.goto(f"{live_server.url}/groups/{flag.group_id}/")
    assert page.locator("svg.network line.edge").count() >= 1
    _screenshot(page, tmp_path, "group")
    assert page.console_errors == []


def test_plan_a_call_in_invite_and_record_attendance(
    page, live_server, police, probation, police_coordinator, tmp_path
):
    build_city(police, probation, scale=1, prefix="C")
    _log_in(page, live_server, police_coordinator)

    page.click("nav a[href='/call-ins/']")
    page.wait_for_url("**/call-ins/")
    # Today: attendance is taken at the door, on the call-in's day.
    page.fill("#id_date", timezone.localdate().isoformat())
    page.fill("#id_time", "18:30")
    page.fill("#id_venue", "Folkets hus, stora salen")
    page.click("form.stacked-form button.primary")
    page.wait_for_url("**/call-ins/*/")
    call_in = m.CallIn.objects.get(venue="Folkets hus, stora salen")

    # Invite the first two suggested persons.
    boxes = page.locator("ul.checklist input[type=checkbox]")
    assert boxes.count() >= 2
    chosen = [int(boxes.nth(i).get_attribute("value")) for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#invite-form button.primary")
    page.wait_for_selector("table.invitations select")
    invitations = {i.person_id: i for i in m.Invitation.objects.filter(call_in=call_in)}
    assert set(invitations) == set(chosen)

    # Record attendance: choosing a value saves nothing; the row's Save button does (htmx), and
    # the row says so.
    invitation = invitations[chosen[0]]
    row = page.locator(f"#invitation-{invitation.pk}")
    row.locator("select").select_option("attended")
    page.wait_for_timeout(300)
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.INVITED
    row.locator("button").click()
    page.wait_for_selector(f"#invitation-{invitation.pk} .save-state:not(:empty)")
    invitation.refresh_from_db()
    assert invitation.status == m.InvitationStatus.ATTENDED
    assert page.evaluate("document.activeElement.closest('tr') !== null")

    # The follow-up board.
    page.click("nav a[href='/follow-ups/']")
    # A click returns once the navigation commits; counting needs the loaded page.
    page.wait_for_url("**/follow-ups/")
    assert page.locator(".board-column").count() >= 2
    _screenshot(page, tmp_path, "follow-ups")
    page.go_back()
    page.wait_for_url(f"**/call-ins/{call_in.pk}/")

    # The invitation list for printing.
    page.click(f"a[href='/call-ins/{call_in.pk}/print/']")
    page.wait_for_url(f"**/call-ins/{call_in.pk}/print/")
    assert page.locator("table.print-list tbody tr").count() == 2
    assert page.console_errors == []
