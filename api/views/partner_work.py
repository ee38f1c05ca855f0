"""Supervisions, exit cases, concern reports and group relations."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from api import filters
from api.serializers import partner_work as s
from api.views.base import RecordViewSet
from gvi.selectors import api as selectors
from gvi.services import groups as group_services
from gvi.services import interventions, people


@extend_schema_view(
    list=extend_schema(summary="List supervisions"),
    retrieve=extend_schema(summary="A supervision"),
)
class SupervisionViewSet(RecordViewSet):
    record_kind = "supervision"
    selector = staticmethod(selectors.supervisions)
    serializer_class = s.SupervisionOutput
    filterset_class = filters.SupervisionFilter
    ordering_fields = ["id", "start_date", "end_date"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(
        summary="Record a supervision",
        description="A period of supervision (skyddstillsyn, villkorlig frigivning) of a person, owned by the "
        "caller's organisation. An end date within 30 days makes a follow-up to plan what happens after.",
        request=s.SupervisionInput,
        responses={201: s.SupervisionOutput},
    )
    def create(self, request):
        return self.create_with(request, s.SupervisionInput, people.register_supervision)

    @extend_schema(
        summary="Change a supervision",
        description="E.g. the end date once it is decided or moved; the open follow-up before the end moves "
        "with it. Only the owning organisation changes it.",
        request=s.SupervisionChangeInput,
        responses={200: s.SupervisionOutput},
    )
    def partial_update(self, request, pk=None):
        return self.update_with(request, s.SupervisionChangeInput, people.update_supervision, "supervision")


@extend_schema_view(
    list=extend_schema(summary="List exit cases"),
    retrieve=extend_schema(summary="An exit case"),
)
class ExitCaseViewSet(RecordViewSet):
    record_kind = "exit_case"
    selector = staticmethod(selectors.exit_cases)
    serializer_class = s.ExitCaseOutput
    filterset_class = filters.ExitCaseFilter
    ordering_fields = ["id", "opened_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(
        summary="Open an exit case",
        description="Exit support (avhopp) with its plan and contacts, linked to the assessment of the threat "
        "to the person where one exists.",
        request=s.ExitCaseInput,
        responses={201: s.ExitCaseOutput},
    )
    def create(self, request):
        return self.create_with(request, s.ExitCaseInput, interventions.open_exit_case)

    @extend_schema(
        summary="Change an exit case",
        description="Its status, plan, contacts or threat assessment. Completed or dropped closes it.",
        request=s.ExitCaseChangeInput,
        responses={200: s.ExitCaseOutput},
    )
    def partial_update(self, request, pk=None):
        return self.update_with(request, s.ExitCaseChangeInput, interventions.update_exit_case, "exit_case")


@extend_schema_view(
    list=extend_schema(summary="List concern reports"),
    retrieve=extend_schema(summary="A concern report"),
)
class ConcernReportViewSet(RecordViewSet):
    """A filed report is not changed afterwards; a correction is a person's request (in gvi)."""

    record_kind = "concern_report"
    selector = staticmethod(selectors.concern_reports)
    serializer_class = s.ConcernReportOutput
    filterset_class = filters.ConcernReportFilter
    ordering_fields = ["id", "reported_on"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(
        summary="File a concern report",
        description="A report to social services (orosanmälan) about a person who is a minor on the day. "
        "Social services get a follow-up to confirm it was received and acted on.",
        request=s.ConcernReportInput,
        responses={201: s.ConcernReportOutput},
    )
    def create(self, request):
        return self.create_with(request, s.ConcernReportInput, interventions.file_concern_report)


@extend_schema_view(
    list=extend_schema(summary="List group relations"),
    retrieve=extend_schema(summary="A group relation"),
)
class GroupRelationViewSet(RecordViewSet):
    record_kind = "group_relation"
    selector = staticmethod(selectors.group_relations)
    logs_reads = False  # between groups, not a person's record
    serializer_class = s.GroupRelationOutput
    filterset_class = filters.GroupRelationFilter
    ordering_fields = ["id", "start_date"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(
        summary="Record a group relation",
        description="A conflict or an alliance between two groups over a period, with its source and confidence.",
        request=s.GroupRelationInput,
        responses={201: s.GroupRelationOutput},
    )
    def create(self, request):
        return self.create_with(request, s.GroupRelationInput, group_services.record_group_relation)

    @extend_schema(
        summary="Change a group relation",
        description="End it (end_date), or correct its kind, description, source or confidence.",
        request=s.GroupRelationChangeInput,
        responses={200: s.GroupRelationOutput},
    )
    def partial_update(self, request, pk=None):
        return self.update_with(request, s.GroupRelationChangeInput, group_services.update_group_relation, "relation")
