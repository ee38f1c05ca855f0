"""Login hardening: lockout, two-factor login, session and cookie settings, headers, check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


class TestLockout:
    def test_repeated_failures_lock_the_login_even_with_the_right_password(self, client, settings, probation_officer):
        login = reverse("frontend:login")
        statuses = [
            client.post(login, {"username": probation_officer.username, "password": "wrong-password-1"}).status_code
            for _ in range(settings.AXES_FAILURE_LIMIT)
        ]
        # The form again, with an error, until the limit is reached; then locked.
        assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
        response = client.post(login, {"username": probation_officer.username, "password": PASSWORD})
        assert response.status_code == 429
        assert "twofactor/locked.html" in [t.name for t in response.templates]
        assert "_auth_user_id" not in client.session

    def test_a_few_failures_do_not_lock_and_success_resets(self, client, settings, probation_officer):
        login = reverse("frontend:login")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            client.post(login, {"username": probation_officer.username, "password": "wrong-password-1"})
        response = client.post(login, {"username": probation_officer.username, "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(probation_officer.pk)


@pytest.fixture
def two_factor(settings):
    settings.GVI_REQUIRE_TWO_FACTOR = True


class TestTwoFactor:
    def test_coordinator_without_device_is_sent_to_set_up_and_enrols(self, client, two_factor, police_coordinator):
        client.force_login(police_coordinator)
        response = client.get(reverse("frontend:weekly_review"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("frontend:twofactor_setup"))
        page = client.get(response["Location"])
        assert page.status_code == 200 and b"<svg" in page.content
        device = TOTPDevice.objects.get(user=police_coordinator, confirmed=False)
        wrong = client.post(
            reverse("frontend:twofactor_setup"), {"token": "000000" if code_for(device) != "000000" else "111111"}
        )
        assert wrong.status_code == 200 and not TOTPDevice.objects.filter(confirmed=True).exists()
        device.refresh_from_db()
        assert device.throttling_failure_count == 1  # each wrong code makes the next try wait longer
        device.throttle_reset()
        done = client.post(reverse("frontend:twofactor_setup"), {"token": code_for(device), "next": "/"})
        assert done.status_code == 302 and done["Location"] == "/"
        assert client.get(reverse("frontend:weekly_review")).status_code == 200

    def test_a_confirmed_device_must_be_used_and_cannot_be_replaced(self, client, two_factor, police_coordinator):
        device = TOTPDevice.objects.create(user=police_coordinator, name="app", confirmed=True)
        client.force_login(police_coordinator)
        response = client.get(reverse("frontend:weekly_review"))
        assert response["Location"].startswith(reverse("frontend:twofactor_verify"))
        # A stolen password alone cannot enrol another device.
        assert client.get(reverse("frontend:twofactor_setup"))["Location"].startswith(
            reverse("frontend:twofactor_verify")
        )
        assert TOTPDevice.objects.filter(user=police_coordinator).count() == 1
        bad = client.post(reverse("frontend:twofactor_verify"), {"token": "12345"})
        assert bad.status_code == 200 and not bad.wsgi_request.user.is_verified()
        ok = client.post(
            reverse("frontend:twofactor_verify"), {"token": code_for(device), "next": "https://evil.example/"}
        )
        assert ok.status_code == 302 and ok["Location"] == reverse("frontend:weekly_review")
        assert client.get(reverse("frontend:weekly_review")).status_code == 200

    def test_administrators_and_superusers_need_it_too_and_the_api_refuses(self, client, two_factor, police):
        admin = f.UserFactory(organisation=police, role=m.Role.ADMINISTRATOR, is_staff=True)
        client.force_login(admin)
        assert client.get("/admin/").status_code == 302
        refused = client.get("/api/v1/anything")
        assert refused.status_code == 403
        assert refused.json()["code"] == "two_factor_required" and set(refused.json()) == {
            "status",
            "code",
            "detail",
            "errors",
        }  # the API's one error shape
        root = f.UserFactory(organisation=police, role=m.Role.PARTNER_OFFICER, is_superuser=True, is_staff=True)
        client.force_login(root)
        assert client.get(reverse("frontend:weekly_review")).status_code == 302

    def test_every_role_needs_it_and_development_none(
        self, client, settings, probation_officer, police_analyst, auditor, police_coordinator
    ):
        settings.GVI_REQUIRE_TWO_FACTOR = True
        assert set(settings.GVI_TWO_FACTOR_ROLES) == set(m.Role)
        for user in (probation_officer, police_analyst, auditor):
            client.force_login(user)
            response = client.get(reverse("frontend:weekly_review"))
            assert response.status_code == 302 and response["Location"].startswith(reverse("frontend:twofactor_setup"))
        settings.GVI_REQUIRE_TWO_FACTOR = False
        client.force_login(police_coordinator)
        assert client.get(reverse("frontend:weekly_review")).status_code == 200


def test_security_headers_and_cookies(client, probation_officer):
    response = client.get(reverse("frontend:login"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    client.force_login(probation_officer)
    page = client.get(reverse("frontend:weekly_review"))
    assert page["Cache-Control"] == "no-store"
    from django.conf import settings

    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GVI_", "SECURE_"))}
    env.update(
        GVI_ENVIRONMENT="production",
        SECRET_KEY="prod-like-" + Fernet.generate_key().decode() + Fernet.generate_key().decode(),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        SEARCH_HASH_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="gvi.example.se",
        GVI_VAR_DIR="/tmp/gvi-check-deploy",
        DATABASE_URL="sqlite:////tmp/gvi-check-deploy.sqlite3",
        REDIS_URL="",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    env.update(extra)
    return env


def run_manage(*args, env):
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_turns_on_two_factor_and_secure_cookies():
    code = (
        "from django.conf import settings as s;"
        "print(s.GVI_REQUIRE_TWO_FACTOR, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG, s.SESSION_COOKIE_AGE)"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env=production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "False", "1800"]


def test_production_refuses_development_keys():
    env = production_env()
    env.pop("SECRET_KEY")
    result = run_manage("check", env=env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
