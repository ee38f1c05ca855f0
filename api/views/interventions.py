"""Custom notifications, call-ins and invitations, enforcement actions, follow-ups."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from api import filters
from api.serializers import interventions as s
from api.views.base import RecordViewSet
from gvi.selectors import api as selectors
from gvi.services import callins, enforcement, followups, notifications


@extend_schema_view(
    list=extend_schema(summary="List custom notifications"),
    retrieve=extend_schema(summary="A custom notification"),
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
    )
    def create(self, request):
        return self.create_with(request, s.CustomNotificationInput, notifications.log_custom_notification)


@extend_schema_view(
    list=extend_schema(summary="List call-ins"),
    retrieve=extend_schema(summary="A call-in"),
)
class CallInViewSet(RecordViewSet):
    record_kind = "call_in"
    selector = staticmethod(selectors.call_ins)
    logs_reads = False  # a meeting, not a person's record
    serializer_class = s.CallInOutput
    filterset_class = filters.CallInFilter
    ordering_fields = ["id", "scheduled_at"]


@extend_schema_view(
    list=extend_schema(summary="List call-in invitations"),
    retrieve=extend_schema(summary="A call-in invitation"),
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
    )
    def create(self, request):
        return self.create_with(request, s.InvitationsInput, callins.invite_persons, many=True)

    @extend_schema(
        summary="Record attendance",
        description="Whether the invited person attended, did not show, or was excused.",
        request=s.AttendanceInput,
        responses={200: s.InvitationOutput},
    )
    def partial_update(self, request, pk=None):
        return self.update_status_with(request, s.AttendanceInput, callins.record_attendance, "invitation")


@extend_schema_view(
    list=extend_schema(summary="List enforcement actions"),
    retrieve=extend_schema(summary="An enforcement action"),
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
    )
    def create(self, request):
        return self.create_with(request, s.EnforcementActionInput, enforcement.log_enforcement_action)


@extend_schema_view(
    list=extend_schema(summary="List the follow-ups owned by the caller's organisation"),
    retrieve=extend_schema(summary="A follow-up"),
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
    )
    def partial_update(self, request, pk=None):
        return self.update_status_with(request, s.FollowUpStatusInput, followups.update_follow_up_status, "follow_up")
