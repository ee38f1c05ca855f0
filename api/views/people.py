"""Persons and groups (read only), membership proposals, risk assessments, service referrals."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from api import filters
from api.serializers import people as s
from api.views.base import RecordViewSet, WriteViewSet
from gvi.selectors import api as selectors
from gvi.services import interventions, memberships


@extend_schema_view(
    list=extend_schema(summary="List persons the caller may see"),
    retrieve=extend_schema(summary="A person"),
)
class PersonViewSet(RecordViewSet):
    record_kind = "person"
    selector = staticmethod(selectors.persons)
    serializer_class = s.PersonOutput
    filterset_class = filters.PersonFilter
    ordering_fields = ["id", "last_name", "date_of_birth", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="List groups"),
    retrieve=extend_schema(summary="A group"),
)
class GroupViewSet(RecordViewSet):
    record_kind = "group"
    selector = staticmethod(selectors.groups)
    logs_reads = False  # a group is not a person's record
    serializer_class = s.GroupOutput
    filterset_class = filters.GroupFilter
    ordering_fields = ["id", "name", "created_at"]


class MembershipProposalViewSet(WriteViewSet):
    """Propose that a person is a member of a group. Approval (four eyes) is not in the API."""

    serializer_class = s.MembershipOutput

    @extend_schema(
        summary="Propose a membership",
        description="The membership starts as proposed; another user approves it in the UI. It must cite at least "
        "the programme's minimum number of distinct, active inclusion criteria, each with a source reference.",
        request=s.MembershipProposalInput,
        responses={201: s.MembershipOutput},
    )
    def create(self, request):
        return self.create_with(request, s.MembershipProposalInput, memberships.propose_membership)


@extend_schema_view(
    list=extend_schema(summary="List risk assessments"),
    retrieve=extend_schema(summary="A risk assessment"),
)
class RiskAssessmentViewSet(RecordViewSet):
    record_kind = "risk_assessment"
    selector = staticmethod(selectors.risk_assessments)
    serializer_class = s.RiskAssessmentOutput
    filterset_class = filters.RiskAssessmentFilter
    ordering_fields = ["id", "assessed_on", "next_review_on"]

    @extend_schema(
        summary="Record a risk assessment",
        request=s.RiskAssessmentInput,
        responses={201: s.RiskAssessmentOutput},
    )
    def create(self, request):
        return self.create_with(request, s.RiskAssessmentInput, interventions.assess_risk)


@extend_schema_view(
    list=extend_schema(summary="List service referrals"),
    retrieve=extend_schema(summary="A service referral"),
)
class ServiceReferralViewSet(RecordViewSet):
    record_kind = "service_referral"
    selector = staticmethod(selectors.service_referrals)
    serializer_class = s.ServiceReferralOutput
    filterset_class = filters.ServiceReferralFilter
    ordering_fields = ["id", "offered_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(
        summary="Refer a person to a service",
        request=s.ServiceReferralInput,
        responses={201: s.ServiceReferralOutput},
    )
    def create(self, request):
        return self.create_with(request, s.ServiceReferralInput, interventions.refer_to_service)

    @extend_schema(
        summary="Move a referral on (accepted, in progress, completed, ...)",
        request=s.ServiceReferralStatusInput,
        responses={200: s.ServiceReferralOutput},
    )
    def partial_update(self, request, pk=None):
        return self.update_status_with(
            request, s.ServiceReferralStatusInput, interventions.update_referral_status, "referral"
        )
