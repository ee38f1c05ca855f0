"""What changed since the last review, in the browser on a Monday (a fixed clock): the coordinator
sees the changes since the start of the reviewed week, marks the review held, and the page says who
and when; a week later the changes run from that meeting."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from gvi import models as m
from tests import factories as f
from tests.frontend.test_browser import _log_in, eager_tasks, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
MONDAY = dt.date(2026, 11, 30)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=STOCKHOLM)


def test_a_monday_review_shows_the_changes_and_is_marked_held(
    page,  # noqa: F811
    live_server,
    police,
    police_coordinator,
):
    with time_machine.travel(_at(MONDAY - dt.timedelta(days=3), 23), tick=False):  # Friday of the reviewed week
        f.IncidentFactory(
            organisation=police,
            incident_type=m.IncidentType.SHOOTING,
            occurred_at=_at(MONDAY, 0) - dt.timedelta(days=3, hours=1),
        )
        f.GroupRelationFactory(
            organisation=police,
            group_a=f.GroupFactory(organisation=police, name="Östra gänget"),
            group_b=f.GroupFactory(organisation=police, name="Västra gänget"),
            start_date=MONDAY - dt.timedelta(days=4),
        )
    with time_machine.travel(_at(MONDAY, 9), tick=True):
        _log_in(page, live_server, police_coordinator)
        section = page.locator("#changes-since-review")
        assert "23" in page.locator("#changes-since").inner_text()  # since Monday 23 November
        assert page.locator("#serious-incidents li").count() == 1
        assert "Östra gänget" in page.locator("#new-conflicts").inner_text()

        with page.expect_navigation():
            section.locator("button[type=submit]").click()
        assert page.url.startswith(f"{live_server.url}/?period=8w"), page.url
        held = page.locator("#review-held").inner_text()
        assert "48" in held and (police_coordinator.get_full_name() or police_coordinator.username) in held, held
        assert page.locator("#changes-since-review form").count() == 0
        assert not page.console_errors
    assert m.ReviewMeeting.objects.get().held_by == police_coordinator
