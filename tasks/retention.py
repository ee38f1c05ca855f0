"""The retention job. Thin: it calls `gvi.retention`, which is idempotent (a second run finds nothing due)."""

from celery import shared_task

from tasks.followups import RETRYING


@shared_task(**{**RETRYING, "max_retries": 3})
def run_retention(self, dry_run: bool = False) -> int:
    """Purge or anonymise what is due, delete old scoring runs and digest marks; returns the
    RetentionRun id. Scheduled nightly (tasks.schedules)."""
    from gvi import retention

    return retention.run(dry_run=dry_run).pk


@shared_task(**RETRYING)
def prune_access_log(self) -> int:
    """The access log's own retention job: delete entries older than GVI_ACCESS_LOG_KEEP_DAYS
    (gvi.access_chain.prune); returns how many went. Idempotent: a second run finds none."""
    from gvi import access_chain

    pruned = access_chain.prune()
    return pruned.entries_deleted if pruned else 0
