"""Browser tests of the call-in from plan to held, in real Chromium (see test_browser.py).

The happy path: a coordinator marks yesterday's call-in held, moves through the attendance
options with the keyboard (nothing saves) and saves with the button, plans the custom
notification for the group that was not there, writes the speakers' message and opens the run
sheet; at 320 px the attendance labels stay inside their panel. One bad input: a date more than
a year back gets its field error and stores nothing.
"""

import datetime as dt

import pytest
from django.utils import timezone

from gvi import models as m
from tests import factories as f
from tests.frontend import test_browser
from tests.frontend.test_browser import _log_in, _screenshot

# The browser tests' fixtures: a page in Chromium with the CSP console check, jobs run in-process.
page = test_browser.page
eager_tasks = test_browser.eager_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def yesterday(police, probation):
    call_in = f.CallInFactory(
        organisation=police, scheduled_at=timezone.now() - dt.timedelta(days=1), venue="Medborgarhuset"
    )
    came = f.MembershipFactory(organisation=police, group=f.GroupFactory(organisation=police, name="Norra")).person
    away = f.MembershipFactory(organisation=police, group=f.GroupFactory(organisation=police, name="Södra")).person
    invitations = {
        "came": f.InvitationFactory(organisation=probation, call_in=call_in, person=came),
        "away": f.InvitationFactory(organisation=probation, call_in=call_in, person=away),
    }
    return call_in, invitations


def test_mark_held_record_attendance_plan_the_notification_and_write_the_message(
    page, live_server, police_coordinator, yesterday, tmp_path
):
    call_in, invitations = yesterday
    _log_in(page, live_server, police_coordinator)
    page.goto(f"{live_server.url}/call-ins/{call_in.pk}/")

    # Yesterday's call-in, still planned: no attendance before it is marked held.
    assert page.locator("table.invitations select").count() == 0
    page.click("button[name=change][value=held]")
    page.wait_for_load_state()
    page.wait_for_selector("table.invitations select")
    call_in.refresh_from_db()
    assert call_in.status == m.CallInStatus.HELD and call_in.status_changed_by == police_coordinator

    # The keyboard moves through the options: nothing is saved on the way.
    came, away = invitations["came"], invitations["away"]
    select = page.locator(f"#invitation-{came.pk} select")
    select.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    came.refresh_from_db()
    assert came.status == m.InvitationStatus.INVITED and came.history.count() == 1
    select.select_option("attended")
    page.locator(f"#invitation-{away.pk} select").select_option("no_show")
    page.click("#attendance-form button.primary")
    page.wait_for_url(f"**/call-ins/{call_in.pk}/*")
    came.refresh_from_db()
    away.refresh_from_db()
    assert (came.status, away.status) == (m.InvitationStatus.ATTENDED, m.InvitationStatus.NO_SHOW)
    assert came.history.count() == 2  # one change, recorded once

    # Södra was not represented: one click plans its custom notification.
    missing = page.locator(".missing-groups > li")
    assert missing.count() == 1 and "Södra" in missing.first.inner_text()
    missing.first.locator("button").click()
    page.wait_for_selector(".missing-groups > li p")
    plan = m.FollowUp.objects.get(group__name="Södra")
    assert plan.person_id == away.person_id and plan.created_by == police_coordinator

    # At 320 px, every (visually hidden) attendance label stays inside its panel: it is placed
    # within its cell, inside the table's scrolling box (the panel's, if it has none), so it
    # cannot widen the page.
    page.set_viewport_size({"width": 320, "height": 800})
    escaped = page.evaluate(
        """() => [...document.querySelectorAll('.attendance-cell label')].filter(label => {
            const panel = label.closest('.panel');
            const scroller = label.closest('.table-scroll') || panel;
            const outer = scroller.getBoundingClientRect();
            const box = label.getBoundingClientRect();
            const inside = box.left >= outer.left && box.right <= outer.left + scroller.scrollWidth;
            return !inside || !panel.contains(scroller) || !scroller.contains(label.offsetParent);
        }).length"""
    )
    assert escaped == 0
    page.set_viewport_size({"width": 1366, "height": 900})

    # The speakers and their message, then the run sheet.
    page.click(f"a[href='/call-ins/{call_in.pk}/message/']")
    page.wait_for_url(f"**/call-ins/{call_in.pk}/message/")
    page.select_option("#id_new-kind", "bereaved_mother")
    page.fill("#id_new-name", "Amina")
    page.fill("#id_new-message", "Om min son, och vad våldet tog från oss.")
    page.click("button[name=action][value=add]")
    page.wait_for_selector("section[id^=speaker-]")
    page.select_option("#id_new-kind", "police")
    page.fill("#id_new-name", "Kommissarien")
    page.click("button[name=action][value=add]")
    page.wait_for_function("document.querySelectorAll('section[id^=speaker-]').length === 2")
    page.locator("section[id^=speaker-]").nth(1).locator("button[value=up]").click()
    page.wait_for_function("document.querySelector('section[id^=speaker-] h2').textContent.includes('Kommissarien')")
    page.click(f"a[href='/call-ins/{call_in.pk}/run-sheet/']")
    page.wait_for_url(f"**/call-ins/{call_in.pk}/run-sheet/")
    items = page.locator("ol.run-sheet > li")
    assert items.count() == 2
    assert "Kommissarien" in items.nth(0).inner_text() and "vad våldet tog" in items.nth(1).inner_text()
    _screenshot(page, tmp_path, "run-sheet")
    assert page.console_errors == []


def test_a_date_more_than_a_year_back_gets_its_field_error(page, live_server, police_coordinator):
    _log_in(page, live_server, police_coordinator)
    page.goto(f"{live_server.url}/call-ins/")
    old = timezone.localdate() - dt.timedelta(days=500)
    page.fill("#id_date", old.isoformat())
    page.fill("#id_time", "18:00")
    page.fill("#id_venue", "Folkets hus")
    page.click("form.stacked-form button.primary")
    error = page.locator(".field-error .error").first
    error.wait_for()
    assert "ett år" in error.inner_text() or "year" in error.inner_text()
    assert not m.CallIn.objects.exists()
    assert page.console_errors == []
