"""Single sign-on in a real browser (Playwright, Chromium): the login page's button, the trip to
the (fake) identity provider and back, and the refused page. The provider's pages are answered by
Playwright's routing; its token and userinfo answers by the fake in tests/privacy."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from gvi import models as m
from tests.privacy.test_single_sign_on import FakeProvider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(settings, monkeypatch):
    settings.GVI_OIDC_ENABLED = True
    settings.GVI_OIDC_PROVIDER_NAME = "Polisens inloggning"
    settings.OIDC_RP_CLIENT_ID = "gvi"
    settings.OIDC_RP_CLIENT_SECRET = "not-a-real-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://idp.example.test/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example.test/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://idp.example.test/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://idp.example.test/jwks"
    fake = FakeProvider()
    fake.install(monkeypatch)
    return fake


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(20000)

    def authorize(route):
        # The provider signs the person in and sends the browser back with a code.
        query = parse_qs(urlsplit(route.request.url).query)
        back = query["redirect_uri"][0] + "?" + urlencode({"code": "the-code", "state": query["state"][0]})
        route.fulfill(status=302, headers={"Location": back})

    page.route("https://idp.example.test/**", authorize)
    yield page
    context.close()


def test_signing_in_with_the_provider(page, live_server, provider, programme, police):
    m.ClaimMapping.objects.create(
        programme=programme, claim="groups", value="gvi-samordnare", organisation=police, role=m.Role.COORDINATOR
    )
    page.goto(f"{live_server.url}/login/")
    button = page.get_by_role("link", name="Logga in med Polisens inloggning")
    button.click()
    page.wait_for_url(f"{live_server.url}/")
    user = m.User.objects.get(username="sso-abc-123")
    assert (user.organisation, user.role) == (police, m.Role.COORDINATOR)
    assert page.get_by_role("button", name="Logga ut").count() + page.get_by_role("link", name="Logga ut").count()


def test_a_person_the_table_does_not_know_is_refused(page, live_server, provider):
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Logga in med Polisens inloggning").click()
    page.wait_for_url(f"{live_server.url}/login/sso/refused/")
    alert = page.get_by_role("alert")
    assert "Inget konto har skapats" in alert.inner_text()
    assert not m.User.objects.filter(username__startswith="sso-").exists()
