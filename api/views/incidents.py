"""Incidents with their involvements and group attributions."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from api import filters
from api.serializers import incidents as s
from api.views.base import RecordViewSet
from gvi.selectors import api as selectors
from gvi.services import incidents

INCIDENT_EXAMPLE = OpenApiExample(
    "Log an incident",
    summary="A shooting with a suspect and a victim, attributed to a group",
    request_only=True,
    value={
        "incident_type": "shooting",
        "occurred_at": "2026-03-01T22:40:00+01:00",
        "area": 2,
        "place": "Parkeringen vid torget",
        "injured": 1,
        "source": "K-123456-26",
        "confidence": "probable",
        "involvements": [{"person": 42, "role": "suspect"}, {"person": 51, "role": "victim"}],
        "attributions": [{"group": 7, "share": "1.000"}],
    },
)

INCIDENT_RESPONSE_EXAMPLE = OpenApiExample(
    "Logged",
    response_only=True,
    status_codes=["201"],
    value={
        "id": 1204,
        "incident_type": "shooting",
        "occurred_at": "2026-03-01T22:40:00+01:00",
        "area": 2,
        "place": "Parkeringen vid torget",
        "killed": 0,
        "injured": 1,
        "verification_status": "reported",
        "description": "",
        "involvements": [
            {
                "id": 5001,
                "person": 42,
                "role": "suspect",
                "source": "K-123456-26",
                "confidence": "probable",
                "organisation": 1,
            },
            {
                "id": 5002,
                "person": 51,
                "role": "victim",
                "source": "K-123456-26",
                "confidence": "probable",
                "organisation": 1,
            },
        ],
        "attributions": [
            {
                "id": 700,
                "group": 7,
                "share": "1.000",
                "source": "K-123456-26",
                "confidence": "probable",
                "organisation": 1,
                "status": "proposed",
                "created_by": 12,
                "confirmed_by": None,
                "confirmed_at": None,
            }
        ],
        "source": "K-123456-26",
        "confidence": "probable",
        "organisation": 1,
        "created_at": "2026-03-02T08:12:00+01:00",
        "updated_at": "2026-03-02T08:12:00+01:00",
    },
)


@extend_schema_view(
    list=extend_schema(summary="List incidents", tags=["incidents"]),
    retrieve=extend_schema(summary="An incident", tags=["incidents"]),
)
class IncidentViewSet(RecordViewSet):
    """Involvements shown are only those the caller may see (e.g. no minors for an analyst)."""

    record_kind = "incident"
    selector = staticmethod(selectors.incidents)
    serializer_class = s.IncidentOutput
    filterset_class = filters.IncidentFilter
    ordering_fields = ["id", "occurred_at"]

    def person_ids_read(self, objects):
        return sorted({inv.person_id for incident in objects for inv in incident.involvements.all()})

    @extend_schema(
        summary="Log an incident",
        description="Logs an incident with its involvements and group attributions in one go: all or nothing. "
        "Attributing groups needs an analyst's or coordinator's key. Scores update after the write.",
        request=s.IncidentInput,
        responses={201: s.IncidentOutput},
        examples=[INCIDENT_EXAMPLE, INCIDENT_RESPONSE_EXAMPLE],
        tags=["incidents"],
    )
    def create(self, request):
        return self.create_with(request, s.IncidentInput, incidents.log_incident)
