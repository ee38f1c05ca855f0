"""The retention job. Thin: it calls `gvi.retention`, which is idempotent (a second run finds nothing due)."""

from celery import shared_task


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def run_retention(self, dry_run: bool = False) -> int:
    """Purge or anonymise what is due; returns the RetentionRun id. Schedule it nightly with beat."""
    from gvi import retention

    return retention.run(dry_run=dry_run).pk
