"""Logging incidents with the persons involved and analysts' group attributions."""

from functools import partial

from django.db import transaction

from gvi import weekly_counts
from gvi.models import Confidence, GroupAttribution, Incident, Involvement
from gvi.services.common import create_record, require_visible
from tasks.scoring import INCIDENT_TRIGGER, score_programme


@transaction.atomic
def log_incident(
    *,
    user,
    incident_type: str,
    occurred_at,
    source: str,
    confidence: str = Confidence.UNVERIFIED,
    verification_status: str = "reported",
    area=None,
    place: str = "",
    killed: int = 0,
    injured: int = 0,
    description: str = "",
    involvements: list[dict] = (),
    attributions: list[dict] = (),
) -> Incident:
    """Log an incident, its involvements ({person, role}) and attributions ({group, share}).

    All or nothing; the scores are updated once the transaction commits.
    """
    require_visible(user, "area", area, "area")
    incident = create_record(
        Incident(
            incident_type=incident_type,
            occurred_at=occurred_at,
            source=source,
            confidence=confidence,
            verification_status=verification_status,
            area=area,
            place=place,
            killed=killed,
            injured=injured,
            description=description,
        ),
        user=user,
        kind="incident",
    )
    for involvement in involvements:
        add_involvement(user=user, incident=incident, **{"source": source, "confidence": confidence, **involvement})
    for attribution in attributions:
        attribute_to_group(user=user, incident=incident, **{"source": source, "confidence": confidence, **attribution})
    weekly_counts.incident_changed(None, incident)  # the weekly review reads these counts
    transaction.on_commit(partial(score_programme.delay, incident.programme_id, INCIDENT_TRIGGER))
    return incident


def add_involvement(*, user, incident, person, role: str, source: str, confidence: str) -> Involvement:
    """Record a person's role (suspect, victim, witness) in an incident."""
    require_visible(user, "person", person, "person")
    return create_record(
        Involvement(incident=incident, person=person, role=role, source=source, confidence=confidence),
        user=user,
        kind="involvement",
    )


def attribute_to_group(*, user, incident, group, share=1, source: str, confidence: str) -> GroupAttribution:
    """An analyst's direct attribution of an incident to a group."""
    require_visible(user, "group", group, "group")
    return create_record(
        GroupAttribution(incident=incident, group=group, share=share, source=source, confidence=confidence),
        user=user,
        kind="group_attribution",
    )
