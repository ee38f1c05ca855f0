"""Starting a REAL celery worker process on the REAL Redis, against the test database."""

import contextlib
import os
import shutil
import socket
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


# Spare ports for a Redis a test starts (and restarts) itself; the shared one is never restarted.
SPARE_REDIS_PORTS = range(6390, 6400)


def _free_port() -> int:
    for port in SPARE_REDIS_PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    skip_or_fail(f"no free port for a Redis of the test's own in {SPARE_REDIS_PORTS}")


class OwnRedis:
    """A redis-server on a spare port, persisted as compose runs it (append-only file, here synced
    on every write), so a restart keeps the queues, as a restarted production Redis does."""

    def __init__(self):
        if not shutil.which("redis-server"):
            skip_or_fail("needs redis-server on PATH")
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="gvi-redis-")
        self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0):
        import redis

        return redis.Redis.from_url(self.url(db), socket_connect_timeout=2)

    def start(self):
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.dir]
        command += ["--save", "", "--appendonly", "yes", "--appendfsync", "always"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def answers():
            try:
                return self.client().ping()
            except Exception:
                return False

        wait_for(answers, timeout=20, what=f"redis-server on port {self.port}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def restart(self):
        self.stop()
        self.start()


@contextlib.contextmanager
def own_redis():
    """A Redis of the test's own, started on a spare port and stopped (its files removed) on exit."""
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


@contextlib.contextmanager
def celery_worker(
    extra_env: dict | None = None, include: str = "", pool: str = "solo", queue: str = "", broker: str = ""
):
    """A `celery -A config worker` subprocess; stopped (or killed) on exit, its log printed on a traceback.
    `broker` is the URL of a test's own Redis (the shared one by default)."""
    if broker:
        if connection.vendor != "postgresql":
            skip_or_fail("needs PostgreSQL so the worker process sees the test database")
    else:
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
    process.log_name = log.name  # a test may read what the worker logged so far
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
