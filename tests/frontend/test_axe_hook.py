"""The default audit itself (tests/axe.py): it must find what axe finds, on a page load, on a page
the test left before the audit finished, and in a state changed after the load (htmx)."""

import pytest

from tests.axe import AUDITOR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = '<!doctype html><html lang="sv"><head><title>Prov</title></head><body><main>{}</main></body></html>'
BROKEN = PAGE.format('<img src="x.png">')  # no alt: axe's image-alt (WCAG 1.1.1)
FINE = PAGE.format("<p>Hej</p>")


def _serve(context, live_server):
    """The test pages, for every page of the context (the audit may open one of its own)."""

    def fulfil(route):
        body = BROKEN if "broken" in route.request.url else FINE
        route.fulfill(status=200, content_type="text/html", body=body)

    context.route(f"{live_server.url}/axe-hook/**", fulfil)


def _rules():
    found = sorted({(finding.rule, finding.url.rsplit("/", 2)[-2]) for finding in AUDITOR.findings})
    AUDITOR.findings.clear()  # found on purpose: the test's own teardown must not fail on them
    return found


def test_a_violation_on_load_is_found(browser, live_server):
    context = browser.new_context()
    _serve(context, live_server)
    page = context.new_page()
    page.goto(f"{live_server.url}/axe-hook/broken/")
    page.goto(f"{live_server.url}/axe-hook/fine/")
    context.close()
    assert _rules() == [("image-alt", "broken")]


def test_a_state_changed_after_the_load_is_audited_before_the_context_closes(browser, live_server):
    context = browser.new_context()
    _serve(context, live_server)
    page = context.new_page()
    page.goto(f"{live_server.url}/axe-hook/fine/")
    page.wait_for_timeout(300)
    assert _rules() == []
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"y.png\">')")
    context.close()
    assert _rules() == [("image-alt", "fine")]


def test_pages_of_a_context_never_closed_are_audited_at_the_end(browser, live_server):
    page = browser.new_page()
    _serve(page.context, live_server)
    page.goto(f"{live_server.url}/axe-hook/broken/")
    AUDITOR.finish()  # what the autouse fixture does after the test
    assert _rules() == [("image-alt", "broken")]
    page.close()
