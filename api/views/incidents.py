"""Incidents with their involvements and group attributions."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from api import filters
from api.idempotency import idempotent
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


ATTRIBUTION_DECISIONS = {"confirm": incidents.confirm_attribution, "reject": incidents.reject_attribution}


@extend_schema_view(
    list=extend_schema(summary="List group attributions"),
    retrieve=extend_schema(summary="A group attribution"),
)
class GroupAttributionViewSet(RecordViewSet):
    """Analysts' attributions of incidents to groups. One counts in the violence score only once a
    coordinator other than the analyst confirms it (four eyes)."""

    record_kind = "group_attribution"
    selector = staticmethod(selectors.group_attributions)
    serializer_class = s.AttributionDetailOutput
    filterset_class = filters.GroupAttributionFilter
    ordering_fields = ["id", "created_at"]

    @extend_schema(
        summary="Confirm or reject a group attribution",
        description="A coordinator's key, acting for a coordinator other than the one who attributed it. "
        "Only an attribution awaiting confirmation can be decided; the reason is kept. The score and the "
        "flag suggestion are updated within seconds. Idempotent with an Idempotency-Key.",
        request=s.AttributionDecisionInput,
        responses={200: s.AttributionDetailOutput},
    )
    @action(detail=True, methods=["post"], url_path="decision")
    def decision(self, request, pk=None):
        attribution = self.get_object()

        def handler():
            serializer = s.AttributionDecisionInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            decide = ATTRIBUTION_DECISIONS[serializer.validated_data["decision"]]
            decided = self.run_service(decide, attribution=attribution, reason=serializer.validated_data["reason"])
            return Response(self.get_serializer(decided).data)

        return idempotent(request, handler)
