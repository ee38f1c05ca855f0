"""End to end: a REAL `celery -A config worker` process on the REAL Redis runs the jobs that the
write services dispatch on commit, against the test database (PostgreSQL, shared with the worker).

Run with DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...; without them the test
skips (and fails in CI, where GVI_REQUIRE_REAL_SERVICES=1).
"""

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app
from gvi import models as m
from tests import factories as f
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait_for(condition, timeout=60.0, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"Timed out waiting for {what}")


@pytest.fixture
def worker():
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        skip_or_fail("needs a Redis broker (CELERY_BROKER_URL=redis://...)")
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL so the worker process sees the test database")
    import redis

    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis is not reachable: {exc}")
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)  # leftovers of earlier runs
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": settings.REDIS_URL or broker,
        "GVI_SCORING_COALESCE_SECONDS": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    log = tempfile.NamedTemporaryFile("w+", prefix="gvi-worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.seek(0)
        output = log.read()
        log.close()
        os.unlink(log.name)
        if "Traceback" in output:
            print(output[-5000:])  # shown by pytest when the test fails


def test_real_worker_scores_flags_and_makes_follow_ups(
    worker, police, probation, social_services, police_analyst, police_coordinator
):
    from gvi.services.callins import record_attendance
    from gvi.services.flags import confirm_flag
    from gvi.services.incidents import log_incident

    north = f.GroupFactory(organisation=police, name="Norr")
    south = f.GroupFactory(organisation=police, name="Söder")
    # A burst of five incidents: scored together, not five times.
    for share, group in [("1", north), ("1", north), ("1", north), ("0.5", south), ("1", south)]:
        log_incident(
            user=police_analyst,
            incident_type="homicide",
            occurred_at=timezone.now() - dt.timedelta(minutes=5),
            source="K-TEST",
            confidence=m.Confidence.CONFIRMED,
            attributions=[{"group": group, "share": Decimal(share)}],
        )

    def scored():
        run = m.ScoringRun.objects.filter(finished_at__isnull=False).order_by("-id").first()
        return (
            run and run.scores.get(group=north).incident_count == 3 and run.scores.get(group=south).incident_count == 2
        )

    _wait_for(scored, what="the worker to score the burst")
    time.sleep(3)  # let any straggler of the burst run
    assert 1 <= m.ScoringRun.objects.count() <= 2
    run = m.ScoringRun.objects.order_by("-id").first()
    assert run.scores.get(group=north).score == pytest.approx(30.0, rel=1e-3)
    assert run.scores.get(group=south).score == pytest.approx(15.0, rel=1e-3)
    flag = m.GroupFlag.objects.get(status=m.FlagStatus.SUGGESTED)
    assert flag.group == north  # suggested, not acted on
    assert not m.FollowUp.objects.exists()

    confirm_flag(user=police_coordinator, flag=flag, reason="Flest dödligt våld i år")
    _wait_for(
        lambda: m.FollowUp.objects.filter(rule="flag_enforcement_plan").count() == 3,
        what="an enforcement plan task for each partner",
    )

    call_in = f.CallInFactory(organisation=police, scheduled_at=timezone.now() - dt.timedelta(hours=3))
    attended = f.InvitationFactory(organisation=probation, call_in=call_in)
    missed = f.InvitationFactory(organisation=probation, call_in=call_in)
    record_attendance(user=police_coordinator, invitation=attended, status=m.InvitationStatus.ATTENDED)
    record_attendance(user=police_coordinator, invitation=missed, status=m.InvitationStatus.NO_SHOW)
    _wait_for(
        lambda: (
            set(m.FollowUp.objects.filter(rule__startswith="call_in").values_list("rule", "owner_organisation"))
            == {("call_in_attended_services", social_services.pk), ("call_in_no_show_notification", probation.pk)}
        ),
        what="the call-in follow-ups",
    )

    from tasks.followups import run_daily_rules

    f.SupervisionFactory(organisation=probation, end_date=timezone.localdate() + dt.timedelta(days=10))
    run_daily_rules.delay()
    run_daily_rules.delay()  # twice: still one follow-up
    _wait_for(lambda: m.FollowUp.objects.filter(rule="supervision_ending").exists(), what="the daily rules")
    time.sleep(2)
    assert m.FollowUp.objects.filter(rule="supervision_ending").count() == 1
    assert m.FollowUp.objects.filter(rule="flag_enforcement_plan").count() == 3
    assert worker.poll() is None  # the worker is still alive
