"""Telling the incremental scoring what changed (gvi.scoring_state).

Every write that can change a score notes what it touched, in its own transaction: an incident,
or every incident of a person (a membership changed) or of a group. Once the transaction commits,
the update task takes every pending change in (bursts coalesce: the first update takes them all).
A change made around the services (a raw SQL fix, a restore) is found by the nightly check.
"""

from gvi import jobs
from gvi.models import ScorePending, ScoreState


def scores_changed(programme_id: int, *, incidents=(), persons=(), groups=()) -> None:
    rows = [ScorePending(programme_id=programme_id, incident_id=pk) for pk in incidents]
    rows += [ScorePending(programme_id=programme_id, person_id=pk) for pk in persons]
    rows += [ScorePending(programme_id=programme_id, group_id=pk) for pk in groups]
    if not rows:
        return
    ScorePending.objects.bulk_create(rows)
    jobs.after_commit(jobs.SCORE_PROGRAMME, programme_id, jobs.INCIDENT_TRIGGER)


def scores_rebuild(programme_id: int) -> None:
    """A bulk change (an import of thousands of incidents): rather than note every incident, the
    next update is the full run that rebuilds the programme's state (as after a settings change)."""
    ScoreState.objects.filter(programme_id=programme_id).update(settings_key="")
    jobs.after_commit(jobs.SCORE_PROGRAMME, programme_id, jobs.INCIDENT_TRIGGER)
