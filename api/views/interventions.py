"""Custom notifications, call-ins and invitations, enforcement actions, follow-ups."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from api import filters
from api.serializers import interventions as s
from api.views.base import RecordViewSet
from gvi.selectors import api as selectors
from gvi.services import callins, enforcement, followups, notifications

NOTIFICATION_EXAMPLE = OpenApiExample(
    "Log a custom notification",
    summary="The message delivered one-to-one, help offered and accepted",
    request_only=True,
    value={
        "person": 42,
        "group": 7,
        "delivered_on": "2026-03-02",
        "response": "accepted_help",
        "response_note": "Wants to talk to the exit programme.",
        "services_offered": ["exit_programme", "employment"],
        "delivering_organisations": [3, 5],
        "source": "KVV-2026-0113",
        "confidence": "confirmed",
    },
)

ATTENDANCE_EXAMPLE = OpenApiExample(
    "Record attendance",
    summary="The invited person came to the call-in",
    request_only=True,
    value={"status": "attended"},
)
NOTIFICATION_RESPONSE_EXAMPLE = OpenApiExample(
    "Logged",
    response_only=True,
    status_codes=["201"],
    value={
        "id": 311,
        **NOTIFICATION_EXAMPLE.value,
        "message_delivered": True,
        "organisation": 3,
        "created_at": "2026-03-02T14:05:11.204312+01:00",
        "updated_at": "2026-03-02T14:05:11.204312+01:00",
    },
)
NOTIFICATION_ERROR_EXAMPLE = OpenApiExample(
    "Refused",
    summary="Field-level messages (Accept-Language: en)",
    response_only=True,
    status_codes=["400"],
    value={
        "status": 400,
        "code": "invalid",
        "detail": "Invalid input.",
        "errors": {"person": ["No such record."], "delivered_on": ["This field is required."]},
    },
)
ATTENDANCE_RESPONSE_EXAMPLE = OpenApiExample(
    "Recorded",
    response_only=True,
    status_codes=["200"],
    value={
        "id": 88,
        "call_in": 12,
        "person": 42,
        "status": "attended",
        "source": "Kallelse 12",
        "confidence": "confirmed",
        "organisation": 1,
        "created_at": "2026-02-20T09:00:00+01:00",
        "updated_at": "2026-03-05T18:31:40+01:00",
    },
)


@extend_schema_view(
    list=extend_schema(summary="List custom notifications", tags=["custom notifications"]),
    retrieve=extend_schema(summary="A custom notification", tags=["custom notifications"]),
)
class CustomNotificationViewSet(RecordViewSet):
    record_kind = "custom_notification"
    selector = staticmethod(selectors.custom_notifications)
    serializer_class = s.CustomNotificationOutput
    filterset_class = filters.CustomNotificationFilter
    ordering_fields = ["id", "delivered_on", "created_at"]

    @extend_schema(
        summary="Log a custom notification",
        description="Logs the message delivered to one person. Each service offered becomes a service referral "
        "(status offered) linked to it. All or nothing: on any error nothing is stored.",
        request=s.CustomNotificationInput,
        responses={201: s.CustomNotificationOutput},
        examples=[NOTIFICATION_EXAMPLE, NOTIFICATION_RESPONSE_EXAMPLE, NOTIFICATION_ERROR_EXAMPLE],
        tags=["custom notifications"],
    )
    def create(self, request):
        return self.create_with(request, s.CustomNotificationInput, notifications.log_custom_notification)


@extend_schema_view(
    list=extend_schema(summary="List call-ins", tags=["call-ins"]),
    retrieve=extend_schema(summary="A call-in", tags=["call-ins"]),
)
class CallInViewSet(RecordViewSet):
    record_kind = "call_in"
    selector = staticmethod(selectors.call_ins)
    logs_reads = False  # a meeting, not a person's record
    serializer_class = s.CallInOutput
    filterset_class = filters.CallInFilter
    ordering_fields = ["id", "scheduled_at"]


@extend_schema_view(
    list=extend_schema(summary="List call-in invitations", tags=["call-ins"]),
    retrieve=extend_schema(summary="A call-in invitation", tags=["call-ins"]),
)
class InvitationViewSet(RecordViewSet):
    record_kind = "invitation"
    selector = staticmethod(selectors.invitations)
    serializer_class = s.InvitationOutput
    filterset_class = filters.InvitationFilter
    ordering_fields = ["id", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(
        summary="Invite persons to a call-in",
        description="Creates one invitation per person not yet invited and returns those created.",
        request=s.InvitationsInput,
        responses={201: s.InvitationOutput(many=True)},
        tags=["call-ins"],
    )
    def create(self, request):
        return self.create_with(request, s.InvitationsInput, callins.invite_persons, many=True)

    @extend_schema(
        summary="Record attendance",
        description="Whether the invited person attended, did not show, or was excused.",
        request=s.AttendanceInput,
        responses={200: s.InvitationOutput},
        examples=[ATTENDANCE_EXAMPLE, ATTENDANCE_RESPONSE_EXAMPLE],
        tags=["call-ins"],
    )
    def partial_update(self, request, pk=None):
        return self.update_status_with(request, s.AttendanceInput, callins.record_attendance, "invitation")


@extend_schema_view(
    list=extend_schema(summary="List enforcement actions", tags=["enforcement actions"]),
    retrieve=extend_schema(summary="An enforcement action", tags=["enforcement actions"]),
)
class EnforcementActionViewSet(RecordViewSet):
    record_kind = "enforcement_action"
    selector = staticmethod(selectors.enforcement_actions)
    serializer_class = s.EnforcementActionOutput
    filterset_class = filters.EnforcementActionFilter
    ordering_fields = ["id", "performed_on"]

    @extend_schema(
        summary="Log an enforcement action",
        description="Linked to the group's confirmed flag when there is one.",
        request=s.EnforcementActionInput,
        responses={201: s.EnforcementActionOutput},
        tags=["enforcement actions"],
    )
    def create(self, request):
        return self.create_with(request, s.EnforcementActionInput, enforcement.log_enforcement_action)


@extend_schema_view(
    list=extend_schema(summary="List the follow-ups owned by the caller's organisation", tags=["follow-ups"]),
    retrieve=extend_schema(summary="A follow-up", tags=["follow-ups"]),
)
class FollowUpViewSet(RecordViewSet):
    record_kind = "follow_up"
    selector = staticmethod(selectors.own_follow_ups)
    serializer_class = s.FollowUpOutput
    filterset_class = filters.FollowUpFilter
    ordering_fields = ["id", "due_date", "created_at"]
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(
        summary="Change a follow-up's status",
        request=s.FollowUpStatusInput,
        responses={200: s.FollowUpOutput},
        tags=["follow-ups"],
    )
    def partial_update(self, request, pk=None):
        return self.update_status_with(request, s.FollowUpStatusInput, followups.update_follow_up_status, "follow_up")
