"""Shared fixtures: one programme with named users per partner organisation (habit 7)."""

import datetime as dt
import os

import pytest
from django.utils import timezone, translation

from gvi import models as m
from tests import factories as f

REQUIRE_REAL_SERVICES = os.environ.get("GVI_REQUIRE_REAL_SERVICES") == "1"


def skip_or_fail(reason: str):
    """Skip a test that needs a missing service; in CI (GVI_REQUIRE_REAL_SERVICES=1) fail instead."""
    if REQUIRE_REAL_SERVICES:
        pytest.fail(f"CI requires this service: {reason}")
    pytest.skip(reason)


def in_parallel(*works, start_together: bool = False) -> list:
    """Run each of `works` in a thread of its own, all at once, each on its own database
    connection, and return what they returned (in finishing order); the first error any raised
    is raised here. Pass the same work twice to race it against itself.

    Concurrent transactions need PostgreSQL (SQLite takes one writer at a time): elsewhere the
    test is skipped, or fails in CI. With start_together the threads start at one barrier."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL for concurrent transactions (set DATABASE_URL)")
    barrier = threading.Barrier(len(works), timeout=30)
    results, errors = [], []

    def run(work):
        try:
            if start_together:
                barrier.wait()
            results.append(work())
        except Exception as error:  # raised below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


CHROMIUM = os.environ.get("GVI_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out, and this network refuses it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        skip_or_fail(f"No Chromium at {CHROMIUM}: install Debian's chromium package to run the browser tests.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        skip_or_fail("Python playwright is not installed.")
    # Playwright's sync API runs an event loop in this thread; the test's own database calls are
    # still synchronous, so Django's async-safety check is relaxed while the browser is open.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from tests.axe import AuditedBrowser

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield AuditedBrowser(browser)  # every page it opens is audited by axe (tests/axe.py)
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(autouse=True)
def axe_every_page(request):
    """Every page a browser test opens is audited by axe-core against WCAG 2.1 A/AA; a violation
    fails the test (tests/axe.py). Only tests that use the browser pay for it."""
    if "browser" not in request.fixturenames:
        yield
        return
    from tests.axe import AUDITOR

    AUDITOR.reset()
    yield AUDITOR
    AUDITOR.finish()
    findings = list(AUDITOR.findings)
    AUDITOR.reset()
    if findings:
        pytest.fail(AUDITOR.report_of(findings), pytrace=False)


@pytest.fixture(autouse=True, scope="session")
def _flush_may_empty_the_access_log():
    """Transactional tests empty the database with TRUNCATE between tests; on PostgreSQL the
    access log refuses it (migration 0013) except where the flush says so."""
    from gvi.audit import flush_may_empty_the_access_log

    with flush_may_empty_the_access_log():
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 is slow on purpose; tests hash many passwords and need no such protection."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def own_cache_per_test_process(settings):
    """Test processes (pytest-xdist) must not clear each other's cache (throttle counters):
    on Redis each process gets a database of its own, after the ones the broker may use."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    cache = settings.CACHES["default"]
    if worker and cache["BACKEND"].endswith("RedisCache"):
        base = cache["LOCATION"].rsplit("/", 1)[0]
        database = 4 + int(worker.removeprefix("gw"))
        settings.CACHES = {**settings.CACHES, "default": {**cache, "LOCATION": f"{base}/{database}"}}


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Messages raised outside a request (services, jobs) are asserted in English; a test of the
    Swedish text says so with translation.override("sv"). Requests still pick their language."""
    with translation.override("en"):
        yield


@pytest.fixture
def programme(db):
    return f.ProgrammeFactory(name="Sluta skjut Teststad", city="Teststad")


@pytest.fixture
def police(programme):
    return f.OrganisationFactory(programme=programme, name="Polisen Teststad", kind=m.OrganisationKind.POLICE)


@pytest.fixture
def probation(programme):
    return f.OrganisationFactory(programme=programme, name="Frivården Teststad", kind=m.OrganisationKind.PROBATION)


@pytest.fixture
def social_services(programme):
    return f.OrganisationFactory(
        programme=programme, name="Socialtjänsten Teststad", kind=m.OrganisationKind.MUNICIPALITY
    )


@pytest.fixture
def civil_society(programme):
    return f.OrganisationFactory(programme=programme, name="Föreningen Teststad", kind=m.OrganisationKind.CIVIL_SOCIETY)


@pytest.fixture
def police_coordinator(police):
    return f.UserFactory(username="samordnare.polis", organisation=police, role=m.Role.COORDINATOR)


@pytest.fixture
def probation_officer(probation):
    return f.UserFactory(username="handlaggare.frivard", organisation=probation, role=m.Role.PARTNER_OFFICER)


@pytest.fixture
def social_services_officer(social_services):
    return f.UserFactory(username="handlaggare.soc", organisation=social_services, role=m.Role.PARTNER_OFFICER)


@pytest.fixture
def civil_society_partner(civil_society):
    return f.UserFactory(username="partner.forening", organisation=civil_society, role=m.Role.PARTNER_OFFICER)


@pytest.fixture
def police_analyst(police):
    return f.UserFactory(username="analytiker.polis", organisation=police, role=m.Role.ANALYST)


@pytest.fixture
def auditor(police):
    return f.UserFactory(username="granskare", organisation=police, role=m.Role.AUDITOR)


@pytest.fixture
def other_programme_officer(db):
    """A partner officer of another programme: sees nothing of ours."""
    other = f.OrganisationFactory(programme=f.ProgrammeFactory(name="Annan satsning"), name="Polisen Annanstad")
    return f.UserFactory(username="annan.polis", organisation=other, role=m.Role.COORDINATOR)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def minor_birth_date(today):
    return today - dt.timedelta(days=16 * 365)
