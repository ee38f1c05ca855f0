"""A worker killed mid-task loses nothing and duplicates nothing: the task is acknowledged only
after it ran (acks_late), so Redis delivers it again to the next worker, and the follow-up rules
are idempotent. Real worker processes on the real Redis; skipped (failed in CI) without them.

In production the killed worker is restarted (compose: restart: unless-stopped); a worker that
starts after the visibility timeout (CELERY_VISIBILITY_TIMEOUT) restores the unacknowledged task."""

import os
import signal
import time
import uuid

import pytest
import redis
from django.conf import settings

from gvi import models as m
from tests import factories as f
from tests.tasks.workers import celery_worker, require_redis_and_postgresql, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]

# Redelivery of an unacknowledged task after a few seconds instead of the production hour.
FAST_REDELIVERY = {"CELERY_VISIBILITY_TIMEOUT": "3"}


def test_a_task_whose_worker_is_killed_runs_again_once_and_creates_nothing_twice(
    police, probation, social_services, police_coordinator
):
    from tests.tasks.crash_tasks import enforcement_plan_after_a_pause

    require_redis_and_postgresql()
    flag = m.GroupFlag.objects.create(
        programme=police.programme, group=f.GroupFactory(organisation=police), score=10, status="confirmed"
    )
    attempts_key = f"gvi-test-attempts-{uuid.uuid4()}"
    attempts = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    include = "tests.tasks.crash_tasks"
    # A queue of its own: no other test's worker (nor purge) can take or drop this task.
    queue = f"gvi-test-crash-{uuid.uuid4()}"

    # The production pool (prefork): the task runs in a child process, acknowledged only after it ran.
    with celery_worker(FAST_REDELIVERY, include=include, pool="prefork", queue=queue) as first:
        enforcement_plan_after_a_pause.apply_async(args=[flag.pk, attempts_key], queue=queue)
        wait_for(lambda: attempts.get(attempts_key) == b"1", what="the first worker to start the task")
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its child: no warm shutdown, no acknowledgement
        first.wait(timeout=10)
    assert not m.FollowUp.objects.exists()  # killed before it did anything
    # A worker (re)starting after the visibility timeout takes the unacknowledged task back.
    time.sleep(int(FAST_REDELIVERY["CELERY_VISIBILITY_TIMEOUT"]) + 1)

    with celery_worker(FAST_REDELIVERY, include=include, pool="prefork", queue=queue):
        wait_for(
            # Police and probation plan enforcement; social services offer help.
            lambda: m.FollowUp.objects.filter(rule__startswith="flag_").count() == 3,
            timeout=90,
            what="a second worker to run the task again",
        )
    assert attempts.get(attempts_key) == b"2"  # delivered again exactly once
    owners = list(m.FollowUp.objects.values_list("owner_organisation", flat=True))
    assert sorted(owners) == sorted([police.pk, probation.pk, social_services.pk])  # one each, none twice
    attempts.delete(attempts_key)
