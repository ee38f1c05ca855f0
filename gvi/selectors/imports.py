"""Reads of imports: the runs a user may see (the import log)."""

from gvi.models import ImportRun, Role


def visible_imports(user):
    """The uploader's own runs; coordinators and auditors see their organisation's."""
    runs = ImportRun.objects.select_related("created_by", "confirmed_by").filter(
        programme_id=getattr(user, "programme_id", None)
    )
    if getattr(user, "role", None) in (Role.COORDINATOR, Role.AUDITOR):
        return runs.filter(organisation_id=user.organisation_id)
    return runs.filter(created_by_id=user.pk)
