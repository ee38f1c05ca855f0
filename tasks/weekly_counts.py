"""The nightly check of the weekly review's counts against a recount from the raw tables."""

import logging

from celery import shared_task

from tasks.followups import RETRYING

logger = logging.getLogger(__name__)


@shared_task(**RETRYING)
def verify_weekly_counts(self) -> dict[str, int]:
    """Recount every week and correct the rows that drifted (writes around the services: the admin,
    retention, lapsed or contested memberships). Idempotent: a second run finds nothing."""
    from gvi import weekly_counts

    drift = weekly_counts.verify(fix=True)
    if drift.total:
        logger.warning(
            "Weekly counts had drifted and were corrected: %d area rows, %d type rows, %d group rows, "
            "the incident links of %d group weeks.",
            drift.area_rows,
            drift.type_rows,
            drift.group_rows,
            drift.link_weeks,
        )
    return {
        "area_rows": drift.area_rows,
        "type_rows": drift.type_rows,
        "group_rows": drift.group_rows,
        "link_weeks": drift.link_weeks,
    }
