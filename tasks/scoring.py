"""Scoring jobs. Thin: they take IDs and call `gvi.scoring`."""

from celery import shared_task


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def score_programme(self, programme_id: int, trigger: str = "schedule"):
    """Score every group of a programme and update the flag suggestion."""
    from gvi import scoring

    return scoring.run_scoring(programme_id=programme_id, trigger=trigger)
