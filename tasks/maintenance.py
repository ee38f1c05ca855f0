"""Housekeeping jobs."""

from celery import shared_task

from tasks.followups import RETRYING


@shared_task(**RETRYING)
def purge_idempotency_records(self) -> int:
    """Delete expired API idempotency records. Idempotent: a second run finds nothing."""
    from api.idempotency import purge_expired_records

    return purge_expired_records()
