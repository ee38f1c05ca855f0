"""The data protection officer's report of disclosures: reads of records that another
organisation owns, counted by pair of organisations, sharing rule, legal basis and month."""

from django.db.models import Count
from django.db.models.functions import TruncMonth

from gvi.policy import Action, scoped_queryset

REPORT_FIELDS = (
    "month",
    "organisation__name",
    "owner_organisation__name",
    "sharing_rule",
    "legal_basis",
)


def disclosure_report(user, *, date_from=None, date_to=None):
    """Rows of (month, reading organisation, owning organisation, rule, basis, reads, persons),
    newest month first; only what the user may read of the access log. One query."""
    logs = scoped_queryset(user, "access_log", Action.READ).filter(owner_organisation__isnull=False)
    if date_from:
        logs = logs.filter(at__date__gte=date_from)
    if date_to:
        logs = logs.filter(at__date__lte=date_to)
    return list(
        logs.annotate(month=TruncMonth("at"))
        .values(*REPORT_FIELDS)
        .annotate(reads=Count("id"), persons=Count("person_id", distinct=True))
        .order_by("-month", "organisation__name", "owner_organisation__name", "sharing_rule", "legal_basis")
    )
