"""Analysts' attributions of incidents to groups awaiting a second person's confirmation."""

from django.db.models import QuerySet

from gvi.models import AttributionStatus, GroupAttribution
from gvi.policy import Action, scoped_queryset


def _visible(user) -> QuerySet[GroupAttribution]:
    """Attributions the user may read, of incidents and groups the user may read."""
    return (
        scoped_queryset(user, "group_attribution", Action.READ)
        .filter(
            incident__in=scoped_queryset(user, "incident", Action.READ),
            group__in=scoped_queryset(user, "group", Action.READ),
        )
        .select_related("incident", "incident__area", "group", "organisation", "created_by", "confirmed_by")
    )


def awaiting_confirmation(user) -> list[GroupAttribution]:
    """Proposed attributions, oldest first, with their incident and group: a fixed number of
    queries whatever their number."""
    return list(_visible(user).filter(status=AttributionStatus.PROPOSED).order_by("created_at", "pk"))


def recently_decided(user, *, limit: int = 20) -> list[GroupAttribution]:
    """The latest decisions, newest first (who attributed, who decided, why)."""
    return list(
        _visible(user)
        .exclude(status=AttributionStatus.PROPOSED)
        .filter(confirmed_at__isnull=False)
        .order_by("-confirmed_at", "-pk")[:limit]
    )


def attribution_for(user, attribution_id: int) -> GroupAttribution | None:
    """One attribution the user may read; None when it is not visible."""
    return _visible(user).filter(pk=attribution_id).first()
