"""Membership review jobs. Thin: they call `gvi.membership_review`."""

from celery import shared_task

from tasks.followups import RETRYING


@shared_task(**RETRYING)
def review_memberships(self, programme_id: int | None = None):
    """Daily: remind owners of reviews due soon, lapse memberships past review, tell the coordinators.

    Idempotent, so a retry or a second run the same day changes nothing. A programme that is
    gone simply has no memberships to review.
    """
    from gvi import membership_review

    if programme_id is None:
        result = membership_review.review_all_programmes()
    else:
        result = membership_review.review_programme(programme_id=programme_id)
    return result.as_dict()
