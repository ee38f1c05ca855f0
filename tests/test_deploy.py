"""The production-shaped path: docker compose cannot run here, so its file is checked and the
commands its services run (gunicorn, celery beat) are run against the local PostgreSQL and Redis."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()


def test_compose_has_the_five_services_with_healthchecks():
    services = COMPOSE["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["web"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_compose_commands_point_at_this_project():
    services = COMPOSE["services"]
    assert "gunicorn config.wsgi:application --config config/gunicorn.py" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    for command in re.findall(r"manage\.py (\w+)", services["web"]["command"]):
        from django.core.management import get_commands

        assert command in get_commands(), f"compose runs unknown command {command}"


def test_compose_environment_is_read_by_the_settings():
    environment = COMPOSE["x-app"]["environment"]
    for name in environment:
        assert f'"{name}"' in SETTINGS_SOURCE, f"{name} is set by compose but not read by config/settings.py"
    assert environment["GVI_ENVIRONMENT"] == "production"
    # Secrets are never given defaults in the compose file.
    for secret in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "SEARCH_HASH_KEY"):
        assert ":?" in environment[secret]


def test_the_image_leaves_out_secrets_and_local_state():
    """The Dockerfile copies the whole folder: what must never be in the image is ignored."""
    assert "COPY . ." in (ROOT / "Dockerfile").read_text()
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", "db.sqlite3*", "var", ".git"} <= ignored
    assert "!.env.example" in ignored


def run_settings(env_overrides):
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_real_secrets():
    result = run_settings({"GVI_ENVIRONMENT": "production"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_an_unknown_environment_is_refused():
    typo = run_settings({"GVI_ENVIRONMENT": "prod"})
    assert typo.returncode != 0
    assert "GVI_ENVIRONMENT must be production or development, not 'prod'" in typo.stderr


def test_production_starts_with_real_secrets():
    from cryptography.fernet import Fernet

    result = run_settings(
        {
            "GVI_ENVIRONMENT": "production",
            "SECRET_KEY": "x" * 50,
            "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SEARCH_HASH_KEY": "y" * 50,
        }
    )
    assert result.returncode == 0, result.stderr


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env():
    """The environment of a compose service, pointed at this test run's database and broker."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}


def require_real_services():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL (set DATABASE_URL)")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        skip_or_fail("needs Redis (set CELERY_BROKER_URL)")


PRODUCTION_VARIABLES = ("GVI_ENVIRONMENT", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "SEARCH_HASH_KEY", "ALLOWED_HOSTS")


def production_env(env_file: Path, **overrides):
    """The compose service environment, with production and generated secrets (what
    .env.example asks for) in `env_file`, read by the settings as a deployment's .env is."""
    from cryptography.fernet import Fernet

    env_file.write_text(
        "GVI_ENVIRONMENT=production\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"FIELD_ENCRYPTION_KEY={Fernet.generate_key().decode()}\n"
        f"SEARCH_HASH_KEY={secrets.token_urlsafe(50)}\n"
    )
    # The process environment would win over the file.
    env = {key: value for key, value in service_env().items() if key not in PRODUCTION_VARIABLES}
    return {**env, "GVI_ENV_FILE": str(env_file), **overrides}


def start_gunicorn(env):
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application", "--config", "config/gunicorn.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_gunicorn_in_production_passes_the_compose_healthcheck(tmp_path):
    """gunicorn as compose runs it (production, set in an env file as a deployment's .env; the
    https redirect on; the site's own host name), probed by the very command of the web service's
    healthcheck, which asks 127.0.0.1 over plain HTTP. Behind the TLS proxy, the login page and its
    hashed stylesheet are served, as the image's collectstatic left them."""
    require_real_services()
    port = free_port()
    env = production_env(
        tmp_path / "production.env",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        BEHIND_TLS_PROXY="true",
        STATIC_ROOT=str(tmp_path / "static"),
        ALLOWED_HOSTS="gvi.example.se",
    )
    # The image's collectstatic, less the third-party apps' files (compressing them takes 20 s).
    third_party = ["--ignore=admin", "--ignore=drf_spectacular_sidecar", "--ignore=rest_framework"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0", *third_party],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    server = start_gunicorn(env)
    healthcheck = COMPOSE["services"]["web"]["healthcheck"]["test"]
    assert healthcheck[:3] == ["CMD", "python", "-c"]
    probe = healthcheck[3].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    assert probe != healthcheck[3]
    try:
        deadline = time.monotonic() + 30
        while True:
            result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=10)
            if result.returncode == 0 or time.monotonic() > deadline or server.poll() is not None:
                break
            time.sleep(0.3)
        assert result.returncode == 0, result.stderr[-2000:]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            body = response.read().decode()
        assert '"vendor": "postgresql"' in body and '"transport": "redis"' in body
        # Everything else needs the site's host name, and is sent to https.
        opener = urllib.request.build_opener(NoRedirect)
        for host, status in (("127.0.0.1", 400), ("gvi.example.se", 301)):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/login/", headers={"Host": host})
            with pytest.raises(urllib.error.HTTPError) as refused:
                opener.open(request, timeout=3)
            assert refused.value.code == status
        assert refused.value.headers["Location"] == "https://gvi.example.se/login/"
        behind_proxy = {"X-Forwarded-Proto": "https", "Host": "gvi.example.se"}
        login = urllib.request.Request(f"http://127.0.0.1:{port}/login/", headers=behind_proxy)
        with urllib.request.urlopen(login, timeout=3) as response:
            page = response.read().decode()
        stylesheet = re.search(r'href="(/static/frontend/css/app\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, "the login page links the hashed stylesheet"
        css = urllib.request.Request(f"http://127.0.0.1:{port}{stylesheet[1]}", headers=behind_proxy)
        with urllib.request.urlopen(css, timeout=3) as response:
            assert response.headers["Content-Type"].startswith("text/css")
            assert len(response.read()) > 1000
    finally:
        server.terminate()
        server.wait(timeout=10)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_gunicorn_refuses_to_serve_a_development_setup():
    env = {key: value for key, value in service_env().items() if key not in ("GVI_ENVIRONMENT", "GVI_ENV_FILE")}
    env.update(GUNICORN_BIND=f"127.0.0.1:{free_port()}", GUNICORN_WORKERS="1")
    server = start_gunicorn(env)
    _out, err = server.communicate(timeout=30)
    assert server.returncode != 0
    assert "GVI_ENVIRONMENT=production" in err


@pytest.mark.django_db(transaction=True)
def test_celery_beat_starts_with_the_database_scheduler():
    require_real_services()
    beat = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            "--pidfile=",
            "--schedule=/dev/null",
        ],
        cwd=ROOT,
        env=service_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = ""
        deadline = time.monotonic() + 30
        while "Starting" not in output and time.monotonic() < deadline and beat.poll() is None:
            output += beat.stdout.readline()
        assert "DatabaseScheduler" in output and "Starting" in output, output
    finally:
        beat.terminate()
        beat.wait(timeout=10)
