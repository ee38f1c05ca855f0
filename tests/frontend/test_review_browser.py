"""The weekly review in the browser on a fixed clock: a Monday and a Sunday, and the period selector.

The meeting reviews the last full week (Monday to Sunday, Europe/Stockholm); the current week so
far is its own column and never decides the order.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from gvi import models as m
from gvi import weekly_counts
from tests import factories as f
from tests.frontend.test_browser import _log_in, eager_tasks, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=STOCKHOLM)


def _incidents(police, group, moments):
    for moment in moments:
        incident = f.IncidentFactory(organisation=police, occurred_at=moment)
        f.GroupAttributionFactory(organisation=police, incident=incident, group=group)


def _row(on, name):
    return on.locator("table.trend-table").first.locator("tbody tr", has_text=name)


def _scenario(police, today: dt.date):
    """The violent group: five incidents in the last full week. The quiet group: one, today."""
    last_monday = today - dt.timedelta(days=today.weekday() + 7)
    violent = f.GroupFactory(organisation=police, name="Våldsamma gänget")
    quiet = f.GroupFactory(organisation=police, name="Lugna gänget")
    _incidents(police, violent, [_at(last_monday + dt.timedelta(days=d), 22) for d in (0, 2, 4, 6, 6)])
    _incidents(police, violent, [_at(last_monday - dt.timedelta(days=3), 12)])  # the week before
    _incidents(police, quiet, [_at(today, 0) + dt.timedelta(minutes=30)])  # 00:30 local: still yesterday in UTC
    weekly_counts.rebuild(programme_id=police.programme_id)
    return violent, quiet


@pytest.mark.parametrize(
    ("today", "reviewed_week", "current_week"),
    [
        (dt.date(2026, 11, 30), 48, 49),  # a Monday: the week just ended is reviewed
        (dt.date(2026, 11, 29), 47, 48),  # a Sunday: this week is not full until midnight
    ],
)
def test_the_review_on_a_fixed_clock_reviews_the_last_full_week(
    page,  # noqa: F811
    live_server,
    police,
    police_coordinator,
    today,
    reviewed_week,
    current_week,
):
    with time_machine.travel(_at(today, 9), tick=True):
        _scenario(police, today)
        _log_in(page, live_server, police_coordinator)

        lead = page.locator("#reviewed-week").inner_text()
        assert f" {reviewed_week}," in lead, lead
        header = page.locator("table.trend-table").first.locator("thead")
        assert header.locator("th.reviewed-week").inner_text().endswith(str(reviewed_week))
        assert str(current_week) in header.locator("th.current-week").inner_text()

        rows = page.locator("table.trend-table").first.locator("tbody tr")
        # Sorted by the last full week: the violent group first, whatever happened today.
        assert "Våldsamma gänget" in rows.nth(0).inner_text()
        violent, quiet = _row(page, "Våldsamma gänget"), _row(page, "Lugna gänget")
        assert violent.locator("td.reviewed-week").inner_text() == "5"
        assert violent.locator("td.current-week").inner_text() == "0"
        assert quiet.locator("td.reviewed-week").inner_text() == "0"
        assert quiet.locator("td.current-week").inner_text() == "1"
        # The quiet group's one incident today is no rise against its weeks before.
        assert quiet.locator("td.change").inner_text() == "0"
        assert not page.console_errors


def test_the_period_selector_shows_a_quarter_a_year_and_a_chosen_range(
    page,  # noqa: F811
    live_server,
    police,
    police_coordinator,
):
    today = dt.date(2026, 11, 30)
    with time_machine.travel(_at(today, 9), tick=True):
        _scenario(police, today)
        _incidents(police, m.Group.objects.get(name="Lugna gänget"), [_at(dt.date(2026, 3, 4), 12)])
        weekly_counts.rebuild(programme_id=police.programme_id)
        _log_in(page, live_server, police_coordinator)
        header = page.locator("table.trend-table").first.locator("thead th").nth(1)
        assert header.inner_text().startswith("8 ")

        page.check("input[name=period][value=quarter]")
        page.click("#period-form button[type=submit]")
        page.wait_for_url("**period=quarter**")
        assert page.locator("table.trend-table").first.locator("thead th").nth(1).inner_text().startswith("13 ")

        page.check("input[name=period][value=year]")
        page.click("#period-form button[type=submit]")
        page.wait_for_url("**period=year**")
        assert page.locator("table.trend-table").first.locator("thead th").nth(1).inner_text().startswith("52 ")
        # The March incident is in the year: the quiet group's total over the period counts it.
        assert _row(page, "Lugna gänget").count() == 1

        page.check("input[name=period][value=range]")
        page.fill("input[name=start]", "2026-03-02")
        page.fill("input[name=end]", "2026-03-15")
        page.click("#period-form button[type=submit]")
        page.wait_for_url("**period=range**")
        assert page.locator("table.trend-table").first.locator("thead th").nth(1).inner_text().startswith("2 ")
        assert page.locator("#reviewed-week").inner_text().count("11") >= 1  # week 11, 9–15 March
        assert _row(page, "Lugna gänget").locator("td.reviewed-week").inner_text() == "0"
        # The exports follow the chosen period.
        assert "period=range" in page.locator("a[href*='review.xlsx']").get_attribute("href")

        # A reversed range is refused with a clear message, and the review falls back to 8 weeks.
        page.check("input[name=period][value=range]")
        page.fill("input[name=start]", "2026-03-15")
        page.fill("input[name=end]", "2026-03-02")
        page.click("#period-form button[type=submit]")
        assert page.locator("#period-error").is_visible()
        assert page.locator("table.trend-table").first.locator("thead th").nth(1).inner_text().startswith("8 ")
        assert not page.console_errors
