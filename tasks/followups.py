"""Follow-up jobs. Thin: they take IDs and call `gvi.followup_rules`."""

from celery import shared_task


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def apply_rules_for(self, cause_kind: str, cause_id: int):
    """Run the follow-up rules that a new or changed record (call-in, notification, flag) triggers."""
    from gvi import followup_rules

    return followup_rules.apply_rules_for(cause_kind=cause_kind, cause_id=cause_id)
