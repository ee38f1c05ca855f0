"""Starting a REAL celery worker process on the REAL Redis, against the test database."""

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery import app
from tests.conftest import skip_or_fail

BASE_DIR = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(condition, timeout=60.0, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"Timed out waiting for {what}")


def require_redis_and_postgresql() -> str:
    """The broker URL; skips (fails in CI) without Redis and PostgreSQL."""
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
    return broker


def purge_queue():
    """Forget tasks left queued by earlier runs."""
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)


@contextlib.contextmanager
def celery_worker(extra_env: dict | None = None, include: str = "", pool: str = "solo", queue: str = ""):
    """A `celery -A config worker` subprocess; stopped (or killed) on exit, its log printed on a traceback."""
    broker = require_redis_and_postgresql()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": settings.REDIS_URL or broker,
        "GVI_SCORING_COALESCE_SECONDS": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", "--loglevel=INFO"]
    if pool == "prefork":
        command += ["--concurrency=1"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    if include:
        command += ["--include", include]
    if queue:
        command += ["--queues", queue]
    log = tempfile.NamedTemporaryFile("w+", prefix="gvi-worker-", suffix=".log", delete=False)  # noqa: SIM115
    # Its own process group, so a test can kill the worker with its pool children at once.
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
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
        if "Traceback" in output or os.environ.get("GVI_SHOW_WORKER_LOG"):
            print(output[-5000:])  # shown by pytest when the test fails
