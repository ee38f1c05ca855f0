"""The nightly check of the weekly review's counts against a recount from the raw tables."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def verify_weekly_counts(self) -> dict[str, int]:
    """Recount every week and correct the rows that drifted (writes around the services: the admin,
    retention, lapsed or contested memberships). Idempotent: a second run finds nothing."""
    from gvi import weekly_counts

    drift = weekly_counts.verify(fix=True)
    if drift.total:
        logger.warning(
            "Weekly counts had drifted and were corrected: %d area rows, %d type rows, %d group rows.",
            drift.area_rows,
            drift.type_rows,
            drift.group_rows,
        )
    return {"area_rows": drift.area_rows, "type_rows": drift.type_rows, "group_rows": drift.group_rows}
