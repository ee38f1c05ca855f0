"""The follow-up status in a real browser, by keyboard (issue 21, items 4 and 6): arrow keys move
through the options without saving; leaving the field saves once; the card moves to its new
column and the counts follow, without a reload; its Save button saves at once."""

import pytest
from playwright.sync_api import expect

from gvi import models as m
from tests import factories as f
from tests.frontend.test_browser import _log_in, eager_tasks, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_arrow_keys_do_not_save_leaving_the_field_does_and_the_card_moves(
    page,  # noqa: F811
    live_server,
    police,
    police_coordinator,
):
    follow_ups = [f.FollowUpFactory(owner_organisation=police, title=f"Ring upp {i}") for i in range(3)]
    moved = follow_ups[0]
    _log_in(page, live_server, police_coordinator)
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.goto(f"{live_server.url}/follow-ups/")
    assert page.locator("#column-open .count").inner_text() == "(3)"

    select = page.locator(f"#follow-up-{moved.pk} select")
    select.focus()
    page.keyboard.press("ArrowDown")  # open -> in progress
    page.keyboard.press("ArrowDown")  # -> done
    page.keyboard.press("ArrowUp")  # back to in progress
    page.wait_for_timeout(500)
    assert posts == []
    moved.refresh_from_db()
    assert moved.status == m.FollowUpStatus.OPEN

    page.keyboard.press("Tab")  # to the card's own Save button: still nothing saved
    page.wait_for_timeout(300)
    assert posts == []
    page.keyboard.press("Tab")  # leaving the card's form saves the value chosen, once
    in_progress = page.locator("section.board-column", has=page.locator("#column-in_progress"))
    in_progress.locator(f"#follow-up-{moved.pk}").wait_for()
    assert len(posts) == 1
    moved.refresh_from_db()
    assert moved.status == m.FollowUpStatus.IN_PROGRESS
    assert page.locator("#column-open .count").inner_text() == "(2)"
    assert page.locator("#column-in_progress .count").inner_text() == "(1)"
    assert page.locator(f"section.board-column #follow-up-{moved.pk}").count() == 1
    expect(page.locator("#board-status")).to_contain_text("Ring upp 0")  # no string eval: the CSP forbids it
    assert page.evaluate("document.activeElement !== document.body")  # focus stays in the board
    assert page.console_errors == []


def test_the_save_button_saves_at_once(page, live_server, police, police_coordinator):  # noqa: F811
    follow_up = f.FollowUpFactory(owner_organisation=police, title="Boka möte")
    f.FollowUpFactory(owner_organisation=police, title="Skriv rapport")
    _log_in(page, live_server, police_coordinator)
    page.goto(f"{live_server.url}/follow-ups/")
    card = page.locator(f"#follow-up-{follow_up.pk}")
    card.locator("select").select_option("done")
    card.get_by_role("button", name="Spara").click()
    # Done is not on the default board (open and in progress): the card leaves, the count follows.
    card.wait_for(state="detached")
    assert page.locator("#column-open .count").inner_text() == "(1)"
    expect(page.locator("#board-status")).to_contain_text("Boka möte")  # no string eval: the CSP forbids it
    follow_up.refresh_from_db()
    assert follow_up.status == m.FollowUpStatus.DONE
    assert page.evaluate("document.activeElement.closest('#follow-up-board') !== null")
