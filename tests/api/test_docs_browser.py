"""The Swagger UI renders in a real browser under the CSP ('self' only), with no request elsewhere."""

import shutil

import pytest

from tests.conftest import skip_or_fail


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_offline_under_the_csp(live_server, monkeypatch):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        skip_or_fail("needs Chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("needs playwright")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's loop runs in this thread
    problems, foreign = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.on(
            "request",
            lambda request: foreign.append(request.url) if not request.url.startswith(live_server.url) else None,
        )
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock-tag", timeout=15000)
        tags = page.locator(".opblock-tag").all_inner_texts()
        browser.close()
    assert any("custom notifications" in tag for tag in tags)
    assert not [text for text in problems if "Content Security Policy" in text], problems
    assert foreign == []
