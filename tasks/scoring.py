"""Scoring jobs. Thin: they take IDs and call `gvi.scoring`.

A new incident dispatches `score_programme(programme_id, "incident")` on commit. Bursts are
coalesced so that 100 incidents do not cause 100 full runs:
1. The first hop (a tiny task) notes the time, which is after the incident committed, and
   schedules the real run `GVI_SCORING_COALESCE_SECONDS` later.
2. The real run takes the programme's lock (a row lock on its ScoringConfig) and is skipped
   when a run that started after that time has already committed: that run saw the incident
   (`gvi.scoring.run_scoring(requested_after=...)`). The first run of a burst does the work;
   the others wait for its lock, find it and return at once.
A "dirty" marker in a cache was considered and left out: skipping on a marker is only safe with
extra bookkeeping, and the database check is exact on every broker and cache.
"""

from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from gvi.jobs import INCIDENT_TRIGGER
from tasks.followups import RETRYING


@shared_task(**RETRYING)
def score_programme(self, programme_id: int, trigger: str = "schedule", requested_after: str | None = None):
    """Score every group of a programme and update the flag suggestion."""
    from gvi import scoring
    from gvi.models import Programme

    if trigger == INCIDENT_TRIGGER and requested_after is None:
        score_programme.apply_async(
            (programme_id, INCIDENT_TRIGGER),
            {"requested_after": timezone.now().isoformat()},
            countdown=settings.GVI_SCORING_COALESCE_SECONDS,
        )
        return "scheduled"
    if not Programme.objects.filter(pk=programme_id).exists():
        return None
    run = scoring.run_scoring(
        programme_id=programme_id,
        trigger=trigger,
        requested_after=datetime.fromisoformat(requested_after) if requested_after else None,
    )
    return run.pk if run else "coalesced"


@shared_task(**RETRYING)
def score_all_programmes(self):
    """The scheduled run: every programme, one task each."""
    from gvi.models import Programme

    ids = list(Programme.objects.values_list("pk", flat=True))
    for programme_id in ids:
        score_programme.delay(programme_id, "schedule")
    return len(ids)
