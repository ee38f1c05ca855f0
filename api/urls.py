from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from api.views.docs import NotFoundView, SchemaView, SwaggerView
from api.views.incidents import GroupAttributionViewSet, IncidentViewSet
from api.views.interventions import (
    CallInViewSet,
    CustomNotificationViewSet,
    EnforcementActionViewSet,
    FollowUpViewSet,
    InvitationViewSet,
)
from api.views.partner_work import (
    ConcernReportViewSet,
    ExitCaseViewSet,
    GroupRelationViewSet,
    SupervisionViewSet,
)
from api.views.people import (
    GroupViewSet,
    MembershipProposalViewSet,
    PersonViewSet,
    RiskAssessmentViewSet,
    ServiceReferralViewSet,
)

app_name = "api"

router = SimpleRouter()
router.register("custom-notifications", CustomNotificationViewSet, basename="custom-notification")
router.register("call-ins", CallInViewSet, basename="call-in")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("enforcement-actions", EnforcementActionViewSet, basename="enforcement-action")
router.register("service-referrals", ServiceReferralViewSet, basename="service-referral")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("group-attributions", GroupAttributionViewSet, basename="group-attribution")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("persons", PersonViewSet, basename="person")
router.register("groups", GroupViewSet, basename="group")
router.register("risk-assessments", RiskAssessmentViewSet, basename="risk-assessment")
router.register("membership-proposals", MembershipProposalViewSet, basename="membership-proposal")
router.register("supervisions", SupervisionViewSet, basename="supervision")
router.register("exit-cases", ExitCaseViewSet, basename="exit-case")
router.register("concern-reports", ConcernReportViewSet, basename="concern-report")
router.register("group-relations", GroupRelationViewSet, basename="group-relation")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"", NotFoundView.as_view(), name="not-found"),
]
