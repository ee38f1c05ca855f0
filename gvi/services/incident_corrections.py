"""Correcting and retracting logged incidents, keeping the weekly counts current."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gvi import jobs, weekly_counts
from gvi.models import Incident, VerificationStatus
from gvi.services.common import as_changed_by
from gvi.services.common import update_record as _update_record

# What a correction may change: what the incident is, when and where it happened, and how sure it is.
CORRECTABLE = frozenset(
    {
        "incident_type",
        "occurred_at",
        "area",
        "place",
        "killed",
        "injured",
        "verification_status",
        "confidence",
        "description",
    }
)


def _locked(incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


@transaction.atomic
def correct_incident(*, user, incident, reason: str, **changes) -> Incident:
    """Correct a logged incident (type, time, area, casualties, status...), with the reason kept.

    The weekly counts of the week, area and groups it was in and is in now are recounted.
    """
    unknown = set(changes) - CORRECTABLE
    if unknown:
        raise ValidationError(
            _("These fields cannot be corrected: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for the correction.")})
    incident = _locked(incident)
    before = weekly_counts.incident_keys(incident)
    as_changed_by(incident, user, reason.strip())
    incident = _update_record(incident, user=user, kind="incident", **changes)
    weekly_counts.incident_changed(before, incident)
    jobs.after_commit(jobs.SCORE_PROGRAMME, incident.programme_id, jobs.INCIDENT_TRIGGER)
    return incident


def retract_incident(*, user, incident, reason: str) -> Incident:
    """Retract an incident found unfounded: it stays on record but no longer counts anywhere."""
    return correct_incident(
        user=user, incident=incident, reason=reason, verification_status=VerificationStatus.UNFOUNDED
    )
