"""Reads of research export requests: coordinators decide them, auditors check what left."""

from gvi.models import ResearchExport, Role


def may_see_research_exports(user) -> bool:
    """Coordinators (who request and decide) and auditors (who check what left) see the requests."""
    return getattr(user, "role", None) in (Role.COORDINATOR, Role.AUDITOR) and bool(user.programme_id)


def visible_research_exports(user):
    """The programme's research exports, for those who may see them."""
    if not may_see_research_exports(user):
        return ResearchExport.objects.none()
    return ResearchExport.objects.filter(programme_id=user.programme_id).select_related(
        "requested_by", "decided_by", "linked_to"
    )
