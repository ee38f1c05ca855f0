"""Follow-up jobs. Thin: they take IDs and call `gvi.followup_rules` and `gvi.digest`.

Every job is idempotent (unique constraint + get_or_create, conditional updates), acknowledged
late and retried with backoff, so a worker killed mid-task loses nothing and duplicates nothing.
"""

from celery import shared_task
from django.conf import settings

RETRYING = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": settings.GVI_TASK_MAX_COUNTDOWN,  # under the visibility timeout
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRYING)
def apply_rules_for(self, cause_kind: str, cause_id: int):
    """Run the follow-up rules that a new or changed record (call-in, notification, flag) triggers."""
    from gvi import followup_rules

    return followup_rules.apply_rules_for(cause_kind=cause_kind, cause_id=cause_id)


@shared_task(**RETRYING)
def run_daily_rules(self):
    """The daily sweep: supervision ending, risk review dates, concern reports for minors."""
    from gvi import followup_rules

    return followup_rules.run_daily_rules()


@shared_task(**RETRYING)
def escalate_overdue(self):
    """Escalate overdue follow-ups to the coordinators."""
    from gvi import digest

    return digest.escalate_overdue()


@shared_task(**RETRYING)
def send_daily_digest(self):
    """E-mail each owner a digest of their open follow-ups."""
    from gvi import digest

    return digest.send_digests()
