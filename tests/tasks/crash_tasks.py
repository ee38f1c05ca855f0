"""A task for the worker-crash test only: the REAL follow-up rules behind a pause on the first
attempt, so the test can kill the worker while the task is running. Loaded with `--include`."""

import os
import time

import redis
from celery import shared_task


@shared_task(bind=True, acks_late=True)
def enforcement_plan_after_a_pause(self, flag_id: int, attempts_key: str):
    from gvi import followup_rules

    attempts = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).incr(attempts_key)
    if attempts == 1:
        time.sleep(60)  # killed here by the test
    return followup_rules.apply_rules_for(cause_kind="flag", cause_id=flag_id)


@shared_task(bind=True, acks_late=True)
def count_a_run(self, runs_key: str):
    """Counts its runs in the broker's Redis: a test restarts that Redis while a worker holds it."""
    return redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).incr(runs_key)
