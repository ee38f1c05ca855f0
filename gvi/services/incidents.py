"""Logging incidents with the persons involved and analysts' group attributions.

An attribution counts in scoring only once a second person has confirmed it (four eyes, as for
memberships): `attribute_to_group` proposes, `confirm_attribution` / `reject_attribution` decide.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import jobs, weekly_counts
from gvi.models import AttributionStatus, Confidence, GroupAttribution, Incident, Involvement, Role
from gvi.policy import Action
from gvi.services.common import as_changed_by, create_record, require, require_visible, update_record


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
    jobs.after_commit(jobs.SCORE_PROGRAMME, incident.programme_id, jobs.INCIDENT_TRIGGER)
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
    """An analyst's direct attribution of an incident to a group (a share from 0 to 1, 0 included).

    It is proposed: it counts only after another person confirms it (`confirm_attribution`).
    """
    require_visible(user, "group", group, "group")
    return create_record(
        GroupAttribution(
            incident=incident,
            group=group,
            share=share,
            source=source,
            confidence=confidence,
            status=AttributionStatus.PROPOSED,
        ),
        user=user,
        kind="group_attribution",
    )


def _decide_attribution(*, user, attribution: GroupAttribution, status: str, reason: str) -> GroupAttribution:
    attribution = GroupAttribution.objects.select_for_update().get(pk=attribution.pk)
    if not user.is_superuser and getattr(user, "role", None) != Role.COORDINATOR:
        raise PermissionDenied(_("Only a coordinator may decide on an attribution."))
    require(user, "group_attribution", Action.CHANGE, attribution)
    if attribution.status != AttributionStatus.PROPOSED:
        raise ValidationError(_("Only an attribution awaiting confirmation can be decided."))
    if attribution.created_by_id is not None and attribution.created_by_id == user.pk:
        raise PermissionDenied(_("Four eyes: you cannot confirm or reject an attribution you made yourself."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    attribution = update_record(
        as_changed_by(attribution, user),
        user=user,
        kind="group_attribution",
        status=status,
        confirmed_by=user,
        confirmed_at=timezone.now(),
        decision_reason=reason,
    )
    jobs.after_commit(jobs.SCORE_PROGRAMME, attribution.programme_id, jobs.INCIDENT_TRIGGER)
    return attribution


@transaction.atomic
def confirm_attribution(*, user, attribution: GroupAttribution, reason: str) -> GroupAttribution:
    """Confirm an analyst's attribution: from now on it counts in scoring.

    Four eyes: a coordinator other than the person who attributed it, with a reason; who
    attributed and who confirmed are kept and shown on the flag page.
    """
    return _decide_attribution(user=user, attribution=attribution, status=AttributionStatus.CONFIRMED, reason=reason)


@transaction.atomic
def reject_attribution(*, user, attribution: GroupAttribution, reason: str) -> GroupAttribution:
    """Reject an analyst's attribution (four eyes, with a reason). It never counts."""
    return _decide_attribution(user=user, attribution=attribution, status=AttributionStatus.REJECTED, reason=reason)


def reopen_changed_attribution(attribution: GroupAttribution, changed_fields) -> None:
    """A confirmed or rejected attribution whose group or share was edited (e.g. in the admin)
    is proposed again: what counts must have been seen by two people."""
    if attribution.pk is None or not {"group", "share", "incident"} & set(changed_fields):
        return
    attribution.status = AttributionStatus.PROPOSED
    attribution.confirmed_by = None
    attribution.confirmed_at = None
    attribution.decision_reason = ""
