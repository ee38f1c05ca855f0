"""The Swagger UI renders in a real browser under the CSP ('self' only), with no request elsewhere."""

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_offline_under_the_csp(browser, live_server):
    problems, foreign = [], []
    page = browser.new_page()
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on(
        "request",
        lambda request: foreign.append(request.url) if not request.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=15000)
    tags = page.locator(".opblock-tag").all_inner_texts()
    page.close()
    assert any("custom-notifications" in tag for tag in tags)
    assert not [text for text in problems if "Content Security Policy" in text], problems
    assert foreign == []
