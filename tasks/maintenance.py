"""Housekeeping jobs."""

from celery import shared_task


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def purge_idempotency_records(self) -> int:
    """Delete expired API idempotency records. Idempotent: a second run finds nothing."""
    from api.idempotency import purge_expired_records

    return purge_expired_records()
