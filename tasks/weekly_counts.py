"""The nightly check of the weekly review's stored figures (the weekly counts and links, the reach of
the message) against a recount from the raw tables."""

import logging

from celery import shared_task

from tasks.followups import RETRYING

logger = logging.getLogger(__name__)


@shared_task(**RETRYING)
def verify_weekly_counts(self) -> dict[str, int]:
    """Recount every week and the reach of the message, and correct the rows that drifted (writes
    around the services: the admin, retention, lapsed or contested memberships, a raw SQL fix).
    Idempotent: a second run finds nothing."""
    from gvi import reach, weekly_counts

    drift = weekly_counts.verify(fix=True)
    reach_drift = reach.verify(fix=True)
    if reach_drift.total:
        logger.warning(
            "The stored reach of the message had drifted and was corrected: %d group rows, %d person rows.",
            reach_drift.group_rows,
            reach_drift.person_rows,
        )
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
        "reach_group_rows": reach_drift.group_rows,
        "reach_person_rows": reach_drift.person_rows,
    }
