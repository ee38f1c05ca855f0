"""A crashed worker's task comes back within minutes, and a live worker's task never twice.

Redis delivers a task again when it has been unacknowledged for the visibility timeout. A live
worker holds a task unacknowledged through its countdown (retry backoff, the scoring's
coalescing delay), a wait for a free pool process and its run; each of these is bounded, and the
timeout must exceed their sum. Settings are read in a fresh process with a Redis broker URL, as
a worker reads them (nothing connects to it)."""

import json
import subprocess
import sys

from django.conf import settings

from config.celery import app
from tests.tasks.workers import BASE_DIR

SETTINGS_PROBE = """
import json
from config import settings as s
print(json.dumps({
    "options": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "soft": s.CELERY_TASK_SOFT_TIME_LIMIT,
    "hard": s.CELERY_TASK_TIME_LIMIT,
    "countdown": s.GVI_TASK_MAX_COUNTDOWN,
    "coalesce": s.GVI_SCORING_COALESCE_SECONDS,
}))
"""


def redis_worker_settings(**env) -> dict:
    environment = {"CELERY_BROKER_URL": "redis://127.0.0.1:1/1", "PATH": "/usr/bin:/bin", **env}
    output = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE], cwd=BASE_DIR, env=environment, capture_output=True, text=True
    )
    assert output.returncode == 0, output.stderr
    return json.loads(output.stdout)


def our_tasks():
    app.loader.import_default_modules()
    return [task for name, task in app.tasks.items() if name.startswith("tasks.")]


def test_a_crashed_workers_task_is_delivered_again_within_a_quarter_of_an_hour():
    found = redis_worker_settings()
    options = found["options"]
    # Looked for every 10 s (kombu's default throttle made it 100 s).
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 10
    assert options["visibility_timeout"] + 10 <= 15 * 60


def test_a_live_worker_never_holds_a_task_past_the_visibility_timeout():
    found = redis_worker_settings()
    assert 0 < found["soft"] < found["hard"]
    assert found["coalesce"] <= found["countdown"]
    assert found["options"]["visibility_timeout"] > found["countdown"] + 2 * found["hard"]
    # Changing a limit moves the default timeout with it.
    longer = redis_worker_settings(CELERY_TASK_TIME_LIMIT="900", CELERY_TASK_SOFT_TIME_LIMIT="800")
    assert longer["options"]["visibility_timeout"] > longer["countdown"] + 2 * 900


def test_every_job_retries_within_the_longest_countdown():
    tasks = our_tasks()
    assert len(tasks) >= 9
    for task in tasks:
        assert task.acks_late, task.name
        if task.autoretry_for:
            assert task.retry_backoff, task.name
            assert task.retry_backoff_max <= settings.GVI_TASK_MAX_COUNTDOWN, task.name
        # No job sets a limit of its own beyond the global one.
        assert (task.time_limit or 0) <= settings.CELERY_TASK_TIME_LIMIT, task.name
