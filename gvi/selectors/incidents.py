"""Reads for the incident pages: the list (searched, filtered, sorted) and one incident.

Incidents are scoped by the policy; the persons involved and the attributions shown on an
incident's page each by their own record kind, so a partner sees only what its role needs.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from gvi.policy import scoped_queryset

INCIDENT_ORDERINGS = {
    "-occurred": ("-occurred_at", "-id"),
    "occurred": ("occurred_at", "id"),
    "-casualties": ("-killed", "-injured", "-occurred_at", "-id"),
    "type": ("incident_type", "-occurred_at", "-id"),
}


def incident_list(
    user,
    *,
    q: str = "",
    incident_type: str = "",
    area_id: int | None = None,
    verification_status: str = "",
    since=None,
    until=None,
    group_id: int | None = None,
    order: str = "-occurred",
):
    """Incidents the user may read, with their number of visible involvements and attributions."""
    incidents = scoped_queryset(user, "incident").select_related("area")
    if q:
        for word in q.split():
            incidents = incidents.filter(
                Q(source__icontains=word) | Q(place__icontains=word) | Q(description__icontains=word)
            )
    if incident_type:
        incidents = incidents.filter(incident_type=incident_type)
    if area_id:
        incidents = incidents.filter(area_id=area_id)
    if verification_status:
        incidents = incidents.filter(verification_status=verification_status)
    if since:
        incidents = incidents.filter(occurred_at__date__gte=since)
    if until:
        incidents = incidents.filter(occurred_at__date__lte=until)
    if group_id:
        attributed = scoped_queryset(user, "group_attribution").filter(group_id=group_id)
        incidents = incidents.filter(pk__in=attributed.values("incident_id"))
    return incidents.order_by(*INCIDENT_ORDERINGS.get(order, INCIDENT_ORDERINGS["-occurred"]))


def involvement_counts(user, incident_ids) -> dict[int, int]:
    """How many involvements the user may see, per incident (one query for a page of incidents)."""
    rows = (
        scoped_queryset(user, "involvement")
        .filter(incident_id__in=list(incident_ids))
        .values_list("incident_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


@dataclass
class IncidentPage:
    incident: object
    involvements: list
    attributions: list


def incident_detail(user, incident_id: int) -> IncidentPage | None:
    incident = scoped_queryset(user, "incident").select_related("area", "organisation").filter(pk=incident_id).first()
    if incident is None:
        return None
    involvements = list(
        scoped_queryset(user, "involvement")
        .filter(incident=incident)
        .select_related("person", "organisation")
        .order_by("role", "person__last_name", "person__first_name", "id")
    )
    attributions = list(
        scoped_queryset(user, "group_attribution")
        .filter(incident=incident)
        .filter(group__in=scoped_queryset(user, "group"))
        .select_related("group", "created_by", "confirmed_by")
        .order_by("group__name", "id")
    )
    return IncidentPage(incident=incident, involvements=involvements, attributions=attributions)


def incident_for_change(user, incident_id: int):
    """The incident if the user may change it, else None (the page reports it as not found or forbidden)."""
    return scoped_queryset(user, "incident").filter(pk=incident_id).first()
