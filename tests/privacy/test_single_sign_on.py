"""Single sign-on through OpenID Connect (issue 17 item 4), with a fake identity provider: the
token, ID token and userinfo calls of mozilla-django-oidc's backend are replaced, the rest of the
flow (state, session, callback, the table, the second factor) runs as in production."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from frontend.sso import GviOIDCBackend
from gvi import models as m
from gvi.services import records
from tests import factories as f

pytestmark = pytest.mark.django_db


class FakeProvider:
    """What the identity provider answers: the ID token's claims and the userinfo's."""

    def __init__(self):
        self.id_token = {"iss": "https://idp.example.test", "sub": "abc-123", "aud": "gvi"}
        self.userinfo = {"sub": "abc-123", "email": "kim@polisen.example.test", "groups": ["gvi-samordnare"]}
        self.token_calls = 0

    def install(self, monkeypatch):
        provider = self

        def get_token(backend, payload):
            provider.token_calls += 1
            assert payload["code"] == "the-code" and payload["grant_type"] == "authorization_code"
            return {"id_token": "signed.id.token", "access_token": "access-token"}

        monkeypatch.setattr(GviOIDCBackend, "get_token", get_token)
        monkeypatch.setattr(GviOIDCBackend, "verify_token", lambda backend, token, **kw: dict(provider.id_token))
        monkeypatch.setattr(GviOIDCBackend, "get_userinfo", lambda backend, a, i, p: dict(provider.userinfo))


@pytest.fixture
def sso(settings, monkeypatch):
    settings.GVI_OIDC_ENABLED = True
    settings.GVI_OIDC_PROVIDER_NAME = "Polisens inloggning"
    settings.OIDC_RP_CLIENT_ID = "gvi"
    settings.OIDC_RP_CLIENT_SECRET = "not-a-real-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://idp.example.test/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example.test/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://idp.example.test/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://idp.example.test/jwks"
    provider = FakeProvider()
    provider.install(monkeypatch)
    return provider


@pytest.fixture
def mapping(programme, police):
    return m.ClaimMapping.objects.create(
        programme=programme, claim="groups", value="gvi-samordnare", organisation=police, role=m.Role.COORDINATOR
    )


def sign_in(client, *, next_url=""):
    """Start at gvi, come back from the provider with a code: the callback's response."""
    start = client.get(reverse("frontend:sso_start") + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    location = urlsplit(start["Location"])
    assert location.netloc == "idp.example.test"
    query = parse_qs(location.query)
    assert query["client_id"] == ["gvi"] and "code_challenge" in query  # PKCE on
    return client.get(reverse("frontend:sso_callback"), {"code": "the-code", "state": query["state"][0]})


def signed_in_user(client):
    return m.User.objects.get(pk=client.session["_auth_user_id"]) if "_auth_user_id" in client.session else None


class TestDisabledByDefault:
    def test_no_button_and_the_urls_are_not_found(self, client, settings):
        assert settings.GVI_OIDC_ENABLED is False
        page = client.get(reverse("frontend:login"))
        assert page.status_code == 200 and b"sso-login" not in page.content
        for name in ("frontend:sso_start", "frontend:sso_callback", "frontend:sso_refused"):
            assert client.get(reverse(name), {"code": "x", "state": "y"}).status_code == 404

    def test_the_backend_authenticates_nobody_while_off(self, rf, settings):
        request = rf.get("/login/sso/callback/", {"code": "x", "state": "y"})
        assert GviOIDCBackend().authenticate(request, nonce="n") is None


class TestSignIn:
    def test_login_page_offers_the_provider_in_swedish(self, client, sso):
        page = client.get(reverse("frontend:login"), HTTP_ACCEPT_LANGUAGE="sv")
        assert "Logga in med Polisens inloggning" in page.content.decode()
        english = client.get(reverse("frontend:login"), HTTP_ACCEPT_LANGUAGE="en")
        assert "Log in with Polisens inloggning" in english.content.decode()

    def test_matched_claims_sign_in_with_the_mapped_organisation_and_role(self, client, sso, mapping, police):
        response = sign_in(client, next_url=reverse("frontend:group_list"))
        assert response.status_code == 302 and response["Location"] == reverse("frontend:group_list")
        user = signed_in_user(client)
        assert user.username == "sso-abc-123"
        assert (user.organisation, user.role) == (police, m.Role.COORDINATOR)
        assert not user.is_staff and not user.is_superuser and not user.has_usable_password()
        event = m.SingleSignOnEvent.objects.get()
        assert (event.outcome, event.user, event.mapping, event.subject) == ("signed_in", user, mapping, "abc-123")
        assert event.issuer == "https://idp.example.test" and event.provider_mfa is False
        assert client.get(reverse("frontend:group_list")).status_code == 200

    def test_a_single_valued_claim_matches_too(self, client, sso, programme, probation):
        m.ClaimMapping.objects.create(
            programme=programme, claim="department", value="frivarden", organisation=probation, role=m.Role.ANALYST
        )
        sso.userinfo = {"sub": "abc-123", "department": "frivarden"}
        sign_in(client)
        assert (signed_in_user(client).organisation, signed_in_user(client).role) == (probation, m.Role.ANALYST)

    def test_unmatched_claims_are_refused_with_a_clear_page_and_no_account(self, client, sso, mapping):
        sso.userinfo["groups"] = ["some-other-group"]
        response = sign_in(client)
        assert response.status_code == 302 and response["Location"] == reverse("frontend:sso_refused")
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 403
        assert "gvi has no organisation or role for your account" in page.content.decode()
        assert signed_in_user(client) is None
        assert not m.User.objects.filter(username__startswith="sso-").exists()
        event = m.SingleSignOnEvent.objects.get()
        assert (event.outcome, event.user, event.subject) == ("no_match", None, "abc-123")

    def test_an_inactive_mapping_matches_nobody(self, client, sso, mapping):
        mapping.is_active = False
        records.save_setting(mapping, user=None)
        sign_in(client)
        assert signed_in_user(client) is None

    def test_rows_that_disagree_refuse(self, client, sso, mapping, programme, probation):
        m.ClaimMapping.objects.create(
            programme=programme,
            claim="groups",
            value="gvi-frivard",
            organisation=probation,
            role=m.Role.PARTNER_OFFICER,
        )
        sso.userinfo["groups"] = ["gvi-samordnare", "gvi-frivard"]
        response = sign_in(client)
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
        assert "more than one organisation or role" in page.content.decode()
        assert signed_in_user(client) is None
        assert m.SingleSignOnEvent.objects.get().outcome == "ambiguous"

    def test_the_role_and_organisation_follow_the_table_at_each_sign_in(
        self, client, sso, mapping, programme, probation
    ):
        sign_in(client)
        user = signed_in_user(client)
        assert user.role == m.Role.COORDINATOR
        client.logout()
        # The administrator changes the row; the next sign-in follows it.
        mapping.organisation, mapping.role = probation, m.Role.PARTNER_OFFICER
        records.save_setting(mapping, user=None)
        sign_in(client)
        user.refresh_from_db()
        assert signed_in_user(client) == user
        assert (user.organisation, user.role) == (probation, m.Role.PARTNER_OFFICER)
        client.logout()
        # The person leaves the group at the provider: refused, and the account is not changed.
        sso.userinfo["groups"] = []
        sign_in(client)
        assert signed_in_user(client) is None
        user.refresh_from_db()
        assert user.role == m.Role.PARTNER_OFFICER
        assert [e.outcome for e in m.SingleSignOnEvent.objects.order_by("id")] == ["signed_in", "signed_in", "no_match"]

    def test_a_deactivated_account_is_refused(self, client, sso, mapping):
        sign_in(client)
        user = signed_in_user(client)
        client.logout()
        user.is_active = False
        records.save_setting(user, user=None)
        sign_in(client)
        assert signed_in_user(client) is None
        assert m.SingleSignOnEvent.objects.order_by("-id").first().outcome == "inactive"

    def test_a_local_account_with_the_same_email_is_not_taken_over(self, client, sso, mapping, police_coordinator):
        police_coordinator.email = sso.userinfo["email"]
        records.save_setting(police_coordinator, user=None)
        sign_in(client)
        assert signed_in_user(client) != police_coordinator
        assert signed_in_user(client).username == "sso-abc-123"

    def test_subjects_that_disagree_are_refused(self, client, sso, mapping):
        sso.userinfo["sub"] = "someone-else"
        sign_in(client)
        assert signed_in_user(client) is None
        assert not m.User.objects.filter(username__startswith="sso-").exists()

    def test_the_sign_in_log_is_append_only(self, client, sso, mapping):
        sign_in(client)
        event = m.SingleSignOnEvent.objects.get()
        with pytest.raises(PermissionDenied):
            event.save()
        with pytest.raises(PermissionDenied):
            event.delete()

    def test_the_organisation_must_belong_to_the_programme(self, programme):
        other = f.OrganisationFactory(programme=f.ProgrammeFactory(name="Annan satsning"), name="Polisen Annanstad")
        row = m.ClaimMapping(programme=programme, claim="groups", value="x", organisation=other, role=m.Role.ANALYST)
        with pytest.raises(Exception, match="must belong to the programme"):
            row.full_clean()


class TestSecondFactor:
    @pytest.fixture(autouse=True)
    def two_factor(self, settings):
        settings.GVI_REQUIRE_TWO_FACTOR = True

    def test_the_apps_second_factor_is_still_asked_by_default(self, client, sso, mapping):
        sso.id_token["amr"] = ["pwd", "mfa"]  # not trusted unless the programme says so
        sign_in(client)
        response = client.get(reverse("frontend:group_list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("frontend:twofactor_setup"))

    def test_a_trusted_provider_second_factor_satisfies_it(self, client, sso, mapping, settings):
        settings.GVI_OIDC_TRUST_PROVIDER_MFA = True
        sso.id_token["amr"] = ["pwd", "mfa"]
        sign_in(client)
        assert client.get(reverse("frontend:group_list")).status_code == 200
        assert m.SingleSignOnEvent.objects.get().provider_mfa is True

    def test_a_trusted_provider_without_a_second_factor_still_asks(self, client, sso, mapping, settings):
        settings.GVI_OIDC_TRUST_PROVIDER_MFA = True
        sso.id_token["amr"] = ["pwd"]
        sso.userinfo["amr"] = ["mfa"]  # only the signed ID token counts
        sign_in(client)
        assert client.get(reverse("frontend:group_list")).status_code == 302

    def test_an_acr_value_can_be_trusted(self, client, sso, mapping, settings):
        settings.GVI_OIDC_TRUST_PROVIDER_MFA = True
        settings.GVI_OIDC_MFA_ACR_VALUES = ["http://id.elegnamnden.se/loa/1.0/loa3"]
        sso.id_token["acr"] = "http://id.elegnamnden.se/loa/1.0/loa3"
        sign_in(client)
        assert client.get(reverse("frontend:group_list")).status_code == 200

    def test_a_later_password_login_does_not_inherit_the_providers_factor(
        self, client, sso, mapping, settings, police_coordinator
    ):
        settings.GVI_OIDC_TRUST_PROVIDER_MFA = True
        sso.id_token["amr"] = ["mfa"]
        sign_in(client)
        police_coordinator.set_password("correct-horse-battery-staple")
        records.save_setting(police_coordinator, user=None)
        client.post(
            reverse("frontend:login"),
            {"username": police_coordinator.username, "password": "correct-horse-battery-staple"},
        )
        assert signed_in_user(client) == police_coordinator
        assert client.get(reverse("frontend:group_list")).status_code == 302


class TestSettingsCheck:
    def test_no_complaint_while_off(self, settings):
        from frontend.sso import check_single_sign_on

        assert check_single_sign_on() == []

    def test_a_missing_endpoint_is_an_error_when_on(self, settings):
        from frontend.sso import check_single_sign_on

        settings.GVI_OIDC_ENABLED = True
        settings.GVI_OIDC_PROVIDER_NAME = "Polisens inloggning"
        settings.OIDC_RP_CLIENT_ID = "gvi"
        settings.OIDC_RP_CLIENT_SECRET = "not-a-real-secret"
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://idp.example.test/authorize"
        settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example.test/token"
        settings.OIDC_OP_USER_ENDPOINT = "https://idp.example.test/userinfo"
        settings.OIDC_OP_JWKS_ENDPOINT = ""
        assert [e.msg for e in check_single_sign_on()] == ["GVI_OIDC_ENABLED is on but OIDC_OP_JWKS_ENDPOINT is empty."]
