"""The retention job. Thin: it calls `gvi.retention`, which is idempotent (a second run finds nothing due)."""

from celery import shared_task

from tasks.followups import RETRYING


@shared_task(**{**RETRYING, "max_retries": 3})
def run_retention(self, dry_run: bool = False) -> int:
    """Purge or anonymise what is due, delete old scoring runs and digest marks; returns the
    RetentionRun id. Scheduled nightly (tasks.schedules)."""
    from gvi import retention

    return retention.run(dry_run=dry_run).pk
