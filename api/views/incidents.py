"""Incidents with their involvements and group attributions."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from api import filters
from api.serializers import incidents as s
from api.views.base import RecordViewSet
from gvi.selectors import api as selectors
from gvi.services import incidents


@extend_schema_view(
    list=extend_schema(summary="List incidents"),
    retrieve=extend_schema(summary="An incident"),
)
class IncidentViewSet(RecordViewSet):
    """Involvements shown are only those the caller may see (e.g. no minors for an analyst)."""

    record_kind = "incident"
    selector = staticmethod(selectors.incidents)
    serializer_class = s.IncidentOutput
    filterset_class = filters.IncidentFilter
    ordering_fields = ["id", "occurred_at"]

    def also_read(self, objects):
        # The involvements nested in each incident: one row each, naming its person and, when
        # another organisation owns it, the owner, sharing rule and legal basis.
        return {"involvement": [inv for incident in objects for inv in incident.involvements.all()]}

    @extend_schema(
        summary="Log an incident",
        description="Logs an incident with its involvements and group attributions in one go: all or nothing. "
        "Attributing groups needs an analyst's or coordinator's key. Scores update after the write.",
        request=s.IncidentInput,
        responses={201: s.IncidentOutput},
    )
    def create(self, request):
        return self.create_with(request, s.IncidentInput, incidents.log_incident)
