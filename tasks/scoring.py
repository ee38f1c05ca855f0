"""Scoring jobs. Thin: they take IDs and call `gvi.scoring` / `gvi.scoring_state`.

A change that can move a score (an incident logged, corrected or retracted, an attribution
decided, a membership approved, ended, lapsed or contested) notes what it touched in its own
transaction (gvi.services.score_changes) and dispatches `score_programme(programme_id,
"incident")` on commit. The task takes every pending change into the incremental state and
stores a run (`gvi.scoring_state.run_incremental`): seconds, whatever the history. Bursts
coalesce without a delay: the first update takes every change pending by then; the others find
nothing left and return "coalesced".

The hourly job brings every score to the hour (decay, incidents leaving the window) from the
same state; the nightly `verify_scores` recomputes everything in full, compares, logs and
repairs any drift (`gvi.scoring.run_scoring(verify=True)`).
"""

import logging

from celery import shared_task

from gvi.jobs import INCIDENT_TRIGGER  # noqa: F401 (the trigger callers name)
from tasks.followups import RETRYING

logger = logging.getLogger(__name__)


@shared_task(**RETRYING)
def score_programme(self, programme_id: int, trigger: str = "schedule", requested_after: str | None = None):
    """Take the programme's pending changes in and update its scores and flag suggestion.

    `requested_after` is accepted from tasks queued before the incremental update and ignored."""
    from gvi import scoring_state
    from gvi.models import Programme

    if not Programme.objects.filter(pk=programme_id).exists():
        return None
    run = scoring_state.run_incremental(programme_id=programme_id, trigger=trigger)
    return run.pk if run else "coalesced"


@shared_task(**RETRYING)
def score_all_programmes(self):
    """The scheduled run: every programme, one task each."""
    from gvi.models import Programme

    ids = list(Programme.objects.values_list("pk", flat=True))
    for programme_id in ids:
        score_programme.delay(programme_id, "schedule")
    return len(ids)


@shared_task(**RETRYING)
def verify_programme_scores(self, programme_id: int):
    """The full recomputation of one programme, compared with the incremental state; drift is
    logged (gvi.scoring_state.check_and_rebase) and repaired. Idempotent."""
    from gvi import scoring
    from gvi.models import Programme, ScoreState

    if not Programme.objects.filter(pk=programme_id).exists():
        return None
    run = scoring.run_scoring(programme_id=programme_id, trigger="nightly", verify=True)
    state = ScoreState.objects.filter(programme_id=programme_id).first()
    return {"run_id": run.pk, **(state.last_check if state else {})}


@shared_task(**RETRYING)
def verify_scores(self):
    """Nightly: every programme's full recomputation, one task each."""
    from gvi.models import Programme

    ids = list(Programme.objects.values_list("pk", flat=True))
    for programme_id in ids:
        verify_programme_scores.delay(programme_id)
    return len(ids)
